#!/usr/bin/env bash
# Installs what `make run` and `make test` need on Debian / Ubuntu, and only
# what is missing: a second run installs nothing.
set -euo pipefail

# Tauri's WebKitGTK stack, the headless display and WebDriver for the
# end-to-end tests, a session bus (single instance) and a CJK font.
APT_PACKAGES=(
  build-essential pkg-config libssl-dev
  libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libsoup-3.0-dev
  libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver dbus fonts-wqy-microhei
)
TAURI_DRIVER_VERSION='^2'

say() { printf 'setup: %s\n' "$*" >&2; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  install=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    say "missing system packages; run as root:"
    say "  apt-get update && ${install[*]}"
    exit 1
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${install[@]}" -qq
fi

need() {
  command -v "$1" >/dev/null || { say "$1 is required: $2"; exit 1; }
}
need cargo "install Rust from https://rustup.rs"
need node "install Node.js 20 or newer from https://nodejs.org"
need npm "it comes with Node.js 20 or newer"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || { say "Node.js 20 or newer is required (found $(node --version))"; exit 1; }

if command -v rustup >/dev/null; then
  for component in rustfmt clippy; do
    rustup component list --installed | grep -q "^$component" || rustup component add "$component"
  done
fi

if ! tauri-driver --help >/dev/null 2>&1; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --locked --version "$TAURI_DRIVER_VERSION"
fi
