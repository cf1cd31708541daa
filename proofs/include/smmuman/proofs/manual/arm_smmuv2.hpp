// Field positions typed from Arm IHI 0062D.c (SMMUv2), Arm DDI 0517F (MMU-500) and Arm DDI 0487 L.a chapter D8.
// Each row: a field, and the bits the manual gives it — typed from the manual
// section cited beside it, never read from spec/hw. The spec cross-check
// test compares them with the generated header; `smmuman prove --all` proves on
// Z3 that the generated code reads, writes and encodes each field there.
#pragma once

#include <boost/hana/tuple.hpp>

#include "smmuman/hw/arm_smmuv2.hpp"
#include "smmuman/proofs/manual/manual_bits.hpp"

#define SMMUMAN_FIELD_AT(F, hi, lo) \
  ::smmuman::proofs::ManualBits<F> { #F, hi, lo }
#define SMMUMAN_BIT_AT(F, bit) \
  ::smmuman::proofs::ManualBits<F> { #F, bit, bit }

namespace smmuman::proofs::manual::arm_smmuv2 {

using namespace ::smmuman::hw::arm_smmuv2;

// Field positions of the registers a driver programs match the manuals' bit assignments.
inline constexpr auto field_positions = ::boost::hana::make_tuple(
    // IHI 0062D.c ch. 9, SMMU_sCR0: CLIENTPD bit 0, GFRE bit 1, GFIE bit 2.
    SMMUMAN_FIELD_AT(regs::SMMU_SCR0::CLIENTPD, 0, 0), SMMUMAN_FIELD_AT(regs::SMMU_SCR0::GFRE, 1, 1),
    SMMUMAN_FIELD_AT(regs::SMMU_SCR0::GFIE, 2, 2),
    // IHI 0062D.c ch. 9, SMMU_sCR0: USFCFG bit 10, VMIDPNE bit 11, PTM bit 12, FB bit 13.
    SMMUMAN_FIELD_AT(regs::SMMU_SCR0::USFCFG, 10, 10), SMMUMAN_FIELD_AT(regs::SMMU_SCR0::VMIDPNE, 11, 11),
    SMMUMAN_FIELD_AT(regs::SMMU_SCR0::PTM, 12, 12), SMMUMAN_FIELD_AT(regs::SMMU_SCR0::FB, 13, 13),
    // IHI 0062D.c ch. 9, SMMU_sCR0: BSU bits [15:14], VMID16EN bit 31.
    SMMUMAN_FIELD_AT(regs::SMMU_SCR0::BSU, 15, 14), SMMUMAN_FIELD_AT(regs::SMMU_SCR0::VMID16EN, 31, 31),
    // IHI 0062D.c ch. 9, SMMU_IDR0: NUMSMRG [7:0], NUMSIDB [12:9], SMS bit 27, S1TS bit 30.
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::NUMSMRG, 7, 0), SMMUMAN_FIELD_AT(regs::SMMU_IDR0::NUMSIDB, 12, 9),
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::SMS, 27, 27), SMMUMAN_FIELD_AT(regs::SMMU_IDR0::S1TS, 30, 30),
    // IHI 0062D.c ch. 9, SMMU_IDR1: NUMCB [7:0], NUMS2CB [23:16], NUMPAGENDXB [30:28], PAGESIZE bit 31.
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::NUMCB, 7, 0), SMMUMAN_FIELD_AT(regs::SMMU_IDR1::NUMS2CB, 23, 16),
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::NUMPAGENDXB, 30, 28), SMMUMAN_FIELD_AT(regs::SMMU_IDR1::PAGESIZE, 31, 31),
    // IHI 0062D.c ch. 9, SMMU_IDR2: IAS [3:0], OAS [7:4], UBS [11:8], PTFSv8_4kB bit 12.
    SMMUMAN_FIELD_AT(regs::SMMU_IDR2::IAS, 3, 0), SMMUMAN_FIELD_AT(regs::SMMU_IDR2::OAS, 7, 4),
    SMMUMAN_FIELD_AT(regs::SMMU_IDR2::UBS, 11, 8), SMMUMAN_FIELD_AT(regs::SMMU_IDR2::PTFSV8_4KB, 12, 12),
    // IHI 0062D.c ch. 9, SMMU_IDR7: MAJOR [7:4], MINOR [3:0].
    SMMUMAN_FIELD_AT(regs::SMMU_IDR7::MAJOR, 7, 4),
    // IHI 0062D.c ch. 9, SMMU_sGFSR: USF bit 1, MULTI bit 31.
    SMMUMAN_FIELD_AT(regs::SMMU_SGFSR::USF, 1, 1), SMMUMAN_FIELD_AT(regs::SMMU_SGFSR::MULTI, 31, 31),
    // IHI 0062D.c ch. 9, SMMU_sTLBGSTATUS: GSACTIVE bit 0.
    SMMUMAN_FIELD_AT(regs::SMMU_STLBGSTATUS::GSACTIVE, 0, 0),
    // IHI 0062D.c ch. 9, SMMU_SMRn (EXIDENABLE = 0): VALID 31, MASK [30:16], ID [14:0].
    SMMUMAN_FIELD_AT(regs::SMMU_SMR::VALID, 31, 31), SMMUMAN_FIELD_AT(regs::SMMU_SMR::MASK, 30, 16),
    SMMUMAN_FIELD_AT(regs::SMMU_SMR::ID, 14, 0),
    // IHI 0062D.c ch. 9, SMMU_S2CRn: CBNDX [7:0], EXIDVALID 10, TYPE [17:16], PRIVCFG [25:24].
    SMMUMAN_FIELD_AT(regs::SMMU_S2CR::CBNDX, 7, 0), SMMUMAN_FIELD_AT(regs::SMMU_S2CR::EXIDVALID, 10, 10),
    SMMUMAN_FIELD_AT(regs::SMMU_S2CR::TYPE, 17, 16), SMMUMAN_FIELD_AT(regs::SMMU_S2CR::PRIVCFG, 25, 24),
    // IHI 0062D.c 10.2.1, SMMU_CBARn: VMID [7:0], BPSHCFG [9:8], MemAttr [15:12], TYPE [17:16], IRPTNDX [31:24].
    SMMUMAN_FIELD_AT(regs::SMMU_CBAR::VMID, 7, 0), SMMUMAN_FIELD_AT(regs::SMMU_CBAR::BPSHCFG, 9, 8),
    SMMUMAN_FIELD_AT(regs::SMMU_CBAR::MEMATTR, 15, 12), SMMUMAN_FIELD_AT(regs::SMMU_CBAR::TYPE, 17, 16),
    SMMUMAN_FIELD_AT(regs::SMMU_CBAR::IRPTNDX, 31, 24),
    // IHI 0062D.c 10.2.2, SMMU_CBA2Rn: VA64 bit 0, VMID16 [31:16].
    SMMUMAN_FIELD_AT(regs::SMMU_CBA2R::VA64, 0, 0), SMMUMAN_FIELD_AT(regs::SMMU_CBA2R::VMID16, 31, 16),
    // IHI 0062D.c 16.5.29, SMMU_CBn_SCTLR: M 0, TRE 1, AFE 2, E 4, CFRE 5, CFIE 6, CFCFG 7, HUPCF 8, ASIDPNE 12.
    SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::M, 0, 0), SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::TRE, 1, 1),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::AFE, 2, 2), SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::E, 4, 4),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::CFRE, 5, 5), SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::CFIE, 6, 6),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::CFCFG, 7, 7), SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::HUPCF, 8, 8),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_SCTLR::ASIDPNE, 12, 12),
    // IHI 0062D.c 16.5.28, SMMU_CBn_RESUME: TnR bit 0.
    SMMUMAN_FIELD_AT(regs::SMMU_CB_RESUME::TNR, 0, 0),
    // IHI 0062D.c 16.5.39, SMMU_CBn_TCR2: AS bit 4, SEP [17:15].
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR2::AS, 4, 4), SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR2::SEP, 17, 15),
    // IHI 0062D.c 16.5.40, SMMU_CBn_TTBRn (AArch64): ASID [63:48].
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TTBR0::ASID, 63, 48),
    // IHI 0062D.c 17.3.8, stage 2 SMMU_CBn_TCR: T0SZ [5:0], SL0 [7:6], IRGN0 [9:8], ORGN0 [11:10],
    // SH0 [13:12], TG0 [15:14], PASize [18:16].
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::T0SZ, 5, 0), SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::SL0, 7, 6),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::IRGN0, 9, 8), SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::ORGN0, 11, 10),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::SH0, 13, 12), SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::TG0, 15, 14),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TCR::PASIZE, 18, 16),
    // IHI 0062D.c 16.5.38, stage 1 AArch64 SMMU_CBn_TCR: EPD0 7, T1SZ [21:16], A1 22, EPD1 23, TG1 [31:30].
    SMMUMAN_FIELD_AT(regs::SMMU_CB_S1_TCR::EPD0, 7, 7), SMMUMAN_FIELD_AT(regs::SMMU_CB_S1_TCR::T1SZ, 21, 16),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_S1_TCR::A1, 22, 22), SMMUMAN_FIELD_AT(regs::SMMU_CB_S1_TCR::EPD1, 23, 23),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_S1_TCR::TG1, 31, 30),
    // IHI 0062D.c 16.5.9, SMMU_CBn_FSR: TF 1, AFF 2, PF 3, EF 4, TLBMCF 5, TLBLKF 6, ASF 7, UUT 8, SS 30, MULTI 31.
    SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::TF, 1, 1), SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::AFF, 2, 2),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::PF, 3, 3), SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::EF, 4, 4),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::TLBMCF, 5, 5), SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::TLBLKF, 6, 6),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::ASF, 7, 7), SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::UUT, 8, 8),
    SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::SS, 30, 30), SMMUMAN_FIELD_AT(regs::SMMU_CB_FSR::MULTI, 31, 31),
    // IHI 0062D.c 16.5.11, SMMU_CBn_FSYNR0: PLVL [1:0], WNR bit 4.
    SMMUMAN_FIELD_AT(regs::SMMU_CB_FSYNR0::PLVL, 1, 0), SMMUMAN_FIELD_AT(regs::SMMU_CB_FSYNR0::WNR, 4, 4),
    // IHI 0062D.c 16.5.36, SMMU_CBn_TLBSTATUS: SACTIVE bit 0.
    SMMUMAN_FIELD_AT(regs::SMMU_CB_TLBSTATUS::SACTIVE, 0, 0),
    // DDI 0517F 3.5.1, MMU-500 SMMU_sACR: CACHE_LOCK 26, S2CRB_TLBEN 10, SMTNMB_TLBEN 8.
    SMMUMAN_FIELD_AT(regs::SMMU_SACR::CACHE_LOCK, 26, 26), SMMUMAN_FIELD_AT(regs::SMMU_SACR::S2CRB_TLBEN, 10, 10),
    SMMUMAN_FIELD_AT(regs::SMMU_SACR::SMTNMB_TLBEN, 8, 8),
    // DDI 0517F 3.7.1, MMU-500 SMMU_CBn_ACTLR: CPRE bit 1, CMTLB bit 0.
    SMMUMAN_FIELD_AT(regs::SMMU_CB_ACTLR::CPRE, 1, 1), SMMUMAN_FIELD_AT(regs::SMMU_CB_ACTLR::CMTLB, 0, 0));

