// Page-table markers as data: entries built by hand from the manuals, read
// through each generated format's markers. The multi-field markers are the
// ones a single field and value could not express.
#include <gtest/gtest.h>

#include "smmuman/hw/all_architectures.hpp"

namespace smmuman::hw {
namespace {

// RISC-V privileged spec 12.3.1: V bit 0, R 1, W 2, X 3. A table pointer has
// R = W = X = 0; any of them set makes a leaf, an execute-only one included.
TEST(PageTableMarkers, RiscvTableIsRWXAllZero) {
  const auto& sv39 = riscv_iommu::page_tables::sv39;
  const uint64_t table[] = {0x1};
  const uint64_t read_leaf[] = {0x1 | 0x2};
  const uint64_t exec_only_leaf[] = {0x1 | 0x8};
  EXPECT_TRUE(sv39.valid.matches(table));
  EXPECT_TRUE(sv39.table.matches(table));
  EXPECT_FALSE(sv39.table.matches(read_leaf));
  EXPECT_FALSE(sv39.table.matches(exec_only_leaf));  // R = 0 alone would call it a table
  const uint64_t invalid[] = {0x2};
  EXPECT_FALSE(sv39.valid.matches(invalid));
}

// VT-d 9.8: second-stage entries have no valid bit; R (bit 0) or W (bit 1)
// makes one present (3.7). PS (bit 7) = 0 above the last level: a table.
TEST(PageTableMarkers, VtdPresentWhenReadOrWrite) {
  const auto& ss = intel_vtd::page_tables::vtd_ss_4level;
  const uint64_t write_only[] = {0x2};
  const uint64_t read_only[] = {0x1};
  const uint64_t exec_bit_only[] = {0x4};
  const uint64_t none[] = {0x0};
  EXPECT_TRUE(ss.valid.matches(write_only));
  EXPECT_TRUE(ss.valid.matches(read_only));
  EXPECT_FALSE(ss.valid.matches(exec_bit_only));
  EXPECT_FALSE(ss.valid.matches(none));
  const uint64_t superpage[] = {0x3 | 0x80};
  EXPECT_TRUE(ss.table.matches(read_only));
  EXPECT_FALSE(ss.table.matches(superpage));
}

// AMD #48882 2.2.3: IO_PTE NEXT_LEVEL (bits 11:9) is 0 in a PTE, 7 in a
// large-page PTE, and the next table's level (1..6) in a PDE.
TEST(PageTableMarkers, AmdViTableByNextLevel) {
  const auto& v1 = amd_vi::page_tables::amd_v1_4level;
  const uint64_t pde[] = {(uint64_t{3} << 9) | 0x1};
  const uint64_t pte[] = {0x1};
  const uint64_t large_pte[] = {(uint64_t{7} << 9) | 0x1};
  EXPECT_TRUE(v1.table.matches(pde));
  EXPECT_FALSE(v1.table.matches(pte));
  EXPECT_FALSE(v1.table.matches(large_pte));
  EXPECT_TRUE(v1.last_level_leaf.matches(pte));
  EXPECT_FALSE(v1.last_level_leaf.matches(pde));
}

// Arm DDI 0487 D8.3: VALID bit 0; TYPE bit 1 marks a table above the last level.
TEST(PageTableMarkers, ArmSingleFieldMarkers) {
  const auto& s1 = arm_smmuv3::page_tables::aarch64_s1_4k;
  const uint64_t table[] = {0x3};
  const uint64_t block[] = {0x1};
  EXPECT_EQ(s1.table.match, MarkerMatch::equal);
  EXPECT_TRUE(s1.table.matches(table));
  EXPECT_FALSE(s1.table.matches(block));
  EXPECT_TRUE(s1.valid.matches(block));
}

}  // namespace
}  // namespace smmuman::hw
