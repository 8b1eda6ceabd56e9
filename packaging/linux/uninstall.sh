#!/usr/bin/env bash
# Remove what install.sh put in place; give it the same option:
#   ./uninstall.sh  |  sudo ./uninstall.sh --system  |  ./uninstall.sh --prefix DIR
set -euo pipefail
APP_ID=io.github.genaiplayground.Playground
MODE=user
PREFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --user) MODE=user ;;
    --system) MODE=system ;;
    --prefix) MODE=prefix; PREFIX=$2; shift ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$MODE" in
  user) PREFIX=$HOME/.local; APPDIR=$PREFIX/lib/playground ;;
  system) PREFIX=/usr/local; APPDIR=/opt/playground ;;
  prefix) PREFIX=$(realpath -m "$PREFIX"); APPDIR=$PREFIX/lib/playground ;;
esac
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
