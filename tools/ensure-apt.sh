#!/usr/bin/env bash
# Install Debian packages only when missing: `tools/ensure-apt.sh chromium latexmk ...`.
# Needs root (or sudo); prints exactly what it cannot install and why.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-apt: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "ensure-apt: need root to install: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
# A stale package list makes installs fail with 404s; refresh once per hour at most.
stamp=/var/lib/apt/periodic/mlsysbook-update
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +60 2>/dev/null)" ]; then
  $SUDO apt-get update -qq && $SUDO mkdir -p "$(dirname "$stamp")" && $SUDO touch "$stamp"
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
