// The range theorems (proofs/src/range_theorems.cpp) hold, their mutant has a
// counterexample where signed and unsigned order differ, and the uint64_t
// instantiation agrees with the proved meaning at the edges above 2^63.
#include <gtest/gtest.h>
#include <z3++.h>

#include <cstdint>
#include <string>

#include "smmuman/core/range.hpp"
#include "smmuman/proofs/suites.hpp"

namespace smmuman::core {
namespace {

TEST(RangeProof, TheoremsHoldAndTheSignedMutantFails) {
  z3::context ctx;
  const auto theorems = proofs::range_theorems(ctx);
  unsigned mutants = 0;
  for (const auto& t : theorems) {
    const auto outcome = proofs::run(t, {});
    EXPECT_TRUE(outcome.as_expected) << t.id << ": " << proofs::to_string(outcome.verdict) << " "
                                     << outcome.counterexample;
    if (t.expect == proofs::Expect::counterexample) {
      ++mutants;
      // The signed comparison of len - 1 with ~base goes wrong exactly where the two orders differ:
      // one of them at or above 2^63, the other below.
      const auto value = [&](const std::string& name) {
        const auto at = outcome.counterexample.find(name + " = 0x");
        EXPECT_NE(at, std::string::npos) << outcome.counterexample;
        return at == std::string::npos ? 0
                                       : std::stoull(outcome.counterexample.substr(at + name.size() + 3), nullptr, 16);
      };
      const uint64_t base = value("base"), len = value("len");
      EXPECT_EQ(((len - 1) ^ ~base) >> 63, 1u) << outcome.counterexample;
    }
  }
  EXPECT_EQ(theorems.size(), 10u);
  EXPECT_EQ(mutants, 1u);
}

TEST(RangeLogicWords, EdgesAbove2To63) {
  EXPECT_TRUE(base_len_is_valid(uint64_t{1} << 63, uint64_t{1} << 63));
  EXPECT_FALSE(base_len_is_valid((uint64_t{1} << 63) + 1, uint64_t{1} << 63));
  EXPECT_TRUE(span_fits(kU64Max, 0));
  EXPECT_FALSE(span_fits(kU64Max, 1));
}

}  // namespace
}  // namespace smmuman::core
