// The admission theorems hold and every mutant has a counterexample; and the
// template the proofs instantiate on z3::expr computes, on concrete values,
// exactly what the manager's uint64_t instantiation computes — so a change to
// one side (a signed comparison in WordOps<uint64_t>, say) cannot leave the
// proofs about the other.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <z3++.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "smmuman/core/admission_logic.hpp"
#include "smmuman/core/ownership_logic.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace {

namespace al = smmuman::core::admission_logic;
using smmuman::proofs::Expect;
using smmuman::proofs::Verdict;

TEST(AdmissionProof, TheoremsHoldAndEveryMutantHasACounterexample) {
  z3::context ctx;
  const auto theorems = smmuman::proofs::admission_theorems(ctx);
  size_t proofs = 0, mutants = 0;
  for (const auto& t : theorems) {
    const auto outcome = smmuman::proofs::run(t, {});
    EXPECT_TRUE(outcome.as_expected) << t.id << ": " << smmuman::proofs::to_string(outcome.verdict) << " "
                                     << outcome.counterexample;
    if (t.expect == Expect::counterexample) {
      ++mutants;
      // A counterexample names the inputs that break the claim.
      const bool ownership = t.id.find("attach") != std::string::npos || t.id.find("detach") != std::string::npos;
      EXPECT_NE(outcome.counterexample.find(ownership ? "client 0x" : "first = 0x"), std::string::npos) << t.id;
    } else {
      ++proofs;
    }
  }
  // 3 lemmas, 8 host and 21 guest steps (6 and 7 of them the claims), the floor lookup, and
  // attach and detach.
  EXPECT_EQ(proofs, 35u);
  // One mutant per check of each decision (10 host, 12 guest, 5 attach, 1 detach), two signed, one floor.
  EXPECT_EQ(mutants, 31u);
}

// Values that sit on the edges the decision must get right, mixed with random ones.
rc::Gen<uint64_t> word() {
  return rc::gen::weightedOneOf<uint64_t>({
      {3, rc::gen::arbitrary<uint64_t>()},
      {3, rc::gen::elementOf(std::vector<uint64_t>{0, 1, 0xfff, 0x1000, 0x7fff'ffff'ffff'ffff, 0x8000'0000'0000'0000,
                                                   0x8000'0000'0000'0fff, 0xffff'ffff'ffff'f000, ~uint64_t{0},
                                                   (uint64_t{1} << 48) - 1, uint64_t{1} << 48})},
      {2, rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t v) { return v & ~uint64_t{0xfff}; })},
      {2, rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t v) { return v | 0xfff; })},
      {1, rc::gen::inRange<uint64_t>(0, 8)},
  });
}

struct Both {
  z3::context& ctx;
  z3::expr operator()(uint64_t v) const { return ctx.bv_val(v, 64); }
};

bool truth(const z3::expr& e) {
  const z3::expr s = e.simplify();
  RC_ASSERT(s.is_true() || s.is_false());
  return s.is_true();
}
uint64_t number(const z3::expr& e) {
  uint64_t out = 0;
  RC_ASSERT(e.simplify().is_numeral_u64(out));
  return out;
}

template <size_t N>
void same_checks(const std::array<bool, N>& concrete, const std::array<z3::expr, N>& symbolic) {
  for (size_t i = 0; i < N; ++i) RC_ASSERT(concrete[i] == truth(symbolic[i]));
}

