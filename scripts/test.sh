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

# Line tables (-g1) give every backtrace its lines and build much faster than
# full debug information.
scripts/build.sh build -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
phase "the build"
ctest --test-dir build -j 2 --output-on-failure
phase "the tests"

# -O1 is what the sanitizers are made for; line tables (-g1) are enough for
# their reports and build much faster than full debug info. The benchmark and
# the proofs ran above and add nothing to a memory-safety pass; nor do the
# QEMU scenarios, which run a cross-compiled image.
scripts/build.sh build-sanitize -DSMMUMAN_SANITIZE=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DSMMUMAN_BUILD_BENCH=OFF -DSMMUMAN_BUILD_PROOFS=OFF -DSMMUMAN_QEMU_TESTS=OFF
phase "the sanitizer build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize -j 2 --output-on-failure
phase "the tests under the sanitizers"

scripts/fuzz.sh
phase "fuzzing"
