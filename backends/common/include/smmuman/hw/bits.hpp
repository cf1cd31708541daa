// Bit operations over a word type, so that field insert/extract and
// descriptor encode/decode run unchanged on uint64_t and on Z3 bit-vectors.
//
// Freestanding: no heap, exceptions, RTTI or iostreams. proofs/ supplies
// BitOps<z3::expr>; a word type needs &, |, ~ and these shifts/constants.
#pragma once

#include <cstdint>

namespace smmuman::hw {

template <class V>
struct BitOps;

// Called when a value is wider than the field it is written to: not a
// constant expression, so such a write does not compile, and at run time it
// stops the program rather than drop the high bits. Code with a value that
// may not fit checks first (StructField::fits, Structure::try_encode,
// WriteValue::try_set).
[[noreturn]] inline void value_too_wide_for_its_field() { __builtin_trap(); }

// A mask of `width` low bits (1..64).
constexpr uint64_t low_mask(unsigned width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

template <>
struct BitOps<uint64_t> {
  static constexpr uint64_t constant(const uint64_t& /*like*/, uint64_t value) { return value; }
  static constexpr uint64_t shl(const uint64_t& v, unsigned n) { return n >= 64 ? 0 : v << n; }
  static constexpr uint64_t lshr(const uint64_t& v, unsigned n) { return n >= 64 ? 0 : v >> n; }
  // Encoders never truncate.
  static constexpr void require_fits(const uint64_t& v, unsigned width) {
    if ((v & ~low_mask(width)) != 0) value_too_wide_for_its_field();
  }
};

// Extracts `width` bits starting at bit `lo` of one word.
template <class V, class Ops = BitOps<V>>
constexpr V word_extract(const V& word, unsigned lo, unsigned width) {
  return Ops::lshr(word, lo) & Ops::constant(word, low_mask(width));
}

// Replaces `width` bits starting at bit `lo` of one word. The value must fit
// in `width` bits (Ops::require_fits): nothing is silently dropped.
template <class V, class Ops = BitOps<V>>
constexpr V word_insert(const V& word, unsigned lo, unsigned width, const V& value) {
  Ops::require_fits(value, width);
  const V field_mask = Ops::shl(Ops::constant(word, low_mask(width)), lo);
  return (word & ~field_mask) | (Ops::shl(value & Ops::constant(word, low_mask(width)), lo) & field_mask);
}

// A field at bits [hi:lo] of a little-endian array of 64-bit words; it may
// cross one word boundary (hi - lo < 64).
template <class V, class Ops = BitOps<V>>
constexpr V multiword_extract(const V* words, unsigned hi, unsigned lo) {
  const unsigned width = hi - lo + 1;
  const unsigned word = lo / 64, shift = lo % 64;
  if (shift + width <= 64) return word_extract<V, Ops>(words[word], shift, width);
  const unsigned low_width = 64 - shift;
  const V low = word_extract<V, Ops>(words[word], shift, low_width);
  const V high = word_extract<V, Ops>(words[word + 1], 0, width - low_width);
  return low | Ops::shl(high, low_width);
}

template <class V, class Ops = BitOps<V>>
constexpr void multiword_insert(V* words, unsigned hi, unsigned lo, const V& value) {
  const unsigned width = hi - lo + 1;
  const unsigned word = lo / 64, shift = lo % 64;
  if (shift + width <= 64) {
    words[word] = word_insert<V, Ops>(words[word], shift, width, value);
    return;
  }
  Ops::require_fits(value, width);
  const unsigned low_width = 64 - shift;
  words[word] = word_insert<V, Ops>(words[word], shift, low_width, value & Ops::constant(value, low_mask(low_width)));
  words[word + 1] = word_insert<V, Ops>(words[word + 1], 0, width - low_width, Ops::lshr(value, low_width));
}

}  // namespace smmuman::hw
