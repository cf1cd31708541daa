// Spec cross-check tables: each row is one fact typed by hand from a manual,
// set beside the constant the generated header holds for it.
#pragma once

#include <gtest/gtest.h>

#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace smmuman::test {

// One fact: what it is, and the two values that must agree — the generated
// constant and the manual's value (a file may list them in either order).
struct Fact {
  const char* what;
  uint64_t first;
  uint64_t second;
};

inline void check_facts(const Fact* facts, size_t count) {
  for (size_t i = 0; i < count; ++i) EXPECT_EQ(facts[i].first, facts[i].second) << facts[i].what;
}
inline void check_facts(const std::vector<Fact>& facts) { check_facts(facts.data(), facts.size()); }
template <size_t N>
void check_facts(const Fact (&facts)[N]) {
  check_facts(facts, N);
}

// Rows that each give a field's bits from a manual (proofs/manual/*.hpp, a
// Hana tuple of ManualBits): the generated header's hi and lo must agree.
template <class Rows>
void check_positions(const Rows& rows) {
  static_assert(decltype(boost::hana::length(rows))::value > 0, "a table has rows");
  boost::hana::for_each(rows, [](const auto& row) {
    using F = typename std::decay_t<decltype(row)>::field;
    EXPECT_EQ(F::hi, row.hi) << row.name << ".hi";
    EXPECT_EQ(F::lo, row.lo) << row.name << ".lo";
  });
}

}  // namespace smmuman::test
