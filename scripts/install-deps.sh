#!/usr/bin/env bash
# Installs what kiln needs on Debian 12, from Debian's archive only. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config dpkg-dev
  libhalide14-0-dev libtorch-dev libfmt-dev libgtest-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev libxxhash-dev
  python3-torch python3-torchvision graphviz chromium xxhash
  g++-aarch64-linux-gnu qemu-user
  clang-14 libfuzzer-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
