// The unit registry: every description in spec/hw with a `unit` section is
// listed, gives capabilities the core accepts, and each architecture's limits
// agree with a table typed here from the manuals (not from the YAML).
#include <gtest/gtest.h>

#include <filesystem>

#include "smmuman/hw/unit_registry.hpp"

namespace smmuman::hw {
namespace {

using core::Perm;
using core::Perms;

// Every description file names an architecture the registry knows.
TEST(UnitRegistry, ListsEveryDescription) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(SMMUMAN_SOURCE_DIR) / "spec/hw")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().stem().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(described_architectures(), files);
  EXPECT_FALSE(described_capabilities("arm-smmuv4"));
  EXPECT_FALSE(described_capabilities(""));
}

TEST(UnitRegistry, EveryDescriptionIsUsableByTheCore) {
  for (const auto& name : described_architectures()) {
    const auto caps = described_capabilities(name);
    ASSERT_TRUE(caps) << name;
    EXPECT_EQ(caps->architecture, name);
    const auto problem = core::capabilities_problem(*caps);
    EXPECT_FALSE(problem) << name << ": " << problem.value_or("");
  }
}

constexpr uint64_t k4K = 0x1000, k2M = 0x200000, k1G = 0x40000000;

// Held permissions: requested R, W, X, RW, RX, WX, RWX in that order.
struct Limits {
  const char* architecture;
  unsigned input_bits;
  unsigned output_bits;
  uint64_t page_sizes;
  const char* held[7];
  unsigned stream_id_bits;
  uint64_t contexts;
  uint64_t frame;
  const char* why;
};

const Limits kLimits[] = {
    // Stage 1 (DDI 0487 D8.4.1.2): no write-only encoding; privileged read always.
    // Stage 2: S2AP read and write and XN are independent (DDI 0487 D8.4.2).
    {"arm-smmuv3", 48, 48, k4K | k2M | k1G, {"r--", "-w-", "--x", "rw-", "r-x", "-wx", "rwx"}, 32, 65536, 0x20000,
     "IHI 0070 6.3.1 (VMID16), 6.3.2 (SIDSIZE <= 32), 6.1 (two 64 KB pages)"},
    {"arm-smmuv2", 48, 48, k4K | k2M | k1G, {"r--", "-w-", "--x", "rw-", "r-x", "-wx", "rwx"}, 16, 128, 0x10000,
     "DDI 0517 1.3 (up to 128 context banks); IHI 0062 SMMU_IDR0 (EXIDS: 16-bit IDs)"},
    // VT-d second stage: X ignored since rev 4.1, R = W = 0 not present.
    {"intel-vtd", 48, 52, k4K | k2M | k1G, {"r-x", "-w-", "r-x", "rwx", "r-x", "rwx", "rwx"}, 16, 65536, 0x1000,
     "VTD 9.8 (4-level SL tables), 11.4.2 (ND up to 16-bit domain IDs)"},
    // AMD-Vi v1: IR/IW, no execute bit.
    {"amd-vi", 48, 52, k4K | k2M | k1G, {"r-x", "-w-", "r-x", "rwx", "r-x", "rwx", "rwx"}, 16, 65536, 0x4000,
     "AMD 48882 2.2.2.1 (16-bit DomainID), 2.2.3 (Mode 4), 3 (16 KiB MMIO)"},
    // RISC-V Sv48: W without R reserved.
    {"riscv-iommu", 48, 56, k4K | k2M | k1G | (uint64_t{1} << 39), {"r--", "rw-", "--x", "rw-", "r-x", "rwx", "rwx"},
     24, 1u << 20, 0x1000, "RISC-V IOMMU 3.1.1 (24-bit device_id), 3.1.3.3 (20-bit PSCID), 6 (4 KiB)"},
    // R-Car Gen3: LPAE stage 1, 32-bit input, 40-bit output, 8 contexts less the reserved one.
    {"renesas-ipmmu", 32, 40, k4K | k2M | k1G, {"r--", "rw-", "r-x", "rw-", "r-x", "rwx", "rwx"}, 6, 7, 0x1000,
     "Linux 6.1 ipmmu-vmsa.c (ias 32, oas 40, number_of_contexts 8, reserved_context)"},
    {"vdev-smmu", 48, 52, k4K, {"r--", "-w-", "--x", "rw-", "r-x", "-wx", "rwx"}, 32, 65536, 0,
     "smmuman's choices (docs/core-semantics.md)"},
};

TEST(UnitRegistry, LimitsMatchTheManuals) {
  for (const Limits& want : kLimits) {
    SCOPED_TRACE(std::string(want.architecture) + ": " + want.why);
    const auto caps = described_capabilities(want.architecture);
    ASSERT_TRUE(caps);
    EXPECT_EQ(caps->input_address_bits, want.input_bits);
    EXPECT_EQ(caps->output_address_bits, want.output_bits);
    EXPECT_EQ(caps->page_sizes, want.page_sizes) << core::page_sizes_to_string(caps->page_sizes);
    const Perms asked[] = {Perm::read,          Perm::write,          Perm::exec,          Perms::rw(),
                           Perms(Perm::read) | Perm::exec, Perms(Perm::write) | Perm::exec, Perms::rwx()};
    for (size_t i = 0; i < 7; ++i) {
      EXPECT_EQ(core::to_string(caps->permissions.held(asked[i])), want.held[i]) << "asked " << core::to_string(asked[i]);
    }
    EXPECT_EQ(caps->stream_id_bits, want.stream_id_bits);
    EXPECT_EQ(caps->stream_id_count, std::string(want.architecture) == "renesas-ipmmu" ? 48u : 0u)
        << "R-Car Gen3 has 48 micro-TLBs; the others use every ID of their width";
    EXPECT_EQ(caps->contexts, want.contexts);
    EXPECT_EQ(caps->register_frame_bytes, want.frame);
  }
}

}  // namespace
}  // namespace smmuman::hw
