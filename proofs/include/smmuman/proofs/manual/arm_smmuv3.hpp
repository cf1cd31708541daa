// Field positions typed from Arm IHI 0070 G.b (SMMUv3) and Arm DDI 0487 chapter D8.
// Each row: a field, and the bits the manual gives it — typed from the manual
// section cited beside it, never read from spec/hw. The spec cross-check
// test compares them with the generated header; `smmuman prove --all` proves on
// Z3 that the generated code reads, writes and encodes each field there.
#pragma once

#include <boost/hana/tuple.hpp>

#include "smmuman/hw/arm_smmuv3.hpp"
#include "smmuman/proofs/manual/manual_bits.hpp"

#define SMMUMAN_FIELD_AT(F, hi, lo) \
  ::smmuman::proofs::ManualBits<F> { #F, hi, lo }
#define SMMUMAN_BIT_AT(F, bit) \
  ::smmuman::proofs::ManualBits<F> { #F, bit, bit }

namespace smmuman::proofs::manual::arm_smmuv3 {

using namespace ::smmuman::hw::arm_smmuv3;

// Identification register fields (IHI 0070 6.3.1, 6.3.2, 6.3.4, 6.3.6, 6.3.7, 6.3.8).
inline constexpr auto id_register_fields = ::boost::hana::make_tuple(
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::ST_LEVEL, 28, 27),     // 6.3.1 ST_LEVEL, bits [28:27]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::TERM_MODEL, 26),         // 6.3.1 TERM_MODEL, bit [26]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::STALL_MODEL, 25, 24),  // 6.3.1 STALL_MODEL, bits [25:24]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::TTENDIAN, 22, 21),     // 6.3.1 TTENDIAN, bits [22:21]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::CD2L, 19),               // 6.3.1 CD2L, bit [19]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::VMID16, 18),             // 6.3.1 VMID16, bit [18]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::PRI, 16),                // 6.3.1 PRI, bit [16]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::SEV, 14),                // 6.3.1 SEV, bit [14]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::MSI, 13),                // 6.3.1 MSI, bit [13]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::ASID16, 12),             // 6.3.1 ASID16, bit [12]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::ATS, 10),                // 6.3.1 ATS, bit [10]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::HYP, 9),                 // 6.3.1 Hyp, bit [9]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::HTTU, 7, 6),           // 6.3.1 HTTU, bits [7:6]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::BTM, 5),                 // 6.3.1 BTM, bit [5]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::COHACC, 4),              // 6.3.1 COHACC, bit [4]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR0::TTF, 3, 2),            // 6.3.1 TTF, bits [3:2]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::S1P, 1),                 // 6.3.1 S1P, bit [1]
    SMMUMAN_BIT_AT(regs::SMMU_IDR0::S2P, 0),                 // 6.3.1 S2P, bit [0]
    SMMUMAN_BIT_AT(regs::SMMU_IDR1::TABLES_PRESET, 30),      // 6.3.2 TABLES_PRESET, bit [30]
    SMMUMAN_BIT_AT(regs::SMMU_IDR1::QUEUES_PRESET, 29),      // 6.3.2 QUEUES_PRESET, bit [29]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::CMDQS, 25, 21),        // 6.3.2 CMDQS, bits [25:21]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::EVENTQS, 20, 16),      // 6.3.2 EVENTQS, bits [20:16]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::PRIQS, 15, 11),        // 6.3.2 PRIQS, bits [15:11]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::SSIDSIZE, 10, 6),      // 6.3.2 SSIDSIZE, bits [10:6]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR1::SIDSIZE, 5, 0),        // 6.3.2 SIDSIZE, bits [5:0]
    SMMUMAN_BIT_AT(regs::SMMU_IDR3::RIL, 10),                // 6.3.4 RIL, bit [10]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR3::BBML, 12, 11),         // 6.3.4 BBML, bits [12:11]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR5::STALL_MAX, 31, 16),    // 6.3.6 STALL_MAX, bits [31:16]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR5::VAX, 11, 10),          // 6.3.6 VAX, bits [11:10]
    SMMUMAN_BIT_AT(regs::SMMU_IDR5::GRAN64K, 6),             // 6.3.6 GRAN64K, bit [6]
    SMMUMAN_BIT_AT(regs::SMMU_IDR5::GRAN16K, 5),             // 6.3.6 GRAN16K, bit [5]
    SMMUMAN_BIT_AT(regs::SMMU_IDR5::GRAN4K, 4),              // 6.3.6 GRAN4K, bit [4]
    SMMUMAN_FIELD_AT(regs::SMMU_IDR5::OAS, 2, 0),            // 6.3.6 OAS, bits [2:0]
    SMMUMAN_FIELD_AT(regs::SMMU_IIDR::PRODUCTID, 31, 20),    // 6.3.7 ProductID, bits [31:20]
    SMMUMAN_FIELD_AT(regs::SMMU_IIDR::IMPLEMENTER, 11, 0),   // 6.3.7 Implementer, bits [11:0]
    SMMUMAN_FIELD_AT(regs::SMMU_AIDR::ARCHMAJORREV, 7, 4),   // 6.3.8 ArchMajorRev, bits [7:4]
    SMMUMAN_FIELD_AT(regs::SMMU_AIDR::ARCHMINORREV, 3, 0)    // 6.3.8 ArchMinorRev, bits [3:0]
);

// Control, interrupt and error register fields (IHI 0070 6.3.9 - 6.3.23).
inline constexpr auto control_register_fields = ::boost::hana::make_tuple(
    SMMUMAN_FIELD_AT(regs::SMMU_CR0::VMW, 8, 6),                  // 6.3.9 VMW, bits [8:6]
    SMMUMAN_BIT_AT(regs::SMMU_CR0::ATSCHK, 4),                    // 6.3.9 ATSCHK, bit [4]
    SMMUMAN_BIT_AT(regs::SMMU_CR0::CMDQEN, 3),                    // 6.3.9 CMDQEN, bit [3]
    SMMUMAN_BIT_AT(regs::SMMU_CR0::EVENTQEN, 2),                  // 6.3.9 EVENTQEN, bit [2]
    SMMUMAN_BIT_AT(regs::SMMU_CR0::PRIQEN, 1),                    // 6.3.9 PRIQEN, bit [1]
    SMMUMAN_BIT_AT(regs::SMMU_CR0::SMMUEN, 0),                    // 6.3.9 SMMUEN, bit [0]
    SMMUMAN_BIT_AT(regs::SMMU_CR0ACK::CMDQEN, 3),                 // 6.3.10 mirrors SMMU_CR0
    SMMUMAN_BIT_AT(regs::SMMU_CR0ACK::SMMUEN, 0),                 // 6.3.10 mirrors SMMU_CR0
    SMMUMAN_FIELD_AT(regs::SMMU_CR1::TABLE_SH, 11, 10),           // 6.3.11 TABLE_SH, bits [11:10]
    SMMUMAN_FIELD_AT(regs::SMMU_CR1::TABLE_OC, 9, 8),             // 6.3.11 TABLE_OC, bits [9:8]
    SMMUMAN_FIELD_AT(regs::SMMU_CR1::TABLE_IC, 7, 6),             // 6.3.11 TABLE_IC, bits [7:6]
    SMMUMAN_FIELD_AT(regs::SMMU_CR1::QUEUE_SH, 5, 4),             // 6.3.11 QUEUE_SH, bits [5:4]
    SMMUMAN_FIELD_AT(regs::SMMU_CR1::QUEUE_OC, 3, 2),             // 6.3.11 QUEUE_OC, bits [3:2]
    SMMUMAN_FIELD_AT(regs::SMMU_CR1::QUEUE_IC, 1, 0),             // 6.3.11 QUEUE_IC, bits [1:0]
    SMMUMAN_BIT_AT(regs::SMMU_CR2::PTM, 2),                       // 6.3.12 PTM, bit [2]
    SMMUMAN_BIT_AT(regs::SMMU_CR2::RECINVSID, 1),                 // 6.3.12 RECINVSID, bit [1]
    SMMUMAN_BIT_AT(regs::SMMU_CR2::E2H, 0),                       // 6.3.12 E2H, bit [0]
    SMMUMAN_BIT_AT(regs::SMMU_GBPA::UPDATE, 31),                  // 6.3.14 Update, bit [31]
    SMMUMAN_BIT_AT(regs::SMMU_GBPA::ABORT, 20),                   // 6.3.14 ABORT, bit [20]
    SMMUMAN_FIELD_AT(regs::SMMU_GBPA::SHCFG, 13, 12),             // 6.3.14 SHCFG, bits [13:12]
    SMMUMAN_FIELD_AT(regs::SMMU_GBPA::MEMATTR, 3, 0),             // 6.3.14 MemAttr, bits [3:0]
    SMMUMAN_BIT_AT(regs::SMMU_IRQ_CTRL::EVENTQ_IRQEN, 2),         // 6.3.16 EVENTQ_IRQEN, bit [2]
    SMMUMAN_BIT_AT(regs::SMMU_IRQ_CTRL::PRIQ_IRQEN, 1),           // 6.3.16 PRIQ_IRQEN, bit [1]
    SMMUMAN_BIT_AT(regs::SMMU_IRQ_CTRL::GERROR_IRQEN, 0),         // 6.3.16 GERROR_IRQEN, bit [0]
    SMMUMAN_BIT_AT(regs::SMMU_GERROR::SFM_ERR, 8),                // 6.3.19 SFM_ERR, bit [8]
    SMMUMAN_BIT_AT(regs::SMMU_GERROR::MSI_GERROR_ABT_ERR, 7),     // 6.3.19 MSI_GERROR_ABT_ERR, bit [7]
    SMMUMAN_BIT_AT(regs::SMMU_GERROR::MSI_CMDQ_ABT_ERR, 4),       // 6.3.19 MSI_CMDQ_ABT_ERR, bit [4]
    SMMUMAN_BIT_AT(regs::SMMU_GERROR::EVENTQ_ABT_ERR, 2),         // 6.3.19 EVENTQ_ABT_ERR, bit [2]
    SMMUMAN_BIT_AT(regs::SMMU_GERROR::CMDQ_ERR, 0),               // 6.3.19 CMDQ_ERR, bit [0]
    SMMUMAN_BIT_AT(regs::SMMU_GERRORN::CMDQ_ERR, 0),              // 6.3.20 same fields as SMMU_GERROR
    SMMUMAN_FIELD_AT(regs::SMMU_GERROR_IRQ_CFG0::ADDR, 55, 2),    // 6.3.21 ADDR, bits [55:2]
    SMMUMAN_FIELD_AT(regs::SMMU_GERROR_IRQ_CFG1::DATA, 31, 0),    // 6.3.22 DATA, bits [31:0]
    SMMUMAN_FIELD_AT(regs::SMMU_GERROR_IRQ_CFG2::SH, 5, 4),       // 6.3.23 SH, bits [5:4]
    SMMUMAN_FIELD_AT(regs::SMMU_GERROR_IRQ_CFG2::MEMATTR, 3, 0),  // 6.3.23 MemAttr, bits [3:0]
    SMMUMAN_BIT_AT(regs::SMMU_PRIQ_IRQ_CFG2::LO, 31)              // 6.3.36 LO, bit [31]
);

// Stream table and queue register fields (IHI 0070 6.3.24 - 6.3.33, 6.3.95 - 6.3.98).
inline constexpr auto table_and_queue_register_fields = ::boost::hana::make_tuple(
    SMMUMAN_BIT_AT(regs::SMMU_STRTAB_BASE::RA, 62),                // 6.3.24 RA, bit [62]
    SMMUMAN_FIELD_AT(regs::SMMU_STRTAB_BASE::ADDR, 55, 6),         // 6.3.24 ADDR, bits [55:6]
    SMMUMAN_FIELD_AT(regs::SMMU_STRTAB_BASE_CFG::FMT, 17, 16),     // 6.3.25 FMT, bits [17:16]
    SMMUMAN_FIELD_AT(regs::SMMU_STRTAB_BASE_CFG::SPLIT, 10, 6),    // 6.3.25 SPLIT, bits [10:6]
    SMMUMAN_FIELD_AT(regs::SMMU_STRTAB_BASE_CFG::LOG2SIZE, 5, 0),  // 6.3.25 LOG2SIZE, bits [5:0]
    SMMUMAN_BIT_AT(regs::SMMU_CMDQ_BASE::RA, 62),                  // 6.3.26 RA, bit [62]
    SMMUMAN_FIELD_AT(regs::SMMU_CMDQ_BASE::ADDR, 55, 5),           // 6.3.26 ADDR, bits [55:5]
    SMMUMAN_FIELD_AT(regs::SMMU_CMDQ_BASE::LOG2SIZE, 4, 0),        // 6.3.26 LOG2SIZE, bits [4:0]
    SMMUMAN_FIELD_AT(regs::SMMU_CMDQ_PROD::WR, 19, 0),             // 6.3.27 WR, bits [19:0]
    SMMUMAN_FIELD_AT(regs::SMMU_CMDQ_CONS::ERR, 30, 24),           // 6.3.28 ERR, bits [30:24]
    SMMUMAN_FIELD_AT(regs::SMMU_CMDQ_CONS::RD, 19, 0),             // 6.3.28 RD, bits [19:0]
    SMMUMAN_BIT_AT(regs::SMMU_EVENTQ_BASE::WA, 62),                // 6.3.29 WA, bit [62]
    SMMUMAN_FIELD_AT(regs::SMMU_EVENTQ_BASE::ADDR, 55, 5),         // 6.3.29 ADDR, bits [55:5]
    SMMUMAN_FIELD_AT(regs::SMMU_EVENTQ_BASE::LOG2SIZE, 4, 0),      // 6.3.29 LOG2SIZE, bits [4:0]
    SMMUMAN_FIELD_AT(regs::SMMU_PRIQ_BASE::ADDR, 55, 5),           // 6.3.33 ADDR, bits [55:5]
    SMMUMAN_BIT_AT(regs::SMMU_EVENTQ_PROD::OVFLG, 31),             // 6.3.95 OVFLG, bit [31]
    SMMUMAN_FIELD_AT(regs::SMMU_EVENTQ_PROD::WR, 19, 0),           // 6.3.95 WR, bits [19:0]
    SMMUMAN_BIT_AT(regs::SMMU_EVENTQ_CONS::OVACKFLG, 31),          // 6.3.96 OVACKFLG, bit [31]
    SMMUMAN_FIELD_AT(regs::SMMU_EVENTQ_CONS::RD, 19, 0)            // 6.3.96 RD, bits [19:0]
);

// Stream Table Entry and L1STD field positions (IHI 0070 5.1, 5.2).
inline constexpr auto stream_table_entry_fields =
    ::boost::hana::make_tuple(SMMUMAN_FIELD_AT(structs::L1STD::SPAN, 4, 0),         // 5.1 Span, bits [4:0]
                              SMMUMAN_FIELD_AT(structs::L1STD::L2PTR, 55, 6),       // 5.1 L2Ptr, bits [55:6]
                              SMMUMAN_BIT_AT(structs::STE::V, 0),                   // 5.2 V, bit [0]
                              SMMUMAN_FIELD_AT(structs::STE::CONFIG, 3, 1),         // 5.2 Config, bits [3:1]
                              SMMUMAN_FIELD_AT(structs::STE::S1FMT, 5, 4),          // 5.2 S1Fmt, bits [5:4]
                              SMMUMAN_FIELD_AT(structs::STE::S1CONTEXTPTR, 55, 6),  // 5.2 S1ContextPtr, bits [55:6]
                              SMMUMAN_FIELD_AT(structs::STE::S1CDMAX, 63, 59),      // 5.2 S1CDMax, bits [63:59]
                              SMMUMAN_FIELD_AT(structs::STE::S1DSS, 65, 64),        // 5.2 S1DSS, bits [65:64]
                              SMMUMAN_FIELD_AT(structs::STE::S1CIR, 67, 66),        // 5.2 S1CIR, bits [67:66]
                              SMMUMAN_FIELD_AT(structs::STE::S1COR, 69, 68),        // 5.2 S1COR, bits [69:68]
                              SMMUMAN_FIELD_AT(structs::STE::S1CSH, 71, 70),        // 5.2 S1CSH, bits [71:70]
                              SMMUMAN_BIT_AT(structs::STE::S1STALLD, 91),           // 5.2 S1STALLD, bit [91]
                              SMMUMAN_FIELD_AT(structs::STE::EATS, 93, 92),         // 5.2 EATS, bits [93:92]
                              SMMUMAN_FIELD_AT(structs::STE::STRW, 95, 94),         // 5.2 STRW, bits [95:94]
                              SMMUMAN_FIELD_AT(structs::STE::MEMATTR, 99, 96),      // 5.2 MemAttr, bits [99:96]
                              SMMUMAN_FIELD_AT(structs::STE::SHCFG, 109, 108),      // 5.2 SHCFG, bits [109:108]
                              SMMUMAN_FIELD_AT(structs::STE::S2VMID, 143, 128),     // 5.2 S2VMID, bits [143:128]
                              SMMUMAN_FIELD_AT(structs::STE::S2T0SZ, 165, 160),     // 5.2 S2T0SZ, bits [165:160]
                              SMMUMAN_FIELD_AT(structs::STE::S2SL0, 167, 166),      // 5.2 S2SL0, bits [167:166]
                              SMMUMAN_FIELD_AT(structs::STE::S2IR0, 169, 168),      // 5.2 S2IR0, bits [169:168]
                              SMMUMAN_FIELD_AT(structs::STE::S2OR0, 171, 170),      // 5.2 S2OR0, bits [171:170]
                              SMMUMAN_FIELD_AT(structs::STE::S2SH0, 173, 172),      // 5.2 S2SH0, bits [173:172]
                              SMMUMAN_FIELD_AT(structs::STE::S2TG, 175, 174),       // 5.2 S2TG, bits [175:174]
                              SMMUMAN_FIELD_AT(structs::STE::S2PS, 178, 176),       // 5.2 S2PS, bits [178:176]
                              SMMUMAN_BIT_AT(structs::STE::S2AA64, 179),            // 5.2 S2AA64, bit [179]
                              SMMUMAN_BIT_AT(structs::STE::S2ENDI, 180),            // 5.2 S2ENDI, bit [180]
                              SMMUMAN_BIT_AT(structs::STE::S2AFFD, 181),            // 5.2 S2AFFD, bit [181]
                              SMMUMAN_BIT_AT(structs::STE::S2PTW, 182),             // 5.2 S2PTW, bit [182]
                              SMMUMAN_BIT_AT(structs::STE::S2S, 185),               // 5.2 S2S, bit [185]
                              SMMUMAN_BIT_AT(structs::STE::S2R, 186),               // 5.2 S2R, bit [186]
                              SMMUMAN_FIELD_AT(structs::STE::S2TTB, 247, 196)       // 5.2 S2TTB, bits [247:196]
    );

// Context Descriptor and L1CD field positions (IHI 0070 5.3, 5.4).
inline constexpr auto context_descriptor_fields =
    ::boost::hana::make_tuple(SMMUMAN_BIT_AT(structs::L1CD::V, 0),             // 5.3 V, bit [0]
                              SMMUMAN_FIELD_AT(structs::L1CD::L2PTR, 55, 12),  // 5.3 L2Ptr, bits [55:12]
                              SMMUMAN_FIELD_AT(structs::CD::T0SZ, 5, 0),       // 5.4 T0SZ, bits [5:0]
                              SMMUMAN_FIELD_AT(structs::CD::TG0, 7, 6),        // 5.4 TG0, bits [7:6]
                              SMMUMAN_FIELD_AT(structs::CD::IR0, 9, 8),        // 5.4 IR0, bits [9:8]
                              SMMUMAN_FIELD_AT(structs::CD::OR0, 11, 10),      // 5.4 OR0, bits [11:10]
                              SMMUMAN_FIELD_AT(structs::CD::SH0, 13, 12),      // 5.4 SH0, bits [13:12]
                              SMMUMAN_BIT_AT(structs::CD::EPD0, 14),           // 5.4 EPD0, bit [14]
                              SMMUMAN_BIT_AT(structs::CD::ENDI, 15),           // 5.4 ENDI, bit [15]
                              SMMUMAN_FIELD_AT(structs::CD::T1SZ, 21, 16),     // 5.4 T1SZ, bits [21:16]
                              SMMUMAN_BIT_AT(structs::CD::EPD1, 30),           // 5.4 EPD1, bit [30]
                              SMMUMAN_BIT_AT(structs::CD::V, 31),              // 5.4 V, bit [31]
                              SMMUMAN_FIELD_AT(structs::CD::IPS, 34, 32),      // 5.4 IPS, bits [34:32]
                              SMMUMAN_BIT_AT(structs::CD::AFFD, 35),           // 5.4 AFFD, bit [35]
                              SMMUMAN_BIT_AT(structs::CD::TBI0, 38),           // 5.4 TBI0, bit [38]
                              SMMUMAN_BIT_AT(structs::CD::AA64, 41),           // 5.4 AA64, bit [41]
                              SMMUMAN_BIT_AT(structs::CD::HD, 42),             // 5.4 HD, bit [42]
                              SMMUMAN_BIT_AT(structs::CD::HA, 43),             // 5.4 HA, bit [43]
                              SMMUMAN_BIT_AT(structs::CD::S, 44),              // 5.4 S, bit [44]
                              SMMUMAN_BIT_AT(structs::CD::R, 45),              // 5.4 R, bit [45]
                              SMMUMAN_BIT_AT(structs::CD::A, 46),              // 5.4 A, bit [46]
                              SMMUMAN_BIT_AT(structs::CD::ASET, 47),           // 5.4 ASET, bit [47]
                              SMMUMAN_FIELD_AT(structs::CD::ASID, 63, 48),     // 5.4 ASID, bits [63:48]
                              SMMUMAN_FIELD_AT(structs::CD::TTB0, 119, 68),    // 5.4 TTB0, bits [119:68]
                              SMMUMAN_FIELD_AT(structs::CD::TTB1, 183, 132),   // 5.4 TTB1, bits [183:132]
                              SMMUMAN_FIELD_AT(structs::CD::MAIR0, 223, 192),  // 5.4 MAIR0, bits [223:192]
                              SMMUMAN_FIELD_AT(structs::CD::MAIR1, 255, 224)   // 5.4 MAIR1, bits [255:224]
    );

// Command field positions (IHI 0070 4.1.6, 4.3.1, 4.4.1.1, 4.4.2.4, 4.4.3.1, 4.5.1, 4.7.3).
inline constexpr auto command_fields = ::boost::hana::make_tuple(
    SMMUMAN_FIELD_AT(structs::CMD_CFGI_STE::OPCODE, 7, 0),         // 4.1.1: 8-bit opcode first
    SMMUMAN_FIELD_AT(structs::CMD_CFGI_STE::SID, 63, 32),          // 4.3.1 StreamID, bits [63:32]
    SMMUMAN_BIT_AT(structs::CMD_CFGI_STE::SSEC, 10),               // 4.3.1 SSec, bit [10]
    SMMUMAN_BIT_AT(structs::CMD_CFGI_STE::LEAF, 64),               // 4.3.1 Leaf, bit [64]
    SMMUMAN_FIELD_AT(structs::CMD_CFGI_STE_RANGE::RANGE, 68, 64),  // 4.3.2 Range, bits [68:64]
    SMMUMAN_FIELD_AT(structs::CMD_CFGI_CD::SSID, 31, 12),          // 4.3.3 SubstreamID, bits [31:12]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::ASID, 63, 48),       // 4.4.2.4 ASID, bits [63:48]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::VMID, 47, 32),       // 4.4.2.4 VMID, bits [47:32]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::SCALE, 25, 20),      // 4.4.1.1 SCALE, bits [25:20]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::NUM, 16, 12),        // 4.4.1.1 NUM, bits [16:12]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::ADDR, 127, 76),      // 4.4.2.4 Address[63:12], bits [127:76]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::TG, 75, 74),         // 4.4.1.1 TG, bits [75:74]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_NH_VA::TTL, 73, 72),        // 4.4.1.1 TTL, bits [73:72]
    SMMUMAN_BIT_AT(structs::CMD_TLBI_NH_VA::TTL128, 71),           // 4.4.1.1 TTL128, bit [71]
    SMMUMAN_BIT_AT(structs::CMD_TLBI_NH_VA::LEAF, 64),             // 4.4.2.4 Leaf, bit [64]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_S2_IPA::VMID, 47, 32),      // 4.4.3.1 VMID, bits [47:32]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_S2_IPA::ADDR, 119, 76),     // 4.4.3.1 / 4.1.6 IPA[55:12], bits [119:76]
    SMMUMAN_FIELD_AT(structs::CMD_TLBI_S12_VMALL::VMID, 47, 32),   // 4.4.3.2 VMID, bits [47:32]
    SMMUMAN_FIELD_AT(structs::CMD_ATC_INV::SIZE, 69, 64),          // 4.5.1 Size, bits [69:64]
    SMMUMAN_BIT_AT(structs::CMD_ATC_INV::GLOBAL, 9),               // 4.5.1 G, bit [9]
    SMMUMAN_BIT_AT(structs::CMD_ATC_INV::SSV, 11),                 // 4.5.1 SSV, bit [11]
    SMMUMAN_FIELD_AT(structs::CMD_SYNC::CS, 13, 12),               // 4.7.3 CS, bits [13:12]
    SMMUMAN_FIELD_AT(structs::CMD_SYNC::MSH, 23, 22),              // 4.7.3 MSH, bits [23:22]
    SMMUMAN_FIELD_AT(structs::CMD_SYNC::MSIATTR, 27, 24),          // 4.7.3 MSIAttr, bits [27:24]
    SMMUMAN_FIELD_AT(structs::CMD_SYNC::MSIDATA, 63, 32),          // 4.7.3 MSIData, bits [63:32]
    SMMUMAN_FIELD_AT(structs::CMD_SYNC::MSIADDR, 119, 66)          // 4.7.3 MSIAddress[55:2], bits [119:66]
);

// Event record field positions (IHI 0070 7.3, 7.3.3, 7.3.4, 7.3.15, 7.3.16).
inline constexpr auto event_fields = ::boost::hana::make_tuple(
    SMMUMAN_FIELD_AT(structs::C_BAD_STREAMID::STREAMID, 63, 32),     // 7.3.3 StreamID, bits [63:32]
    SMMUMAN_FIELD_AT(structs::C_BAD_STREAMID::SUBSTREAMID, 31, 12),  // 7.3.3 SubstreamID, bits [31:12]
    SMMUMAN_BIT_AT(structs::C_BAD_STREAMID::SSV, 11),                // 7.3.3 SSV, bit [11]
    SMMUMAN_FIELD_AT(structs::F_STE_FETCH::FETCHADDR, 247, 195),     // 7.3.4 FetchAddr[55:3], bits [247:195]
    SMMUMAN_FIELD_AT(structs::F_STE_FETCH::REASON, 79, 64),          // 7.3.4 Reason, bits [79:64]
    SMMUMAN_FIELD_AT(structs::F_ACCESS::IPA, 247, 204),              // 7.3.15 IPA[55:12], bits [247:204]
    SMMUMAN_FIELD_AT(structs::F_TRANSLATION::INPUTADDR, 191, 128),   // 7.3.13 InputAddr[63:0], bits [191:128]
    SMMUMAN_FIELD_AT(structs::F_TRANSLATION::STAG, 79, 64),          // 7.3.13 STAG, bits [79:64]
    SMMUMAN_BIT_AT(structs::F_TRANSLATION::STALL, 95),               // 7.3.13 Stall, bit [95]
    SMMUMAN_BIT_AT(structs::F_TRANSLATION::PNU, 97),                 // 7.3.13 PnU, bit [97]
    SMMUMAN_BIT_AT(structs::F_TRANSLATION::IND, 98),                 // 7.3.13 InD, bit [98]
    SMMUMAN_BIT_AT(structs::F_TRANSLATION::RNW, 99),                 // 7.3.13 RnW, bit [99]
    SMMUMAN_BIT_AT(structs::F_TRANSLATION::S2, 103),                 // 7.3.13 S2, bit [103]
    SMMUMAN_FIELD_AT(structs::F_TRANSLATION::CLASS, 105, 104),       // 7.3.13 CLASS, bits [105:104]
    SMMUMAN_BIT_AT(structs::F_PERMISSION::TTRNW, 108)                // 7.3.16 TTRnW, bit [108]
);

// VMSAv8-64 4 KB-granule stage 2 format as the SMMU walks it (DDI 0487 D8.2, D8.3, D8.4.2).
inline constexpr auto stage2_page_table_4k = ::boost::hana::make_tuple(
    SMMUMAN_BIT_AT(structs::S2_DESCRIPTOR_4K::VALID, 0),         // D8.3: bit[0] valid
    SMMUMAN_BIT_AT(structs::S2_DESCRIPTOR_4K::TYPE, 1),          // D8.3: bit[1] table/page vs block
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR_4K::MEMATTR, 5, 2),  // D8.3: MemAttr, bits [5:2]
    SMMUMAN_BIT_AT(structs::S2_DESCRIPTOR_4K::S2AP_R, 6),        // D8.4.2: S2AP[0] read, bit [6]
    SMMUMAN_BIT_AT(structs::S2_DESCRIPTOR_4K::S2AP_W, 7),        // D8.4.2: S2AP[1] write, bit [7]
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR_4K::SH, 9, 8),       // D8.3: SH, bits [9:8]
    SMMUMAN_BIT_AT(structs::S2_DESCRIPTOR_4K::AF, 10),           // D8.3: AF, bit [10]
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR_4K::OA, 47, 12),     // D8.3: OA, bits [47:12]
    SMMUMAN_BIT_AT(structs::S2_DESCRIPTOR_4K::CONTIG, 52),       // D8.3: Contiguous, bit [52]
    SMMUMAN_FIELD_AT(structs::S2_DESCRIPTOR_4K::XN, 54, 53)      // D8.3 / D8.4.2: XN[1:0], bits [54:53]
);

