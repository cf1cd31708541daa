#!/usr/bin/env bash
# Installs the Debian 12 packages smmuman builds and tests with. Quick and
# silent when everything is already there; needs root (or sudo) otherwise.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libz3-dev cvc5 libboost-dev librapidcheck-dev libgtest-dev libgmock-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  g++-aarch64-linux-gnu binutils-aarch64-linux-gnu
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
