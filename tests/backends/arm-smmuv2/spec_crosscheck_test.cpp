// Spec cross-check for Arm SMMUv2 / MMU-500: facts typed by hand from the
// manuals (Arm IHI 0062D.c, Arm DDI 0517F for MMU-500, Arm DDI 0487 L.a
// chapter D8), compared against the header smmu-gen writes from
// spec/hw/arm-smmuv2.yaml. The expected values here are not read from the
// description; a disagreement means one of the two was mistyped.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "smmuman/hw/arm_smmuv2.hpp"

#include "backends/common/fact_table.hpp"

namespace {

// Rows here read {what, manual, generated}.
using smmuman::test::Fact;
void check(const Fact* facts, size_t count) { smmuman::test::check_facts(facts, count); }

using namespace smmuman::hw::arm_smmuv2;


// A field's position as one number, so a row states hi and lo together.
template <class F>
constexpr uint64_t pos() {
  return (uint64_t{F::hi} << 8) | F::lo;
}
constexpr uint64_t pos(unsigned hi, unsigned lo) { return (uint64_t{hi} << 8) | lo; }

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
  const Fact facts[] = {
      // IHI 0062D.c ch. 9, SMMU_sCR0: CLIENTPD bit 0, GFRE bit 1, GFIE bit 2.
      {"sCR0.CLIENTPD", pos(0, 0), pos<regs::SMMU_SCR0::CLIENTPD>()},
      {"sCR0.GFRE", pos(1, 1), pos<regs::SMMU_SCR0::GFRE>()},
      {"sCR0.GFIE", pos(2, 2), pos<regs::SMMU_SCR0::GFIE>()},
      // IHI 0062D.c ch. 9, SMMU_sCR0: USFCFG bit 10, VMIDPNE bit 11, PTM bit 12, FB bit 13.
      {"sCR0.USFCFG", pos(10, 10), pos<regs::SMMU_SCR0::USFCFG>()},
      {"sCR0.VMIDPNE", pos(11, 11), pos<regs::SMMU_SCR0::VMIDPNE>()},
      {"sCR0.PTM", pos(12, 12), pos<regs::SMMU_SCR0::PTM>()},
      {"sCR0.FB", pos(13, 13), pos<regs::SMMU_SCR0::FB>()},
      // IHI 0062D.c ch. 9, SMMU_sCR0: BSU bits [15:14], VMID16EN bit 31.
      {"sCR0.BSU", pos(15, 14), pos<regs::SMMU_SCR0::BSU>()},
      {"sCR0.VMID16EN", pos(31, 31), pos<regs::SMMU_SCR0::VMID16EN>()},
      // IHI 0062D.c ch. 9, SMMU_IDR0: NUMSMRG [7:0], NUMSIDB [12:9], SMS bit 27, S1TS bit 30.
      {"IDR0.NUMSMRG", pos(7, 0), pos<regs::SMMU_IDR0::NUMSMRG>()},
      {"IDR0.NUMSIDB", pos(12, 9), pos<regs::SMMU_IDR0::NUMSIDB>()},
      {"IDR0.SMS", pos(27, 27), pos<regs::SMMU_IDR0::SMS>()},
      {"IDR0.S1TS", pos(30, 30), pos<regs::SMMU_IDR0::S1TS>()},
      // IHI 0062D.c ch. 9, SMMU_IDR1: NUMCB [7:0], NUMS2CB [23:16], NUMPAGENDXB [30:28], PAGESIZE bit 31.
      {"IDR1.NUMCB", pos(7, 0), pos<regs::SMMU_IDR1::NUMCB>()},
      {"IDR1.NUMS2CB", pos(23, 16), pos<regs::SMMU_IDR1::NUMS2CB>()},
      {"IDR1.NUMPAGENDXB", pos(30, 28), pos<regs::SMMU_IDR1::NUMPAGENDXB>()},
      {"IDR1.PAGESIZE", pos(31, 31), pos<regs::SMMU_IDR1::PAGESIZE>()},
      // IHI 0062D.c ch. 9, SMMU_IDR2: IAS [3:0], OAS [7:4], UBS [11:8], PTFSv8_4kB bit 12.
      {"IDR2.IAS", pos(3, 0), pos<regs::SMMU_IDR2::IAS>()},
      {"IDR2.OAS", pos(7, 4), pos<regs::SMMU_IDR2::OAS>()},
      {"IDR2.UBS", pos(11, 8), pos<regs::SMMU_IDR2::UBS>()},
      {"IDR2.PTFSv8_4kB", pos(12, 12), pos<regs::SMMU_IDR2::PTFSV8_4KB>()},
      // IHI 0062D.c ch. 9, SMMU_IDR7: MAJOR [7:4], MINOR [3:0].
      {"IDR7.MAJOR", pos(7, 4), pos<regs::SMMU_IDR7::MAJOR>()},
      // IHI 0062D.c ch. 9, SMMU_sGFSR: USF bit 1, MULTI bit 31.
      {"sGFSR.USF", pos(1, 1), pos<regs::SMMU_SGFSR::USF>()},
      {"sGFSR.MULTI", pos(31, 31), pos<regs::SMMU_SGFSR::MULTI>()},
      // IHI 0062D.c ch. 9, SMMU_sTLBGSTATUS: GSACTIVE bit 0.
      {"sTLBGSTATUS.GSACTIVE", pos(0, 0), pos<regs::SMMU_STLBGSTATUS::GSACTIVE>()},
      // IHI 0062D.c ch. 9, SMMU_SMRn (EXIDENABLE = 0): VALID 31, MASK [30:16], ID [14:0].
      {"SMR.VALID", pos(31, 31), pos<regs::SMMU_SMR::VALID>()},
      {"SMR.MASK", pos(30, 16), pos<regs::SMMU_SMR::MASK>()},
      {"SMR.ID", pos(14, 0), pos<regs::SMMU_SMR::ID>()},
      // IHI 0062D.c ch. 9, SMMU_S2CRn: CBNDX [7:0], EXIDVALID 10, TYPE [17:16], PRIVCFG [25:24].
      {"S2CR.CBNDX", pos(7, 0), pos<regs::SMMU_S2CR::CBNDX>()},
      {"S2CR.EXIDVALID", pos(10, 10), pos<regs::SMMU_S2CR::EXIDVALID>()},
      {"S2CR.TYPE", pos(17, 16), pos<regs::SMMU_S2CR::TYPE>()},
      {"S2CR.PRIVCFG", pos(25, 24), pos<regs::SMMU_S2CR::PRIVCFG>()},
      // IHI 0062D.c 10.2.1, SMMU_CBARn: VMID [7:0], BPSHCFG [9:8], MemAttr [15:12], TYPE [17:16], IRPTNDX [31:24].
      {"CBAR.VMID", pos(7, 0), pos<regs::SMMU_CBAR::VMID>()},
      {"CBAR.BPSHCFG", pos(9, 8), pos<regs::SMMU_CBAR::BPSHCFG>()},
      {"CBAR.MemAttr", pos(15, 12), pos<regs::SMMU_CBAR::MEMATTR>()},
      {"CBAR.TYPE", pos(17, 16), pos<regs::SMMU_CBAR::TYPE>()},
      {"CBAR.IRPTNDX", pos(31, 24), pos<regs::SMMU_CBAR::IRPTNDX>()},
      // IHI 0062D.c 10.2.2, SMMU_CBA2Rn: VA64 bit 0, VMID16 [31:16].
      {"CBA2R.VA64", pos(0, 0), pos<regs::SMMU_CBA2R::VA64>()},
      {"CBA2R.VMID16", pos(31, 16), pos<regs::SMMU_CBA2R::VMID16>()},
      // IHI 0062D.c 16.5.29, SMMU_CBn_SCTLR: M 0, TRE 1, AFE 2, E 4, CFRE 5, CFIE 6, CFCFG 7, HUPCF 8, ASIDPNE 12.
      {"SCTLR.M", pos(0, 0), pos<regs::SMMU_CB_SCTLR::M>()},
      {"SCTLR.TRE", pos(1, 1), pos<regs::SMMU_CB_SCTLR::TRE>()},
      {"SCTLR.AFE", pos(2, 2), pos<regs::SMMU_CB_SCTLR::AFE>()},
      {"SCTLR.E", pos(4, 4), pos<regs::SMMU_CB_SCTLR::E>()},
      {"SCTLR.CFRE", pos(5, 5), pos<regs::SMMU_CB_SCTLR::CFRE>()},
      {"SCTLR.CFIE", pos(6, 6), pos<regs::SMMU_CB_SCTLR::CFIE>()},
      {"SCTLR.CFCFG", pos(7, 7), pos<regs::SMMU_CB_SCTLR::CFCFG>()},
      {"SCTLR.HUPCF", pos(8, 8), pos<regs::SMMU_CB_SCTLR::HUPCF>()},
      {"SCTLR.ASIDPNE", pos(12, 12), pos<regs::SMMU_CB_SCTLR::ASIDPNE>()},
      // IHI 0062D.c 16.5.28, SMMU_CBn_RESUME: TnR bit 0.
      {"RESUME.TnR", pos(0, 0), pos<regs::SMMU_CB_RESUME::TNR>()},
      // IHI 0062D.c 16.5.39, SMMU_CBn_TCR2: AS bit 4, SEP [17:15].
      {"TCR2.AS", pos(4, 4), pos<regs::SMMU_CB_TCR2::AS>()},
      {"TCR2.SEP", pos(17, 15), pos<regs::SMMU_CB_TCR2::SEP>()},
      // IHI 0062D.c 16.5.40, SMMU_CBn_TTBRn (AArch64): ASID [63:48].
      {"TTBR0.ASID", pos(63, 48), pos<regs::SMMU_CB_TTBR0::ASID>()},
      // IHI 0062D.c 17.3.8, stage 2 SMMU_CBn_TCR: T0SZ [5:0], SL0 [7:6], IRGN0 [9:8], ORGN0 [11:10],
      // SH0 [13:12], TG0 [15:14], PASize [18:16].
      {"TCR.T0SZ", pos(5, 0), pos<regs::SMMU_CB_TCR::T0SZ>()},
      {"TCR.SL0", pos(7, 6), pos<regs::SMMU_CB_TCR::SL0>()},
      {"TCR.IRGN0", pos(9, 8), pos<regs::SMMU_CB_TCR::IRGN0>()},
      {"TCR.ORGN0", pos(11, 10), pos<regs::SMMU_CB_TCR::ORGN0>()},
      {"TCR.SH0", pos(13, 12), pos<regs::SMMU_CB_TCR::SH0>()},
      {"TCR.TG0", pos(15, 14), pos<regs::SMMU_CB_TCR::TG0>()},
      {"TCR.PASize", pos(18, 16), pos<regs::SMMU_CB_TCR::PASIZE>()},
      // IHI 0062D.c 16.5.38, stage 1 AArch64 SMMU_CBn_TCR: EPD0 7, T1SZ [21:16], A1 22, EPD1 23, TG1 [31:30].
      {"TCR(s1).EPD0", pos(7, 7), pos<regs::SMMU_CB_S1_TCR::EPD0>()},
      {"TCR(s1).T1SZ", pos(21, 16), pos<regs::SMMU_CB_S1_TCR::T1SZ>()},
      {"TCR(s1).A1", pos(22, 22), pos<regs::SMMU_CB_S1_TCR::A1>()},
      {"TCR(s1).EPD1", pos(23, 23), pos<regs::SMMU_CB_S1_TCR::EPD1>()},
      {"TCR(s1).TG1", pos(31, 30), pos<regs::SMMU_CB_S1_TCR::TG1>()},
      // IHI 0062D.c 16.5.9, SMMU_CBn_FSR: TF 1, AFF 2, PF 3, EF 4, TLBMCF 5, TLBLKF 6, ASF 7, UUT 8, SS 30, MULTI 31.
      {"FSR.TF", pos(1, 1), pos<regs::SMMU_CB_FSR::TF>()},
      {"FSR.AFF", pos(2, 2), pos<regs::SMMU_CB_FSR::AFF>()},
      {"FSR.PF", pos(3, 3), pos<regs::SMMU_CB_FSR::PF>()},
      {"FSR.EF", pos(4, 4), pos<regs::SMMU_CB_FSR::EF>()},
      {"FSR.TLBMCF", pos(5, 5), pos<regs::SMMU_CB_FSR::TLBMCF>()},
      {"FSR.TLBLKF", pos(6, 6), pos<regs::SMMU_CB_FSR::TLBLKF>()},
      {"FSR.ASF", pos(7, 7), pos<regs::SMMU_CB_FSR::ASF>()},
      {"FSR.UUT", pos(8, 8), pos<regs::SMMU_CB_FSR::UUT>()},
      {"FSR.SS", pos(30, 30), pos<regs::SMMU_CB_FSR::SS>()},
      {"FSR.MULTI", pos(31, 31), pos<regs::SMMU_CB_FSR::MULTI>()},
      // IHI 0062D.c 16.5.11, SMMU_CBn_FSYNR0: PLVL [1:0], WNR bit 4.
      {"FSYNR0.PLVL", pos(1, 0), pos<regs::SMMU_CB_FSYNR0::PLVL>()},
      {"FSYNR0.WNR", pos(4, 4), pos<regs::SMMU_CB_FSYNR0::WNR>()},
      // IHI 0062D.c 16.5.36, SMMU_CBn_TLBSTATUS: SACTIVE bit 0.
      {"TLBSTATUS.SACTIVE", pos(0, 0), pos<regs::SMMU_CB_TLBSTATUS::SACTIVE>()},
      // DDI 0517F 3.5.1, MMU-500 SMMU_sACR: CACHE_LOCK 26, S2CRB_TLBEN 10, SMTNMB_TLBEN 8.
      {"sACR.CACHE_LOCK", pos(26, 26), pos<regs::SMMU_SACR::CACHE_LOCK>()},
      {"sACR.S2CRB_TLBEN", pos(10, 10), pos<regs::SMMU_SACR::S2CRB_TLBEN>()},
      {"sACR.SMTNMB_TLBEN", pos(8, 8), pos<regs::SMMU_SACR::SMTNMB_TLBEN>()},
      // DDI 0517F 3.7.1, MMU-500 SMMU_CBn_ACTLR: CPRE bit 1, CMTLB bit 0.
      {"ACTLR.CPRE", pos(1, 1), pos<regs::SMMU_CB_ACTLR::CPRE>()},
      {"ACTLR.CMTLB", pos(0, 0), pos<regs::SMMU_CB_ACTLR::CMTLB>()},
  };
  check(facts, std::size(facts));
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
      // DDI 0487 L.a Table D8-52 (stage 1 Block/Page): valid 0, type 1, AttrIndx [4:2], AP[2:1] [7:6],
      // SH [9:8], AF 10, nG 11, OA [47:12], PXN 53, UXN 54.
      {"S1.VALID", pos(0, 0), pos<structs::S1_DESCRIPTOR::VALID>()},
      {"S1.TYPE", pos(1, 1), pos<structs::S1_DESCRIPTOR::TYPE>()},
      {"S1.AttrIndx", pos(4, 2), pos<structs::S1_DESCRIPTOR::ATTRINDX>()},
      {"S1.AP[1]", pos(6, 6), pos<structs::S1_DESCRIPTOR::AP1>()},
      {"S1.AP[2]", pos(7, 7), pos<structs::S1_DESCRIPTOR::AP2>()},
      {"S1.SH", pos(9, 8), pos<structs::S1_DESCRIPTOR::SH>()},
      {"S1.AF", pos(10, 10), pos<structs::S1_DESCRIPTOR::AF>()},
      {"S1.nG", pos(11, 11), pos<structs::S1_DESCRIPTOR::NG>()},
      {"S1.OA", pos(47, 12), pos<structs::S1_DESCRIPTOR::OA>()},
      {"S1.PXN", pos(53, 53), pos<structs::S1_DESCRIPTOR::PXN>()},
      {"S1.UXN", pos(54, 54), pos<structs::S1_DESCRIPTOR::UXN>()},
      // DDI 0487 L.a Table D8-50 (stage 1 Table): APTable [62:61], NSTable 63.
      {"S1.APTable", pos(62, 61), pos<structs::S1_DESCRIPTOR::APTABLE>()},
      {"S1.NSTable", pos(63, 63), pos<structs::S1_DESCRIPTOR::NSTABLE>()},
      // DDI 0487 L.a Table D8-53 (stage 2 Block/Page): MemAttr [5:2], S2AP [7:6], AF 10, XN 54.
      {"S2.MemAttr", pos(5, 2), pos<structs::S2_DESCRIPTOR::MEMATTR>()},
      {"S2.S2AP[0]", pos(6, 6), pos<structs::S2_DESCRIPTOR::S2AP_R>()},
      {"S2.S2AP[1]", pos(7, 7), pos<structs::S2_DESCRIPTOR::S2AP_W>()},
      {"S2.AF", pos(10, 10), pos<structs::S2_DESCRIPTOR::AF>()},
      {"S2.OA", pos(47, 12), pos<structs::S2_DESCRIPTOR::OA>()},
      {"S2.XN", pos(54, 54), pos<structs::S2_DESCRIPTOR::XN>()},
  };
  check(facts, std::size(facts));
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
