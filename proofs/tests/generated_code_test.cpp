// The generated-code theorems (generated_code.hpp) and the link between them
// and the code that runs: the templates they prove give the same answers on
// uint64_t, as the backends run them, and on z3::expr, on random and edge
// values, so the proof and the running code cannot drift apart.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <z3++.h>

#include <algorithm>
#include <boost/hana/for_each.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/hw/page_table_walk.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace {

namespace hana = boost::hana;
namespace hw = smmuman::hw;
namespace proofs = smmuman::proofs;

// Every generated-code theorem is proved, and every mutant has a
// counterexample that names the claim it breaks.
TEST(GeneratedCodeTheorems, AllAsExpected) {
  z3::context ctx;
  const auto theorems = proofs::generated_code_theorems(ctx);
  unsigned mutants = 0;
  for (const auto& t : theorems) {
    const auto outcome = proofs::run(t, proofs::RunOptions{});
    EXPECT_TRUE(outcome.as_expected) << t.id << ": " << proofs::to_string(outcome.verdict) << " "
                                     << outcome.counterexample;
    if (t.expect == proofs::Expect::counterexample) {
      ++mutants;
      // "breaks: " and then the claim: a register, field, structure or format by name.
      ASSERT_EQ(outcome.counterexample.rfind("breaks: ", 0), 0u) << t.id << ": " << outcome.counterexample;
      EXPECT_GT(outcome.counterexample.size(), std::string("breaks: ").size() + 8) << t.id;
    }
  }
  EXPECT_GE(mutants, 4u);
  // Every architecture's registers, encoders and page-table formats are covered.
  for (const char* id : {"generated.arm_smmuv3.registers", "generated.arm_smmuv3.encoders",
                         "generated.arm_smmuv3.fields_at_manual_bits", "generated.arm_smmuv2.fields_at_manual_bits",
                         "generated.intel_vtd.registers", "generated.riscv_iommu.sv39.output_address"}) {
    EXPECT_TRUE(std::any_of(theorems.begin(), theorems.end(), [&](const auto& t) { return t.id == id; })) << id;
  }
}

// Edge values (0, field and word edges, 2^63, 2^64 - 1) mixed with random ones.
rc::Gen<uint64_t> word() {
  return rc::gen::weightedOneOf<uint64_t>({
      {3, rc::gen::arbitrary<uint64_t>()},
      {3, rc::gen::elementOf(std::vector<uint64_t>{0, 1, 0xffff'ffff, 0x1'0000'0000, 0x7fff'ffff'ffff'ffff,
                                                   0x8000'0000'0000'0000, 0xffff'ffff'ffff'f000, ~uint64_t{0}})},
      {2, rc::gen::map(rc::gen::arbitrary<uint64_t>(), [](uint64_t v) { return v & ~uint64_t{0xfff}; })},
  });
}

uint64_t value_of(const z3::expr& e) {
  const z3::expr s = e.simplify();
  RC_ASSERT(s.is_numeral());
  return s.get_numeral_uint64();
}

// Register reads, read-modify-writes, bus values and field inserts/extracts,
// for every register of every architecture.
RC_GTEST_PROP(GeneratedCode, RegisterLogicAgreesOnUint64AndZ3, ()) {
  z3::context ctx;
  const uint64_t raw = *word(), value = *word();
  const z3::expr raw_z = ctx.bv_val(raw, 64), value_z = ctx.bv_val(value, 64);
#define SMMUMAN_CHECK_REGISTERS(ident)                                                                              \
  hana::for_each(hw::ident::regs::all, [&](auto r) {                                                                \
    using R = typename decltype(r)::type;                                                                           \
    RC_ASSERT(hw::read_bits<R>(raw) == value_of(hw::read_bits<R, z3::expr>(raw_z)));                                \
    RC_ASSERT(hw::modifying_bits<R>(raw) == value_of(hw::modifying_bits<R, z3::expr>(raw_z)));                      \
    RC_ASSERT(hw::bus_bits<R>(raw) == value_of(hw::bus_bits<R, z3::expr>(raw_z)));                                  \
    hana::for_each(R::fields, [&](auto f) {                                                                         \
      using F = typename decltype(f)::type;                                                                         \
      const uint64_t fitting = value & F::mask;                                                                     \
      RC_ASSERT(F::extract(raw) == value_of(F::template extract<z3::expr>(raw_z)));                                 \
      RC_ASSERT(F::insert(raw, fitting) == value_of(F::template insert<z3::expr>(raw_z, ctx.bv_val(fitting, 64)))); \
    });                                                                                                             \
  });
  SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_CHECK_REGISTERS)
#undef SMMUMAN_CHECK_REGISTERS
}

// Output addresses written into and read from entries of every format.
RC_GTEST_PROP(GeneratedCode, OutputAddressLogicAgreesOnUint64AndZ3, ()) {
  z3::context ctx;
  const uint64_t address = *word(), w0 = *word(), w1 = *word();
  std::vector<const hw::PageTableFormat*> formats;
#define SMMUMAN_COLLECT_FORMATS(ident) \
  formats.insert(formats.end(), hw::ident::page_tables::all.begin(), hw::ident::page_tables::all.end());
  SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_COLLECT_FORMATS)
#undef SMMUMAN_COLLECT_FORMATS
  RC_ASSERT(!formats.empty());
  for (const auto* f : formats) {
    uint64_t entry[2] = {w0, w1};
    std::vector<z3::expr> entry_z{ctx.bv_val(w0, 64), ctx.bv_val(w1, 64)};
    RC_ASSERT(hw::walk_detail::output_address(*f, entry) ==
              value_of(hw::walk_detail::output_address(*f, entry_z.data())));
    hw::walk_detail::put_output_address(*f, entry, address);
    hw::walk_detail::put_output_address(*f, entry_z.data(), ctx.bv_val(address, 64));
    RC_ASSERT(entry[0] == value_of(entry_z[0]));
    RC_ASSERT(entry[1] == value_of(entry_z[1]));
  }
}

// A drift the differential catches: a run-time read-modify-write that echoed
// write-1-to-clear bits would disagree with the proved template.
TEST(GeneratedCode, AWrite1ToClearFieldReadAsOneIsNotWrittenBack) {
  using FSR = hw::arm_smmuv2::regs::SMMU_CB_FSR;
  const auto read = hw::ReadValue<FSR>::from_raw(~uint64_t{0});
  const auto write = hw::WriteValue<FSR>::modifying(read);
  EXPECT_EQ(write.get<FSR::MULTI>(), 0u);
  EXPECT_EQ(write.to_write(), hw::bus_bits<FSR>(hw::modifying_bits<FSR>(hw::read_bits<FSR>(~uint64_t{0}))));
}

}  // namespace
