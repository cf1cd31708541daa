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

# QEMU 10 for the bare-metal SMMUv3 scenarios (tests/qemu): Debian 12's 7.2
# emulates no SMMUv3 stage 2; bookworm-backports has 10.x.
qemu_major=$( (qemu-system-aarch64 --version 2>/dev/null || true) | sed -n '1s/^QEMU emulator version \([0-9]*\).*/\1/p')
need_qemu=0
[ "${qemu_major:-0}" -ge 10 ] || need_qemu=1

[ ${#missing[@]} -eq 0 ] && [ $need_qemu -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
if [ ${#missing[@]} -ne 0 ]; then
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ $need_qemu -eq 1 ]; then
  target=()
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = bookworm ]; then
    if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "deb http://deb.debian.org/debian bookworm-backports main" |
        "${sudo[@]}" tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
    fi
    target=(-t bookworm-backports)
  fi
  echo "installing: qemu-system-arm (10.x${target:+ from bookworm-backports})"
  # Not fatal: without QEMU 10 the tests in tests/qemu say they were skipped.
  "${sudo[@]}" apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${target[@]}" \
    qemu-system-arm || echo "warning: QEMU 10 could not be installed; tests/qemu will be skipped"
fi
