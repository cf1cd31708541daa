#!/usr/bin/env bash
# Quick start (1): install, build, and check the example host deployment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
build/tools/smmuman/smmuman check examples/arm-smmuv3-two-vms/host.yaml
