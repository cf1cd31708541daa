// Text that came from input (file contents, file names), checked and made
// safe to show: a message that quotes input must not let that input move the
// terminal cursor, hide itself behind bidirectional overrides, or make the
// output invalid UTF-8 (JSON writers refuse it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smmuman::input {

// The offset of the first byte that does not belong to a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), or std::string_view::npos when the whole text is UTF-8.
size_t invalid_utf8_offset(std::string_view text);

// The text with everything a reader could not see or that could mislead
// escaped: a backslash as \\, tab/newline/return as \t \n \r, other control
// bytes and bytes that are not UTF-8 as \xNN, and invisible, direction-
// changing or blank-looking code points (C1 controls, zero-width and bidi
// controls, line/paragraph separators, BOM, spaces other than U+0020) as
// \u{NNNN}. Printable UTF-8 passes unchanged. The result is valid UTF-8 with
// no control characters, so it can be printed or written to JSON as is;
// distinct inputs stay distinct.
std::string escape_for_display(std::string_view text);

// Input text as a message quotes it: at most `max_bytes`, then "…", so a
// long value quoted by many messages cannot make the output grow with it.
std::string shortened(std::string_view text, size_t max_bytes = 64);

}  // namespace smmuman::input
