#!/usr/bin/env bash
# Quick start (1): install, build, check the example host deployment, then run
# the end-to-end demo on it (scripts/demo.sh): a host smmuman and a VM's guest
# smmuman on the hardware models, a guest driver written against QNX's smmu.h,
# and what each simulated DMA did.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
build/tools/smmuman/smmuman check examples/arm-smmuv3-two-vms/host.yaml
echo
scripts/demo.sh build
