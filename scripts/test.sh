#!/usr/bin/env bash
# Quick start (2): install, build, and run the whole test suite twice: once
# as built for use, once under AddressSanitizer + UndefinedBehaviorSanitizer.
# SMMUMAN_PROPERTY_CASES sets how many cases each property tries (default 2000);
# then fuzzes each reader for SMMUMAN_FUZZ_RUNS inputs (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export SMMUMAN_PROPERTY_CASES=${SMMUMAN_PROPERTY_CASES:-2000}
export SMMUMAN_FUZZ_RUNS=${SMMUMAN_FUZZ_RUNS:-20000}
# A fixed seed keeps CI's fuzz phase repeatable; set it empty to explore anew.
export SMMUMAN_FUZZ_SEED=${SMMUMAN_FUZZ_SEED-1}
scripts/install-deps.sh

scripts/build.sh build
ctest --test-dir build -j 2 --output-on-failure

scripts/build.sh build-sanitize -DSMMUMAN_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize -j 2 --output-on-failure

scripts/fuzz.sh
