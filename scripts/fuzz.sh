#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan into
# build-fuzz/, and runs each for a bounded number of inputs; fails if any
# target finds a crash or a property violation. See tests/README.md, "Fuzzing".
#
#   scripts/fuzz.sh [TARGET...]            every target by default
#   SMMUMAN_FUZZ_RUNS=N                    inputs per target (default 20000)
#   SMMUMAN_FUZZ_SEED=N                    libFuzzer's random seed (default: a new one each run)
#   SMMUMAN_FUZZ_FLAGS="-max_total_time=600 -jobs=2"   more libFuzzer flags
#
# The corpus grows in build-fuzz/corpus/<target>/ (seeded from the files that
# tests/fuzz/seeds.txt names; the repository is never written); reproducers
# land in build-fuzz/findings/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${SMMUMAN_FUZZ_RUNS:-20000}
dir=build-fuzz
cxx=${SMMUMAN_FUZZ_CXX:-clang++-14}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_yaml_config fuzz_qnx_smmu fuzz_hw_description fuzz_protocol)

# Only the fuzz targets and the libraries they test: no test suites or proofs.
# Line tables (-g1) are all a finding's stack trace needs, and build much faster.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSMMUMAN_FUZZ=ON -DSMMUMAN_BUILD_TESTS=OFF >/dev/null
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"

# Seeds are copied, each under a name that says where it came from, so that
# libFuzzer may add to the corpus directory without touching the repository.
copy_seeds() {
  local target=$1 corpus=$2 line_target directory pattern file
  while read -r line_target directory pattern; do
    [[ -z "$line_target" || "$line_target" == \#* || "$line_target" != "$target" ]] && continue
    while IFS= read -r -d '' file; do
      cp "$file" "$corpus/seed-${file//\//-}"
    done < <(find "$directory" -type f -name "$pattern" -print0)
  done < tests/fuzz/seeds.txt
}

failed=()
for target in "${targets[@]}"; do
  corpus=$dir/corpus/$target
  findings=$dir/findings/$target
  log=$dir/logs/$target.log
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  copy_seeds "$target" "$corpus"
  echo "fuzz: $target, $runs inputs (corpus $corpus: $(find "$corpus" -type f | wc -l) files)"
  start=$SECONDS
  touch "$dir/logs/$target.start"
  # -fno-sanitize-recover makes every UBSan finding fatal; leaks count too.
  # shellcheck disable=SC2086  # SMMUMAN_FUZZ_FLAGS is a list of flags
  if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$dir/tests/fuzz/$target" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -dict="tests/fuzz/$target.dict" -artifact_prefix="$findings/" -print_final_stats=1 \
      ${SMMUMAN_FUZZ_SEED:+-seed=$SMMUMAN_FUZZ_SEED} \
      ${SMMUMAN_FUZZ_FLAGS:-} "$corpus" >"$log" 2>&1 &&
    # A -fork run with -ignore_crashes exits 0 after findings: count the reproducers too.
    [ -z "$(find "$findings" -type f -newer "$dir/logs/$target.start")" ]; then
    echo "fuzz: $target: no findings in $((SECONDS - start)) s ($(grep -m1 -o 'Seed: [0-9]*' "$log"); log $log)"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED after $((SECONDS - start)) s; the end of $log:" >&2
    tail -n 40 "$log" >&2
    while IFS= read -r reproducer; do  # libFuzzer names them crash-<sha1>, timeout-…, leak-…
      echo "fuzz: reproducer $reproducer" >&2
      echo "  replay with libFuzzer: $dir/tests/fuzz/$target $reproducer" >&2
      echo "  or in a g++ build:     build/tests/fuzz/${target}_replay $reproducer" >&2
    done < <(find "$findings" -type f -newer "$dir/logs/$target.start")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
