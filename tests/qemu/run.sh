#!/usr/bin/env bash
# tests/qemu/run.sh [OUT_DIR]: builds the bare-metal harness (the Arm SMMUv3
# backend's own sources, cross-compiled freestanding for AArch64) and runs it
# under QEMU's emulated SMMUv3, once as built and once per sabotage switch.
# Prints one line per check and "N passed, M failed"; exits 0 only when every
# check passed and every sabotage was caught, 77 (skipped) when QEMU 10 or the
# cross compiler is missing (scripts/install-deps.sh installs both).
#
# SMMUMAN_QEMU and SMMUMAN_QEMU_CXX override the emulator and the compiler,
# SMMUMAN_BOOST_INCLUDE the directory that holds boost/ (/usr/include).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/qemu}
qemu=${SMMUMAN_QEMU:-qemu-system-aarch64}
cxx=${SMMUMAN_QEMU_CXX:-aarch64-linux-gnu-g++}

skip() {
  echo "skipped: $1"
  exit 77
}
command -v "$qemu" >/dev/null || skip "$qemu not found (Debian: qemu-system-arm 10 from bookworm-backports)"
major=$( ("$qemu" --version 2>/dev/null || true) | sed -n '1s/^QEMU emulator version \([0-9]*\).*/\1/p')
[ "${major:-0}" -ge 10 ] || skip "$qemu is version ${major:-unknown}; the harness is written against QEMU 10 (Debian 12's 7.2 emulates no SMMUv3 stage 2)"
command -v "$cxx" >/dev/null || skip "$cxx not found (Debian: g++-aarch64-linux-gnu)"

# ---- Build -------------------------------------------------------------------------------------------
# Boost.Hana through a directory of its own, so no host header is seen.
mkdir -p "$out/include"
ln -sfn "${SMMUMAN_BOOST_INCLUDE:-/usr/include}/boost" "$out/include/boost"
flags=(-std=c++20 -O2 -g -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
  -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -fno-stack-protector -fno-pie
  -mgeneral-regs-only -mstrict-align -Wall -Wextra -Werror
  -isystem "$out/include" -I"$here/aarch64-virt" -I"$here/common"
  -I"$root/backends/common/include" -I"$root/backends/arm-smmuv3/include"
  -I"$root/backends/arm-smmuv3/backend/include")
objects=()
for source in "$here/aarch64-virt/start.S" "$here/aarch64-virt/platform.cpp" "$here/common/runtime.cpp" \
  "$here/arm-smmuv3/scenarios.cpp"; do
  object="$out/$(basename "$source").o"
  "$cxx" "${flags[@]}" -c "$source" -o "$object"
  objects+=("$object")
done
image="$out/arm-smmuv3-harness.elf"
"$cxx" "${flags[@]}" -nostdlib -static -no-pie -T "$here/aarch64-virt/link.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
  -o "$image" "${objects[@]}" -lgcc

# ---- Run ---------------------------------------------------------------------------------------------
# -icount shift=10,sleep=off: each instruction is 2^10 ns of virtual time and
# idle time is skipped, so edu's 100 ms per transfer costs little real time.
run_harness() {  # run_harness LOG [ARGUMENT...]
  local log=$1 args=""
  shift
  for a in "$@"; do args+=",arg=$a"; done
  local status=0
  timeout 120 "$qemu" -M virt,iommu=smmuv3,highmem=off -cpu cortex-a57 -m 512M \
    -display none -nodefaults -monitor none -serial none \
    -icount shift=10,sleep=off \
    -device edu,dma_mask=0xffffffffffffffff \
    -semihosting-config "enable=on,target=native,arg=arm-smmuv3-harness$args" \
    -kernel "$image" >"$log" 2>&1 || status=$?
  return $status
}

passed=0
failed=0
# Every scenario, with each stream table format the backend picks.
scenarios() {  # scenarios LOG [ARGUMENT...]
  local log=$1 status=0
  run_harness "$@" || status=$?
  grep -E '^(PASS|FAIL|#|FATAL)' "$log" || true
  passed=$((passed + $(grep -c '^PASS ' "$log" || true)))
  failed=$((failed + $(grep -c '^FAIL ' "$log" || true)))
  if [ "$status" -ne 0 ] && [ "$(grep -c '^FAIL ' "$log" || true)" -eq 0 ]; then
    echo "FAIL the harness exited with status $status without a failed check (see $log)"
    failed=$((failed + 1))
  fi
  if ! grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$log"; then
    echo "FAIL the harness did not finish (see $log)"
    failed=$((failed + 1))
  fi
}
scenarios "$out/two-level.log"
scenarios "$out/linear.log" linear

# Each switch breaks one rule of the backend's; the checks named must fail.
sabotage() {  # sabotage SWITCH CHECK...
  local switch=$1
  shift
  local log="$out/sabotage-$switch.log"
  run_harness "$log" "$switch" || true
  if ! grep -qE '^[0-9]+ passed, [0-9]+ failed$' "$log"; then
    echo "FAIL sabotage $switch: the harness did not finish (see $log)"
    failed=$((failed + 1))
    return
  fi
  for check in "$@"; do
    # Caught: the check failed on what it saw, not on a transfer that never ran.
    if grep -F "FAIL $check" "$log" | grep -qv "the edu transfer never completed"; then
      echo "PASS sabotage $switch is caught: $check"
      passed=$((passed + 1))
    else
      echo "FAIL sabotage $switch went unnoticed: $check passed (see $log)"
      failed=$((failed + 1))
    fi
  done
}
sabotage skip_tlbi "unmap: after it, DMA to the page is blocked" \
  "remap: DMA follows the new mapping, not the cached old one" \
  "block split: DMA to the unmapped page is blocked"
sabotage skip_cfgi "detach: DMA to a mapped page is blocked" \
  "restart: the device stays blocked until attached again"
sabotage grant_write "read-only mapping: a write is stopped"
sabotage skip_gbpa_abort "restart: with SMMUEN cleared, DMA is aborted (SMMU_GBPA.ABORT)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
