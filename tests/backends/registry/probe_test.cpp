// Narrowing a unit's capabilities by its ID registers: register offsets and
// bit positions typed here from the manuals, values chosen to narrow each
// limit, and reserved encodings refused rather than guessed.
#include <gtest/gtest.h>

#include <map>

#include "smmuman/hw/unit_registry.hpp"

namespace smmuman::hw {
namespace {

// A register file: unset registers read 0; every read is counted with the
// width it used, so a 64-bit register read as 32 bits shows.
class FakeRegisters : public UnitRegisterReader {
 public:
  std::map<uint64_t, uint64_t> values;
  std::map<uint64_t, unsigned> width_read;  // offset -> bits of the last read
  unsigned reads = 0;
  uint32_t read32(uint64_t offset) override {
    ++reads;
    width_read[offset] = 32;
    return static_cast<uint32_t>(value(offset));
  }
  uint64_t read64(uint64_t offset) override {
    ++reads;
    width_read[offset] = 64;
    return value(offset);
  }

 private:
  uint64_t value(uint64_t offset) const {
    const auto it = values.find(offset);
    return it == values.end() ? 0 : it->second;
  }
};

// Arm IHI 0070 G.b 6.3: SMMU_IDR0 at 0x0 (S2P bit 0, VMID16 bit 18), SMMU_IDR1
// at 0x4 (SIDSIZE 5:0), SMMU_IDR5 at 0x14 (OAS 2:0, GRAN4K bit 4).
FakeRegisters smmuv3(uint32_t s2p, uint32_t vmid16, uint32_t sidsize, uint32_t oas, uint32_t gran4k) {
  FakeRegisters r;
  r.values[0x0] = (vmid16 << 18) | s2p;
  r.values[0x4] = sidsize;
  r.values[0x14] = (gran4k << 4) | oas;
  return r;
}

TEST(ProbedCapabilities, SmmuV3IdRegistersNarrowTheDescription) {
  FakeRegisters regs = smmuv3(/*s2p=*/1, /*vmid16=*/0, /*sidsize=*/16, /*oas=*/2, /*gran4k=*/1);
  const auto caps = probed_capabilities("arm-smmuv3", regs);
  ASSERT_TRUE(caps);
  EXPECT_GT(regs.reads, 0u);
  EXPECT_EQ(caps->contexts, 256u);            // 8-bit VMIDs
  EXPECT_EQ(caps->stream_id_bits, 16u);
  EXPECT_EQ(caps->output_address_bits, 40u);  // OAS 0b010
  EXPECT_EQ(caps->input_address_bits, 40u);   // stage-2 input: IAS = OAS (IHI 0070 3.4)
  EXPECT_EQ(caps->page_sizes, 0x1000u | 0x200000u | 0x40000000u);
  EXPECT_EQ(caps->permissions, described_capabilities("arm-smmuv3")->permissions);
  EXPECT_FALSE(core::capabilities_problem(*caps));
  EXPECT_EQ(regs.width_read, (std::map<uint64_t, unsigned>{{0x0, 32}, {0x4, 32}, {0x14, 32}}));
}

// Arm IHI 0062D.c 9: SMMU_IDR0 at 0x20 (S2TS bit 29, NUMSIDB 12:9), SMMU_IDR1
// at 0x24 (NUMCB 7:0), SMMU_IDR2 at 0x28 (IAS 3:0, OAS 7:4, PTFSV8_4KB bit 12),
// in global space 0.
TEST(ProbedCapabilities, SmmuV2IdRegisters) {
  FakeRegisters regs;
  regs.values[0x20] = (uint64_t{1} << 29) | (uint64_t{15} << 9);
  regs.values[0x24] = 24;
  regs.values[0x28] = (uint64_t{1} << 12) | (uint64_t{5} << 4) | 2;  // 40-bit IPA, 48-bit PA
  const auto caps = probed_capabilities("arm-smmuv2", regs);
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->stream_id_bits, 15u);
  EXPECT_EQ(caps->contexts, 24u);
  EXPECT_EQ(caps->output_address_bits, 48u);
  EXPECT_EQ(caps->input_address_bits, 40u);
  EXPECT_EQ(caps->page_sizes, 0x1000u | 0x200000u | 0x40000000u);
  regs.values[0x20] = uint64_t{15} << 9;  // no stage 2
  EXPECT_EQ(probed_capabilities("arm-smmuv2", regs)->input_address_bits, 0u);
}

// AMD #48882 3: the Extended Feature Register at MMIO 0x30 (64 bits), HATS
// 11:10 (0 four levels, 1 five, 2 six, 3 reserved).
TEST(ProbedCapabilities, AmdViExtendedFeatures) {
  FakeRegisters regs;
  regs.values[0x30] = uint64_t{2} << 10;
  const auto six = probed_capabilities("amd-vi", regs);
  ASSERT_TRUE(six);
  EXPECT_EQ(six->input_address_bits, 48u);  // the 4-level domain format's 48
  EXPECT_EQ(regs.width_read.at(0x30), 64u);
  regs.values[0x30] = uint64_t{3} << 10;
  EXPECT_EQ(probed_capabilities("amd-vi", regs)->input_address_bits, 0u);
}

// A unit never gets more than its description allows, whatever it reports.
TEST(ProbedCapabilities, ReportsOnlyNarrow) {
  FakeRegisters regs = smmuv3(1, 1, /*sidsize=*/63, /*oas=*/7, 1);  // 56-bit output, a 63-bit SID field value
  const auto caps = probed_capabilities("arm-smmuv3", regs);
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->output_address_bits, 48u);  // the stage-2 format's 48
  EXPECT_EQ(caps->input_address_bits, 48u);
  EXPECT_EQ(caps->stream_id_bits, 32u);
  EXPECT_EQ(caps->contexts, 65536u);
}

