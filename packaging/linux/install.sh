#!/usr/bin/env bash
# Install the Generative AI Playground bundle with its menu entry, AppStream metadata and icons.
#
#   ./install.sh                 for you:       ~/.local (no root needed)
#   sudo ./install.sh --system   for everyone:  the app in /opt/playground, the rest under /usr/local
#   ./install.sh --prefix DIR    anywhere:      DIR/lib/playground, DIR/bin, DIR/share
#   ./install.sh [...] BUNDLE    the bundle folder (default: this script's folder when it holds the app,
#                                else dist/playground of the checkout this script is in)
#
# Remove it with uninstall.sh (or install.sh --uninstall) and the same option (both are installed next to the app).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
APP_ID=io.github.genaiplayground.Playground
PREFIX=""
MODE=user
BUNDLE=""
ACTION=install
while [ $# -gt 0 ]; do
  case "$1" in
    --user) MODE=user ;;
    --system) MODE=system ;;
    --prefix) MODE=prefix; PREFIX=$2; shift ;;
    --uninstall) ACTION=uninstall ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) BUNDLE=$1 ;;
  esac
  shift
done
case "$MODE" in
  user) PREFIX=$HOME/.local; APPDIR=$PREFIX/lib/playground ;;
  system) PREFIX=/usr/local; APPDIR=/opt/playground ;;
  prefix) PREFIX=$(realpath -m "$PREFIX"); APPDIR=$PREFIX/lib/playground ;;
esac
if [ "$ACTION" = uninstall ]; then
  # the launcher link only if it points into this installation (never another program called playground)
  if [ -L "$PREFIX/bin/playground" ] && [ "$(readlink "$PREFIX/bin/playground")" = "$APPDIR/playground" ]; then
    rm -f "$PREFIX/bin/playground"
  fi
  rm -f "$PREFIX/share/applications/$APP_ID.desktop" "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
  rm -f "$PREFIX"/share/icons/hicolor/*/apps/"$APP_ID".png "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
  if [ -x "$APPDIR/playground" ] && [ -d "$APPDIR/_internal" ]; then rm -rf "$APPDIR"; fi
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t -f "$PREFIX/share/icons/hicolor" || true
  echo "removed Generative AI Playground from $PREFIX"
  exit 0
fi
if [ -z "$BUNDLE" ]; then
  if [ -x "$HERE/playground" ] && [ -d "$HERE/_internal" ]; then BUNDLE=$HERE; else BUNDLE=$HERE/../../dist/playground; fi
fi
BUNDLE=$(realpath -m "$BUNDLE")
if [ ! -x "$BUNDLE/playground" ]; then
  echo "install.sh: no app at $BUNDLE/playground (build it with packaging/build-linux.sh)" >&2
  exit 2
fi
# desktop file and metainfo: next to this script (in the bundle, or packaging/linux of a checkout)
for f in "$APP_ID.desktop" "$APP_ID.metainfo.xml"; do
  [ -f "$HERE/$f" ] || { echo "install.sh: $HERE/$f is missing" >&2; exit 2; }
done
ICONS=$BUNDLE/_internal/playground/resources/icons
[ -d "$ICONS" ] || ICONS=$HERE/../../resources/icons
[ -f "$ICONS/playground.svg" ] || { echo "install.sh: no icons in $ICONS" >&2; exit 2; }

echo "installing $BUNDLE -> $APPDIR"
mkdir -p "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo" "$(dirname "$APPDIR")"
if [ "$BUNDLE" != "$APPDIR" ]; then
  rm -rf "$APPDIR.new"
  cp -a "$BUNDLE" "$APPDIR.new"  # -a keeps the bundle's symlinks
  rm -rf "$APPDIR"
  mv "$APPDIR.new" "$APPDIR"
fi
for f in install.sh uninstall.sh; do  # the uninstaller stays with the app (it needs install.sh)
  [ "$HERE/$f" -ef "$APPDIR/$f" ] || cp "$HERE/$f" "$APPDIR/$f"
done
ln -sfn "$APPDIR/playground" "$PREFIX/bin/playground"
EXEC=$APPDIR/playground
case "$EXEC" in *" "*) EXEC="\"$EXEC\"" ;; esac  # the desktop entry spec quotes paths with spaces
sed -e "s|^Exec=playground|Exec=$EXEC|" -e "s|^TryExec=playground|TryExec=$APPDIR/playground|" \
  "$HERE/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
for png in "$ICONS"/playground-*.png; do
  n=$(basename "$png" .png); n=${n#playground-}
  mkdir -p "$PREFIX/share/icons/hicolor/${n}x${n}/apps"
  cp "$png" "$PREFIX/share/icons/hicolor/${n}x${n}/apps/$APP_ID.png"
done
mkdir -p "$PREFIX/share/icons/hicolor/scalable/apps"
cp "$ICONS/playground.svg" "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
# refresh the menu's and the icon theme's caches where the tools exist (a desktop picks the files up anyway)
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t -f "$PREFIX/share/icons/hicolor" || true
echo "installed: $PREFIX/bin/playground, menu entry $PREFIX/share/applications/$APP_ID.desktop"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "note: $PREFIX/bin is not on PATH; the menu entry works regardless" ;; esac
