// Input text checks: UTF-8 validation follows RFC 3629 exactly, and escaping
// turns any bytes into printable UTF-8 that still tells distinct inputs apart.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "smmuman/input/text.hpp"

namespace smmuman::input {
namespace {

constexpr size_t npos = std::string_view::npos;

// Well-formed sequences of every length pass; overlongs, surrogates, values
// past U+10FFFF, stray continuation bytes and cut-off sequences do not.
TEST(Utf8, AcceptsExactlyWellFormedSequences) {
  EXPECT_EQ(invalid_utf8_offset(""), npos);
  EXPECT_EQ(invalid_utf8_offset("plain ascii"), npos);
  EXPECT_EQ(invalid_utf8_offset("Gr\xC3\xB6\xC3\x9F" "e \xE2\x82\xAC \xF0\x9F\x98\x80"), npos);  // Größe € 😀
  EXPECT_EQ(invalid_utf8_offset("\xEF\xBF\xBF"), npos);      // U+FFFF is well-formed
  EXPECT_EQ(invalid_utf8_offset("\xF4\x8F\xBF\xBF"), npos);  // U+10FFFF, the last code point

  EXPECT_EQ(invalid_utf8_offset("ab\xFF"), 2u);
  EXPECT_EQ(invalid_utf8_offset("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(invalid_utf8_offset("\xE0\x80\xAF"), 0u);      // overlong, 3 bytes
  EXPECT_EQ(invalid_utf8_offset("\xF0\x80\x80\xAF"), 0u);  // overlong, 4 bytes
  EXPECT_EQ(invalid_utf8_offset("\xED\xA0\x80"), 0u);      // U+D800, a surrogate
  EXPECT_EQ(invalid_utf8_offset("\xF4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(invalid_utf8_offset("x\x80"), 1u);             // continuation byte alone
  EXPECT_EQ(invalid_utf8_offset("x\xE2\x82"), 1u);         // cut off
}

// Control bytes, backslashes, bytes that are not UTF-8 and invisible code points are escaped.
TEST(Escape, MakesEverythingVisible) {
  EXPECT_EQ(escape_for_display("eth0"), "eth0");
  EXPECT_EQ(escape_for_display("Gr\xC3\xB6\xC3\x9F" "e"), "Gr\xC3\xB6\xC3\x9F" "e");
  EXPECT_EQ(escape_for_display("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_for_display("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  EXPECT_EQ(escape_for_display(std::string_view("\x1b[2J\0", 5)), "\\x1B[2J\\x00");
  EXPECT_EQ(escape_for_display("\x7F"), "\\x7F");
  EXPECT_EQ(escape_for_display("\xFF\xFE"), "\\xFF\\xFE");
  EXPECT_EQ(escape_for_display("\xE2\x82"), "\\xE2\\x82");                      // cut-off sequence, byte by byte
  EXPECT_EQ(escape_for_display("\xC2\x85"), "\\u{0085}");                       // C1 control NEL
  EXPECT_EQ(escape_for_display("abc\xE2\x80\xAE" "fed"), "abc\\u{202E}fed");    // right-to-left override
  EXPECT_EQ(escape_for_display("\xEF\xBB\xBF" "x"), "\\u{FEFF}x");              // BOM
  EXPECT_EQ(escape_for_display("a\xE2\x80\x8B" "b"), "a\\u{200B}b");            // zero-width space
  EXPECT_EQ(escape_for_display("TEST\xC2\xA0" "1.1"), "TEST\\u{00A0}1.1");      // no-break space
  EXPECT_EQ(escape_for_display("a\xE3\x80\x80" "b"), "a\\u{3000}b");            // ideographic space
}

// For any bytes: the result is valid UTF-8 without control characters, and
// escaping is injective (two different inputs never look the same).
RC_GTEST_PROP(Escape, OutputIsPrintableUtf8AndInjective, (const std::string& a, const std::string& b)) {
  const std::string ea = escape_for_display(a);
  RC_ASSERT(invalid_utf8_offset(ea) == npos);
  for (char c : ea) RC_ASSERT(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
  RC_ASSERT((a == b) == (ea == escape_for_display(b)));
}

}  // namespace
}  // namespace smmuman::input
