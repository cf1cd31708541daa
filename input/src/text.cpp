#include "smmuman/input/text.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace smmuman::input {

namespace {

// Decodes one UTF-8 sequence at text[at]; returns its length and code point,
// or length 0 when the bytes there are not well-formed UTF-8 (RFC 3629, 4).
struct Decoded {
  size_t length = 0;
  char32_t code_point = 0;
};

Decoded decode(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t b0 = byte(at);
  if (b0 < 0x80) return {1, b0};
  size_t length = 0;
  char32_t cp = 0;
  // The second byte's range is narrowed for the lead bytes that would allow an
  // overlong form, a surrogate or a value past U+10FFFF (RFC 3629 table).
  uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {};
  }
  if (at + length > text.size()) return {};
  for (size_t i = 1; i < length; ++i) {
    const uint8_t b = byte(at + i);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return {};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {length, cp};
}

// Code points that print nothing visible, change how the rest of a line is
// shown (Unicode "Trojan Source" characters among them), or look like an
// ordinary blank while being something else (the space separators, Unicode
// category Zs, other than U+0020).
bool is_hidden_or_confusable(char32_t cp) {
  const bool invisible = (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || cp == 0x061C || cp == 0x180E ||
                         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
                         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
  const bool other_space = cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
                           cp == 0x205F || cp == 0x3000;
  return invisible || other_space;
}

}  // namespace

size_t invalid_utf8_offset(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const Decoded d = decode(text, at);
    if (d.length == 0) return at;
    at += d.length;
  }
  return std::string_view::npos;
}

std::string escape_for_display(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const Decoded d = decode(text, at);
    if (d.length == 0) {
      out += fmt::format("\\x{:02X}", static_cast<uint8_t>(text[at]));
      ++at;
      continue;
    }
    const char32_t cp = d.code_point;
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned>(cp));
    } else if (is_hidden_or_confusable(cp)) {
      out += fmt::format("\\u{{{:04X}}}", static_cast<unsigned>(cp));
    } else {
      out.append(text.substr(at, d.length));
    }
    at += d.length;
  }
  return out;
}

std::string shortened(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return std::string(text.substr(0, max_bytes)) + "\u2026";
}

}  // namespace smmuman::input
