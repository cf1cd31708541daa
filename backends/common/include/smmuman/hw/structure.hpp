// In-memory structures, commands and event records: fields across an array of
// little-endian 64-bit words, encoded and decoded over any word type (uint64_t
// in backends, z3::expr in proofs).
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <cstdint>
#include <type_traits>

#include "smmuman/hw/bits.hpp"
#include "smmuman/hw/regs.hpp"

namespace smmuman::hw {

enum class StructKind : uint8_t { structure, command, event };

template <class Self, unsigned SizeBytes, StructKind Kind>
struct Structure {
  static_assert(SizeBytes % 8 == 0 && SizeBytes > 0, "structures are whole 64-bit words");
  static constexpr unsigned size_bytes = SizeBytes;
  static constexpr unsigned word_count = SizeBytes / 8;
  static constexpr StructKind kind = Kind;
};

// A field [Hi:Lo] counted across the whole structure (bit 64 = bit 0 of word 1).
template <class Owner, unsigned Hi, unsigned Lo>
struct StructField {
  static_assert(Hi >= Lo && Hi - Lo < 64, "a field is 1 to 64 bits wide");
  using owner = Owner;
  static constexpr unsigned hi = Hi;
  static constexpr unsigned lo = Lo;
  static constexpr unsigned width = Hi - Lo + 1;
  static constexpr uint64_t mask = low_mask(width);

  template <class V, class Ops = BitOps<V>>
  static constexpr V get(const V* words) { return multiword_extract<V, Ops>(words, Hi, Lo); }
  // Whether a run-time value fits; set requires it.
  static constexpr bool fits(uint64_t value) { return value <= mask; }
  template <class V, class Ops = BitOps<V>>
  static constexpr void set(V* words, const V& value) { multiword_insert<V, Ops>(words, Hi, Lo, value); }
};

// A value a field always holds in this structure (a command opcode, an event type).
template <class F, uint64_t Value>
struct Fixed {
  using field = F;
  static constexpr uint64_t value = Value;
  static_assert(Value <= F::mask, "fixed value too wide for its field");
};

template <class S>
constexpr bool fields_fit_structure() {
  return hana::unpack(S::fields, [](auto... f) { return (true && ... && (decltype(f)::type::hi < S::size_bytes * 8)); });
}

// Whether field F of S is fixed, and to what.
struct FixedLookup {
  bool fixed;
  uint64_t value;
};
template <class S, class F>
constexpr FixedLookup fixed_value_of() {
  FixedLookup found{false, 0};
  hana::for_each(S::fixed, [&](auto x) {
    using X = typename decltype(x)::type;
    if (std::is_same_v<typename X::field, F>) found = {true, X::value};
  });
  return found;
}

// Sets, in S::word_count words, every bit that some field of S covers.
template <class S>
constexpr void set_field_bits(uint64_t* words) {
  hana::for_each(S::fields, [&](auto f) {
    using F = typename decltype(f)::type;
    F::set(words, F::mask);
  });
}

// Writes every fixed field of S into words.
template <class S, class V, class Ops = BitOps<V>>
constexpr void set_fixed(V* words) {
  hana::for_each(S::fixed, [&](auto x) {
    using X = typename decltype(x)::type;
    X::field::template set<V, Ops>(words, Ops::constant(words[0], X::value));
  });
}

// True when words carry every fixed field value of S (e.g. this is a CMD_SYNC).
template <class S>
constexpr bool matches_fixed(const uint64_t* words) {
  bool all = true;
  hana::for_each(S::fixed, [&](auto x) {
    using X = typename decltype(x)::type;
    all = all && X::field::get(words) == X::value;
  });
  return all;
}

}  // namespace smmuman::hw
