#include "smmuman/config/number.hpp"

#include <fmt/format.h>

namespace smmuman::config {

std::variant<uint64_t, std::string> parse_number(std::string_view text, DefaultBase base) {
  const std::string quoted = fmt::format("'{}'", text);
  unsigned radix = static_cast<unsigned>(base);
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    radix = 16;
    digits.remove_prefix(2);
  } else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'd' || digits[1] == 'D')) {
    radix = 10;
    digits.remove_prefix(2);
  }
  unsigned shift = 0;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: break;
    }
    if (shift != 0) digits.remove_suffix(1);
  }
  if (digits.empty()) return fmt::format("{} is not a number", quoted);
  uint64_t value = 0;
  for (char c : digits) {
    unsigned digit = 99;  // not a digit in any base
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    }
    if (digit >= radix) {
      return fmt::format("{} is not a {} number: unexpected '{}'", quoted, radix == 16 ? "hexadecimal" : "decimal", c);
    }
    if (value > (UINT64_MAX - digit) / radix) return fmt::format("{} does not fit in 64 bits", quoted);
    value = value * radix + digit;
  }
  if (shift != 0 && value > (UINT64_MAX >> shift)) return fmt::format("{} does not fit in 64 bits", quoted);
  return value << shift;
}

}  // namespace smmuman::config