// No stage 2, or no 4 KiB granule: the unit cannot hold a domain, and says so.
TEST(ProbedCapabilities, UnusableUnitsAreRefused) {
  FakeRegisters no_stage2 = smmuv3(/*s2p=*/0, 1, 16, 5, 1);
  const auto a = probed_capabilities("arm-smmuv3", no_stage2);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->input_address_bits, 0u);
  EXPECT_NE(core::capabilities_problem(*a).value_or("").find("input_address_bits"), std::string::npos);
  FakeRegisters no_4k = smmuv3(1, 1, 16, 5, /*gran4k=*/0);
  const auto b = probed_capabilities("arm-smmuv3", no_4k);
  ASSERT_TRUE(b);
  EXPECT_NE(core::capabilities_problem(*b).value_or("").find("do not include 4K"), std::string::npos);
}

// Intel VT-d rev 5.10 11.4.2: CAP_REG at 0x8 (64 bits), ND 2:0 (2^(4+2*ND)
// domain-ids, 7 reserved), SAGAW 12:8 (bit 2 of it: 4-level tables), MGAW
// 21:16 (width - 1).
TEST(ProbedCapabilities, VtdCapabilityRegister) {
  constexpr uint64_t kFourLevels = uint64_t{1} << (8 + 2);
  FakeRegisters regs;
  regs.values[0x8] = (uint64_t{38} << 16) | kFourLevels | 2;
  const auto caps = probed_capabilities("intel-vtd", regs);
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->contexts, 256u);
  EXPECT_EQ(caps->input_address_bits, 39u);
  EXPECT_EQ(regs.width_read.at(0x8), 64u);
  regs.values[0x8] = (uint64_t{47} << 16) | (uint64_t{1} << 9) | 2;  // 3-level tables only
  EXPECT_EQ(probed_capabilities("intel-vtd", regs)->input_address_bits, 0u);
  regs.values[0x8] = (uint64_t{47} << 16) | kFourLevels | 7;  // a reserved ND
  const auto reserved = probed_capabilities("intel-vtd", regs);
  ASSERT_TRUE(reserved);
  EXPECT_EQ(reserved->contexts, 0u);
  EXPECT_EQ(reserved->input_address_bits, 48u);
  EXPECT_TRUE(core::capabilities_problem(*reserved));
}

// RISC-V IOMMU 6.3: capabilities at 0x0, Sv48 bit 10, PAS 37:32.
TEST(ProbedCapabilities, RiscvCapabilities) {
  FakeRegisters regs;
  regs.values[0x0] = (uint64_t{44} << 32) | (uint64_t{1} << 10);
  const auto caps = probed_capabilities("riscv-iommu", regs);
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->output_address_bits, 44u);
  EXPECT_EQ(caps->input_address_bits, 48u);
  regs.values[0x0] = uint64_t{44} << 32;  // Sv39 only
  EXPECT_EQ(probed_capabilities("riscv-iommu", regs)->input_address_bits, 0u);
}

// A description that names no ID registers reads none; an unknown name is nothing.
TEST(ProbedCapabilities, WithoutReportedLimits) {
  FakeRegisters regs;
  EXPECT_EQ(probed_capabilities("vdev-smmu", regs), described_capabilities("vdev-smmu"));
  EXPECT_EQ(regs.reads, 0u);
  EXPECT_FALSE(probed_capabilities("arm-smmuv4", regs));
}

}  // namespace
}  // namespace smmuman::hw
