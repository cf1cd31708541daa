// Proofs over the generated encoders and decoders of every structure, command
// and event record of every described architecture, run on Z3 bit-vectors —
// the same template code backends run on uint64_t. For all values of the
// structure's words W (every bit symbolic):
//   - each field a caller chooses survives decode then encode: F(encode(decode(W))) = F(W);
//   - each fixed field (opcode, event code) holds its fixed value;
//   - encode sets no bit outside the structure's fields.
#include <gtest/gtest.h>
#include <z3++.h>

#include <boost/hana/for_each.hpp>
#include <boost/hana/size.hpp>
#include <string>
#include <vector>

#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace {

namespace hana = boost::hana;

// Proves claim for all values of its free constants; returns the counterexample text, or "".
std::string prove(z3::context& ctx, const z3::expr& claim) {
  z3::solver s(ctx);
  s.add(!claim);
  if (s.check() == z3::unsat) return "";
  return s.check() == z3::sat ? s.get_model().to_string() : "unknown";
}

template <class S>
void prove_structure(const char* architecture) {
  z3::context ctx;
  std::vector<z3::expr> words;
  for (unsigned i = 0; i < S::word_count; ++i) words.push_back(ctx.bv_const(("w" + std::to_string(i)).c_str(), 64));
  std::vector<z3::expr> encoded(S::word_count, ctx.bv_val(0, 64));
  S::encode(encoded.data(), S::template decode<z3::expr>(words.data()));

  z3::expr claim = ctx.bool_val(true);
  std::vector<uint64_t> covered(S::word_count, 0);
  smmuman::hw::set_field_bits<S>(covered.data());
  hana::for_each(S::fields, [&](auto f) {
    using F = typename decltype(f)::type;
    constexpr auto fixed = smmuman::hw::fixed_value_of<S, F>();
    const z3::expr expected = fixed.fixed ? ctx.bv_val(fixed.value, 64) : F::template get<z3::expr>(words.data());
    claim = claim && F::template get<z3::expr>(encoded.data()) == expected;
  });
  for (unsigned i = 0; i < S::word_count; ++i) claim = claim && (encoded[i] & ctx.bv_val(~covered[i], 64)) == 0;
  EXPECT_EQ(prove(ctx, claim), "") << architecture << " " << S::name;
}

template <class All>
unsigned prove_all(All all, const char* architecture) {
  unsigned count = 0;
  hana::for_each(all, [&](auto s) {
    prove_structure<typename decltype(s)::type>(architecture);
    ++count;
  });
  return count;
}

// One proof per described architecture (every one in spec/hw), over every structure it has.
#define SMMUMAN_PROVE_ARCHITECTURE(ident)                                                     \
  TEST(GeneratedStructuresProof, ident) {                                                     \
    constexpr auto structures = decltype(hana::size(smmuman::hw::ident::structs::all))::value; \
    if (structures == 0) GTEST_SKIP() << #ident " describes no in-memory structures";        \
    EXPECT_EQ(prove_all(smmuman::hw::ident::structs::all, #ident), structures);               \
  }
SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_PROVE_ARCHITECTURE)

// The proofs can fail: a field placed one bit off by a corrupted encoder has a counterexample.
TEST(GeneratedStructuresProof, DetectsAMisplacedField) {
  z3::context ctx;
  using S = smmuman::hw::arm_smmuv3::structs::CMD_SYNC;
  std::vector<z3::expr> words{ctx.bv_const("w0", 64), ctx.bv_const("w1", 64)};
  std::vector<z3::expr> encoded(S::word_count, ctx.bv_val(0, 64));
  S::encode(encoded.data(), S::template decode<z3::expr>(words.data()));
  encoded[0] = smmuman::hw::BitOps<z3::expr>::shl(encoded[0], 1);  // the corruption
  z3::expr claim = ctx.bool_val(true);
  hana::for_each(S::fields, [&](auto f) {
    using F = typename decltype(f)::type;
    if (F::hi < 64 && F::lo >= 8) {  // word 0, above the fixed opcode
      claim = claim && F::template get<z3::expr>(encoded.data()) == F::template get<z3::expr>(words.data());
    }
  });
  EXPECT_NE(prove(ctx, claim), "");
}

}  // namespace
