// Proofs over core/include/smmuman/core/range_logic.hpp for all 64-bit inputs.
//
// The functions proved are the ones Range, the manager and the deployment
// checks call, instantiated here on Z3 bit-vectors. Each theorem is stated
// against an independent meaning — 65-bit arithmetic, or sets of addresses —
// and holds when Z3 finds no counterexample to it. Every hypothesis is also
// checked satisfiable, so no theorem holds vacuously.
#include <gtest/gtest.h>
#include <z3++.h>

#include "smmuman/core/range.hpp"
#include "smmuman/core/range_logic.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace smmuman::core {
namespace {

namespace rl = range_logic;

class RangeProof : public ::testing::Test {
 protected:
  z3::context ctx;
  z3::expr word(const char* name) { return ctx.bv_const(name, 64); }
  // Unsigned 65-bit view, where nothing wraps.
  z3::expr wide(const z3::expr& w) { return z3::zext(w, 1); }
  z3::expr wide_val(uint64_t v) { return ctx.bv_val(v, 65); }
  z3::expr two_to_64() { return z3::shl(ctx.bv_val(1, 65), ctx.bv_val(64, 65)); }

  // Proves hypothesis => claim for all values of the free constants: unsat of
  // hypothesis && !claim. Also requires the hypothesis to be satisfiable.
  void prove(const z3::expr& hypothesis, const z3::expr& claim) {
    z3::solver vacuity(ctx);
    vacuity.add(hypothesis);
    ASSERT_EQ(vacuity.check(), z3::sat) << "vacuous: the hypothesis has no model";
    z3::solver s(ctx);
    s.add(hypothesis && !claim);
    const auto result = s.check();
    if (result == z3::sat) {
      ADD_FAILURE() << "counterexample:\n" << s.get_model();
    } else {
      EXPECT_EQ(result, z3::unsat);
    }
  }
  void prove(const z3::expr& claim) { prove(ctx.bool_val(true), claim); }
};

// base_len_valid(base, len) holds exactly when len is non-zero and base + len <= 2^64.
TEST_F(RangeProof, BaseLenValidMeansNonEmptyAndNoWrap) {
  const auto base = word("base"), len = word("len");
  const z3::expr meaning = len != 0 && z3::ule(wide(base) + wide(len), two_to_64());
  prove(rl::base_len_valid(base, len) == meaning);
}

// For a valid [base, base+len), base + (len - 1) is the last byte, with no wrap.
TEST_F(RangeProof, LastByteOfValidRangeIsExact) {
  const auto base = word("base"), len = word("len");
  prove(rl::base_len_valid(base, len), wide(base + (len - 1)) == wide(base) + wide(len) - wide_val(1));
}

// span_fits(first, span) holds exactly when first + span stays below 2^64.
TEST_F(RangeProof, SpanFitsMeansNoWrap) {
  const auto first = word("first"), span = word("span");
  prove(rl::span_fits(first, span) == z3::ult(wide(first) + wide(span), two_to_64()));
}

// overlaps() holds exactly when the two ranges share an address: any shared x
// forces it, and when it holds, the larger first address is shared.
TEST_F(RangeProof, OverlapsMeansCommonAddress) {
  const auto af = word("af"), al = word("al"), bf = word("bf"), bl = word("bl"), x = word("x");
  const z3::expr well_formed = z3::ule(af, al) && z3::ule(bf, bl);
  prove(well_formed && rl::contains_point(af, al, x) && rl::contains_point(bf, bl, x), rl::overlaps(af, al, bf, bl));
  const z3::expr witness = z3::ite(z3::ule(af, bf), bf, af);
  prove(well_formed && rl::overlaps(af, al, bf, bl),
        rl::contains_point(af, al, witness) && rl::contains_point(bf, bl, witness));
}

// contains_range() holds exactly when every address of the inner range is in
// the outer one: any inner x is then outer, and otherwise an inner end escapes.
TEST_F(RangeProof, ContainsRangeMeansSubset) {
  const auto f = word("f"), l = word("l"), g = word("g"), m = word("m"), x = word("x");
  const z3::expr well_formed = z3::ule(f, l) && z3::ule(g, m);
  prove(well_formed && rl::contains_range(f, l, g, m) && rl::contains_point(g, m, x), rl::contains_point(f, l, x));
  prove(well_formed && !rl::contains_range(f, l, g, m), !rl::contains_point(f, l, g) || !rl::contains_point(f, l, m));
}

// Rounding out covers the range, lands on 4 KiB boundaries, and adds less than
// one page at each end — so the manager never grants more than the pages touched.
TEST_F(RangeProof, RoundingIsTheSmallestCoveringPageRange) {
  const auto first = word("first"), last = word("last");
  const z3::expr rf = rl::round_first(first), rl_ = rl::round_last(last);
  const auto mask = ctx.bv_val(kGranuleMask, 64);
  prove(z3::ule(first, last), z3::ule(rf, first) && z3::ule(last, rl_) && (rf & mask) == 0 && (rl_ & mask) == mask &&
                                  z3::ult(wide(first) - wide(rf), wide_val(kGranule)) &&
                                  z3::ult(wide(rl_) - wide(last), wide_val(kGranule)));
}

// The proofs can fail: the same check written with Z3's signed comparison (the
// trap toolchain.md warns of) has a counterexample, found at base >= 2^63.
TEST_F(RangeProof, SignedComparisonWouldBeWrong) {
  const auto base = word("base"), len = word("len");
  const z3::expr signed_version = len != 0 && (len - 1) <= ~base;  // bvsle
  const z3::expr meaning = len != 0 && z3::ule(wide(base) + wide(len), two_to_64());
  z3::solver s(ctx);
  s.add(signed_version != meaning);
  EXPECT_EQ(s.check(), z3::sat);
}

// The uint64_t instantiation agrees with the proved meaning at the edges.
TEST(RangeLogicWords, EdgesAbove2To63) {
  EXPECT_TRUE(base_len_is_valid(uint64_t{1} << 63, uint64_t{1} << 63));
  EXPECT_FALSE(base_len_is_valid((uint64_t{1} << 63) + 1, uint64_t{1} << 63));
  EXPECT_TRUE(span_fits(kU64Max, 0));
  EXPECT_FALSE(span_fits(kU64Max, 1));
}

}  // namespace
}  // namespace smmuman::core
