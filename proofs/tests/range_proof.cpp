// The range theorems (proofs/src/range_theorems.cpp) hold, their mutant has a
// counterexample, and the uint64_t instantiation agrees with the proved
// meaning at the edges above 2^63.
#include <gtest/gtest.h>
#include <z3++.h>

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
      // The signed comparison goes wrong with base at or above 2^63.
      EXPECT_NE(outcome.counterexample.find("base = 0x"), std::string::npos) << outcome.counterexample;
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
