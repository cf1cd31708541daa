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
# Each phase says how long it took, so CI's time can be watched.
phase() { echo "== test.sh: $1 took $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }
phase_start=$SECONDS
scripts/install-deps.sh
phase "installing"

scripts/build.sh build
phase "the build"
ctest --test-dir build -j 2 --output-on-failure
phase "the tests"

scripts/build.sh build-sanitize -DSMMUMAN_SANITIZE=ON
phase "the sanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize -j 2 --output-on-failure
phase "the tests under the sanitizers"

scripts/fuzz.sh
phase "fuzzing"
