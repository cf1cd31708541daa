// Spec cross-check for the Renesas R-Car Gen3 IPMMU (IPMMU-VMSA): facts typed
// by hand from the sources the description cites (the R-Car Gen3 manual is not
// public, so the register facts come from Linux 6.1
// drivers/iommu/ipmmu-vmsa.c, its macros and Gen3 feature data; the table
// format from Arm DDI 0406C.d B3.6 and B4.1.104), compared against the header
// smmu-gen writes from spec/hw/renesas-ipmmu.yaml. The expected values here are
// not read from the description; a disagreement means one of the two was
// mistyped.
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <string_view>

#include "smmuman/hw/renesas_ipmmu.hpp"

#include "backends/common/fact_table.hpp"

namespace {

// Rows here read {what, source, generated}.
using smmuman::test::Fact;
void check(const Fact* facts, size_t count) { smmuman::test::check_facts(facts, count); }

using namespace smmuman::hw::renesas_ipmmu;
using smmuman::hw::WriteValue;

// A field's position as one number, so a row states hi and lo together.
template <class F>
constexpr uint64_t pos() {
  return (uint64_t{F::hi} << 8) | F::lo;
}
constexpr uint64_t pos(unsigned hi, unsigned lo) { return (uint64_t{hi} << 8) | lo; }

// Context register offsets, relative to the context's base, match the driver's macros.
TEST(RenesasIpmmuSpecCrossCheck, ContextRegisterOffsets) {
  const Fact facts[] = {
      // Linux 6.1 ipmmu-vmsa.c: IMCTR 0x0000.
      {"IMCTR", 0x00, regs::IMCTR::offset},
      // IMTTBCR 0x0008.
      {"IMTTBCR", 0x08, regs::IMTTBCR::offset},
      // IMTTLBR0 0x0010, IMTTUBR0 0x0014.
      {"IMTTLBR0", 0x10, regs::IMTTLBR0::offset},
      {"IMTTUBR0", 0x14, regs::IMTTUBR0::offset},
      // IMSTR 0x0020.
      {"IMSTR", 0x20, regs::IMSTR::offset},
      // IMMAIR0 0x0028.
      {"IMMAIR0", 0x28, regs::IMMAIR0::offset},
      // IMELAR 0x0030, IMEUAR 0x0034 (Gen3 only).
      {"IMELAR", 0x30, regs::IMELAR::offset},
      {"IMEUAR", 0x34, regs::IMEUAR::offset},
  };
  check(facts, std::size(facts));
}

// Every register is a 32-bit word: the driver reaches them all with ioread32/iowrite32.
TEST(RenesasIpmmuSpecCrossCheck, Widths) {
  const Fact facts[] = {
      {"IMCTR width", 32, regs::IMCTR::width},
      {"IMTTBCR width", 32, regs::IMTTBCR::width},
      {"IMTTLBR0 width", 32, regs::IMTTLBR0::width},
      {"IMTTUBR0 width", 32, regs::IMTTUBR0::width},
      {"IMSTR width", 32, regs::IMSTR::width},
      {"IMMAIR0 width", 32, regs::IMMAIR0::width},
      {"IMELAR width", 32, regs::IMELAR::width},
      {"IMEUAR width", 32, regs::IMEUAR::width},
      {"IMUCTR0 width", 32, regs::IMUCTR0::width},
      {"IMUASID0 width", 32, regs::IMUASID0::width},
      {"IMUCTR32 width", 32, regs::IMUCTR32::width},
      {"IMUASID32 width", 32, regs::IMUASID32::width},
  };
  check(facts, std::size(facts));
}

// The micro-TLB registers: IMUCTRn at 0x300 + 16n and IMUASIDn at 0x308 + 16n for
// n < 32, at 0x600 + 16(n - 32) and 0x608 + 16(n - 32) for n >= 32; Gen3 has 48.
TEST(RenesasIpmmuSpecCrossCheck, MicroTlbArrays) {
  const Fact facts[] = {
      // IMUCTR0(n): 0x0300 + n * 16.
      {"IMUCTR0 offset", 0x300, regs::IMUCTR0::offset},
      {"IMUCTR0 stride", 16, regs::IMUCTR0::stride},
      {"IMUCTR0 count", 32, regs::IMUCTR0::count},
      {"IMUCTR(31)", 0x4F0, regs::IMUCTR0::offset_of(31)},
      // IMUASID0(n): 0x0308 + n * 16.
      {"IMUASID0 offset", 0x308, regs::IMUASID0::offset},
      {"IMUASID0 stride", 16, regs::IMUASID0::stride},
      {"IMUASID0 count", 32, regs::IMUASID0::count},
      {"IMUASID(5)", 0x358, regs::IMUASID0::offset_of(5)},
      // IMUCTR32(n): 0x0600 + (n - 32) * 16; num_utlbs 48 leaves 16 above 31.
      {"IMUCTR32 offset", 0x600, regs::IMUCTR32::offset},
      {"IMUCTR32 stride", 16, regs::IMUCTR32::stride},
      {"IMUCTR32 count", 48 - 32, regs::IMUCTR32::count},
      {"IMUCTR(47)", 0x6F0, regs::IMUCTR32::offset_of(47 - 32)},
      // IMUASID32(n): 0x0608 + (n - 32) * 16.
      {"IMUASID32 offset", 0x608, regs::IMUASID32::offset},
      {"IMUASID32 stride", 16, regs::IMUASID32::stride},
      {"IMUASID32 count", 48 - 32, regs::IMUASID32::count},
      {"IMUASID(40)", 0x688, regs::IMUASID32::offset_of(40 - 32)},
  };
  check(facts, std::size(facts));
}

// Field positions match the driver's bit macros (and, for IMMAIR0, the MAIR0 layout of DDI 0406C.d B4.1.104).
TEST(RenesasIpmmuSpecCrossCheck, FieldPositions) {
  const Fact facts[] = {
      // IMCTR_INTEN 1 << 2, IMCTR_FLUSH 1 << 1, IMCTR_MMUEN 1 << 0.
      {"IMCTR.INTEN", pos(2, 2), pos<regs::IMCTR::INTEN>()},
      {"IMCTR.FLUSH", pos(1, 1), pos<regs::IMCTR::FLUSH>()},
      {"IMCTR.MMUEN", pos(0, 0), pos<regs::IMCTR::MMUEN>()},
      // IMTTBCR_EAE 1 << 31; Gen3 two-bit SL0 at bit 6 (IMTTBCR_SL0_TWOBIT_LVL_1 is 2 << 6).
      {"IMTTBCR.EAE", pos(31, 31), pos<regs::IMTTBCR::EAE>()},
      {"IMTTBCR.SL0", pos(7, 6), pos<regs::IMTTBCR::SL0>()},
      // IMTTLBR0 takes the low word of the table address; IMTTUBR0 its bits 39:32 (40-bit oas).
      {"IMTTLBR0.ADDR", pos(31, 0), pos<regs::IMTTLBR0::ADDR>()},
      {"IMTTUBR0.ADDR", pos(7, 0), pos<regs::IMTTUBR0::ADDR>()},
      // IMSTR_MHIT 1 << 4, IMSTR_ABORT 1 << 2, IMSTR_PF 1 << 1, IMSTR_TF 1 << 0.
      {"IMSTR.MHIT", pos(4, 4), pos<regs::IMSTR::MHIT>()},
      {"IMSTR.ABORT", pos(2, 2), pos<regs::IMSTR::ABORT>()},
      {"IMSTR.PF", pos(1, 1), pos<regs::IMSTR::PF>()},
      {"IMSTR.TF", pos(0, 0), pos<regs::IMSTR::TF>()},
      // DDI 0406C.d B4.1.104, MAIR0: Attr0 [7:0], Attr1 [15:8], Attr2 [23:16], Attr3 [31:24].
      {"IMMAIR0.ATTR0", pos(7, 0), pos<regs::IMMAIR0::ATTR0>()},
      {"IMMAIR0.ATTR1", pos(15, 8), pos<regs::IMMAIR0::ATTR1>()},
      {"IMMAIR0.ATTR2", pos(23, 16), pos<regs::IMMAIR0::ATTR2>()},
      {"IMMAIR0.ATTR3", pos(31, 24), pos<regs::IMMAIR0::ATTR3>()},
      // IMELAR and IMEUAR: the low and high words of the faulting address.
      {"IMELAR.ADDR", pos(31, 0), pos<regs::IMELAR::ADDR>()},
      {"IMEUAR.ADDR", pos(31, 0), pos<regs::IMEUAR::ADDR>()},
      // IMUCTR_TTSEL_MMU(n) is n << 4, IMUCTR_FLUSH 1 << 1, IMUCTR_MMUEN 1 << 0.
      {"IMUCTR.TTSEL lo", 4, regs::IMUCTR0::TTSEL::lo},
      {"IMUCTR.FLUSH", pos(1, 1), pos<regs::IMUCTR0::FLUSH>()},
      {"IMUCTR.MMUEN", pos(0, 0), pos<regs::IMUCTR0::MMUEN>()},
      {"IMUCTR32.TTSEL lo", 4, regs::IMUCTR32::TTSEL::lo},
      {"IMUCTR32.FLUSH", pos(1, 1), pos<regs::IMUCTR32::FLUSH>()},
      {"IMUCTR32.MMUEN", pos(0, 0), pos<regs::IMUCTR32::MMUEN>()},
  };
  check(facts, std::size(facts));
  // Gen3's 8 contexts (number_of_contexts) and Gen4's 16 (IPMMU_CTX_MAX) must fit TTSEL.
  EXPECT_GE(regs::IMUCTR0::TTSEL::width, 3u);
  EXPECT_TRUE(smmuman::hw::FieldValue<regs::IMUCTR0::TTSEL>::fits(15));
}

// The words the driver writes, assembled from the generated fields, equal the
// driver's macro arithmetic.
TEST(RenesasIpmmuSpecCrossCheck, DriverWords) {
  using SL0 = regs::IMTTBCR::SL0;
  const Fact facts[] = {
      // IMTTBCR_SL0_TWOBIT_LVL_1: 2 starts the walk at level 1.
      {"IMTTBCR.SL0 LEVEL1", 2, static_cast<uint64_t>(SL0::Value::LEVEL1)},
      // ipmmu_domain_setup_context on Gen3: IMTTBCR_EAE | IMTTBCR_SL0_TWOBIT_LVL_1.
      {"IMTTBCR Gen3 value", (uint64_t{1} << 31) | (2 << 6),
       WriteValue<regs::IMTTBCR>::zero().set<regs::IMTTBCR::EAE>(1).set<SL0>(SL0::Value::LEVEL1).raw()},
      // ipmmu_domain_setup_context: IMCTR_INTEN | IMCTR_FLUSH | IMCTR_MMUEN.
      {"IMCTR enable value", 0x7,
       WriteValue<regs::IMCTR>::zero()
           .set<regs::IMCTR::INTEN>(1)
           .set<regs::IMCTR::FLUSH>(1)
           .set<regs::IMCTR::MMUEN>(1)
           .raw()},
      // ipmmu_utlb_enable for context 3: IMUCTR_TTSEL_MMU(3) | IMUCTR_FLUSH | IMUCTR_MMUEN.
      {"IMUCTR enable value", (3 << 4) | 2 | 1,
       WriteValue<regs::IMUCTR0>::zero()
           .set<regs::IMUCTR0::TTSEL>(3)
           .set<regs::IMUCTR0::FLUSH>(1)
           .set<regs::IMUCTR0::MMUEN>(1)
           .raw()},
  };
  check(facts, std::size(facts));
  // ipmmu_domain_irq clears IMSTR by writing 0, so it is not a write-1-to-clear register.
  EXPECT_TRUE(regs::IMSTR::access == smmuman::hw::Access::rw);
}

// Context n's registers sit at n * 0x40 (ctx_offset_base 0, ctx_offset_stride 0x40 on
// Gen3); the micro-TLB registers at the unit's base (utlb_offset_base 0).
TEST(RenesasIpmmuSpecCrossCheck, Blocks) {
  EXPECT_EQ(std::string_view("CTX"), std::string_view(regs::IMCTR::block_name));
  EXPECT_EQ(std::string_view("CTX"), std::string_view(regs::IMEUAR::block_name));
  EXPECT_EQ(std::string_view("UTLB"), std::string_view(regs::IMUCTR0::block_name));
  EXPECT_EQ(std::string_view("UTLB"), std::string_view(regs::IMUASID32::block_name));
  const Layout layout{};
  const Fact facts[] = {
      // ipmmu_ctx_reg(mmu, 3, IMSTR) = 0 + 3 * 0x40 + 0x20.
      {"context 3 IMSTR", 3 * 0x40 + 0x20, smmuman::hw::address_of<regs::IMSTR>(layout, 3, 0)},
      // ipmmu_ctx_reg(mmu, 7, IMCTR) = 7 * 0x40: the last Gen3 context.
      {"context 7 IMCTR", 7 * 0x40, smmuman::hw::address_of<regs::IMCTR>(layout, 7, 0)},
      // ipmmu_ctx_reg(mmu, 1, IMTTUBR0) = 0x40 + 0x14.
      {"context 1 IMTTUBR0", 0x40 + 0x14, smmuman::hw::address_of<regs::IMTTUBR0>(layout, 1, 0)},
      // ipmmu_utlb_reg(mmu, IMUCTR(40)) = 0 + 0x600 + 8 * 16.
      {"micro-TLB 40 IMUCTR", 0x680, smmuman::hw::address_of<regs::IMUCTR32>(layout, 0, 40 - 32)},
      // ipmmu_utlb_reg(mmu, IMUASID(2)) = 0 + 0x308 + 2 * 16.
      {"micro-TLB 2 IMUASID", 0x328, smmuman::hw::address_of<regs::IMUASID0>(layout, 0, 2)},
  };
  check(facts, std::size(facts));
  // The last context's registers end before the first micro-TLB register.
  EXPECT_LT(smmuman::hw::address_of<regs::IMEUAR>(layout, 7, 0) + 4, uint64_t{0x300});
}

// The Long-descriptor descriptor is 8 bytes with the fields at DDI 0406C.d B3.6.1/B3.6.2's positions.
TEST(RenesasIpmmuSpecCrossCheck, Descriptor) {
  using D = structs::LPAE_DESCRIPTOR;
  const Fact facts[] = {
      // B3.6.1: every Long-descriptor entry is 64 bits.
      {"descriptor size", 8, D::size_bytes},
      // B3.6.1: bit 0 valid, bit 1 Table/Page (1) versus Block (0).
      {"VALID", pos(0, 0), pos<D::VALID>()},
      {"TYPE", pos(1, 1), pos<D::TYPE>()},
      // B3.6.2 lower attributes: AttrIndx[2:0] [4:2], NS 5, AP[2:1] [7:6], SH[1:0] [9:8], AF 10, nG 11.
      {"AttrIndx", pos(4, 2), pos<D::ATTRINDX>()},
      {"NS", pos(5, 5), pos<D::NS>()},
      {"AP[1]", pos(6, 6), pos<D::AP1>()},
      {"AP[2]", pos(7, 7), pos<D::AP2>()},
      {"SH", pos(9, 8), pos<D::SH>()},
      {"AF", pos(10, 10), pos<D::AF>()},
      {"nG", pos(11, 11), pos<D::NG>()},
      // B3.6.1: output address / next-level table address bits [39:12] (40-bit PA).
      {"OA", pos(39, 12), pos<D::OA>()},
      // B3.6.2 upper attributes: Contiguous 52, PXN 53, XN 54, software [58:55].
      {"Contiguous", pos(52, 52), pos<D::CONTIGUOUS>()},
      {"PXN", pos(53, 53), pos<D::PXN>()},
      {"XN", pos(54, 54), pos<D::XN>()},
      {"software", pos(58, 55), pos<D::SW>()},
      // B3.6.2 table attributes: PXNTable 59, XNTable 60, APTable [62:61], NSTable 63.
      {"PXNTable", pos(59, 59), pos<D::PXNTABLE>()},
      {"XNTable", pos(60, 60), pos<D::XNTABLE>()},
      {"APTable", pos(62, 61), pos<D::APTABLE>()},
      {"NSTable", pos(63, 63), pos<D::NSTABLE>()},
      // B3.6.2: SH 0b10 Outer Shareable, 0b11 Inner Shareable.
      {"SH outer", 2, static_cast<uint64_t>(D::SH::Value::OUTER_SHAREABLE)},
      {"SH inner", 3, static_cast<uint64_t>(D::SH::Value::INNER_SHAREABLE)},
  };
  check(facts, std::size(facts));

  // A whole 4KB Page entry as the driver's tables hold a non-executable,
  // unprivileged read/write mapping of PA 0xAB_CDEF_1000 (NS set, as the
  // IPMMU requires): its bits summed from B3.6.1/B3.6.2 by hand.
  const uint64_t expected = uint64_t{0xAB'CDEF'1000}  // output address [39:12]
                            | (uint64_t{1} << 54)     // XN
                            | (uint64_t{1} << 53)     // PXN
                            | (uint64_t{1} << 11)     // nG
                            | (uint64_t{1} << 10)     // AF
                            | (uint64_t{3} << 8)      // SH Inner Shareable
                            | (uint64_t{1} << 6)      // AP[1]: unprivileged access
                            | (uint64_t{1} << 5)      // NS
                            | (uint64_t{1} << 2)      // AttrIndx 1
                            | 0x3;                    // Page, valid
  const D::Decoded<uint64_t> page{
      .NSTABLE = 0,
      .APTABLE = 0,
      .XNTABLE = 0,
      .PXNTABLE = 0,
      .SW = 0,
      .XN = 1,
      .PXN = 1,
      .CONTIGUOUS = 0,
      .OA = uint64_t{0xAB'CDEF'1000} >> 12,
      .NG = 1,
      .AF = 1,
      .SH = 3,
      .AP2 = 0,
      .AP1 = 1,
      .NS = 1,
      .ATTRINDX = 1,
      .TYPE = 1,
      .VALID = 1,
  };
  uint64_t word = 0;
  ASSERT_TRUE(D::try_encode(&word, page));
  EXPECT_EQ(expected, word);
  // B3.6.1: the output address has 40 bits; 2^40 does not fit.
  EXPECT_TRUE(D::OA::fits((uint64_t{1} << 28) - 1));
  EXPECT_FALSE(D::OA::fits(uint64_t{1} << 28));
}

// The stage 1 walk for a 32-bit input (T0SZ 0) decodes the input-address bits
// DDI 0406C.d B3.6.5 assigns to each lookup level.
TEST(RenesasIpmmuSpecCrossCheck, PageTableLevels) {
  const auto& fmt = page_tables::armv7_lpae_s1;
  // 4KB granule, 8-byte entries; ipmmu_domain_init_context: cfg.ias 32, cfg.oas 40.
  EXPECT_EQ(12u, fmt.granule_lg2);
  EXPECT_EQ(8u, fmt.entry_bytes);
  EXPECT_EQ(32u, fmt.input_bits_max);
  EXPECT_EQ(40u, fmt.output_bits_max);
  ASSERT_EQ(3u, fmt.level_count);
  // B3.6.5: with T0SZ 0 the walk starts at level 1 resolving IA[31:30] (4 entries),
  // then level 2 IA[29:21] and level 3 IA[20:12].
  const unsigned level[] = {1, 2, 3};
  const unsigned hi[] = {31, 29, 20};
  const unsigned lo[] = {30, 21, 12};
  // B3.6.1: Blocks at levels 1 (1GB) and 2 (2MB), Pages at level 3; the driver's
  // pgsize_bitmap is 1G | 2M | 4K.
  const bool leaf[] = {true, true, true};
  for (unsigned i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(level[i], fmt.levels[i].level);
    EXPECT_EQ(hi[i], fmt.levels[i].index_hi);
    EXPECT_EQ(lo[i], fmt.levels[i].index_lo);
    EXPECT_EQ(leaf[i], fmt.levels[i].leaf);
  }
  // B3.6.1: bit 0 valid; bit 1 set marks a Table (levels 1-2) or a Page (level 3).
  EXPECT_EQ(0u, fmt.valid.fields[0].lo);
  EXPECT_EQ(1u, fmt.valid.value);
  EXPECT_EQ(1u, fmt.table.fields[0].lo);
  EXPECT_EQ(1u, fmt.table.value);
  EXPECT_EQ(1u, fmt.last_level_leaf.fields[0].lo);
  EXPECT_EQ(1u, fmt.last_level_leaf.value);
  EXPECT_EQ(39u, fmt.output_address.hi);
  EXPECT_EQ(12u, fmt.output_address.lo);
  EXPECT_EQ(12u, fmt.output_address.value);
  // B3.6.2, AP[2:1]: AP[1] (bit 6) set lets unprivileged accesses in, AP[2] (bit 7) 0 permits
  // writes, XN (bit 54) 1 forbids execution.
  EXPECT_EQ(6u, fmt.read.lo);
  EXPECT_EQ(1u, fmt.read.value);
  EXPECT_EQ(7u, fmt.write.lo);
  EXPECT_EQ(0u, fmt.write.value);
  EXPECT_TRUE(fmt.exec_never.present);
  EXPECT_EQ(54u, fmt.exec_never.lo);
  EXPECT_EQ(1u, fmt.exec_never.value);
  EXPECT_FALSE(fmt.exec.present);
}

}  // namespace
