#!/bin/sh
# Regenerates the "This machine" results of bench/README.md: builds
# smmuman-bench, runs `all --quick` and `all` (full sizes) while holding the
# shared build lock, so that no build disturbs the timing, and prints the
# Markdown section; with --write it replaces the section between the results
# markers in bench/README.md instead.
#
#   bench/results.sh [--write] [--quick-only] [--build DIR] [--label TEXT]
#
# --build DIR   a build tree other than build/ (default: build/ of this checkout)
# --label TEXT  what code was measured (default: the commit, and which of
#               config/ core/ gen/ have uncommitted changes)
# SMMUMAN_BUILD_LOCK names the lock file (default /tmp/smmuman-build.lock).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
write=no
quick_only=no
label=
while [ $# -gt 0 ]; do
  case "$1" in
    --write) write=yes ;;
    --quick-only) quick_only=yes ;;
    --build) build=$(cd "$2" && pwd); shift ;;
    --label) label=$2; shift ;;
    *) echo "usage: $0 [--write] [--quick-only] [--build DIR] [--label TEXT]" >&2; exit 2 ;;
  esac
  shift
done
lock=${SMMUMAN_BUILD_LOCK:-/tmp/smmuman-build.lock}
bench="$build/bench/smmuman-bench"

flock "$lock" cmake --build "$build" --target smmuman-bench >&2

if [ -z "$label" ]; then
  label="commit $(git -C "$root" rev-parse --short HEAD)"
  changed=
  for dir in config core gen; do
    if [ -n "$(git -C "$root" status --porcelain -- "$dir")" ]; then changed="$changed $dir/"; fi
  done
  if [ -n "$changed" ]; then label="$label with uncommitted changes in$changed"; fi
fi
cache="$build/CMakeCache.txt"
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$cache")
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
memory_gib=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)

echo "bench/results.sh: running --quick" >&2
quick=$(flock "$lock" "$bench" all --quick)
if [ "$quick_only" = no ]; then
  echo "bench/results.sh: running the full sizes (minutes)" >&2
  full=$(flock "$lock" "$bench" all)
fi

section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M') UTC on $cpu ($(nproc) cores, $memory_gib GiB),"
  echo "$("$compiler" --version | head -n 1), $build_type; code: $label."
  echo
  echo '`smmuman-bench all --quick`:'
  echo
  echo '```text'
  echo "$quick"
  echo '```'
  if [ "$quick_only" = no ]; then
    echo
    echo '`smmuman-bench all`:'
    echo
    echo '```text'
    echo "$full"
    echo '```'
  fi
} > "$section"

if [ "$write" = no ]; then
  cat "$section"
  exit 0
fi
readme="$root/bench/README.md"
awk -v section="$section" '
  /<!-- results:begin -->/ { print; while ((getline line < section) > 0) print line; skipping = 1; next }
  /<!-- results:end -->/ { skipping = 0 }
  !skipping { print }
' "$readme" > "$readme.new"
mv "$readme.new" "$readme"
echo "bench/results.sh: wrote $readme" >&2
