#!/usr/bin/env bash
# Build the Linux desktop bundle from a clean clone:
#
#   packaging/build-linux.sh            # fresh venv in build/venv-bundle, CPU torch, the project, PyInstaller
#
# gives dist/playground/ (run dist/playground/playground, or ./install.sh inside it) and
# dist/playground-VERSION-linux-ARCH.tar.gz (symlinks kept), and prints their sizes and the build time.
#
# Options:
#   --no-venv        use the current Python environment as it is (it must have the project's dependencies
#                    and PyInstaller): a quick rebuild, used by the `packaging` test
#   --torch SPEC     the torch requirement for the fresh venv (default: torch==2.13.0, the CPU build on this
#                    machine's disk). A CUDA bundle: --torch torch --index-url URL (see docs/PACKAGING.md)
#   --index-url URL  where pip finds that torch
#   --dist DIR       output folder (default: dist)
#   --work DIR       PyInstaller's work folder (default: build/pyinstaller)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=1
TORCH="torch==2.13.0"
INDEX_URL=""
DIST=$ROOT/dist
WORK=$ROOT/build/pyinstaller
while [ $# -gt 0 ]; do
  case "$1" in
    --no-venv) VENV=0 ;;
    --torch) TORCH=$2; shift ;;
    --index-url) INDEX_URL=$2; shift ;;
    --dist) DIST=$(realpath -m "$2"); shift ;;
    --work) WORK=$(realpath -m "$2"); shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build-linux.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

START=$(date +%s)
# Qt's X11 plugin needs these; PyInstaller copies them into the bundle when the build machine has them, so
# the bundle then runs on desktops that lack them (Debian/Ubuntu package names).
missing=""
for lib in libxcb-cursor.so.0:libxcb-cursor0 libxcb-icccm.so.4:libxcb-icccm4 libxcb-keysyms.so.1:libxcb-keysyms1 \
           libxcb-render-util.so.0:libxcb-render-util0 libxcb-image.so.0:libxcb-image0 \
           libxkbcommon-x11.so.0:libxkbcommon-x11-0; do
  ldconfig -p 2>/dev/null | grep -q "${lib%%:*}" || missing="$missing ${lib##*:}"
done
[ -z "$missing" ] || echo "warning: the bundle will lack Qt's X11 libraries; install them first: apt-get install$missing"
if [ "$VENV" = 1 ]; then
  rm -rf build/venv-bundle
  python3 -m venv build/venv-bundle
  . build/venv-bundle/bin/activate
  python -m pip install -q --upgrade pip
  # torch first and on its own, so that the project's `torch>=2.4` does not pull a CUDA build
  python -m pip install -q "$TORCH" ${INDEX_URL:+--index-url "$INDEX_URL"}
  python -m pip install -q . "pyinstaller>=6.10"
fi
python -c "import PyInstaller" 2>/dev/null || { echo "build-linux.sh: PyInstaller is not installed" >&2; exit 2; }
VERSION=$(python -c "import sys; sys.path.insert(0, '.'); import playground; print(playground.__version__)")
echo "building playground $VERSION with $(python -c 'import torch; print("torch", torch.__version__)') ..."

rm -rf "$DIST/playground"
python -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" \
  packaging/pyinstaller/playground.spec

# Desktop integration travels in the bundle: ./install.sh puts the app in the menu.
APP_ID=io.github.genaiplayground.Playground
cp packaging/linux/install.sh packaging/linux/uninstall.sh "$DIST/playground/"
cp "packaging/linux/$APP_ID.desktop" "packaging/linux/$APP_ID.metainfo.xml" "$DIST/playground/"
cat > "$DIST/playground/README.txt" <<EOF
Generative AI Playground $VERSION for Linux ($(uname -m)).

Run it from here:          ./playground
Put it in the app menu:    ./install.sh            (for you: ~/.local; for everyone: sudo ./install.sh --system)
Check the installation:    ./playground selftest
Remove it again:           ~/.local/lib/playground/uninstall.sh   (or: sudo /opt/playground/uninstall.sh --system)
EOF

TARBALL="$DIST/playground-$VERSION-linux-$(uname -m).tar.gz"
tar -C "$DIST" -czf "$TARBALL" playground  # tar keeps symlinks as symlinks (no -h)
END=$(date +%s)
echo "bundle:  $DIST/playground  $(du -sh "$DIST/playground" | cut -f1)"
echo "tarball: $TARBALL  $(du -sh "$TARBALL" | cut -f1)"
echo "build time: $((END - START)) s (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
