// What the fuzz targets share: stopping loudly when a property fails, and the
// small text facts (line count, UTF-8 well-formedness) the properties need.
// Written here rather than taken from the code under test, so a bug there
// cannot hide itself.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace smmuman::fuzz {

// Prints which property failed and why, then aborts: libFuzzer (and the
// replay driver's ctest run) treat the abort as a finding and keep the input.
[[noreturn]] inline void property_failed(std::string_view property, std::string_view details) {
  std::fprintf(stderr, "\n==== smmuman fuzz: property violated: %.*s\n%.*s\n", static_cast<int>(property.size()),
               property.data(), static_cast<int>(details.size()), details.data());
  std::fflush(stderr);
  std::abort();
}

inline void require(bool holds, std::string_view property) {
  if (!holds) property_failed(property, {});
}
// describe() runs only on failure: a report may cost more than the check.
template <typename Describe>
void require(bool holds, std::string_view property, Describe&& describe) {
  if (!holds) property_failed(property, describe());
}

// The text with every byte outside printable ASCII as \xNN, so a failure
// report shows exactly what the reader produced, whatever it is.
inline std::string printable(std::string_view text, size_t max_bytes = 400) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      out += static_cast<char>(byte);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

// The highest line number a diagnostic may name: every line of the text, plus
// the position just past its end (where "unexpected end of input" is found).
// Lines end at '\n', as the readers count them.
inline int last_nameable_line(std::string_view text) {
  int lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  if (!text.empty() && text.back() != '\n') ++lines;  // a last line without its '\n'
  return lines + 1;
}

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629:
// no overlong forms, no surrogates, nothing past U+10FFFF), or npos.
inline size_t first_invalid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xe0) == 0xc0) {
      length = 2, min = 0x80, cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      length = 3, min = 0x800, cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      length = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace smmuman::fuzz
