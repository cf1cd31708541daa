// The generic walk over hand-built tables: each entry is encoded here from
// the manual's bit positions (not through the generated structures), and the
// walk must read back every page, block and hole as the hardware would.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/hw/page_table_walk.hpp"

namespace smmuman::hw {
namespace {

// Physical memory holding tables: 4 KiB pages of 8-byte entries, zero unless written.
class FakeTables {
 public:
  void set(uint64_t table, uint64_t index, uint64_t entry) { pages_[table][index] = entry; }
  void read_entry(uint64_t table, uint64_t index, uint64_t* words, unsigned count) const {
    ASSERT_EQ(count, 1u);
    const auto page = pages_.find(table);
    if (page == pages_.end()) {
      words[0] = 0;
      return;
    }
    const auto entry = page->second.find(index);
    words[0] = entry == page->second.end() ? 0 : entry->second;
  }

 private:
  std::map<uint64_t, std::map<uint64_t, uint64_t>> pages_;
};
static_assert(TableMemory<FakeTables>);

constexpr uint64_t kKiB = 1024, kMiB = kKiB * kKiB, kGiB = kMiB * kKiB;

// Arm DDI 0487 D8.3: VALID bit 0, TYPE bit 1 (table above level 3, page at
// level 3), OA 47:12, AF bit 10, AP[1] bit 6 (unprivileged access), AP[2]
// bit 7 (read-only), UXN bit 54. Level 0 indexes 47:39, 1 38:30, 2 29:21, 3 20:12.
TEST(PageTableWalk, ArmStage1PagesBlocksAndHoles) {
  const auto& fmt = arm_smmuv3::page_tables::aarch64_s1_4k;
  constexpr uint64_t kTable = 0x3, kBlock = 0x1, kPage = 0x3, kAf = 1u << 10, kAp1 = 1u << 6, kAp2 = 1u << 7;
  constexpr uint64_t kUxn = uint64_t{1} << 54;
  FakeTables mem;
  const uint64_t root = 0x10000, l1 = 0x11000, l2 = 0x12000, l3 = 0x13000;
  mem.set(root, 0, l1 | kTable);
  mem.set(l1, 1, l2 | kTable);                                 // input 1 GiB..2 GiB
  mem.set(l1, 2, 0x80000000 | kBlock | kAf | kAp1 | kUxn);      // a 1 GiB block, read-write
  mem.set(l2, 0, l3 | kTable);
  mem.set(l2, 1, 0x40200000 | kBlock | kAf | kAp1 | kAp2);      // a 2 MiB block, read-only, executable
  mem.set(l3, 5, 0x7777000 | kPage | kAf | kAp1 | kUxn);       // one 4 KiB page
  mem.set(l3, 6, 0x7778000 | kBlock | kAf | kAp1);             // TYPE 0 at level 3: reserved, not mapped

  WalkResult r = walk(fmt, mem, root, 1 * kGiB + 5 * 4 * kKiB + 0x123);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0x7777123u);
  EXPECT_EQ(r.page_size, 4 * kKiB);
  EXPECT_EQ(r.level_index, 3u);
  EXPECT_EQ(r.perms, kLeafRead | kLeafWrite);

  r = walk(fmt, mem, root, 1 * kGiB + 2 * kMiB + 0x1fffff);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0x403fffffu);
  EXPECT_EQ(r.page_size, 2 * kMiB);
  EXPECT_EQ(r.perms, kLeafRead | kLeafExec);

  r = walk(fmt, mem, root, 2 * kGiB + 0x12345678);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0x80000000u + 0x12345678u);
  EXPECT_EQ(r.page_size, kGiB);
  EXPECT_EQ(r.level_index, 1u);

  EXPECT_FALSE(walk(fmt, mem, root, 1 * kGiB + 6 * 4 * kKiB).mapped);  // reserved encoding
  EXPECT_FALSE(walk(fmt, mem, root, 1 * kGiB + 4 * 4 * kKiB).mapped);  // never written
  EXPECT_FALSE(walk(fmt, mem, root, 3 * kGiB).mapped);
  EXPECT_FALSE(walk(fmt, mem, root, uint64_t{1} << 48).mapped);      // beyond 48-bit input
}

