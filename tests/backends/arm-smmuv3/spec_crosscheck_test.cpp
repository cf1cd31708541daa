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
#include "smmuman/proofs/manual/arm_smmuv3.hpp"

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

// Field positions are rows of proofs/manual/arm_smmuv3.hpp, which the proofs
// also use: here each is compared with the generated header.
using smmuman::test::check_positions;
namespace manual = smmuman::proofs::manual;

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
  check_positions(manual::arm_smmuv3::id_register_fields);
}

// Control, interrupt and error register fields (IHI 0070 6.3.9 - 6.3.23).
TEST(ArmSmmuV3Spec, ControlRegisterFields) {
  check_positions(manual::arm_smmuv3::control_register_fields);
}

// Stream table and queue register fields (IHI 0070 6.3.24 - 6.3.33, 6.3.95 - 6.3.98).
TEST(ArmSmmuV3Spec, TableAndQueueRegisterFields) {
  check_positions(manual::arm_smmuv3::table_and_queue_register_fields);
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
  check_positions(manual::arm_smmuv3::stream_table_entry_fields);
}

// Context Descriptor and L1CD field positions (IHI 0070 5.3, 5.4).
TEST(ArmSmmuV3Spec, ContextDescriptorFields) {
  check_positions(manual::arm_smmuv3::context_descriptor_fields);
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
  check_positions(manual::arm_smmuv3::command_fields);
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
      {"F_TRANSLATION.CLASS.TTD", static_cast<uint64_t>(structs::F_TRANSLATION::CLASS::Value::TTD), 0b01},  // 7.3 CLASS
      {"F_TRANSLATION.CLASS.IN", static_cast<uint64_t>(structs::F_TRANSLATION::CLASS::Value::IN), 0b10},    // 7.3 CLASS
  };
  check(facts);
  check_positions(manual::arm_smmuv3::event_fields);
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
  };
  check(facts);
  check_positions(manual::arm_smmuv3::stage2_page_table_4k);
}

// VMSAv8-64 4 KB-granule stage 1 format used by CDs (DDI 0487 D8.2, D8.3, D8.4.1).
TEST(ArmSmmuV3Spec, Stage1PageTable4k) {
  const auto& p = page_tables::aarch64_s1_4k;
  const Fact facts[] = {
      {"granule_lg2", p.granule_lg2, 12},                  // D8.2: 4 KB granule
      {"level_count", p.level_count, 4},                   // D8.2: levels 0-3 for a 48-bit VA
      {"L0.index_hi", p.levels[0].index_hi, 47},           // D8.2: level 0 resolves VA[47:39]
      {"L3.index_lo", p.levels[3].index_lo, 12},           // D8.2: level 3 resolves VA[20:12]
  };
  check(facts);
  check_positions(manual::arm_smmuv3::stage1_page_table_4k);
}

}  // namespace
