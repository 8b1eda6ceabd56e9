#!/usr/bin/env bash
# Measure how long an app takes from launch to its first mapped window, under a private Xvfb server, and
# take a screenshot of the screen after a while (a development tool; needs xvfb, xdotool, imagemagick).
#
#   packaging/linux/first-window.sh dist/playground/playground [SHOT.png [SECONDS [ARGS...]]]
#
# Prints "first window: X.X s". With SHOT.png, waits SECONDS more (default 20) and saves the screen there.
set -euo pipefail
APP=$1; SHOT=${2:-}; WAIT=${3:-20}; shift $(( $# < 3 ? $# : 3 ))
DISP=:$(( 90 + RANDOM % 100 ))
Xvfb "$DISP" -screen 0 1366x768x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
trap 'kill $APP_PID 2>/dev/null || true; sleep 1; kill $XVFB 2>/dev/null || true' EXIT
export DISPLAY=$DISP
for _ in $(seq 300); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
xdotool getdisplaygeometry >/dev/null || { echo "first-window.sh: Xvfb did not start" >&2; exit 1; }
unset QT_QPA_PLATFORM
T0=$(date +%s.%N)
"$APP" gui "$@" >/tmp/first-window-app.log 2>&1 &
APP_PID=$!
xdotool search --sync --onlyvisible --name "Generative AI Playground" >/dev/null
T1=$(date +%s.%N)
echo "first window: $(echo "$T1 - $T0" | bc) s"
if [ -n "$SHOT" ]; then
  sleep "$WAIT"
  import -window root "$SHOT"
  echo "screenshot: $SHOT"
fi
