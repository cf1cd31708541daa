// Spec cross-check tables: each row is one fact typed by hand from a manual,
// set beside the constant the generated header holds for it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
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

}  // namespace smmuman::test
