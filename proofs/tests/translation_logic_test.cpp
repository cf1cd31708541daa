// The facts translation validation checks of each run (translation_logic.hpp)
// give the same answer on uint64_t, as the per-run check runs them, and on
// z3::expr, as the lemmas about them are proved: the proof and the check
// cannot drift apart.
#include "smmuman/proofs/translation_logic.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <z3++.h>

#include <cstdint>
#include <vector>

#include "smmuman/proofs/z3_words.hpp"

namespace {

namespace tl = smmuman::proofs::translation_logic;

// Edge values (0, granule edges, 2^63 - 1, 2^63, 2^64 - 1) mixed with random ones.
rc::Gen<uint64_t> word() {
  return rc::gen::weightedOneOf<uint64_t>({
      {3, rc::gen::arbitrary<uint64_t>()},
      {3, rc::gen::elementOf(std::vector<uint64_t>{0, 1, 0xfff, 0x1000, 0x7fff'ffff'ffff'ffff, 0x8000'0000'0000'0000,
                                                   0xffff'ffff'ffff'f000, ~uint64_t{0}})},
      {2, rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t v) { return v & ~uint64_t{0xfff}; })},
      {1, rc::gen::inRange<uint64_t>(0, 8)},
  });
}

bool truth(const z3::expr& e) {
  const z3::expr s = e.simplify();
  RC_ASSERT(s.is_true() || s.is_false());
  return s.is_true();
}

RC_GTEST_PROP(TranslationLogic, Uint64AndZ3InstantiationsAgree, ()) {
  z3::context ctx;
  const auto z = [&](uint64_t v) { return ctx.bv_val(v, 64); };
  const tl::Run<uint64_t> r{*word(), *word(), *word(), *word()};
  const tl::Run<z3::expr> rz{z(r.input), z(r.size), z(r.output), z(r.perms)};
  const uint64_t first = *word(), last = *word(), output = *word(), perms = *word();
  RC_ASSERT(tl::lands_in<uint64_t>(r, first, last) == truth(tl::lands_in<z3::expr>(rz, z(first), z(last))));
  RC_ASSERT(tl::within_grant<uint64_t>(r, first, last, output, perms) ==
            truth(tl::within_grant<z3::expr>(rz, z(first), z(last), z(output), z(perms))));
}

// A run whose end passes 2^64 - 1 is never accepted, though a signed or
// wrapping comparison would accept it.
TEST(TranslationLogic, AWrappingRunIsRefused) {
  // Output passing 2^64 - 1: not inside any range, the whole space included.
  const tl::Run<uint64_t> output_wraps{0x1000, 0x2000, 0xffff'ffff'ffff'f000, 1};
  EXPECT_FALSE((tl::lands_in<uint64_t>(output_wraps, 0, ~uint64_t{0})));
  // Input passing 2^64 - 1: inside no grant, the whole space at offset 0 included.
  const tl::Run<uint64_t> input_wraps{0xffff'ffff'ffff'f000, 0x2000, 0xffff'ffff'ffff'f000, 1};
  EXPECT_FALSE((tl::within_grant<uint64_t>(input_wraps, 0, ~uint64_t{0}, 0, 7)));
  const tl::Run<uint64_t> high{0x8000'0000'0000'0000, 0x1000, 0x8000'0000'0000'0000, 1};
  EXPECT_TRUE((tl::lands_in<uint64_t>(high, 0x8000'0000'0000'0000, 0x8000'0000'0000'0fff)));
  EXPECT_FALSE((tl::lands_in<uint64_t>(high, 0, 0x7fff'ffff'ffff'ffff)));
}

}  // namespace
