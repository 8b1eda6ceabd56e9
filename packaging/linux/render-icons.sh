#!/usr/bin/env bash
# Render resources/icons/playground.svg to the hicolor PNG sizes and a Windows .ico (a development step:
# the PNGs and the .ico are committed, so building the app needs neither tool).
# Needs rsvg-convert (Debian: librsvg2-bin) and, for the .ico, ImageMagick's convert.
set -euo pipefail
cd "$(dirname "$0")/../../resources/icons"
for n in 16 22 24 32 48 64 128 256 512; do
  rsvg-convert -w "$n" -h "$n" playground.svg -o "playground-$n.png"
done
if command -v convert >/dev/null; then
  convert playground-16.png playground-24.png playground-32.png playground-48.png playground-64.png \
    playground-128.png playground-256.png playground.ico
fi
ls -l
