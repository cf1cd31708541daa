// Spec cross-check for Intel VT-d: a table of facts typed by hand from the
// Intel Virtualization Technology for Directed I/O Architecture Specification,
// Rev. 5.10 (D51397-018), compared with the constants smmu-gen generated from
// spec/hw/intel-vtd.yaml. The table is not derived from the description: a
// wrong offset or bit position in either one makes a row fail, and the row's
// text says which fact it was.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "smmuman/hw/intel_vtd.hpp"

#include "backends/common/fact_table.hpp"

namespace smmuman::hw::intel_vtd {
namespace {

// Rows here read {what, generated, manual}.
using smmuman::test::Fact;
void expect_all(const std::vector<Fact>& facts) { smmuman::test::check_facts(facts); }


// Field [hi:lo] as two facts.
#define FIELD_AT(F, HI, LO) Fact{#F ".hi", F::hi, HI}, Fact{#F ".lo", F::lo, LO}

// Every register sits at the offset the manual's register map gives it.
TEST(IntelVtdSpec, RegisterOffsets) {
  expect_all({
      {"VER_REG", regs::VER_REG::offset, 0x000},          // VTD 11.4.1, Figure 11-1
      {"CAP_REG", regs::CAP_REG::offset, 0x008},          // VTD 11.4.2, Figure 11-2
      {"ECAP_REG", regs::ECAP_REG::offset, 0x010},        // VTD 11.4.3, Figure 11-3
      {"GCMD_REG", regs::GCMD_REG::offset, 0x018},        // VTD 11.4.4.1, Figure 11-4
      {"GSTS_REG", regs::GSTS_REG::offset, 0x01C},        // VTD 11.4.4.2, Figure 11-5
      {"RTADDR_REG", regs::RTADDR_REG::offset, 0x020},    // VTD 11.4.5, Figure 11-6
      {"CCMD_REG", regs::CCMD_REG::offset, 0x028},        // VTD 11.4.6.1, Figure 11-7
      {"FSTS_REG", regs::FSTS_REG::offset, 0x034},        // VTD 11.4.7.1, Figure 11-10
      {"FECTL_REG", regs::FECTL_REG::offset, 0x038},      // VTD 11.4.7.2, Figure 11-11
      {"FEDATA_REG", regs::FEDATA_REG::offset, 0x03C},    // VTD 11.4.7.3, Figure 11-12
      {"FEADDR_REG", regs::FEADDR_REG::offset, 0x040},    // VTD 11.4.7.4, Figure 11-13
      {"FEUADDR_REG", regs::FEUADDR_REG::offset, 0x044},  // VTD 11.4.7.5, Figure 11-14
      {"PMEN_REG", regs::PMEN_REG::offset, 0x064},        // VTD 11.4.8.1, Figure 11-16
      {"PLMBASE_REG", regs::PLMBASE_REG::offset, 0x068},  // VTD 11.4.8.2, Figure 11-17
      {"PLMLIMIT_REG", regs::PLMLIMIT_REG::offset, 0x06C},  // VTD 11.4.8.3, Figure 11-18
      {"PHMBASE_REG", regs::PHMBASE_REG::offset, 0x070},  // VTD 11.4.8.4, Figure 11-19
      {"PHMLIMIT_REG", regs::PHMLIMIT_REG::offset, 0x078},  // VTD 11.4.8.5, Figure 11-20
      {"IQH_REG", regs::IQH_REG::offset, 0x080},          // VTD 11.4.9.1, Figure 11-21
      {"IQT_REG", regs::IQT_REG::offset, 0x088},          // VTD 11.4.9.2, Figure 11-22
      {"IQA_REG", regs::IQA_REG::offset, 0x090},          // VTD 11.4.9.3, Figure 11-23
      {"ICS_REG", regs::ICS_REG::offset, 0x09C},          // VTD 11.4.9.4, Figure 11-24
      {"IECTL_REG", regs::IECTL_REG::offset, 0x0A0},      // VTD 11.4.9.5, Figure 11-25
      {"IEDATA_REG", regs::IEDATA_REG::offset, 0x0A4},    // VTD 11.4.9.6, Figure 11-26
      {"IEADDR_REG", regs::IEADDR_REG::offset, 0x0A8},    // VTD 11.4.9.7, Figure 11-27
      {"IEUADDR_REG", regs::IEUADDR_REG::offset, 0x0AC},  // VTD 11.4.9.8, Figure 11-28
      {"IQERCD_REG", regs::IQERCD_REG::offset, 0x0B0},    // VTD 11.4.9.9, Figure 11-29
      {"IRTA_REG", regs::IRTA_REG::offset, 0x0B8},        // VTD 11.4.10, Figure 11-30
      {"PQH_REG", regs::PQH_REG::offset, 0x0C0},          // VTD 11.4.11.1, Figure 11-31
      {"PQA_REG", regs::PQA_REG::offset, 0x0D0},          // VTD 11.4.11.3, Figure 11-33
      {"PRS_REG", regs::PRS_REG::offset, 0x0DC},          // VTD 11.4.11.4, Figure 11-34
      {"MTRRCAP_REG", regs::MTRRCAP_REG::offset, 0x100},  // VTD 11.4.12.1, Figure 11-39
      {"IVA_REG (from IRO x 16)", regs::IVA_REG::offset, 0x0},   // VTD 11.4.6.2: IVA_REG at XXXh
      {"IOTLB_REG (from IRO x 16)", regs::IOTLB_REG::offset, 0x8},  // VTD 11.4.6.2: IOTLB_REG at XXXh + 008h
  });
}

// Register widths and the access and reset values the manual states.
TEST(IntelVtdSpec, RegisterWidthsAccessAndReset) {
  expect_all({
      {"VER_REG width", regs::VER_REG::width, 32},        // VTD 11.4 register map: 32
      {"CAP_REG width", regs::CAP_REG::width, 64},        // VTD 11.4 register map: 64
      {"GCMD_REG width", regs::GCMD_REG::width, 32},      // VTD 11.4 register map: 32
      {"RTADDR_REG width", regs::RTADDR_REG::width, 64},  // VTD 11.4 register map: 64
      {"FSTS_REG width", regs::FSTS_REG::width, 32},      // VTD 11.4 register map: 32
      {"IQA_REG width", regs::IQA_REG::width, 64},        // VTD 11.4 register map: 64
      {"IOTLB_REG width", regs::IOTLB_REG::width, 64},    // VTD 11.4.6.2: two 64-bit registers
      {"FECTL_REG reset (IM = 1)", regs::FECTL_REG::reset, 0x80000000},  // VTD 11.4.7.2: IM "value on reset" 1
      {"IECTL_REG reset (IM = 1)", regs::IECTL_REG::reset, 0x80000000},  // VTD 11.4.9.5: IM "value on reset" 1
      {"RTADDR_REG reset", regs::RTADDR_REG::reset, 0x0},  // VTD 11.4.5: RTA, TTM default 0
  });
  // VTD 11.4.4.1: every GCMD_REG field is WO; VTD 11.4.4.2: GSTS_REG is RO.
  EXPECT_EQ(regs::GCMD_REG::access, hw::Access::wo);
  EXPECT_EQ(regs::GSTS_REG::access, hw::Access::ro);
  // VTD 11.4.2 / 11.4.3: capability registers are RO.
  EXPECT_EQ(regs::CAP_REG::access, hw::Access::ro);
  EXPECT_EQ(regs::ECAP_REG::access, hw::Access::ro);
  // VTD 11.4.7.1: PFO and IQE are RW1CS, PPF is ROS.
  EXPECT_EQ(regs::FSTS_REG::PFO::access, hw::Access::w1c);
  EXPECT_EQ(regs::FSTS_REG::IQE::access, hw::Access::w1c);
  EXPECT_EQ(regs::FSTS_REG::PPF::access, hw::Access::ro);
  // VTD 11.4.9.4: IWC is RW1CS.
  EXPECT_EQ(regs::ICS_REG::IWC::access, hw::Access::w1c);
}

// Capability and extended-capability fields sit where the manual prints them.
TEST(IntelVtdSpec, CapabilityFields) {
  expect_all({
      FIELD_AT(regs::CAP_REG::ND, 2, 0),       // VTD 11.4.2, Figure 11-2: ND 2:0
      FIELD_AT(regs::CAP_REG::RWBF, 4, 4),     // VTD 11.4.2: RWBF 4
      FIELD_AT(regs::CAP_REG::CM, 7, 7),       // VTD 11.4.2: CM 7
      FIELD_AT(regs::CAP_REG::SAGAW, 12, 8),   // VTD 11.4.2: SAGAW 12:8
      FIELD_AT(regs::CAP_REG::MGAW, 21, 16),   // VTD 11.4.2: MGAW 21:16
      FIELD_AT(regs::CAP_REG::ZLR, 22, 22),    // VTD 11.4.2: ZLR 22
      FIELD_AT(regs::CAP_REG::FRO, 33, 24),    // VTD 11.4.2: FRO 33:24
      FIELD_AT(regs::CAP_REG::SSLPS, 37, 34),  // VTD 11.4.2: SSLPS 37:34
      FIELD_AT(regs::CAP_REG::PSI, 39, 39),    // VTD 11.4.2: PSI 39
      FIELD_AT(regs::CAP_REG::NFR, 47, 40),    // VTD 11.4.2: NFR 47:40
      FIELD_AT(regs::CAP_REG::MAMV, 53, 48),   // VTD 11.4.2: MAMV 53:48
      FIELD_AT(regs::CAP_REG::DWD, 54, 54),    // VTD 11.4.2: DWD 54
      FIELD_AT(regs::CAP_REG::DRD, 55, 55),    // VTD 11.4.2: DRD 55
      FIELD_AT(regs::CAP_REG::FS1GP, 56, 56),  // VTD 11.4.2: FS1GP 56
      FIELD_AT(regs::CAP_REG::PI, 59, 59),     // VTD 11.4.2: PI 59
      FIELD_AT(regs::CAP_REG::FS5LP, 60, 60),  // VTD 11.4.2: FS5LP 60
      FIELD_AT(regs::ECAP_REG::C, 0, 0),       // VTD 11.4.3, Figure 11-3: C 0
      FIELD_AT(regs::ECAP_REG::QI, 1, 1),      // VTD 11.4.3: QI 1
      FIELD_AT(regs::ECAP_REG::DT, 2, 2),      // VTD 11.4.3: DT 2
      FIELD_AT(regs::ECAP_REG::IR, 3, 3),      // VTD 11.4.3: IR 3
      FIELD_AT(regs::ECAP_REG::EIM, 4, 4),     // VTD 11.4.3: EIM 4
      FIELD_AT(regs::ECAP_REG::PT, 6, 6),      // VTD 11.4.3: PT 6
      FIELD_AT(regs::ECAP_REG::SC, 7, 7),      // VTD 11.4.3: SC 7
      FIELD_AT(regs::ECAP_REG::IRO, 17, 8),    // VTD 11.4.3: IRO 17:8
      FIELD_AT(regs::ECAP_REG::MHMV, 23, 20),  // VTD 11.4.3: MHMV 23:20
      FIELD_AT(regs::ECAP_REG::NEST, 26, 26),  // VTD 11.4.3: NEST 26
      FIELD_AT(regs::ECAP_REG::PRS, 29, 29),   // VTD 11.4.3: PRS 29
      FIELD_AT(regs::ECAP_REG::PASID, 40, 40),  // VTD 11.4.3: PASID 40
      FIELD_AT(regs::ECAP_REG::SMTS, 43, 43),  // VTD 11.4.3: SMTS 43
      FIELD_AT(regs::ECAP_REG::SSTS, 46, 46),  // VTD 11.4.3: SSTS 46
      FIELD_AT(regs::ECAP_REG::FSTS, 47, 47),  // VTD 11.4.3: FSTS 47
  });
}

// Command, status, invalidation and fault registers' fields.
TEST(IntelVtdSpec, ControlRegisterFields) {
  expect_all({
      FIELD_AT(regs::VER_REG::MAX, 7, 4),          // VTD 11.4.1: Max 7:4
      FIELD_AT(regs::VER_REG::MIN, 3, 0),          // VTD 11.4.1: Min 3:0
      FIELD_AT(regs::GCMD_REG::TE, 31, 31),        // VTD 11.4.4.1, Figure 11-4: TE 31
      FIELD_AT(regs::GCMD_REG::SRTP, 30, 30),      // VTD 11.4.4.1: SRTP 30
      FIELD_AT(regs::GCMD_REG::WBF, 27, 27),       // VTD 11.4.4.1: WBF 27
      FIELD_AT(regs::GCMD_REG::QIE, 26, 26),       // VTD 11.4.4.1: QIE 26
      FIELD_AT(regs::GCMD_REG::IRE, 25, 25),       // VTD 11.4.4.1: IRE 25
      FIELD_AT(regs::GCMD_REG::SIRTP, 24, 24),     // VTD 11.4.4.1: SIRTP 24
      FIELD_AT(regs::GCMD_REG::CFI, 23, 23),       // VTD 11.4.4.1: CFI 23
      FIELD_AT(regs::GSTS_REG::TES, 31, 31),       // VTD 11.4.4.2, Figure 11-5: TES 31
      FIELD_AT(regs::GSTS_REG::RTPS, 30, 30),      // VTD 11.4.4.2: RTPS 30
      FIELD_AT(regs::GSTS_REG::QIES, 26, 26),      // VTD 11.4.4.2: QIES 26
      FIELD_AT(regs::GSTS_REG::IRTPS, 24, 24),     // VTD 11.4.4.2: IRTPS 24
      FIELD_AT(regs::RTADDR_REG::RTA, 63, 12),     // VTD 11.4.5, Figure 11-6: RTA 63:12
      FIELD_AT(regs::RTADDR_REG::TTM, 11, 10),     // VTD 11.4.5: TTM 11:10
      FIELD_AT(regs::CCMD_REG::ICC, 63, 63),       // VTD 11.4.6.1, Figure 11-7: ICC 63
      FIELD_AT(regs::CCMD_REG::CIRG, 62, 61),      // VTD 11.4.6.1: CIRG 62:61
      FIELD_AT(regs::CCMD_REG::CAIG, 60, 59),      // VTD 11.4.6.1: CAIG 60:59
      FIELD_AT(regs::CCMD_REG::FM, 33, 32),        // VTD 11.4.6.1: FM 33:32
      FIELD_AT(regs::CCMD_REG::SID, 31, 16),       // VTD 11.4.6.1: SID 31:16
      FIELD_AT(regs::CCMD_REG::DID, 15, 0),        // VTD 11.4.6.1: DID 15:0
      FIELD_AT(regs::IOTLB_REG::IVT, 63, 63),      // VTD 11.4.6.3, Figure 11-8: IVT 63
      FIELD_AT(regs::IOTLB_REG::IIRG, 61, 60),     // VTD 11.4.6.3: IIRG 61:60
      FIELD_AT(regs::IOTLB_REG::IAIG, 58, 57),     // VTD 11.4.6.3: IAIG 58:57
      FIELD_AT(regs::IOTLB_REG::DR, 49, 49),       // VTD 11.4.6.3: DR 49
      FIELD_AT(regs::IOTLB_REG::DW, 48, 48),       // VTD 11.4.6.3: DW 48
      FIELD_AT(regs::IOTLB_REG::DID, 47, 32),      // VTD 11.4.6.3: DID 47:32
      FIELD_AT(regs::IVA_REG::ADDR, 63, 12),       // VTD 11.4.6.4, Figure 11-9: ADDR 63:12
      FIELD_AT(regs::IVA_REG::IH, 6, 6),           // VTD 11.4.6.4: IH 6
      FIELD_AT(regs::IVA_REG::AM, 5, 0),           // VTD 11.4.6.4: AM 5:0
      FIELD_AT(regs::FSTS_REG::PFO, 0, 0),         // VTD 11.4.7.1, Figure 11-10: PFO 0
      FIELD_AT(regs::FSTS_REG::PPF, 1, 1),         // VTD 11.4.7.1: PPF 1
      FIELD_AT(regs::FSTS_REG::IQE, 4, 4),         // VTD 11.4.7.1: IQE 4
      FIELD_AT(regs::FSTS_REG::ICE, 5, 5),         // VTD 11.4.7.1: ICE 5
      FIELD_AT(regs::FSTS_REG::ITE, 6, 6),         // VTD 11.4.7.1: ITE 6
      FIELD_AT(regs::FSTS_REG::FRI, 15, 8),        // VTD 11.4.7.1: FRI 15:8
      FIELD_AT(regs::FECTL_REG::IM, 31, 31),       // VTD 11.4.7.2, Figure 11-11: IM 31
      FIELD_AT(regs::FECTL_REG::IP, 30, 30),       // VTD 11.4.7.2: IP 30
      FIELD_AT(regs::FEADDR_REG::MA, 31, 2),       // VTD 11.4.7.4: MA 31:2
      FIELD_AT(regs::PMEN_REG::EPM, 31, 31),       // VTD 11.4.8.1: EPM 31
      FIELD_AT(regs::PMEN_REG::PRS, 0, 0),         // VTD 11.4.8.1: PRS 0
      FIELD_AT(regs::IQH_REG::QH, 18, 4),          // VTD 11.4.9.1, Figure 11-21: QH 18:4
      FIELD_AT(regs::IQT_REG::QT, 18, 4),          // VTD 11.4.9.2, Figure 11-22: QT 18:4
      FIELD_AT(regs::IQA_REG::IQA, 63, 12),        // VTD 11.4.9.3, Figure 11-23: IQA 63:12
      FIELD_AT(regs::IQA_REG::DW, 11, 11),         // VTD 11.4.9.3: DW 11
      FIELD_AT(regs::IQA_REG::QS, 2, 0),           // VTD 11.4.9.3: QS 2:0
      FIELD_AT(regs::ICS_REG::IWC, 0, 0),          // VTD 11.4.9.4: IWC 0
      FIELD_AT(regs::IQERCD_REG::ICESID, 63, 48),  // VTD 11.4.9.9: ICESID 63:48
      FIELD_AT(regs::IQERCD_REG::ITESID, 47, 32),  // VTD 11.4.9.9: ITESID 47:32
      FIELD_AT(regs::IQERCD_REG::IQEI, 3, 0),      // VTD 11.4.9.9: IQEI 3:0
      FIELD_AT(regs::IRTA_REG::IRTA, 63, 12),      // VTD 11.4.10, Figure 11-30: IRTA 63:12
      FIELD_AT(regs::IRTA_REG::EIME, 11, 11),      // VTD 11.4.10: EIME 11
      FIELD_AT(regs::IRTA_REG::S, 3, 0),           // VTD 11.4.10: S 3:0
  });
}

// Root, context and PASID-table entries and the second-stage paging entry.
TEST(IntelVtdSpec, TranslationStructures) {
  expect_all({
      {"ROOT_ENTRY bytes", structs::ROOT_ENTRY::size_bytes, 16},        // VTD 9.1, Figure 9-1: 128 bits
      FIELD_AT(structs::ROOT_ENTRY::P, 0, 0),                           // VTD 9.1: P 0
      FIELD_AT(structs::ROOT_ENTRY::CTP, 63, 12),                       // VTD 9.1: CTP 63:12
      {"SM_ROOT_ENTRY bytes", structs::SM_ROOT_ENTRY::size_bytes, 16},  // VTD 9.2, Figure 9-2: 128 bits
      FIELD_AT(structs::SM_ROOT_ENTRY::LP, 0, 0),                       // VTD 9.2: LP 0
      FIELD_AT(structs::SM_ROOT_ENTRY::UP, 64, 64),                     // VTD 9.2: UP 64
      FIELD_AT(structs::SM_ROOT_ENTRY::UCTP, 127, 76),                  // VTD 9.2: UCTP 127:76
      {"CONTEXT_ENTRY bytes", structs::CONTEXT_ENTRY::size_bytes, 16},  // VTD 9.3, Figure 9-3: 128 bits
      FIELD_AT(structs::CONTEXT_ENTRY::P, 0, 0),                        // VTD 9.3: P 0
      FIELD_AT(structs::CONTEXT_ENTRY::FPD, 1, 1),                      // VTD 9.3: FPD 1
      FIELD_AT(structs::CONTEXT_ENTRY::TT, 3, 2),                       // VTD 9.3: TT 3:2
      FIELD_AT(structs::CONTEXT_ENTRY::SSPTPTR, 63, 12),                // VTD 9.3: SSPTPTR 63:12
      FIELD_AT(structs::CONTEXT_ENTRY::AW, 66, 64),                     // VTD 9.3: AW 66:64
      FIELD_AT(structs::CONTEXT_ENTRY::DID, 87, 72),                    // VTD 9.3: DID 87:72
      {"SM_CONTEXT_ENTRY bytes", structs::SM_CONTEXT_ENTRY::size_bytes, 32},  // VTD 9.4: 256 bits
      FIELD_AT(structs::SM_CONTEXT_ENTRY::PDTS, 11, 9),                 // VTD 9.4: PDTS 11:9
      FIELD_AT(structs::SM_CONTEXT_ENTRY::PASIDDIRPTR, 63, 12),         // VTD 9.4: PASIDDIRPTR 63:12
      FIELD_AT(structs::SM_CONTEXT_ENTRY::RID_PASID, 83, 64),           // VTD 9.4: RID_PASID 83:64
      {"SM_PASID_DIR_ENTRY bytes", structs::SM_PASID_DIR_ENTRY::size_bytes, 8},  // VTD 9.5: 64 bits
      {"SM_PASID_ENTRY bytes", structs::SM_PASID_ENTRY::size_bytes, 64},  // VTD 9.6, Figure 9-6: 512 bits
      FIELD_AT(structs::SM_PASID_ENTRY::AW, 4, 2),                      // VTD 9.6: AW 4:2
      FIELD_AT(structs::SM_PASID_ENTRY::PGTT, 8, 6),                    // VTD 9.6: PGTT 8:6
      FIELD_AT(structs::SM_PASID_ENTRY::DID, 79, 64),                   // VTD 9.6: DID 79:64
      FIELD_AT(structs::SM_PASID_ENTRY::SRE, 128, 128),                 // VTD 9.6: SRE 128
      {"SS_PAGING_ENTRY bytes", structs::SS_PAGING_ENTRY::size_bytes, 8},  // VTD 9.8, Figure 9-8: 64-bit entries
      FIELD_AT(structs::SS_PAGING_ENTRY::R, 0, 0),                      // VTD 9.8, Table 47: R 0
      FIELD_AT(structs::SS_PAGING_ENTRY::W, 1, 1),                      // VTD 9.8, Table 47: W 1
      FIELD_AT(structs::SS_PAGING_ENTRY::EMT, 5, 3),                    // VTD 9.8, Table 47: EMT 5:3
      FIELD_AT(structs::SS_PAGING_ENTRY::IPAT, 6, 6),                   // VTD 9.8, Table 47: IPAT 6
      FIELD_AT(structs::SS_PAGING_ENTRY::PS, 7, 7),                     // VTD 9.8, Table 45: PS 7
      FIELD_AT(structs::SS_PAGING_ENTRY::A, 8, 8),                      // VTD 9.8, Table 47: A 8
      FIELD_AT(structs::SS_PAGING_ENTRY::D, 9, 9),                      // VTD 9.8, Table 47: D 9
      FIELD_AT(structs::SS_PAGING_ENTRY::SNP, 11, 11),                  // VTD 9.8, Table 47: SNP 11
      {"SS_PAGING_ENTRY::ADDR.lo", structs::SS_PAGING_ENTRY::ADDR::lo, 12},  // VTD 9.8, Table 47: ADDR (HAW-1):12
  });
}

// The fault recording register, a 128-bit event record.
TEST(IntelVtdSpec, FaultRecord) {
  EXPECT_EQ(structs::FRCD_REG::kind, hw::StructKind::event);
  expect_all({
      {"FRCD_REG bytes", structs::FRCD_REG::size_bytes, 16},  // VTD 11.4.7.6, Figure 11-15: 128 bits
      FIELD_AT(structs::FRCD_REG::FI, 63, 12),        // VTD 11.4.7.6: FI 63:12
      FIELD_AT(structs::FRCD_REG::SID, 79, 64),       // VTD 11.4.7.6: SID 79:64
      FIELD_AT(structs::FRCD_REG::T2, 92, 92),        // VTD 11.4.7.6: T2 92
      FIELD_AT(structs::FRCD_REG::PRIV, 93, 93),      // VTD 11.4.7.6: PRIV 93
      FIELD_AT(structs::FRCD_REG::EXE, 94, 94),       // VTD 11.4.7.6: EXE 94
      FIELD_AT(structs::FRCD_REG::PP, 95, 95),        // VTD 11.4.7.6: PP 95
      FIELD_AT(structs::FRCD_REG::FR, 103, 96),       // VTD 11.4.7.6: FR 103:96
      FIELD_AT(structs::FRCD_REG::PV, 123, 104),      // VTD 11.4.7.6: PV 123:104
      FIELD_AT(structs::FRCD_REG::AT, 125, 124),      // VTD 11.4.7.6: AT 125:124
      FIELD_AT(structs::FRCD_REG::T1, 126, 126),      // VTD 11.4.7.6: T1 126
      FIELD_AT(structs::FRCD_REG::F, 127, 127),       // VTD 11.4.7.6: F 127
      FIELD_AT(regs::FRCD_REG_HI::F, 63, 63),         // VTD 11.4.7.6: F is record bit 127 = bit 63 of the upper QWORD
      FIELD_AT(regs::FRCD_REG_HI::FR, 39, 32),        // VTD 11.4.7.6: FR 103:96 = upper QWORD 39:32
  });
}

// The type code an invalidation descriptor carries: bits 11:9 and 3:0.
template <class S>
uint64_t descriptor_type() {
  uint64_t words[S::size_bytes / 8] = {};
  hw::set_fixed<S, uint64_t>(words);
  return (S::TYPE_HI::get(words) << 4) | S::TYPE_LO::get(words);
}

// Invalidation descriptors: sizes, type codes and fields.
TEST(IntelVtdSpec, InvalidationDescriptors) {
  expect_all({
      {"cc_inv_dsc type", descriptor_type<structs::CC_INV_DSC>(), 0x1},         // VTD 6.5.2.1: type 1h
      {"iotlb_inv_dsc type", descriptor_type<structs::IOTLB_INV_DSC>(), 0x2},   // VTD 6.5.2.3: type 2h
      {"dev_tlb_inv_dsc type", descriptor_type<structs::DEV_TLB_INV_DSC>(), 0x3},  // VTD 6.5.2.5: type 3h
      {"iec_inv_dsc type", descriptor_type<structs::IEC_INV_DSC>(), 0x4},       // VTD 6.5.2.8: type 4h
      {"inv_wait_dsc type", descriptor_type<structs::INV_WAIT_DSC>(), 0x5},     // VTD 6.5.2.9: type 5h
      {"p_iotlb_inv_dsc type", descriptor_type<structs::P_IOTLB_INV_DSC>(), 0x6},  // VTD 6.5.2.4: type 6h
      {"pc_inv_dsc type", descriptor_type<structs::PC_INV_DSC>(), 0x7},         // VTD 6.5.2.2: type 7h
      {"p_dev_tlb_inv_dsc type", descriptor_type<structs::P_DEV_TLB_INV_DSC>(), 0x8},  // VTD 6.5.2.6: type 8h
      {"cc_inv_dsc bytes", structs::CC_INV_DSC::size_bytes, 16},               // VTD 6.5.2.1: 128-bit descriptor
      {"p_iotlb_inv_dsc bytes", structs::P_IOTLB_INV_DSC::size_bytes, 32},     // VTD 6.5.2.4: 256-bit descriptor
      FIELD_AT(structs::CC_INV_DSC::TYPE_LO, 3, 0),     // VTD 6.5.2: type bits 3:0
      FIELD_AT(structs::CC_INV_DSC::TYPE_HI, 11, 9),    // VTD 6.5.2: type bits 11:9
      FIELD_AT(structs::CC_INV_DSC::G, 5, 4),           // VTD 6.5.2.1, Figure 6-1: G 5:4
      FIELD_AT(structs::CC_INV_DSC::DID, 31, 16),       // VTD 6.5.2.1: DID 31:16
      FIELD_AT(structs::CC_INV_DSC::SID, 47, 32),       // VTD 6.5.2.1: SID 47:32
      FIELD_AT(structs::CC_INV_DSC::FM, 49, 48),        // VTD 6.5.2.1: FM 49:48
      FIELD_AT(structs::IOTLB_INV_DSC::G, 5, 4),        // VTD 6.5.2.3, Figure 6-3: G 5:4
      FIELD_AT(structs::IOTLB_INV_DSC::DW, 6, 6),       // VTD 6.5.2.3: DW 6
      FIELD_AT(structs::IOTLB_INV_DSC::DR, 7, 7),       // VTD 6.5.2.3: DR 7
      FIELD_AT(structs::IOTLB_INV_DSC::DID, 31, 16),    // VTD 6.5.2.3: DID 31:16
      FIELD_AT(structs::IOTLB_INV_DSC::AM, 69, 64),     // VTD 6.5.2.3: AM 69:64
      FIELD_AT(structs::IOTLB_INV_DSC::IH, 70, 70),     // VTD 6.5.2.3: IH 70
      FIELD_AT(structs::IOTLB_INV_DSC::ADDR, 127, 76),  // VTD 6.5.2.3: ADDR[63:12] at 127:76
      FIELD_AT(structs::DEV_TLB_INV_DSC::PFSID_LO, 15, 12),  // VTD 6.5.2.5, Figure 6-5: PFSID[3:0] 15:12
      FIELD_AT(structs::DEV_TLB_INV_DSC::MIP, 20, 16),  // VTD 6.5.2.5: MIP 20:16
      FIELD_AT(structs::DEV_TLB_INV_DSC::SID, 47, 32),  // VTD 6.5.2.5: SID 47:32
      FIELD_AT(structs::DEV_TLB_INV_DSC::PFSID_HI, 63, 52),  // VTD 6.5.2.5: PFSID[15:4] 63:52
      FIELD_AT(structs::DEV_TLB_INV_DSC::S, 64, 64),    // VTD 6.5.2.5: S 64
      FIELD_AT(structs::IEC_INV_DSC::G, 4, 4),          // VTD 6.5.2.8, Figure 6-8: G 4
      FIELD_AT(structs::IEC_INV_DSC::IM, 31, 27),       // VTD 6.5.2.8: IM 31:27
      FIELD_AT(structs::IEC_INV_DSC::IIDX, 47, 32),     // VTD 6.5.2.8: IIDX 47:32
      FIELD_AT(structs::INV_WAIT_DSC::IF, 4, 4),        // VTD 6.5.2.9, Figure 6-9: IF 4
      FIELD_AT(structs::INV_WAIT_DSC::SW, 5, 5),        // VTD 6.5.2.9: SW 5
      FIELD_AT(structs::INV_WAIT_DSC::FN, 6, 6),        // VTD 6.5.2.9: FN 6
      FIELD_AT(structs::INV_WAIT_DSC::PD, 7, 7),        // VTD 6.5.2.9: PD 7
      FIELD_AT(structs::INV_WAIT_DSC::STATUS_DATA, 63, 32),  // VTD 6.5.2.9: Status Data 63:32
      {"INV_WAIT_DSC::STATUS_ADDR.lo", structs::INV_WAIT_DSC::STATUS_ADDR::lo, 66},  // VTD 6.5.2.9: Status Address[HAW-1:2] from bit 66
      FIELD_AT(structs::P_IOTLB_INV_DSC::PASID, 51, 32),  // VTD 6.5.2.4, Figure 6-4: PASID 51:32
  });
}

// The second-stage page-table formats: 4 KiB granule, 9 index bits per level,
// 1 GiB and 2 MiB leaves at the SS-PDPE and SS-PDE levels.
TEST(IntelVtdSpec, SecondStagePageTables) {
  const auto& p4 = page_tables::vtd_ss_4level;
  expect_all({
      {"4-level granule_lg2", p4.granule_lg2, 12},       // VTD 3.7: 9-bit stride, 4-KByte tables and pages
      {"4-level entry_bytes", p4.entry_bytes, 8},        // VTD 9.8, Figure 9-8: 64-bit entries
      {"4-level input_bits_max", p4.input_bits_max, 48},  // VTD 9.3: AW 010b = 48-bit AGAW, 4-level table
      {"4-level level_count", p4.level_count, 4},        // VTD 9.3: 4-level page table
      {"4-level SS-PML4E index hi", p4.levels[0].index_hi, 47},  // VTD 3.7, Table 4: bits 47:39 select the SS-PML4E
      {"4-level SS-PML4E index lo", p4.levels[0].index_lo, 39},
      {"4-level SS-PML4E leaf", p4.levels[0].leaf, false},  // VTD 3.7: with R or W set, PS of an SS-PML4E is reserved
      {"4-level SS-PDPE index hi", p4.levels[1].index_hi, 38},  // VTD 3.7, Table 4: bits 38:30 select the SS-PDPE
      {"4-level SS-PDPE index lo", p4.levels[1].index_lo, 30},
      {"4-level SS-PDPE leaf", p4.levels[1].leaf, true},  // VTD 9.8, Table 43: SS-PDPE maps a 1-GByte page
      {"4-level SS-PDE index lo", p4.levels[2].index_lo, 21},  // VTD 3.7, Table 4: bits 29:21 select the SS-PDE
      {"4-level SS-PDE leaf", p4.levels[2].leaf, true},  // VTD 9.8, Table 45: SS-PDE maps a 2-MByte page
      {"4-level SS-PTE index hi", p4.levels[3].index_hi, 20},  // VTD 3.7, Table 4: bits 20:12 select the SS-PTE
      {"4-level SS-PTE index lo", p4.levels[3].index_lo, 12},
      {"4-level output shift", p4.output_address.value, 12},  // VTD 9.8: ADDR is the address bits from 12
      {"4-level output lo", p4.output_address.lo, 12},
      {"4-level read bit", p4.read.lo, 0},               // VTD 9.8: R is bit 0
      {"4-level write bit", p4.write.lo, 1},             // VTD 9.8: W is bit 1
      {"4-level table marker bit", p4.table.fields[0].lo, 7},      // VTD 9.8: PS (bit 7) = 0 references a table
      {"4-level table marker value", p4.table.value, 0},
  });
  const auto& p5 = page_tables::vtd_ss_5level;
  expect_all({
      {"5-level input_bits_max", p5.input_bits_max, 57},  // VTD 9.3: AW 011b = 57-bit AGAW, 5-level table
      {"5-level level_count", p5.level_count, 5},
      {"5-level SS-PML5E index hi", p5.levels[0].index_hi, 56},  // VTD 3.7, Table 4: bits MGAW:48 select the SS-PML5E
      {"5-level SS-PML5E index lo", p5.levels[0].index_lo, 48},
      {"5-level SS-PTE index lo", p5.levels[4].index_lo, 12},
  });
  const auto& p3 = page_tables::vtd_ss_3level;
  expect_all({
      {"3-level input_bits_max", p3.input_bits_max, 39},  // VTD 9.3: AW 001b = 39-bit AGAW, 3-level table
      {"3-level level_count", p3.level_count, 3},
      {"3-level top index hi", p3.levels[0].index_hi, 38},
  });
}

#undef FIELD_AT

}  // namespace
}  // namespace smmuman::hw::intel_vtd