// RISC-V privileged spec 12.3-12.4 (Sv39): V bit 0, R 1, W 2, X 3, PPN
// 53:10 (address >> 12); VPN[2] 38:30, VPN[1] 29:21, VPN[0] 20:12. A pointer
// has R = W = X = 0; a leaf may sit at any level, execute-only included.
TEST(PageTableWalk, RiscvSv39WithAnExecuteOnlyMegapage) {
  const auto& fmt = riscv_iommu::page_tables::sv39;
  constexpr uint64_t kV = 1, kR = 2, kW = 4, kX = 8;
  auto pte = [](uint64_t address, uint64_t flags) { return ((address >> 12) << 10) | flags; };
  FakeTables mem;
  const uint64_t root = 0x20000, l1 = 0x21000, l0 = 0x22000;
  mem.set(root, 1, pte(l1, kV));
  mem.set(l1, 0, pte(l0, kV));
  mem.set(l1, 3, pte(0x90000000, kV | kX));  // 2 MiB, execute only
  mem.set(l0, 1, pte(0x5555000, kV | kR | kW));

  WalkResult r = walk(fmt, mem, root, 1 * kGiB + 0x1abc);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0x5555abcu);
  EXPECT_EQ(r.perms, kLeafRead | kLeafWrite);

  r = walk(fmt, mem, root, 1 * kGiB + 3 * 2 * kMiB + 0x10);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0x90000010u);
  EXPECT_EQ(r.page_size, 2 * kMiB);
  EXPECT_EQ(r.perms, kLeafExec);

  EXPECT_FALSE(walk(fmt, mem, root, 1 * kGiB + 2 * 4 * kKiB).mapped);
  EXPECT_FALSE(walk(fmt, mem, root, uint64_t{1} << 39).mapped);
}

// VT-d 9.8 second-stage, 4 levels: R bit 0, W bit 1, PS bit 7 (a superpage
// above the last level), ADDR 51:12. No valid bit: R or W makes an entry
// present, and execute follows read.
TEST(PageTableWalk, VtdSecondStageWriteOnlyAndSuperpage) {
  const auto& fmt = intel_vtd::page_tables::vtd_ss_4level;
  constexpr uint64_t kR = 1, kW = 2, kPs = 1u << 7;
  FakeTables mem;
  const uint64_t root = 0x30000, l3 = 0x31000, l2 = 0x32000, l1 = 0x33000;
  mem.set(root, 0, l3 | kR | kW);
  mem.set(l3, 0, l2 | kR | kW);
  mem.set(l2, 0, l1 | kR | kW);
  mem.set(l2, 1, 0xa00000 | kR | kPs);  // 2 MiB, read (and so execute)
  mem.set(l1, 2, 0x123000 | kW);        // write-only
  mem.set(l1, 3, 0x124000);             // R = W = 0: not present

  WalkResult r = walk(fmt, mem, root, 0x2008);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0x123008u);
  EXPECT_EQ(r.perms, kLeafWrite);

  r = walk(fmt, mem, root, 2 * kMiB + 0x42);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0xa00042u);
  EXPECT_EQ(r.page_size, 2 * kMiB);
  EXPECT_EQ(r.perms, kLeafRead | kLeafExec);

  EXPECT_FALSE(walk(fmt, mem, root, 0x3000).mapped);
}

// AMD #48882 2.2.3 (v1, 4 levels): PR bit 0, NEXT_LEVEL 11:9 (the next
// table's level in a PDE, 0 in a PTE), ADDRESS 51:12, IR bit 61, IW bit 62.
TEST(PageTableWalk, AmdViV1TablesByNextLevel) {
  const auto& fmt = amd_vi::page_tables::amd_v1_4level;
  constexpr uint64_t kPr = 1, kIr = uint64_t{1} << 61, kIw = uint64_t{1} << 62;
  auto pde = [](uint64_t address, uint64_t next) { return address | (next << 9) | kPr | kIr | kIw; };
  FakeTables mem;
  const uint64_t root = 0x40000, l3 = 0x41000, l2 = 0x42000, l1 = 0x43000;
  mem.set(root, 0, pde(l3, 3));
  mem.set(l3, 0, pde(l2, 2));
  mem.set(l2, 0, pde(l1, 1));
  mem.set(l1, 7, 0xbeef000 | kPr | kIr);  // a read-only 4 KiB page

  const WalkResult r = walk(fmt, mem, root, 7 * 4 * kKiB + 0x3);
  ASSERT_TRUE(r.mapped);
  EXPECT_EQ(r.output, 0xbeef003u);
  EXPECT_EQ(r.perms, kLeafRead | kLeafExec);  // no execute bit: a readable page is executable
  EXPECT_FALSE(walk(fmt, mem, root, 8 * 4 * kKiB).mapped);
}

}  // namespace
}  // namespace smmuman::hw
