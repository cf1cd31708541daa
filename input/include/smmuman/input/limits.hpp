// Bounds that keep every reader's time and memory linear in its input.
#pragma once

#include <cstddef>
#include <cstdint>

namespace smmuman::input {

// No input file is larger: a configuration of 100,000 devices is a few
// megabytes, and reading /dev/zero by mistake must end.
inline constexpr size_t kMaxInputBytes = size_t{256} << 20;

// How much a text of `bytes` bytes may stand for once its shorthands are
// expanded (YAML aliases: nodes plus the bytes of their text; a QNX allow set
// shared by many devices: mappings): four per byte, plus a floor for small
// files. A shorthand that expands past this is refused, so a short file
// cannot demand unbounded work or memory.
constexpr uint64_t expansion_limit(size_t bytes) { return 65536 + 4 * uint64_t{bytes}; }

}  // namespace smmuman::input
