#!/usr/bin/env bash
# Remove what install.sh put in place; give it the same option:
#   ./uninstall.sh  |  sudo ./uninstall.sh --system  |  ./uninstall.sh --prefix DIR
# (install.sh --uninstall does the work: one place knows where the files go)
case "${1:-}" in -h|--help) sed -n '2,4p' "$0"; exit 0 ;; esac
exec bash "$(dirname "$0")/install.sh" --uninstall "$@"
