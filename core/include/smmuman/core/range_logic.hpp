// Range arithmetic written once over the word type, so that the very code the
// manager runs on uint64_t is what proofs/ runs on Z3 bit-vectors.
//
// A word type W needs a WordOps<W> giving unsigned comparison, boolean
// connectives, a conditional and constants; W itself must support -, ~, & and |. Z3's own
// <, <= are signed, which is why comparisons go through WordOps.
#pragma once

#include <cstdint>

namespace smmuman::core {

template <class W>
struct WordOps;

template <>
struct WordOps<uint64_t> {
  using Bool = bool;
  static constexpr uint64_t constant(const uint64_t& /*like*/, uint64_t value) { return value; }
  static constexpr bool ule(uint64_t a, uint64_t b) { return a <= b; }
  static constexpr bool eq(uint64_t a, uint64_t b) { return a == b; }
  static constexpr bool both(bool a, bool b) { return a && b; }
  static constexpr bool either(bool a, bool b) { return a || b; }
  static constexpr bool negate(bool a) { return !a; }
  static constexpr bool truth(const uint64_t& /*like*/, bool value) { return value; }
  static constexpr uint64_t select(bool c, uint64_t a, uint64_t b) { return c ? a : b; }
};

namespace range_logic {

inline constexpr uint64_t kGranuleMaskWord = 0xfff;  // 4 KiB, as kGranuleMask in range.hpp

// [base, base+len) is non-empty and does not pass 2^64 - 1: len != 0 and
// len - 1 <= (2^64 - 1) - base, where (2^64 - 1) - base is ~base.
template <class W, class Ops = WordOps<W>>
constexpr auto base_len_valid(const W& base, const W& len) {
  return Ops::both(Ops::negate(Ops::eq(len, Ops::constant(len, 0))), Ops::ule(len - Ops::constant(len, 1), ~base));
}

// first + span does not wrap past 2^64 - 1.
template <class W, class Ops = WordOps<W>>
constexpr auto span_fits(const W& first, const W& span) {
  return Ops::ule(first, ~span);
}

// Inclusive [first, last] ranges.
template <class W, class Ops = WordOps<W>>
constexpr auto contains_point(const W& first, const W& last, const W& x) {
  return Ops::both(Ops::ule(first, x), Ops::ule(x, last));
}
template <class W, class Ops = WordOps<W>>
constexpr auto contains_range(const W& first, const W& last, const W& inner_first, const W& inner_last) {
  return Ops::both(Ops::ule(first, inner_first), Ops::ule(inner_last, last));
}
template <class W, class Ops = WordOps<W>>
constexpr auto overlaps(const W& a_first, const W& a_last, const W& b_first, const W& b_last) {
  return Ops::both(Ops::ule(a_first, b_last), Ops::ule(b_first, a_last));
}

// Rounding out to the 4 KiB granule: the first byte's page start and the last
// byte's page end.
template <class W, class Ops = WordOps<W>>
constexpr W round_first(const W& first) {
  return first & ~Ops::constant(first, kGranuleMaskWord);
}
template <class W, class Ops = WordOps<W>>
constexpr W round_last(const W& last) {
  return last | Ops::constant(last, kGranuleMaskWord);
}

}  // namespace range_logic
}  // namespace smmuman::core
