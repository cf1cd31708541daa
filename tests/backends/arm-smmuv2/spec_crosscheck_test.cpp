// Spec cross-check for Arm SMMUv2 / MMU-500: facts typed by hand from the
// manuals (Arm IHI 0062D.c, Arm DDI 0517F for MMU-500, Arm DDI 0487 L.a
// chapter D8), compared against the header smmu-gen writes from
// spec/hw/arm-smmuv2.yaml. The expected values here are not read from the
// description; a disagreement means one of the two was mistyped.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "smmuman/hw/arm_smmuv2.hpp"
#include "smmuman/proofs/manual/arm_smmuv2.hpp"

#include "backends/common/fact_table.hpp"

namespace {

// Rows here read {what, manual, generated}.
using smmuman::test::Fact;
void check(const Fact* facts, size_t count) { smmuman::test::check_facts(facts, count); }

using namespace smmuman::hw::arm_smmuv2;


// Field positions are rows of proofs/manual/arm_smmuv2.hpp, which the proofs
// also use: here each is compared with the generated header.
using smmuman::test::check_positions;
namespace manual = smmuman::proofs::manual;

// Register offsets within their register space match the manuals' register maps.
TEST(ArmSmmuV2SpecCrossCheck, RegisterOffsets) {
  const Fact facts[] = {
      // IHI 0062D.c ch. 9 (GR0 register map): SMMU_sCR0 at 0x000.
      {"SMMU_sCR0", 0x000, regs::SMMU_SCR0::offset},
      // IHI 0062D.c ch. 9: SMMU_sACR at 0x010.
      {"SMMU_sACR", 0x010, regs::SMMU_SACR::offset},
      // IHI 0062D.c ch. 9: SMMU_IDR0 at 0x020.
      {"SMMU_IDR0", 0x020, regs::SMMU_IDR0::offset},
      // IHI 0062D.c ch. 9: SMMU_IDR1 at 0x024.
      {"SMMU_IDR1", 0x024, regs::SMMU_IDR1::offset},
      // IHI 0062D.c ch. 9: SMMU_IDR2 at 0x028.
      {"SMMU_IDR2", 0x028, regs::SMMU_IDR2::offset},
      // IHI 0062D.c ch. 9: SMMU_IDR7 at 0x03C.
      {"SMMU_IDR7", 0x03C, regs::SMMU_IDR7::offset},
      // IHI 0062D.c ch. 9: SMMU_sGFAR at 0x040, 64 bits.
      {"SMMU_sGFAR", 0x040, regs::SMMU_SGFAR::offset},
      // IHI 0062D.c ch. 9: SMMU_sGFSR at 0x048.
      {"SMMU_sGFSR", 0x048, regs::SMMU_SGFSR::offset},
      // IHI 0062D.c ch. 9: SMMU_sGFSYNR0 at 0x050.
      {"SMMU_sGFSYNR0", 0x050, regs::SMMU_SGFSYNR0::offset},
      // IHI 0062D.c ch. 9: SMMU_TLBIVMID at 0x064.
      {"SMMU_TLBIVMID", 0x064, regs::SMMU_TLBIVMID::offset},
      // IHI 0062D.c ch. 9: SMMU_TLBIALLNSNH at 0x068.
      {"SMMU_TLBIALLNSNH", 0x068, regs::SMMU_TLBIALLNSNH::offset},
      // IHI 0062D.c ch. 9: SMMU_TLBIALLH at 0x06C.
      {"SMMU_TLBIALLH", 0x06C, regs::SMMU_TLBIALLH::offset},
      // IHI 0062D.c ch. 9: SMMU_sTLBGSYNC at 0x070.
      {"SMMU_sTLBGSYNC", 0x070, regs::SMMU_STLBGSYNC::offset},
      // IHI 0062D.c ch. 9: SMMU_sTLBGSTATUS at 0x074.
      {"SMMU_sTLBGSTATUS", 0x074, regs::SMMU_STLBGSTATUS::offset},
      // IHI 0062D.c 10.2.1: SMMU_CBARn at GR1 0x000 + 4n.
      {"SMMU_CBARn", 0x000, regs::SMMU_CBAR::offset},
      // IHI 0062D.c 10.2.3: SMMU_CBFRSYNRAn at GR1 0x400 + 4n.
      {"SMMU_CBFRSYNRAn", 0x400, regs::SMMU_CBFRSYNRA::offset},
      // IHI 0062D.c 10.2.2: SMMU_CBA2Rn at GR1 0x800 + 4n.
      {"SMMU_CBA2Rn", 0x800, regs::SMMU_CBA2R::offset},
      // IHI 0062D.c 16.5.29: SMMU_CBn_SCTLR at 0x000.
      {"SMMU_CBn_SCTLR", 0x000, regs::SMMU_CB_SCTLR::offset},
      // IHI 0062D.c 16.5.28: SMMU_CBn_RESUME at 0x008.
      {"SMMU_CBn_RESUME", 0x008, regs::SMMU_CB_RESUME::offset},
      // IHI 0062D.c 16.5.39: SMMU_CBn_TCR2 at 0x010.
      {"SMMU_CBn_TCR2", 0x010, regs::SMMU_CB_TCR2::offset},
      // IHI 0062D.c 17.3.9: SMMU_CBn_TTBR0 at 0x020.
      {"SMMU_CBn_TTBR0", 0x020, regs::SMMU_CB_TTBR0::offset},
      // IHI 0062D.c 16.5.40: SMMU_CBn_TTBR1 at 0x028.
      {"SMMU_CBn_TTBR1", 0x028, regs::SMMU_CB_TTBR1::offset},
      // IHI 0062D.c 17.3.8: SMMU_CBn_TCR at 0x030.
      {"SMMU_CBn_TCR", 0x030, regs::SMMU_CB_TCR::offset},
      // IHI 0062D.c 16.5.38: the stage 1 view of the same TCR, also 0x030.
      {"SMMU_CBn_TCR (stage 1 view)", 0x030, regs::SMMU_CB_S1_TCR::offset},
      // IHI 0062D.c 16.5.12: SMMU_CBn_MAIR0 at 0x038, MAIR1 at 0x03C.
      {"SMMU_CBn_MAIR0", 0x038, regs::SMMU_CB_MAIR0::offset},
      {"SMMU_CBn_MAIR1", 0x03C, regs::SMMU_CB_MAIR1::offset},
      // IHI 0062D.c 16.5.9: SMMU_CBn_FSR at 0x058.
      {"SMMU_CBn_FSR", 0x058, regs::SMMU_CB_FSR::offset},
      // IHI 0062D.c 16.5.8: SMMU_CBn_FAR at 0x060.
      {"SMMU_CBn_FAR", 0x060, regs::SMMU_CB_FAR::offset},
      // IHI 0062D.c 16.5.11: SMMU_CBn_FSYNR0 at 0x068.
      {"SMMU_CBn_FSYNR0", 0x068, regs::SMMU_CB_FSYNR0::offset},
      // IHI 0062D.c 17.3.2: SMMU_CBn_IPAFAR at 0x070.
      {"SMMU_CBn_IPAFAR", 0x070, regs::SMMU_CB_IPAFAR::offset},
      // IHI 0062D.c 16.5.32: SMMU_CBn_TLBIVA at 0x600.
      {"SMMU_CBn_TLBIVA", 0x600, regs::SMMU_CB_TLBIVA::offset},
      // IHI 0062D.c 16.5.31: SMMU_CBn_TLBIASID at 0x610.
      {"SMMU_CBn_TLBIASID", 0x610, regs::SMMU_CB_TLBIASID::offset},
      // IHI 0062D.c 16.5.30: SMMU_CBn_TLBIALL at 0x618.
      {"SMMU_CBn_TLBIALL", 0x618, regs::SMMU_CB_TLBIALL::offset},
      // IHI 0062D.c 17.3.4: SMMU_CBn_TLBIIPAS2 at 0x630.
      {"SMMU_CBn_TLBIIPAS2", 0x630, regs::SMMU_CB_TLBIIPAS2::offset},
      // IHI 0062D.c 17.3.5: SMMU_CBn_TLBIIPAS2L at 0x638.
      {"SMMU_CBn_TLBIIPAS2L", 0x638, regs::SMMU_CB_TLBIIPAS2L::offset},
      // IHI 0062D.c 16.5.37: SMMU_CBn_TLBSYNC at 0x7F0.
      {"SMMU_CBn_TLBSYNC", 0x7F0, regs::SMMU_CB_TLBSYNC::offset},
      // IHI 0062D.c 16.5.36: SMMU_CBn_TLBSTATUS at 0x7F4.
      {"SMMU_CBn_TLBSTATUS", 0x7F4, regs::SMMU_CB_TLBSTATUS::offset},
      // IHI 0062D.c 16.5.2: SMMU_CBn_ATS1PR at 0x800.
      {"SMMU_CBn_ATS1PR", 0x800, regs::SMMU_CB_ATS1PR::offset},
  };
  check(facts, std::size(facts));
}

// Register widths and the stream-mapping arrays' geometry match the register maps.
TEST(ArmSmmuV2SpecCrossCheck, WidthsAndArrays) {
  const Fact facts[] = {
      // IHI 0062D.c ch. 9: SMMU_sGFAR is a 64-bit register.
      {"SMMU_sGFAR width", 64, regs::SMMU_SGFAR::width},
      // IHI 0062D.c ch. 9: SMMU_sCR0 is 32 bits.
      {"SMMU_sCR0 width", 32, regs::SMMU_SCR0::width},
      // IHI 0062D.c 17.3.9: SMMU_CBn_TTBR0 is a 64-bit register.
      {"SMMU_CBn_TTBR0 width", 64, regs::SMMU_CB_TTBR0::width},
      // IHI 0062D.c 16.5.8: SMMU_CBn_FAR is 64 bits.
      {"SMMU_CBn_FAR width", 64, regs::SMMU_CB_FAR::width},
      // IHI 0062D.c 16.5.32: the AArch64 SMMU_CBn_TLBIVA is 64 bits.
      {"SMMU_CBn_TLBIVA width", 64, regs::SMMU_CB_TLBIVA::width},
      // IHI 0062D.c ch. 9: SMMU_SMRn at 0x800 + 4n, n < 128.
      {"SMMU_SMRn offset", 0x800, regs::SMMU_SMR::offset},
      {"SMMU_SMRn count", 128, regs::SMMU_SMR::count},
      {"SMMU_SMRn stride", 4, regs::SMMU_SMR::stride},
      // IHI 0062D.c ch. 9: SMMU_S2CRn at 0xC00 + 4n, n < 128; S2CR127 at 0xDFC.
      {"SMMU_S2CRn offset", 0xC00, regs::SMMU_S2CR::offset},
      {"SMMU_S2CRn count", 128, regs::SMMU_S2CR::count},
      {"SMMU_S2CR127", 0xDFC, regs::SMMU_S2CR::offset_of(127)},
      // IHI 0062D.c 10.2.1: 128 CBARn, CBAR5 at GR1 + 0x014.
      {"SMMU_CBARn count", 128, regs::SMMU_CBAR::count},
      {"SMMU_CBAR5", 0x014, regs::SMMU_CBAR::offset_of(5)},
  };
  check(facts, std::size(facts));
}

// Field positions of the registers a driver programs match the manuals' bit assignments.
TEST(ArmSmmuV2SpecCrossCheck, FieldPositions) {
  check_positions(manual::arm_smmuv2::field_positions);
}

// Enumerated encodings a driver writes match the manual's named values.
TEST(ArmSmmuV2SpecCrossCheck, Encodings) {
  using S2CRType = regs::SMMU_S2CR::TYPE::Value;
  using CBARType = regs::SMMU_CBAR::TYPE::Value;
  const Fact facts[] = {
      // IHI 0062D.c ch. 9, SMMU_S2CRn.TYPE: 0b00 translation, 0b01 bypass, 0b10 fault.
      {"S2CR.TYPE TRANS", 0, static_cast<uint64_t>(S2CRType::TRANS)},
      {"S2CR.TYPE BYPASS", 1, static_cast<uint64_t>(S2CRType::BYPASS)},
      {"S2CR.TYPE FAULT", 2, static_cast<uint64_t>(S2CRType::FAULT)},
      // IHI 0062D.c 10.2.1, SMMU_CBARn.TYPE: 0b00 stage 2, 0b01 stage 1 with stage 2 bypass,
      // 0b10 stage 1 with stage 2 fault, 0b11 nested.
      {"CBAR.TYPE S2_TRANS", 0, static_cast<uint64_t>(CBARType::S2_TRANS)},
      {"CBAR.TYPE S1_TRANS_S2_BYPASS", 1, static_cast<uint64_t>(CBARType::S1_TRANS_S2_BYPASS)},
      {"CBAR.TYPE S1_TRANS_S2_FAULT", 2, static_cast<uint64_t>(CBARType::S1_TRANS_S2_FAULT)},
      {"CBAR.TYPE S1_TRANS_S2_TRANS", 3, static_cast<uint64_t>(CBARType::S1_TRANS_S2_TRANS)},
      // IHI 0062D.c 10.2.2, SMMU_CBA2Rn.VA64: 1 selects the AArch64 translation scheme.
      {"CBA2R.VA64 AARCH64", 1, static_cast<uint64_t>(regs::SMMU_CBA2R::VA64::Value::AARCH64)},
      // IHI 0062D.c 17.3.8, SMMU_CBn_TCR.TG0 (stage 2): 0b00 4KB, 0b01 64KB, 0b10 16KB.
      {"TCR.TG0 4K", 0, static_cast<uint64_t>(regs::SMMU_CB_TCR::TG0::Value::GRANULE_4K)},
      {"TCR.TG0 64K", 1, static_cast<uint64_t>(regs::SMMU_CB_TCR::TG0::Value::GRANULE_64K)},
      // IHI 0062D.c 17.3.8 / DDI 0487 L.a Table D8-19: SL0 0b01 starts a 4KB walk at level 1.
      {"TCR.SL0 LEVEL1", 1, static_cast<uint64_t>(regs::SMMU_CB_TCR::SL0::Value::LEVEL1)},
      // IHI 0062D.c 17.3.8: PASize 0b101 is 48 bits.
      {"TCR.PASize 48", 5, static_cast<uint64_t>(regs::SMMU_CB_TCR::PASIZE::Value::BITS_48)},
      // IHI 0062D.c 16.5.28: RESUME.TnR 1 terminates the stalled transaction.
      {"RESUME.TnR TERMINATE", 1, static_cast<uint64_t>(regs::SMMU_CB_RESUME::TNR::Value::TERMINATE)},
  };
  check(facts, std::size(facts));
}

// Every register sits in the register space the manual's address map places it in.
TEST(ArmSmmuV2SpecCrossCheck, Blocks) {
  // IHI 0062D.c 8.1: GR0 at the base, GR1 one page up, context banks after the global space.
  EXPECT_EQ(std::string_view("GR0"), std::string_view(regs::SMMU_SCR0::block_name));
  EXPECT_EQ(std::string_view("GR0"), std::string_view(regs::SMMU_S2CR::block_name));
  EXPECT_EQ(std::string_view("GR1"), std::string_view(regs::SMMU_CBAR::block_name));
  EXPECT_EQ(std::string_view("GR1"), std::string_view(regs::SMMU_CBA2R::block_name));
  EXPECT_EQ(std::string_view("CB"), std::string_view(regs::SMMU_CB_SCTLR::block_name));
  EXPECT_EQ(std::string_view("CB"), std::string_view(regs::SMMU_CB_TLBSYNC::block_name));
  // And the bases are data: with 64 KiB pages and a global space of NUMPAGE = 16 pages
  // (NUMPAGENDXB 3), GR1 is at 0x10000 and context bank 3 at (16 + 3) * 0x10000.
  const Layout layout{.PAGESIZE = 0x10000, .GLOBAL_SIZE = 16 * 0x10000};
  EXPECT_EQ(smmuman::hw::address_of<regs::SMMU_CBAR>(layout, 0, 2), 0x10000u + 2 * 4);
  EXPECT_EQ(smmuman::hw::address_of<regs::SMMU_CB_SCTLR>(layout, 3, 0), uint64_t{19} * 0x10000);
  EXPECT_EQ(smmuman::hw::address_of<regs::SMMU_CB_TTBR0>(layout, 3, 0), uint64_t{19} * 0x10000 + 0x20);
}

// The VMSAv8-64 descriptors are 8 bytes with the fields at the Arm ARM's bit positions.
TEST(ArmSmmuV2SpecCrossCheck, Descriptors) {
  const Fact facts[] = {
      // DDI 0487 L.a D8.2.1: a VMSAv8-64 descriptor is an 8-byte access.
      {"S1 descriptor size", 8, structs::S1_DESCRIPTOR::size_bytes},
      {"S2 descriptor size", 8, structs::S2_DESCRIPTOR::size_bytes},
  };
  check(facts, std::size(facts));
  check_positions(manual::arm_smmuv2::descriptors);
}

// The 4KB-granule walks decode the input-address bits the Arm ARM assigns to each level.
TEST(ArmSmmuV2SpecCrossCheck, PageTableLevels) {
  for (const auto* fmt : {&page_tables::aarch64_s1_4k, &page_tables::aarch64_s2_4k}) {
    SCOPED_TRACE(fmt->name);
    // DDI 0487 L.a D8.2.8: 4KB granule, 48-bit IA and OA without DS.
    EXPECT_EQ(12u, fmt->granule_lg2);
    EXPECT_EQ(8u, fmt->entry_bytes);
    EXPECT_EQ(48u, fmt->input_bits_max);
    EXPECT_EQ(48u, fmt->output_bits_max);
    ASSERT_EQ(4u, fmt->level_count);
    // DDI 0487 L.a Table D8-16: level 0 IA[47:39], 1 IA[38:30], 2 IA[29:21], 3 IA[20:12].
    const unsigned hi[] = {47, 38, 29, 20};
    const unsigned lo[] = {39, 30, 21, 12};
    // DDI 0487 L.a Table D8-17: without DS, Block descriptors at levels 1 and 2 only; level 3 holds Pages.
    const bool leaf[] = {false, true, true, true};
    for (unsigned i = 0; i < 4; ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(i, fmt->levels[i].level);
      EXPECT_EQ(hi[i], fmt->levels[i].index_hi);
      EXPECT_EQ(lo[i], fmt->levels[i].index_lo);
      EXPECT_EQ(leaf[i], fmt->levels[i].leaf);
    }
    // DDI 0487 L.a D8.3: bit 0 valid; bit 1 set marks a Table (levels 0-2) or a Page (level 3).
    EXPECT_EQ(0u, fmt->valid.fields[0].lo);
    EXPECT_EQ(1u, fmt->table.fields[0].lo);
    EXPECT_EQ(1u, fmt->table.value);
    EXPECT_EQ(12u, fmt->output_address.lo);
  }
  // DDI 0487 L.a D8.4.2.1.1: stage 2 S2AP[0] (bit 6) grants read, S2AP[1] (bit 7) grants write.
  EXPECT_EQ(6u, page_tables::aarch64_s2_4k.read.lo);
  EXPECT_EQ(7u, page_tables::aarch64_s2_4k.write.lo);
  // DDI 0487 L.a Table D8-52: stage 1 AP[2] (bit 7) = 0 permits writes.
  EXPECT_EQ(7u, page_tables::aarch64_s1_4k.write.lo);
  EXPECT_EQ(0u, page_tables::aarch64_s1_4k.write.value);
}

}  // namespace
