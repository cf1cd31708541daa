// Spec cross-check for the Arm SMMUv3 description: facts typed by hand from
// Arm IHI 0070 G.b (SMMU architecture version 3) and Arm DDI 0487 chapter D8
// (VMSAv8-64 translation tables), compared with the constants smmu-gen writes
// from spec/hw/arm-smmuv3.yaml. The expected values are deliberately NOT taken
// from the YAML: each row is one fact read from the manual section cited next
// to it, so a wrong description shows up here as a named failing row.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "smmuman/hw/arm_smmuv3.hpp"

#include "backends/common/fact_table.hpp"

namespace {

// Rows here read {what, generated, manual}.
using smmuman::test::Fact;
template <class Facts>
void check(const Facts& facts) { smmuman::test::check_facts(facts); }

using namespace smmuman::hw::arm_smmuv3;


// Page 1 of the register file starts 64 KB above Page 0 (IHI 0070 6.1).
constexpr uint64_t kPage1Base = 0x10000;

// The value a command or event record carries in its bits [7:0] (the opcode
// or event number): the bits its fixed fields set in an all-zero record.
template <class S>
uint64_t low_byte_of_fixed() {
  uint64_t words[S::word_count];
  std::memset(words, 0, sizeof words);
  smmuman::hw::set_fixed<S, uint64_t>(words);
  return words[0] & 0xff;
}

// Field position of a register or structure field as {hi, lo} rows.
#define HI_LO(F, hi_, lo_) {#F ".hi", F::hi, hi_}, {#F ".lo", F::lo, lo_}
#define BIT(F, bit_) {#F ".hi", F::hi, bit_}, {#F ".lo", F::lo, bit_}

// Page 0 register offsets match the register map of IHI 0070 6.2.1.
TEST(ArmSmmuV3Spec, Page0RegisterOffsets) {
  const Fact facts[] = {
      {"SMMU_IDR0", regs::SMMU_IDR0::offset, 0x0000},                        // 6.2.1, 6.3.1
      {"SMMU_IDR1", regs::SMMU_IDR1::offset, 0x0004},                        // 6.2.1, 6.3.2
      {"SMMU_IDR2", regs::SMMU_IDR2::offset, 0x0008},                        // 6.2.1, 6.3.3
      {"SMMU_IDR3", regs::SMMU_IDR3::offset, 0x000C},                        // 6.2.1, 6.3.4
      {"SMMU_IDR4", regs::SMMU_IDR4::offset, 0x0010},                        // 6.2.1, 6.3.5
      {"SMMU_IDR5", regs::SMMU_IDR5::offset, 0x0014},                        // 6.2.1, 6.3.6
      {"SMMU_IIDR", regs::SMMU_IIDR::offset, 0x0018},                        // 6.2.1, 6.3.7
      {"SMMU_AIDR", regs::SMMU_AIDR::offset, 0x001C},                        // 6.2.1, 6.3.8
      {"SMMU_CR0", regs::SMMU_CR0::offset, 0x0020},                          // 6.2.1, 6.3.9
      {"SMMU_CR0ACK", regs::SMMU_CR0ACK::offset, 0x0024},                    // 6.2.1, 6.3.10
      {"SMMU_CR1", regs::SMMU_CR1::offset, 0x0028},                          // 6.2.1, 6.3.11
      {"SMMU_CR2", regs::SMMU_CR2::offset, 0x002C},                          // 6.2.1, 6.3.12
      {"SMMU_STATUSR", regs::SMMU_STATUSR::offset, 0x0040},                  // 6.2.1, 6.3.13
      {"SMMU_GBPA", regs::SMMU_GBPA::offset, 0x0044},                        // 6.2.1, 6.3.14
      {"SMMU_AGBPA", regs::SMMU_AGBPA::offset, 0x0048},                      // 6.2.1, 6.3.15
      {"SMMU_IRQ_CTRL", regs::SMMU_IRQ_CTRL::offset, 0x0050},                // 6.2.1, 6.3.16
      {"SMMU_IRQ_CTRLACK", regs::SMMU_IRQ_CTRLACK::offset, 0x0054},          // 6.2.1, 6.3.18
      {"SMMU_GERROR", regs::SMMU_GERROR::offset, 0x0060},                    // 6.2.1, 6.3.19
      {"SMMU_GERRORN", regs::SMMU_GERRORN::offset, 0x0064},                  // 6.2.1, 6.3.20
      {"SMMU_GERROR_IRQ_CFG0", regs::SMMU_GERROR_IRQ_CFG0::offset, 0x0068},  // 6.2.1, 6.3.21
      {"SMMU_GERROR_IRQ_CFG1", regs::SMMU_GERROR_IRQ_CFG1::offset, 0x0070},  // 6.2.1, 6.3.22
      {"SMMU_GERROR_IRQ_CFG2", regs::SMMU_GERROR_IRQ_CFG2::offset, 0x0074},  // 6.2.1, 6.3.23
      {"SMMU_STRTAB_BASE", regs::SMMU_STRTAB_BASE::offset, 0x0080},          // 6.2.1, 6.3.24
      {"SMMU_STRTAB_BASE_CFG", regs::SMMU_STRTAB_BASE_CFG::offset, 0x0088},  // 6.2.1, 6.3.25
      {"SMMU_CMDQ_BASE", regs::SMMU_CMDQ_BASE::offset, 0x0090},              // 6.2.1, 6.3.26
      {"SMMU_CMDQ_PROD", regs::SMMU_CMDQ_PROD::offset, 0x0098},              // 6.2.1, 6.3.27
      {"SMMU_CMDQ_CONS", regs::SMMU_CMDQ_CONS::offset, 0x009C},              // 6.2.1, 6.3.28
      {"SMMU_EVENTQ_BASE", regs::SMMU_EVENTQ_BASE::offset, 0x00A0},          // 6.2.1, 6.3.29
      {"SMMU_EVENTQ_IRQ_CFG0", regs::SMMU_EVENTQ_IRQ_CFG0::offset, 0x00B0},  // 6.2.1, 6.3.30
      {"SMMU_EVENTQ_IRQ_CFG1", regs::SMMU_EVENTQ_IRQ_CFG1::offset, 0x00B8},  // 6.2.1, 6.3.31
      {"SMMU_EVENTQ_IRQ_CFG2", regs::SMMU_EVENTQ_IRQ_CFG2::offset, 0x00BC},  // 6.2.1, 6.3.32
      {"SMMU_PRIQ_BASE", regs::SMMU_PRIQ_BASE::offset, 0x00C0},              // 6.2.1, 6.3.33
      {"SMMU_PRIQ_IRQ_CFG0", regs::SMMU_PRIQ_IRQ_CFG0::offset, 0x00D0},      // 6.2.1, 6.3.34
      {"SMMU_PRIQ_IRQ_CFG1", regs::SMMU_PRIQ_IRQ_CFG1::offset, 0x00D8},      // 6.2.1, 6.3.35
      {"SMMU_PRIQ_IRQ_CFG2", regs::SMMU_PRIQ_IRQ_CFG2::offset, 0x00DC},      // 6.2.1, 6.3.36
  };
  check(facts);
  EXPECT_STREQ(regs::SMMU_CR0::block_name, "PAGE0");  // 6.2.1: registers in Page 0
}

// The queue index registers live in Page 1 at 0x100A8..0x100CC (IHI 0070 6.2.2).
TEST(ArmSmmuV3Spec, Page1RegisterOffsets) {
  const Fact facts[] = {
      {"SMMU_EVENTQ_PROD", kPage1Base + regs::SMMU_EVENTQ_PROD::offset, 0x100A8},  // 6.2.2, 6.3.95
      {"SMMU_EVENTQ_CONS", kPage1Base + regs::SMMU_EVENTQ_CONS::offset, 0x100AC},  // 6.2.2, 6.3.96
      {"SMMU_PRIQ_PROD", kPage1Base + regs::SMMU_PRIQ_PROD::offset, 0x100C8},      // 6.2.2, 6.3.97
      {"SMMU_PRIQ_CONS", kPage1Base + regs::SMMU_PRIQ_CONS::offset, 0x100CC},      // 6.2.2, 6.3.98
  };
  check(facts);
  EXPECT_STREQ(regs::SMMU_EVENTQ_PROD::block_name, "PAGE1");  // 6.3.95: part of SMMUv3_PAGE_1
  EXPECT_STREQ(regs::SMMU_PRIQ_CONS::block_name, "PAGE1");    // 6.3.98: part of SMMUv3_PAGE_1
  // An access goes through the register's block, so a Page 1 register cannot be read in Page 0.
  EXPECT_EQ(smmuman::hw::address_of<regs::SMMU_EVENTQ_PROD>({}, 0, 0), 0x100A8u);
  EXPECT_EQ(smmuman::hw::address_of<regs::SMMU_CR0>({}, 0, 0), 0x20u);
}

// Register widths and the reset values the manual defines (IHI 0070 6.2.1, 6.3.x "reset behavior").
TEST(ArmSmmuV3Spec, RegisterWidthsAndResets) {
  const Fact facts[] = {
      {"SMMU_CR0.width", regs::SMMU_CR0::width, 32},                            // 6.2.1: 32-bit
      {"SMMU_STRTAB_BASE.width", regs::SMMU_STRTAB_BASE::width, 64},            // 6.2.1: 64-bit
      {"SMMU_CMDQ_BASE.width", regs::SMMU_CMDQ_BASE::width, 64},                // 6.2.1: 64-bit
      {"SMMU_EVENTQ_BASE.width", regs::SMMU_EVENTQ_BASE::width, 64},            // 6.2.1: 64-bit
      {"SMMU_PRIQ_BASE.width", regs::SMMU_PRIQ_BASE::width, 64},                // 6.2.1: 64-bit
      {"SMMU_GERROR_IRQ_CFG0.width", regs::SMMU_GERROR_IRQ_CFG0::width, 64},    // 6.2.1: 64-bit
      {"SMMU_EVENTQ_IRQ_CFG0.width", regs::SMMU_EVENTQ_IRQ_CFG0::width, 64},    // 6.2.1: 64-bit
      {"SMMU_EVENTQ_PROD.width", regs::SMMU_EVENTQ_PROD::width, 32},            // 6.2.2: 32-bit
      {"SMMU_CR0.reset", regs::SMMU_CR0::reset, 0x0},                           // 6.3.9: every field resets to 0
      {"SMMU_CR0.has_reset", regs::SMMU_CR0::has_reset, 1},                     // 6.3.9
      {"SMMU_IRQ_CTRL.reset", regs::SMMU_IRQ_CTRL::reset, 0x0},                 // 6.3.16: every field resets to 0
      {"SMMU_GERRORN.reset", regs::SMMU_GERRORN::reset, 0x0},                   // 6.3.20: every field resets to 0
      {"SMMU_CR1.has_reset", regs::SMMU_CR1::has_reset, 0},                     // 6.3.11: UNKNOWN unless preset
      {"SMMU_GBPA.has_reset", regs::SMMU_GBPA::has_reset, 0},                   // 6.3.14: IMPLEMENTATION DEFINED
  };
  check(facts);
}

// Access kinds from the register map (IHI 0070 6.2.1: RO/RW per register).
TEST(ArmSmmuV3Spec, RegisterAccess) {
  using smmuman::hw::Access;
  EXPECT_EQ(regs::SMMU_IDR0::access, Access::ro);         // 6.2.1: SMMU_IDR0 RO
  EXPECT_EQ(regs::SMMU_CR0::access, Access::rw);          // 6.2.1: SMMU_CR0 RW
  EXPECT_EQ(regs::SMMU_CR0ACK::access, Access::ro);       // 6.2.1: SMMU_CR0ACK RO
  EXPECT_EQ(regs::SMMU_GERROR::access, Access::ro);       // 6.2.1: SMMU_GERROR RO
  EXPECT_EQ(regs::SMMU_GERRORN::access, Access::rw);      // 6.2.1: SMMU_GERRORN RW (toggle, not W1C)
  EXPECT_EQ(regs::SMMU_IRQ_CTRLACK::access, Access::ro);  // 6.2.1: SMMU_IRQ_CTRLACK RO
  EXPECT_EQ(regs::SMMU_CMDQ_PROD::access, Access::rw);    // 6.2.1: SMMU_CMDQ_PROD RW
}

// Identification register fields (IHI 0070 6.3.1, 6.3.2, 6.3.4, 6.3.6, 6.3.7, 6.3.8).
TEST(ArmSmmuV3Spec, IdRegisterFields) {
  const Fact facts[] = {
      HI_LO(regs::SMMU_IDR0::ST_LEVEL, 28, 27),     // 6.3.1 ST_LEVEL, bits [28:27]
      BIT(regs::SMMU_IDR0::TERM_MODEL, 26),         // 6.3.1 TERM_MODEL, bit [26]
      HI_LO(regs::SMMU_IDR0::STALL_MODEL, 25, 24),  // 6.3.1 STALL_MODEL, bits [25:24]
      HI_LO(regs::SMMU_IDR0::TTENDIAN, 22, 21),     // 6.3.1 TTENDIAN, bits [22:21]
      BIT(regs::SMMU_IDR0::CD2L, 19),               // 6.3.1 CD2L, bit [19]
      BIT(regs::SMMU_IDR0::VMID16, 18),             // 6.3.1 VMID16, bit [18]
      BIT(regs::SMMU_IDR0::PRI, 16),                // 6.3.1 PRI, bit [16]
      BIT(regs::SMMU_IDR0::SEV, 14),                // 6.3.1 SEV, bit [14]
      BIT(regs::SMMU_IDR0::MSI, 13),                // 6.3.1 MSI, bit [13]
      BIT(regs::SMMU_IDR0::ASID16, 12),             // 6.3.1 ASID16, bit [12]
      BIT(regs::SMMU_IDR0::ATS, 10),                // 6.3.1 ATS, bit [10]
      BIT(regs::SMMU_IDR0::HYP, 9),                 // 6.3.1 Hyp, bit [9]
      HI_LO(regs::SMMU_IDR0::HTTU, 7, 6),           // 6.3.1 HTTU, bits [7:6]
      BIT(regs::SMMU_IDR0::BTM, 5),                 // 6.3.1 BTM, bit [5]
      BIT(regs::SMMU_IDR0::COHACC, 4),              // 6.3.1 COHACC, bit [4]
      HI_LO(regs::SMMU_IDR0::TTF, 3, 2),            // 6.3.1 TTF, bits [3:2]
      BIT(regs::SMMU_IDR0::S1P, 1),                 // 6.3.1 S1P, bit [1]
      BIT(regs::SMMU_IDR0::S2P, 0),                 // 6.3.1 S2P, bit [0]
      BIT(regs::SMMU_IDR1::TABLES_PRESET, 30),      // 6.3.2 TABLES_PRESET, bit [30]
      BIT(regs::SMMU_IDR1::QUEUES_PRESET, 29),      // 6.3.2 QUEUES_PRESET, bit [29]
      HI_LO(regs::SMMU_IDR1::CMDQS, 25, 21),        // 6.3.2 CMDQS, bits [25:21]
      HI_LO(regs::SMMU_IDR1::EVENTQS, 20, 16),      // 6.3.2 EVENTQS, bits [20:16]
      HI_LO(regs::SMMU_IDR1::PRIQS, 15, 11),        // 6.3.2 PRIQS, bits [15:11]
      HI_LO(regs::SMMU_IDR1::SSIDSIZE, 10, 6),      // 6.3.2 SSIDSIZE, bits [10:6]
      HI_LO(regs::SMMU_IDR1::SIDSIZE, 5, 0),        // 6.3.2 SIDSIZE, bits [5:0]
      BIT(regs::SMMU_IDR3::RIL, 10),                // 6.3.4 RIL, bit [10]
      HI_LO(regs::SMMU_IDR3::BBML, 12, 11),         // 6.3.4 BBML, bits [12:11]
      HI_LO(regs::SMMU_IDR5::STALL_MAX, 31, 16),    // 6.3.6 STALL_MAX, bits [31:16]
      HI_LO(regs::SMMU_IDR5::VAX, 11, 10),          // 6.3.6 VAX, bits [11:10]
      BIT(regs::SMMU_IDR5::GRAN64K, 6),             // 6.3.6 GRAN64K, bit [6]
      BIT(regs::SMMU_IDR5::GRAN16K, 5),             // 6.3.6 GRAN16K, bit [5]
      BIT(regs::SMMU_IDR5::GRAN4K, 4),              // 6.3.6 GRAN4K, bit [4]
      HI_LO(regs::SMMU_IDR5::OAS, 2, 0),            // 6.3.6 OAS, bits [2:0]
      HI_LO(regs::SMMU_IIDR::PRODUCTID, 31, 20),    // 6.3.7 ProductID, bits [31:20]
      HI_LO(regs::SMMU_IIDR::IMPLEMENTER, 11, 0),   // 6.3.7 Implementer, bits [11:0]
      HI_LO(regs::SMMU_AIDR::ARCHMAJORREV, 7, 4),   // 6.3.8 ArchMajorRev, bits [7:4]
      HI_LO(regs::SMMU_AIDR::ARCHMINORREV, 3, 0),   // 6.3.8 ArchMinorRev, bits [3:0]
  };
  check(facts);
}

// Control, interrupt and error register fields (IHI 0070 6.3.9 - 6.3.23).
TEST(ArmSmmuV3Spec, ControlRegisterFields) {
  const Fact facts[] = {
      HI_LO(regs::SMMU_CR0::VMW, 8, 6),                    // 6.3.9 VMW, bits [8:6]
      BIT(regs::SMMU_CR0::ATSCHK, 4),                      // 6.3.9 ATSCHK, bit [4]
      BIT(regs::SMMU_CR0::CMDQEN, 3),                      // 6.3.9 CMDQEN, bit [3]
      BIT(regs::SMMU_CR0::EVENTQEN, 2),                    // 6.3.9 EVENTQEN, bit [2]
      BIT(regs::SMMU_CR0::PRIQEN, 1),                      // 6.3.9 PRIQEN, bit [1]
      BIT(regs::SMMU_CR0::SMMUEN, 0),                      // 6.3.9 SMMUEN, bit [0]
      BIT(regs::SMMU_CR0ACK::CMDQEN, 3),                   // 6.3.10 mirrors SMMU_CR0
      BIT(regs::SMMU_CR0ACK::SMMUEN, 0),                   // 6.3.10 mirrors SMMU_CR0
      HI_LO(regs::SMMU_CR1::TABLE_SH, 11, 10),             // 6.3.11 TABLE_SH, bits [11:10]
      HI_LO(regs::SMMU_CR1::TABLE_OC, 9, 8),               // 6.3.11 TABLE_OC, bits [9:8]
      HI_LO(regs::SMMU_CR1::TABLE_IC, 7, 6),               // 6.3.11 TABLE_IC, bits [7:6]
      HI_LO(regs::SMMU_CR1::QUEUE_SH, 5, 4),               // 6.3.11 QUEUE_SH, bits [5:4]
      HI_LO(regs::SMMU_CR1::QUEUE_OC, 3, 2),               // 6.3.11 QUEUE_OC, bits [3:2]
      HI_LO(regs::SMMU_CR1::QUEUE_IC, 1, 0),               // 6.3.11 QUEUE_IC, bits [1:0]
      BIT(regs::SMMU_CR2::PTM, 2),                         // 6.3.12 PTM, bit [2]
      BIT(regs::SMMU_CR2::RECINVSID, 1),                   // 6.3.12 RECINVSID, bit [1]
      BIT(regs::SMMU_CR2::E2H, 0),                         // 6.3.12 E2H, bit [0]
      BIT(regs::SMMU_GBPA::UPDATE, 31),                    // 6.3.14 Update, bit [31]
      BIT(regs::SMMU_GBPA::ABORT, 20),                     // 6.3.14 ABORT, bit [20]
      HI_LO(regs::SMMU_GBPA::SHCFG, 13, 12),               // 6.3.14 SHCFG, bits [13:12]
      HI_LO(regs::SMMU_GBPA::MEMATTR, 3, 0),               // 6.3.14 MemAttr, bits [3:0]
      BIT(regs::SMMU_IRQ_CTRL::EVENTQ_IRQEN, 2),           // 6.3.16 EVENTQ_IRQEN, bit [2]
      BIT(regs::SMMU_IRQ_CTRL::PRIQ_IRQEN, 1),             // 6.3.16 PRIQ_IRQEN, bit [1]
      BIT(regs::SMMU_IRQ_CTRL::GERROR_IRQEN, 0),           // 6.3.16 GERROR_IRQEN, bit [0]
      BIT(regs::SMMU_GERROR::SFM_ERR, 8),                  // 6.3.19 SFM_ERR, bit [8]
      BIT(regs::SMMU_GERROR::MSI_GERROR_ABT_ERR, 7),       // 6.3.19 MSI_GERROR_ABT_ERR, bit [7]
      BIT(regs::SMMU_GERROR::MSI_CMDQ_ABT_ERR, 4),         // 6.3.19 MSI_CMDQ_ABT_ERR, bit [4]
      BIT(regs::SMMU_GERROR::EVENTQ_ABT_ERR, 2),           // 6.3.19 EVENTQ_ABT_ERR, bit [2]
      BIT(regs::SMMU_GERROR::CMDQ_ERR, 0),                 // 6.3.19 CMDQ_ERR, bit [0]
      BIT(regs::SMMU_GERRORN::CMDQ_ERR, 0),                // 6.3.20 same fields as SMMU_GERROR
      HI_LO(regs::SMMU_GERROR_IRQ_CFG0::ADDR, 55, 2),      // 6.3.21 ADDR, bits [55:2]
      HI_LO(regs::SMMU_GERROR_IRQ_CFG1::DATA, 31, 0),      // 6.3.22 DATA, bits [31:0]
      HI_LO(regs::SMMU_GERROR_IRQ_CFG2::SH, 5, 4),         // 6.3.23 SH, bits [5:4]
      HI_LO(regs::SMMU_GERROR_IRQ_CFG2::MEMATTR, 3, 0),    // 6.3.23 MemAttr, bits [3:0]
      BIT(regs::SMMU_PRIQ_IRQ_CFG2::LO, 31),               // 6.3.36 LO, bit [31]
  };
  check(facts);
}

// Stream table and queue register fields (IHI 0070 6.3.24 - 6.3.33, 6.3.95 - 6.3.98).
TEST(ArmSmmuV3Spec, TableAndQueueRegisterFields) {
  const Fact facts[] = {
      BIT(regs::SMMU_STRTAB_BASE::RA, 62),                  // 6.3.24 RA, bit [62]
      HI_LO(regs::SMMU_STRTAB_BASE::ADDR, 55, 6),           // 6.3.24 ADDR, bits [55:6]
      HI_LO(regs::SMMU_STRTAB_BASE_CFG::FMT, 17, 16),       // 6.3.25 FMT, bits [17:16]
      HI_LO(regs::SMMU_STRTAB_BASE_CFG::SPLIT, 10, 6),      // 6.3.25 SPLIT, bits [10:6]
      HI_LO(regs::SMMU_STRTAB_BASE_CFG::LOG2SIZE, 5, 0),    // 6.3.25 LOG2SIZE, bits [5:0]
      BIT(regs::SMMU_CMDQ_BASE::RA, 62),                    // 6.3.26 RA, bit [62]
      HI_LO(regs::SMMU_CMDQ_BASE::ADDR, 55, 5),             // 6.3.26 ADDR, bits [55:5]
      HI_LO(regs::SMMU_CMDQ_BASE::LOG2SIZE, 4, 0),          // 6.3.26 LOG2SIZE, bits [4:0]
      HI_LO(regs::SMMU_CMDQ_PROD::WR, 19, 0),               // 6.3.27 WR, bits [19:0]
      HI_LO(regs::SMMU_CMDQ_CONS::ERR, 30, 24),             // 6.3.28 ERR, bits [30:24]
      HI_LO(regs::SMMU_CMDQ_CONS::RD, 19, 0),               // 6.3.28 RD, bits [19:0]
      BIT(regs::SMMU_EVENTQ_BASE::WA, 62),                  // 6.3.29 WA, bit [62]
      HI_LO(regs::SMMU_EVENTQ_BASE::ADDR, 55, 5),           // 6.3.29 ADDR, bits [55:5]
      HI_LO(regs::SMMU_EVENTQ_BASE::LOG2SIZE, 4, 0),        // 6.3.29 LOG2SIZE, bits [4:0]
      HI_LO(regs::SMMU_PRIQ_BASE::ADDR, 55, 5),             // 6.3.33 ADDR, bits [55:5]
      BIT(regs::SMMU_EVENTQ_PROD::OVFLG, 31),               // 6.3.95 OVFLG, bit [31]
      HI_LO(regs::SMMU_EVENTQ_PROD::WR, 19, 0),             // 6.3.95 WR, bits [19:0]
      BIT(regs::SMMU_EVENTQ_CONS::OVACKFLG, 31),            // 6.3.96 OVACKFLG, bit [31]
      HI_LO(regs::SMMU_EVENTQ_CONS::RD, 19, 0),             // 6.3.96 RD, bits [19:0]
  };
  check(facts);
}

// Named field values (IHI 0070 6.3.1, 6.3.6, 6.3.25, 7.1, 5.2, 5.4, 4.7.3).
TEST(ArmSmmuV3Spec, Enumerations) {
  const Fact facts[] = {
      {"IDR0.ST_LEVEL.TWO_LEVEL", static_cast<uint64_t>(regs::SMMU_IDR0::ST_LEVEL::Value::TWO_LEVEL), 1},  // 6.3.1
      {"IDR0.TTF.AARCH64", static_cast<uint64_t>(regs::SMMU_IDR0::TTF::Value::AARCH64), 2},                // 6.3.1
      {"IDR0.STALL_MODEL.STALL_FORCED", static_cast<uint64_t>(regs::SMMU_IDR0::STALL_MODEL::Value::STALL_FORCED), 2},  // 6.3.1
      {"IDR5.OAS.PA_48", static_cast<uint64_t>(regs::SMMU_IDR5::OAS::Value::PA_48), 5},                    // 6.3.6
      {"IDR5.OAS.PA_52", static_cast<uint64_t>(regs::SMMU_IDR5::OAS::Value::PA_52), 6},                    // 6.3.6
      {"STRTAB_BASE_CFG.FMT.TWO_LEVEL", static_cast<uint64_t>(regs::SMMU_STRTAB_BASE_CFG::FMT::Value::TWO_LEVEL), 1},  // 6.3.25
      {"STRTAB_BASE_CFG.SPLIT.LEAF_64KB", static_cast<uint64_t>(regs::SMMU_STRTAB_BASE_CFG::SPLIT::Value::LEAF_64KB), 10},  // 6.3.25
      {"CMDQ_CONS.ERR.CERROR_ILL", static_cast<uint64_t>(regs::SMMU_CMDQ_CONS::ERR::Value::CERROR_ILL), 1},  // 7.1
      {"CMDQ_CONS.ERR.CERROR_ABT", static_cast<uint64_t>(regs::SMMU_CMDQ_CONS::ERR::Value::CERROR_ABT), 2},  // 7.1
      {"CMDQ_CONS.ERR.CERROR_ATC_INV_SYNC", static_cast<uint64_t>(regs::SMMU_CMDQ_CONS::ERR::Value::CERROR_ATC_INV_SYNC), 3},  // 7.1
      {"STE.CONFIG.BYPASS", static_cast<uint64_t>(structs::STE::CONFIG::Value::BYPASS), 0b100},             // 5.2 Config
      {"STE.CONFIG.S1_TRANSLATE", static_cast<uint64_t>(structs::STE::CONFIG::Value::S1_TRANSLATE), 0b101}, // 5.2 Config
      {"STE.CONFIG.S2_TRANSLATE", static_cast<uint64_t>(structs::STE::CONFIG::Value::S2_TRANSLATE), 0b110}, // 5.2 Config
      {"STE.S2TG.GRANULE_64KB", static_cast<uint64_t>(structs::STE::S2TG::Value::GRANULE_64KB), 0b01},     // 5.2 S2TG
      {"CD.TG0.GRANULE_16KB", static_cast<uint64_t>(structs::CD::TG0::Value::GRANULE_16KB), 0b10},         // 5.4 TG0
      {"CD.TG1.GRANULE_4KB", static_cast<uint64_t>(structs::CD::TG1::Value::GRANULE_4KB), 0b10},           // 5.4 TG1
      {"CMD_SYNC.CS.SIG_IRQ", static_cast<uint64_t>(structs::CMD_SYNC::CS::Value::SIG_IRQ), 0b01},         // 4.7.3
      {"CMD_SYNC.CS.SIG_SEV", static_cast<uint64_t>(structs::CMD_SYNC::CS::Value::SIG_SEV), 0b10},         // 4.7.3
  };
  check(facts);
}

// Structure, command and event record sizes (IHI 0070 4.1.1, 5.1 - 5.4, 7.3; DDI 0487 D8.3).
TEST(ArmSmmuV3Spec, StructureSizes) {
  const Fact facts[] = {
      {"L1STD", structs::L1STD::size_bytes, 8},                        // 5.1: 8 bytes
      {"STE", structs::STE::size_bytes, 64},                           // 5.2: "STE is a 64-byte structure"
      {"L1CD", structs::L1CD::size_bytes, 8},                          // 5.3: "L1CD is a 8-byte structure"
      {"CD", structs::CD::size_bytes, 64},                             // 5.4: "CD is a 64-byte structure"
      {"CMD_CFGI_STE", structs::CMD_CFGI_STE::size_bytes, 16},         // 4.1.1: commands are 16 bytes
      {"CMD_TLBI_S2_IPA", structs::CMD_TLBI_S2_IPA::size_bytes, 16},   // 4.1.1
      {"CMD_SYNC", structs::CMD_SYNC::size_bytes, 16},                 // 4.1.1
      {"F_TRANSLATION", structs::F_TRANSLATION::size_bytes, 32},       // 7.3: event records are 32 bytes
      {"C_BAD_STE", structs::C_BAD_STE::size_bytes, 32},               // 7.3
      {"S2_DESCRIPTOR_4K", structs::S2_DESCRIPTOR_4K::size_bytes, 8},  // DDI 0487 D8.3: 64-bit descriptors
      {"S1_DESCRIPTOR_4K", structs::S1_DESCRIPTOR_4K::size_bytes, 8},  // DDI 0487 D8.3
  };
  check(facts);
  EXPECT_EQ(structs::CMD_SYNC::kind, smmuman::hw::StructKind::command);
  EXPECT_EQ(structs::F_PERMISSION::kind, smmuman::hw::StructKind::event);
}

// Stream Table Entry and L1STD field positions (IHI 0070 5.1, 5.2).
TEST(ArmSmmuV3Spec, StreamTableEntryFields) {
  const Fact facts[] = {
      HI_LO(structs::L1STD::SPAN, 4, 0),            // 5.1 Span, bits [4:0]
      HI_LO(structs::L1STD::L2PTR, 55, 6),          // 5.1 L2Ptr, bits [55:6]
      BIT(structs::STE::V, 0),                      // 5.2 V, bit [0]
      HI_LO(structs::STE::CONFIG, 3, 1),            // 5.2 Config, bits [3:1]
      HI_LO(structs::STE::S1FMT, 5, 4),             // 5.2 S1Fmt, bits [5:4]
      HI_LO(structs::STE::S1CONTEXTPTR, 55, 6),     // 5.2 S1ContextPtr, bits [55:6]
      HI_LO(structs::STE::S1CDMAX, 63, 59),         // 5.2 S1CDMax, bits [63:59]
      HI_LO(structs::STE::S1DSS, 65, 64),           // 5.2 S1DSS, bits [65:64]
      HI_LO(structs::STE::S1CIR, 67, 66),           // 5.2 S1CIR, bits [67:66]
      HI_LO(structs::STE::S1COR, 69, 68),           // 5.2 S1COR, bits [69:68]
      HI_LO(structs::STE::S1CSH, 71, 70),           // 5.2 S1CSH, bits [71:70]
      BIT(structs::STE::S1STALLD, 91),              // 5.2 S1STALLD, bit [91]
      HI_LO(structs::STE::EATS, 93, 92),            // 5.2 EATS, bits [93:92]
      HI_LO(structs::STE::STRW, 95, 94),            // 5.2 STRW, bits [95:94]
      HI_LO(structs::STE::MEMATTR, 99, 96),         // 5.2 MemAttr, bits [99:96]
      HI_LO(structs::STE::SHCFG, 109, 108),         // 5.2 SHCFG, bits [109:108]
      HI_LO(structs::STE::S2VMID, 143, 128),        // 5.2 S2VMID, bits [143:128]
      HI_LO(structs::STE::S2T0SZ, 165, 160),        // 5.2 S2T0SZ, bits [165:160]
      HI_LO(structs::STE::S2SL0, 167, 166),         // 5.2 S2SL0, bits [167:166]
      HI_LO(structs::STE::S2IR0, 169, 168),         // 5.2 S2IR0, bits [169:168]
      HI_LO(structs::STE::S2OR0, 171, 170),         // 5.2 S2OR0, bits [171:170]
      HI_LO(structs::STE::S2SH0, 173, 172),         // 5.2 S2SH0, bits [173:172]
      HI_LO(structs::STE::S2TG, 175, 174),          // 5.2 S2TG, bits [175:174]
      HI_LO(structs::STE::S2PS, 178, 176),          // 5.2 S2PS, bits [178:176]
      BIT(structs::STE::S2AA64, 179),               // 5.2 S2AA64, bit [179]
      BIT(structs::STE::S2ENDI, 180),               // 5.2 S2ENDI, bit [180]
      BIT(structs::STE::S2AFFD, 181),               // 5.2 S2AFFD, bit [181]
      BIT(structs::STE::S2PTW, 182),                // 5.2 S2PTW, bit [182]
      BIT(structs::STE::S2S, 185),                  // 5.2 S2S, bit [185]
      BIT(structs::STE::S2R, 186),                  // 5.2 S2R, bit [186]
      HI_LO(structs::STE::S2TTB, 247, 196),         // 5.2 S2TTB, bits [247:196]
  };
  check(facts);
}

// Context Descriptor and L1CD field positions (IHI 0070 5.3, 5.4).
TEST(ArmSmmuV3Spec, ContextDescriptorFields) {
  const Fact facts[] = {
      BIT(structs::L1CD::V, 0),                     // 5.3 V, bit [0]
      HI_LO(structs::L1CD::L2PTR, 55, 12),          // 5.3 L2Ptr, bits [55:12]
      HI_LO(structs::CD::T0SZ, 5, 0),               // 5.4 T0SZ, bits [5:0]
      HI_LO(structs::CD::TG0, 7, 6),                // 5.4 TG0, bits [7:6]
      HI_LO(structs::CD::IR0, 9, 8),                // 5.4 IR0, bits [9:8]
      HI_LO(structs::CD::OR0, 11, 10),              // 5.4 OR0, bits [11:10]
      HI_LO(structs::CD::SH0, 13, 12),              // 5.4 SH0, bits [13:12]
      BIT(structs::CD::EPD0, 14),                   // 5.4 EPD0, bit [14]
      BIT(structs::CD::ENDI, 15),                   // 5.4 ENDI, bit [15]
      HI_LO(structs::CD::T1SZ, 21, 16),             // 5.4 T1SZ, bits [21:16]
      BIT(structs::CD::EPD1, 30),                   // 5.4 EPD1, bit [30]
      BIT(structs::CD::V, 31),                      // 5.4 V, bit [31]
      HI_LO(structs::CD::IPS, 34, 32),              // 5.4 IPS, bits [34:32]
      BIT(structs::CD::AFFD, 35),                   // 5.4 AFFD, bit [35]
      BIT(structs::CD::TBI0, 38),                   // 5.4 TBI0, bit [38]
      BIT(structs::CD::AA64, 41),                   // 5.4 AA64, bit [41]
      BIT(structs::CD::HD, 42),                     // 5.4 HD, bit [42]
      BIT(structs::CD::HA, 43),                     // 5.4 HA, bit [43]
      BIT(structs::CD::S, 44),                      // 5.4 S, bit [44]
      BIT(structs::CD::R, 45),                      // 5.4 R, bit [45]
      BIT(structs::CD::A, 46),                      // 5.4 A, bit [46]
      BIT(structs::CD::ASET, 47),                   // 5.4 ASET, bit [47]
      HI_LO(structs::CD::ASID, 63, 48),             // 5.4 ASID, bits [63:48]
      HI_LO(structs::CD::TTB0, 119, 68),            // 5.4 TTB0, bits [119:68]
      HI_LO(structs::CD::TTB1, 183, 132),           // 5.4 TTB1, bits [183:132]
      HI_LO(structs::CD::MAIR0, 223, 192),          // 5.4 MAIR0, bits [223:192]
      HI_LO(structs::CD::MAIR1, 255, 224),          // 5.4 MAIR1, bits [255:224]
  };
  check(facts);
}

// Command opcodes carried in bits [7:0] of every command (IHI 0070 4.1.1 table).
TEST(ArmSmmuV3Spec, CommandOpcodes) {
  const Fact facts[] = {
      {"CMD_PREFETCH_CONFIG", low_byte_of_fixed<structs::CMD_PREFETCH_CONFIG>(), 0x01},  // 4.1.1
      {"CMD_CFGI_STE", low_byte_of_fixed<structs::CMD_CFGI_STE>(), 0x03},                // 4.1.1
      {"CMD_CFGI_STE_RANGE", low_byte_of_fixed<structs::CMD_CFGI_STE_RANGE>(), 0x04},    // 4.1.1
      {"CMD_CFGI_CD", low_byte_of_fixed<structs::CMD_CFGI_CD>(), 0x05},                  // 4.1.1
      {"CMD_CFGI_CD_ALL", low_byte_of_fixed<structs::CMD_CFGI_CD_ALL>(), 0x06},          // 4.1.1
      {"CMD_CFGI_ALL", low_byte_of_fixed<structs::CMD_CFGI_ALL>(), 0x04},                // 4.1.1: same opcode as STE_RANGE
      {"CMD_TLBI_NH_ALL", low_byte_of_fixed<structs::CMD_TLBI_NH_ALL>(), 0x10},          // 4.1.1
      {"CMD_TLBI_NH_ASID", low_byte_of_fixed<structs::CMD_TLBI_NH_ASID>(), 0x11},        // 4.1.1
      {"CMD_TLBI_NH_VA", low_byte_of_fixed<structs::CMD_TLBI_NH_VA>(), 0x12},            // 4.1.1
      {"CMD_TLBI_NH_VAA", low_byte_of_fixed<structs::CMD_TLBI_NH_VAA>(), 0x13},          // 4.1.1
      {"CMD_TLBI_EL2_ALL", low_byte_of_fixed<structs::CMD_TLBI_EL2_ALL>(), 0x20},        // 4.1.1
      {"CMD_TLBI_EL2_ASID", low_byte_of_fixed<structs::CMD_TLBI_EL2_ASID>(), 0x21},      // 4.1.1
      {"CMD_TLBI_EL2_VA", low_byte_of_fixed<structs::CMD_TLBI_EL2_VA>(), 0x22},          // 4.1.1
      {"CMD_TLBI_S12_VMALL", low_byte_of_fixed<structs::CMD_TLBI_S12_VMALL>(), 0x28},    // 4.1.1
      {"CMD_TLBI_S2_IPA", low_byte_of_fixed<structs::CMD_TLBI_S2_IPA>(), 0x2A},          // 4.1.1
      {"CMD_TLBI_NSNH_ALL", low_byte_of_fixed<structs::CMD_TLBI_NSNH_ALL>(), 0x30},      // 4.1.1
      {"CMD_ATC_INV", low_byte_of_fixed<structs::CMD_ATC_INV>(), 0x40},                  // 4.1.1
      {"CMD_PRI_RESP", low_byte_of_fixed<structs::CMD_PRI_RESP>(), 0x41},                // 4.1.1
      {"CMD_RESUME", low_byte_of_fixed<structs::CMD_RESUME>(), 0x44},                    // 4.1.1
      {"CMD_STALL_TERM", low_byte_of_fixed<structs::CMD_STALL_TERM>(), 0x45},            // 4.1.1
      {"CMD_SYNC", low_byte_of_fixed<structs::CMD_SYNC>(), 0x46},                        // 4.1.1
  };
  check(facts);
  // CMD_CFGI_ALL is CMD_CFGI_STE_RANGE with Range == 31 in bits [68:64] (4.3.2, 4.3.6).
  uint64_t words[2] = {0, 0};
  smmuman::hw::set_fixed<structs::CMD_CFGI_ALL, uint64_t>(words);
  EXPECT_EQ(words[1] & 0x1f, 31u);
}

// Command field positions (IHI 0070 4.1.6, 4.3.1, 4.4.1.1, 4.4.2.4, 4.4.3.1, 4.5.1, 4.7.3).
TEST(ArmSmmuV3Spec, CommandFields) {
  const Fact facts[] = {
      HI_LO(structs::CMD_CFGI_STE::OPCODE, 7, 0),           // 4.1.1: 8-bit opcode first
      HI_LO(structs::CMD_CFGI_STE::SID, 63, 32),            // 4.3.1 StreamID, bits [63:32]
      BIT(structs::CMD_CFGI_STE::SSEC, 10),                 // 4.3.1 SSec, bit [10]
      BIT(structs::CMD_CFGI_STE::LEAF, 64),                 // 4.3.1 Leaf, bit [64]
      HI_LO(structs::CMD_CFGI_STE_RANGE::RANGE, 68, 64),    // 4.3.2 Range, bits [68:64]
      HI_LO(structs::CMD_CFGI_CD::SSID, 31, 12),            // 4.3.3 SubstreamID, bits [31:12]
      HI_LO(structs::CMD_TLBI_NH_VA::ASID, 63, 48),         // 4.4.2.4 ASID, bits [63:48]
      HI_LO(structs::CMD_TLBI_NH_VA::VMID, 47, 32),         // 4.4.2.4 VMID, bits [47:32]
      HI_LO(structs::CMD_TLBI_NH_VA::SCALE, 25, 20),        // 4.4.1.1 SCALE, bits [25:20]
      HI_LO(structs::CMD_TLBI_NH_VA::NUM, 16, 12),          // 4.4.1.1 NUM, bits [16:12]
      HI_LO(structs::CMD_TLBI_NH_VA::ADDR, 127, 76),        // 4.4.2.4 Address[63:12], bits [127:76]
      HI_LO(structs::CMD_TLBI_NH_VA::TG, 75, 74),           // 4.4.1.1 TG, bits [75:74]
      HI_LO(structs::CMD_TLBI_NH_VA::TTL, 73, 72),          // 4.4.1.1 TTL, bits [73:72]
      BIT(structs::CMD_TLBI_NH_VA::TTL128, 71),             // 4.4.1.1 TTL128, bit [71]
      BIT(structs::CMD_TLBI_NH_VA::LEAF, 64),               // 4.4.2.4 Leaf, bit [64]
      HI_LO(structs::CMD_TLBI_S2_IPA::VMID, 47, 32),        // 4.4.3.1 VMID, bits [47:32]
      HI_LO(structs::CMD_TLBI_S2_IPA::ADDR, 119, 76),       // 4.4.3.1 / 4.1.6 IPA[55:12], bits [119:76]
      HI_LO(structs::CMD_TLBI_S12_VMALL::VMID, 47, 32),     // 4.4.3.2 VMID, bits [47:32]
      HI_LO(structs::CMD_ATC_INV::SIZE, 69, 64),            // 4.5.1 Size, bits [69:64]
      BIT(structs::CMD_ATC_INV::GLOBAL, 9),                 // 4.5.1 G, bit [9]
      BIT(structs::CMD_ATC_INV::SSV, 11),                   // 4.5.1 SSV, bit [11]
      HI_LO(structs::CMD_SYNC::CS, 13, 12),                 // 4.7.3 CS, bits [13:12]
      HI_LO(structs::CMD_SYNC::MSH, 23, 22),                // 4.7.3 MSH, bits [23:22]
      HI_LO(structs::CMD_SYNC::MSIATTR, 27, 24),            // 4.7.3 MSIAttr, bits [27:24]
      HI_LO(structs::CMD_SYNC::MSIDATA, 63, 32),            // 4.7.3 MSIData, bits [63:32]
      HI_LO(structs::CMD_SYNC::MSIADDR, 119, 66),           // 4.7.3 MSIAddress[55:2], bits [119:66]
  };
  check(facts);
}

// Event numbers in bits [7:0] of each record (IHI 0070 7.3.2 - 7.3.16 "Event number").
TEST(ArmSmmuV3Spec, EventNumbers) {
  const Fact facts[] = {
      {"F_UUT", low_byte_of_fixed<structs::F_UUT>(), 0x01},                          // 7.3.2
      {"C_BAD_STREAMID", low_byte_of_fixed<structs::C_BAD_STREAMID>(), 0x02},        // 7.3.3
      {"F_STE_FETCH", low_byte_of_fixed<structs::F_STE_FETCH>(), 0x03},              // 7.3.4
      {"C_BAD_STE", low_byte_of_fixed<structs::C_BAD_STE>(), 0x04},                  // 7.3.5
      {"F_STREAM_DISABLED", low_byte_of_fixed<structs::F_STREAM_DISABLED>(), 0x06},  // 7.3.7
      {"C_BAD_SUBSTREAMID", low_byte_of_fixed<structs::C_BAD_SUBSTREAMID>(), 0x08},  // 7.3.9
      {"F_CD_FETCH", low_byte_of_fixed<structs::F_CD_FETCH>(), 0x09},                // 7.3.10
      {"C_BAD_CD", low_byte_of_fixed<structs::C_BAD_CD>(), 0x0A},                    // 7.3.11
      {"F_WALK_EABT", low_byte_of_fixed<structs::F_WALK_EABT>(), 0x0B},              // 7.3.12
      {"F_TRANSLATION", low_byte_of_fixed<structs::F_TRANSLATION>(), 0x10},          // 7.3.13
      {"F_ADDR_SIZE", low_byte_of_fixed<structs::F_ADDR_SIZE>(), 0x11},              // 7.3.14
      {"F_ACCESS", low_byte_of_fixed<structs::F_ACCESS>(), 0x12},                    // 7.3.15
      {"F_PERMISSION", low_byte_of_fixed<structs::F_PERMISSION>(), 0x13},            // 7.3.16
  };
  check(facts);
}

// Event record field positions (IHI 0070 7.3, 7.3.3, 7.3.4, 7.3.15, 7.3.16).
TEST(ArmSmmuV3Spec, EventFields) {
  const Fact facts[] = {
      HI_LO(structs::C_BAD_STREAMID::STREAMID, 63, 32),     // 7.3.3 StreamID, bits [63:32]
      HI_LO(structs::C_BAD_STREAMID::SUBSTREAMID, 31, 12),  // 7.3.3 SubstreamID, bits [31:12]
      BIT(structs::C_BAD_STREAMID::SSV, 11),                // 7.3.3 SSV, bit [11]
      HI_LO(structs::F_STE_FETCH::FETCHADDR, 247, 195),     // 7.3.4 FetchAddr[55:3], bits [247:195]
      HI_LO(structs::F_STE_FETCH::REASON, 79, 64),          // 7.3.4 Reason, bits [79:64]
      HI_LO(structs::F_ACCESS::IPA, 247, 204),              // 7.3.15 IPA[55:12], bits [247:204]
      HI_LO(structs::F_TRANSLATION::INPUTADDR, 191, 128),   // 7.3.13 InputAddr[63:0], bits [191:128]
      HI_LO(structs::F_TRANSLATION::STAG, 79, 64),          // 7.3.13 STAG, bits [79:64]
      BIT(structs::F_TRANSLATION::STALL, 95),               // 7.3.13 Stall, bit [95]
      BIT(structs::F_TRANSLATION::PNU, 97),                 // 7.3.13 PnU, bit [97]
      BIT(structs::F_TRANSLATION::IND, 98),                 // 7.3.13 InD, bit [98]
      BIT(structs::F_TRANSLATION::RNW, 99),                 // 7.3.13 RnW, bit [99]
      BIT(structs::F_TRANSLATION::S2, 103),                 // 7.3.13 S2, bit [103]
      HI_LO(structs::F_TRANSLATION::CLASS, 105, 104),       // 7.3.13 CLASS, bits [105:104]
      BIT(structs::F_PERMISSION::TTRNW, 108),               // 7.3.16 TTRnW, bit [108]
      {"F_TRANSLATION.CLASS.TTD", static_cast<uint64_t>(structs::F_TRANSLATION::CLASS::Value::TTD), 0b01},  // 7.3 CLASS
      {"F_TRANSLATION.CLASS.IN", static_cast<uint64_t>(structs::F_TRANSLATION::CLASS::Value::IN), 0b10},    // 7.3 CLASS
  };
  check(facts);
}

// VMSAv8-64 4 KB-granule stage 2 format as the SMMU walks it (DDI 0487 D8.2, D8.3, D8.4.2).
TEST(ArmSmmuV3Spec, Stage2PageTable4k) {
  const auto& p = page_tables::aarch64_s2_4k;
  const Fact facts[] = {
      {"granule_lg2", p.granule_lg2, 12},                  // D8.2: 4 KB granule
      {"entry_bytes", p.entry_bytes, 8},                   // D8.3: 64-bit descriptors
      {"input_bits_max", p.input_bits_max, 48},            // D8.2: 48-bit IPA without FEAT_LPA2
      {"output_bits_max", p.output_bits_max, 48},          // D8.3: OA[47:12] without FEAT_LPA2
      {"level_count", p.level_count, 4},                   // D8.2: levels 0-3
      {"L0.level", p.levels[0].level, 0},                  // D8.2
      {"L0.index_hi", p.levels[0].index_hi, 47},           // D8.2: level 0 resolves IA[47:39]
      {"L0.index_lo", p.levels[0].index_lo, 39},
      {"L0.leaf", p.levels[0].leaf, 0},                    // D8.3: no level 0 block with 4 KB, 48-bit OA
      {"L1.index_hi", p.levels[1].index_hi, 38},           // D8.2: level 1 resolves IA[38:30]
      {"L1.index_lo", p.levels[1].index_lo, 30},
      {"L1.leaf", p.levels[1].leaf, 1},                    // D8.3: 1 GB block at level 1
      {"L2.index_hi", p.levels[2].index_hi, 29},           // D8.2: level 2 resolves IA[29:21]
      {"L2.index_lo", p.levels[2].index_lo, 21},
      {"L2.leaf", p.levels[2].leaf, 1},                    // D8.3: 2 MB block at level 2
      {"L3.index_hi", p.levels[3].index_hi, 20},           // D8.2: level 3 resolves IA[20:12]
      {"L3.index_lo", p.levels[3].index_lo, 12},
      {"L3.leaf", p.levels[3].leaf, 1},                    // D8.3: 4 KB page at level 3
      BIT(structs::S2_DESCRIPTOR_4K::VALID, 0),            // D8.3: bit[0] valid
      BIT(structs::S2_DESCRIPTOR_4K::TYPE, 1),             // D8.3: bit[1] table/page vs block
      HI_LO(structs::S2_DESCRIPTOR_4K::MEMATTR, 5, 2),     // D8.3: MemAttr, bits [5:2]
      BIT(structs::S2_DESCRIPTOR_4K::S2AP_R, 6),           // D8.4.2: S2AP[0] read, bit [6]
      BIT(structs::S2_DESCRIPTOR_4K::S2AP_W, 7),           // D8.4.2: S2AP[1] write, bit [7]
      HI_LO(structs::S2_DESCRIPTOR_4K::SH, 9, 8),          // D8.3: SH, bits [9:8]
      BIT(structs::S2_DESCRIPTOR_4K::AF, 10),              // D8.3: AF, bit [10]
      HI_LO(structs::S2_DESCRIPTOR_4K::OA, 47, 12),        // D8.3: OA, bits [47:12]
      BIT(structs::S2_DESCRIPTOR_4K::CONTIG, 52),          // D8.3: Contiguous, bit [52]
      HI_LO(structs::S2_DESCRIPTOR_4K::XN, 54, 53),        // D8.3 / D8.4.2: XN[1:0], bits [54:53]
  };
  check(facts);
}

// VMSAv8-64 4 KB-granule stage 1 format used by CDs (DDI 0487 D8.2, D8.3, D8.4.1).
TEST(ArmSmmuV3Spec, Stage1PageTable4k) {
  const auto& p = page_tables::aarch64_s1_4k;
  const Fact facts[] = {
      {"granule_lg2", p.granule_lg2, 12},                  // D8.2: 4 KB granule
      {"level_count", p.level_count, 4},                   // D8.2: levels 0-3 for a 48-bit VA
      {"L0.index_hi", p.levels[0].index_hi, 47},           // D8.2: level 0 resolves VA[47:39]
      {"L3.index_lo", p.levels[3].index_lo, 12},           // D8.2: level 3 resolves VA[20:12]
      HI_LO(structs::S1_DESCRIPTOR_4K::ATTRINDX, 4, 2),    // D8.3: AttrIndx, bits [4:2]
      BIT(structs::S1_DESCRIPTOR_4K::NS, 5),               // D8.3: NS, bit [5]
      BIT(structs::S1_DESCRIPTOR_4K::AP1, 6),              // D8.4.1.2.1: AP[1], bit [6]
      BIT(structs::S1_DESCRIPTOR_4K::AP2, 7),              // D8.4.1.2.1: AP[2], bit [7]
      BIT(structs::S1_DESCRIPTOR_4K::AF, 10),              // D8.3: AF, bit [10]
      BIT(structs::S1_DESCRIPTOR_4K::NG, 11),              // D8.3: nG, bit [11]
      HI_LO(structs::S1_DESCRIPTOR_4K::OA, 47, 12),        // D8.3: OA, bits [47:12]
      BIT(structs::S1_DESCRIPTOR_4K::PXN, 53),             // D8.3: PXN, bit [53]
      BIT(structs::S1_DESCRIPTOR_4K::UXN, 54),             // D8.3: UXN, bit [54]
      BIT(structs::S1_DESCRIPTOR_4K::PXNTABLE, 59),        // D8.3: PXNTable, bit [59]
      HI_LO(structs::S1_DESCRIPTOR_4K::APTABLE, 62, 61),   // D8.3: APTable, bits [62:61]
      BIT(structs::S1_DESCRIPTOR_4K::NSTABLE, 63),         // D8.3: NSTable, bit [63]
  };
  check(facts);
}

}  // namespace