// VMSAv8-64 4 KB-granule stage 1 format used by CDs (DDI 0487 D8.2, D8.3, D8.4.1).
inline constexpr auto stage1_page_table_4k = ::boost::hana::make_tuple(
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR_4K::ATTRINDX, 4, 2),   // D8.3: AttrIndx, bits [4:2]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::NS, 5),              // D8.3: NS, bit [5]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::AP1, 6),             // D8.4.1.2.1: AP[1], bit [6]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::AP2, 7),             // D8.4.1.2.1: AP[2], bit [7]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::AF, 10),             // D8.3: AF, bit [10]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::NG, 11),             // D8.3: nG, bit [11]
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR_4K::OA, 47, 12),       // D8.3: OA, bits [47:12]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::PXN, 53),            // D8.3: PXN, bit [53]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::UXN, 54),            // D8.3: UXN, bit [54]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::PXNTABLE, 59),       // D8.3: PXNTable, bit [59]
    SMMUMAN_FIELD_AT(structs::S1_DESCRIPTOR_4K::APTABLE, 62, 61),  // D8.3: APTable, bits [62:61]
    SMMUMAN_BIT_AT(structs::S1_DESCRIPTOR_4K::NSTABLE, 63)         // D8.3: NSTable, bit [63]
);

// Every table above.
inline constexpr auto all = ::boost::hana::make_tuple(
    id_register_fields, control_register_fields, table_and_queue_register_fields, stream_table_entry_fields,
    context_descriptor_fields, command_fields, event_fields, stage2_page_table_4k, stage1_page_table_4k);

}  // namespace smmuman::proofs::manual::arm_smmuv3

#undef SMMUMAN_FIELD_AT
#undef SMMUMAN_BIT_AT