RC_GTEST_PROP(AdmissionProof, Uint64AndZ3InstantiationsAgree, ()) {
  z3::context ctx;
  const Both z{ctx};
  const al::Request<uint64_t> r{*word(), *word(), *word(), *word()};
  const al::Request<z3::expr> rz{z(r.iova_first), z(r.iova_last), z(r.memory_first), z(r.perms)};
  const bool may_target = *rc::gen::arbitrary<bool>();
  same_checks(al::request_checks<uint64_t>(r, may_target), al::request_checks<z3::expr>(rz, ctx.bool_val(may_target)));

  const al::VmRegion<uint64_t> region{*word(), *word(), *word(), *word()};
  const al::VmRegion<z3::expr> regionz{z(region.guest_first), z(region.guest_last), z(region.host_first),
                                       z(region.perms)};
  same_checks(al::guest_checks<uint64_t>(r, region), al::guest_checks<z3::expr>(rz, regionz));
  const auto piece = al::guest_piece<uint64_t>(r, region);
  const auto piecez = al::guest_piece<z3::expr>(rz, regionz);
  RC_ASSERT(piece.iova_first == number(piecez.iova_first));
  RC_ASSERT(piece.iova_last == number(piecez.iova_last));
  RC_ASSERT(piece.guest_first == number(piecez.guest_first));
  RC_ASSERT(piece.host_first == number(piecez.host_first));
  RC_ASSERT(piece.host_last == number(piecez.host_last));

  const auto found = [&](bool present) { return std::pair{al::Found<uint64_t>{present, *word(), *word()}, present}; };
  const auto [permitted, p] = found(*rc::gen::arbitrary<bool>());
  const auto [reserved, q] = found(*rc::gen::arbitrary<bool>());
  const auto [vm_memory, v] = found(*rc::gen::arbitrary<bool>());
  const auto as_z3 = [&](const al::Found<uint64_t>& f, bool present) {
    return al::Found<z3::expr>{ctx.bool_val(present), z(f.first), z(f.last)};
  };
  const bool host_client = *rc::gen::arbitrary<bool>();
  const uint64_t first = *word(), last = *word();
  same_checks(al::host_checks<uint64_t>(first, last, permitted, reserved, vm_memory, host_client),
              al::host_checks<z3::expr>(z(first), z(last), as_z3(permitted, p), as_z3(reserved, q), as_z3(vm_memory, v),
                                        ctx.bool_val(host_client)));

  std::array<uint64_t, 8> table{};
  for (auto& t : table) t = *rc::gen::inRange<uint64_t>(0, 8);
  std::array<z3::expr, 8> tablez{z(table[0]), z(table[1]), z(table[2]), z(table[3]),
                                 z(table[4]), z(table[5]), z(table[6]), z(table[7])};
  const uint64_t held = al::held_perms<uint64_t>(table, r.perms);
  RC_ASSERT(held == number(al::held_perms<z3::expr>(tablez, rz.perms)));
  const bool guest = *rc::gen::arbitrary<bool>();
  const uint64_t input_limit = *word(), output_limit = *word();
  same_checks(al::hold_checks<uint64_t>(r.iova_last, last, input_limit, output_limit, held, guest, region.perms),
              al::hold_checks<z3::expr>(rz.iova_last, z(last), z(input_limit), z(output_limit), z(held),
                                        ctx.bool_val(guest), regionz.perms));
}

// The ownership decisions too; IDs are small so that equal ones come up often.
RC_GTEST_PROP(AdmissionProof, OwnershipUint64AndZ3InstantiationsAgree, ()) {
  namespace ol = smmuman::core::ownership_logic;
  z3::context ctx;
  const Both z{ctx};
  const auto id = [] { return *rc::gen::inRange<uint64_t>(0, 3); };
  const auto flag = [] { return *rc::gen::arbitrary<bool>(); };
  const ol::Asker<uint64_t> a{id(), flag(), id()};
  const ol::NamedObject<uint64_t> o{flag(), id()};
  const ol::DeviceState<uint64_t> d{flag(), id(), flag(), flag(), id()};
  const ol::Asker<z3::expr> az{z(a.client), ctx.bool_val(a.in_vm), z(a.vm)};
  const ol::NamedObject<z3::expr> oz{ctx.bool_val(o.exists), z(o.owner)};
  const ol::DeviceState<z3::expr> dz{ctx.bool_val(d.passed_through), z(d.vm), ctx.bool_val(d.has_startup_mappings),
                                     ctx.bool_val(d.held), z(d.holder)};
  same_checks(ol::attach_checks<uint64_t>(a, o, d), ol::attach_checks<z3::expr>(az, oz, dz));
  same_checks(ol::detach_checks<uint64_t>(a, d), ol::detach_checks<z3::expr>(az, dz));
  RC_ASSERT(ol::owns<uint64_t>(a, o) == truth(ol::owns<z3::expr>(az, oz)));
}

}  // namespace
