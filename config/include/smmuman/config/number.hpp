// Number notation shared by the configuration readers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace smmuman::config {

// How an unprefixed number is read. QNX smmuman reads addresses as hex and
// everything else as decimal ("Global options", smmuman User's Guide).
enum class DefaultBase { decimal = 10, hex = 16 };

// Parses digits with an optional `0x` (hex) or `0d` (decimal) prefix and an
// optional K/M/G multiplier (powers of 1024, either case). Overflow past
// 2^64 - 1 is an error. Returns the value or a message saying what is wrong.
std::variant<uint64_t, std::string> parse_number(std::string_view text, DefaultBase base);

}  // namespace smmuman::config
