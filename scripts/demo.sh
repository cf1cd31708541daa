#!/usr/bin/env bash
# The end-to-end demo (README, command 1): a host smmuman on the hardware
# models, the guest smmuman of one VM talking to it over the VM's vdev-smmu
# channel, and a guest driver written against QNX's smmu.h. Prints what
# happens at each step and checks it; exits 1 if any check fails.
#
#   scripts/demo.sh [BUILD_DIR]     (default: build)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
smmuman=$build/tools/smmuman/smmuman
smmuctl=$build/tools/smmuctl/smmuctl
client=$build/tests/service/qnx_client
example=examples/arm-smmuv3-two-vms
for tool in "$smmuman" "$smmuctl" "$client"; do
  [[ -x $tool ]] || { echo "demo: $tool is not built (scripts/build.sh $build)"; exit 1; }
done

work=$(mktemp -d)
host_sock=$work/host.sock
guest_sock=$work/guest.sock
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  local what=$1
  shift
  if "$@"; then
    echo "  ok   - $what"
    passed=$((passed + 1))
  else
    echo "  FAIL - $what"
    failed=$((failed + 1))
  fi
}
eventually() {  # eventually COMMAND...: true within 5 s
  for _ in $(seq 100); do "$@" && return 0; sleep 0.05; done
  return 1
}
dma() {  # dma DEVICE ADDRESS ACCESS: one simulated DMA on the host's models, kept in dma.out
  "$smmuctl" --socket "$host_sock" dma "$1" "$2" "$3" >"$work/dma.out"
}
show() { sed 's/^/       /' "$work/dma.out"; }
allowed() { dma "$@" && grep -q ": allowed" "$work/dma.out"; }
denied() { dma "$@" && grep -q ": denied" "$work/dma.out"; }
has() { grep -q "$2" "$1"; }

echo "== The host smmuman starts on the models of $example/host.yaml"
# In the foreground here, so that its log stays in a file for this demo (in the
# background it logs to syslog once it listens).
"$smmuman" run -f --socket "$host_sock" --pid-file "$work/host.pid" "$example/host.yaml" 2>>"$work/host.log" &
pids+=($!)
check "the host daemon started and listens" eventually test -S "$host_sock"
check "before any guest: vm-net's crypto0 is blocked (fail-closed)" denied crypto0 0x50000010 write
show

echo "== The guest smmuman of vm-net starts; its unit is the vdev-smmu channel to the host"
"$smmuman" run -f --socket "$guest_sock" --vdev "$work/vm/vm-net.sock" "$example/guest-vm-net.yaml" 2>>"$work/guest.log" &
pids+=($!)
check "the guest daemon listens" eventually test -S "$guest_sock"
check "the guest's startup mapping for eth0 is honoured: eth0 reads its receive ring" allowed eth0 0x5ff00000 read
show

echo "== A guest driver (tests/service/qnx_client.c, QNX's API only) attaches crypto0 (guest PCI 0:2.0),"
echo "   maps guest-physical 0x50000000 + 64 KiB read/write, and waits for transgressions"
SMMUMAN_SOCKET=$guest_sock "$client" hold 0 2 0 0x50000000 0x10000 >"$work/driver.out" 2>&1 &
pids+=($!)
driver=$!
check "the driver is ready" eventually has "$work/driver.out" "^ready"
sed 's/^/       /' "$work/driver.out"

echo "== crypto0 writes inside its buffer"
dma crypto0 0x50000010 write
show
check "allowed, and lands in vm-net's host memory (guest 0x50000010 -> host 0x90000010)" \
  grep -q "allowed, reaches physical 0x90000010" "$work/dma.out"

echo "== crypto0 writes outside its buffer"
dma crypto0 0x50100000 write
show
check "denied by the host's SMMU" grep -q ": denied" "$work/dma.out"
check "the host reported it to vm-net's guest smmuman" grep -q "reported to .*vm vm-net" "$work/dma.out"
check "the guest driver got it through smmu_xfer_notify + smmu_xfer_status" \
  eventually has "$work/driver.out" "transgression: address 0x50100000 device 0:2.0"
grep transgression "$work/driver.out" | sed 's/^/       /'

echo "== A second guest driver tries to attach crypto0"
SMMUMAN_SOCKET=$guest_sock "$client" attach 0 2 0 >"$work/second.out" 2>&1
check "refused with EBUSY: crypto0 belongs to the first driver" has "$work/second.out" "EBUSY"
sed 's/^/       /' "$work/second.out"

echo "== The first driver is killed (SIGKILL)"
kill -9 "$driver"
wait "$driver" 2>/dev/null
check "crypto0 is blocked at once" eventually denied crypto0 0x50000010 write
show

echo "== The guest smmuman stops"
kill -TERM "${pids[1]}"
wait "${pids[1]}" 2>/dev/null
check "vm-net's devices are blocked: eth0's receive ring too" eventually denied eth0 0x5ff00000 read
show

echo "== What the host saw (smmuctl faults)"
"$smmuctl" --socket "$host_sock" faults | sed 's/^/       /'
echo "== The host smmuman stops"
kill -TERM "$(cat "$work/host.pid")"
check "the host daemon stopped and removed its socket" eventually test ! -e "$host_sock"

echo "$passed passed, $failed failed"
if ((failed > 0)); then
  echo "--- host log"; cat "$work/host.log"; echo "--- guest log"; cat "$work/guest.log"
  exit 1
fi
