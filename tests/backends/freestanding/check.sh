#!/usr/bin/env bash
# Compile-only check for a bare-metal target: check.sh CXX SOURCE OBJECT -I... flags
# Fails if the compile fails, or if the object needs the heap, exceptions,
# RTTI or any other C++/C runtime symbol. memcpy, memmove, memset and memcmp
# are allowed: GCC requires every freestanding environment to provide them
# (it emits calls to them for plain copies and zeroing).
set -euo pipefail
cxx=$1 source=$2 object=$3
shift 3
"$cxx" -std=c++20 -O2 -ffreestanding -fno-exceptions -fno-rtti -nostdlib -Wall -Wextra -Werror "$@" -c "$source" -o "$object"
nm=${cxx%g++}nm
command -v "$nm" >/dev/null || nm=nm
undefined=$("$nm" -u "$object" | grep -vE '^\s*U (memcpy|memmove|memset|memcmp)$' || true)
if [ -n "$undefined" ]; then
  echo "freestanding object needs runtime symbols:"
  echo "$undefined"
  exit 1
fi
echo "freestanding compile check passed ($cxx)"