// The VMSAv8-64 descriptors are 8 bytes with the fields at the Arm ARM's bit positions.
inline constexpr auto descriptors = ::boost::hana::make_tuple(
    // DDI 0487 L.a Table D8-52 (stage 1 Block/Page): valid 0, type 1, AttrIndx [4:2], AP[2:1] [7:6],
    // SH [9:8], AF 10, nG 11, OA [47:12], PXN 53, UXN 54.
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::VALID, 0, 0), SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::TYPE, 1, 1),
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::ATTRINDX, 4, 2), SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::AP1, 6, 6),
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::AP2, 7, 7), SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::SH, 9, 8),
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::AF, 10, 10), SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::NG, 11, 11),
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::OA, 47, 12), SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::PXN, 53, 53),
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::UXN, 54, 54),
    // DDI 0487 L.a Table D8-50 (stage 1 Table): APTable [62:61], NSTable 63.
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::APTABLE, 62, 61),
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR::NSTABLE, 63, 63),
    // DDI 0487 L.a Table D8-53 (stage 2 Block/Page): MemAttr [5:2], S2AP [7:6], AF 10, XN 54.
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR::MEMATTR, 5, 2), SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR::S2AP_R, 6, 6),
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR::S2AP_W, 7, 7), SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR::AF, 10, 10),
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR::OA, 47, 12), SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR::XN, 54, 54));

// Every table above.
inline constexpr auto all = ::boost::hana::make_tuple(field_positions, descriptors);

}  // namespace smmuman::proofs::manual::arm_smmuv2

#undef SMMUMAN_FIELD_AT
#undef SMMUMAN_BIT_AT
