// Synthetic hardware descriptions for the gen suite (format:
// docs/hw-description-format.md), generated in memory at any size.
#pragma once

#include <cstddef>
#include <string>

namespace smmuman::bench {

struct GenInput {
  std::string text;
  std::size_t register_count = 0;  // what a correct load must hold
  std::string last_register;       // a name the emitted header must contain
};

// array_count register arrays of count 4096 over 8 blocks, in groups of four:
// an interleaved pair (32-bit, stride 8, offsets +0 and +4), a dense 32-bit
// array (stride 4) and a read-only 64-bit array (stride 16).
GenInput gen_description(std::size_t array_count);

inline constexpr unsigned kGenArrayCount = 4096;  // instances per array, the format's maximum

}  // namespace smmuman::bench
