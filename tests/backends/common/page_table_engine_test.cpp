// The page-table engine's laws, one suite instantiated per described format
// and input size: every page size maps and walks back; random map / unmap /
// protect / remap sequences agree with a deliberately naive reference (one
// entry per page); refused changes change nothing; every translation a
// commit changes lies inside the invalidation it returns; no table is kept
// that maps nothing, and none is left once everything is unmapped. After
// every change the tables are read back by a hostile audit (page_table_audit.hpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "page_table_audit.hpp"
#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/hw/arena_tables.hpp"
#include "smmuman/hw/page_table_engine.hpp"

namespace smmuman::hw {
namespace {

using Engine = PageTableEngine<ArenaTables>;

struct FormatCase {
  const char* label;
  const PageTableFormat* format;
  unsigned input_bits;
};

void PrintTo(const FormatCase& c, std::ostream* os) { *os << c.label; }

const std::vector<FormatCase>& format_cases() {
  static const std::vector<FormatCase> cases = {
      {"arm_smmuv3_s2_4k_48", &arm_smmuv3::page_tables::aarch64_s2_4k, 48},
      {"arm_smmuv3_s2_4k_44", &arm_smmuv3::page_tables::aarch64_s2_4k, 44},
      {"arm_smmuv3_s2_4k_40_concat2", &arm_smmuv3::page_tables::aarch64_s2_4k, 40},
      {"arm_smmuv3_s2_4k_36", &arm_smmuv3::page_tables::aarch64_s2_4k, 36},
      {"arm_smmuv3_s2_4k_33_concat8", &arm_smmuv3::page_tables::aarch64_s2_4k, 33},
      {"arm_smmuv3_s1_4k_48", &arm_smmuv3::page_tables::aarch64_s1_4k, 48},
      {"arm_smmuv3_s1_4k_39", &arm_smmuv3::page_tables::aarch64_s1_4k, 39},
      {"arm_smmuv3_s2_16k_48_concat2", &arm_smmuv3::page_tables::aarch64_s2_16k, 48},
      {"arm_smmuv3_s2_16k_40_concat16", &arm_smmuv3::page_tables::aarch64_s2_16k, 40},
      {"arm_smmuv3_s1_16k_48", &arm_smmuv3::page_tables::aarch64_s1_16k, 48},
      {"arm_smmuv3_s2_64k_48_oa52", &arm_smmuv3::page_tables::aarch64_s2_64k, 48},
      {"arm_smmuv3_s2_64k_44_concat4", &arm_smmuv3::page_tables::aarch64_s2_64k, 44},
      {"arm_smmuv3_s1_64k_48_oa52", &arm_smmuv3::page_tables::aarch64_s1_64k, 48},
      {"arm_smmuv2_s1_4k_48", &arm_smmuv2::page_tables::aarch64_s1_4k, 48},
      {"arm_smmuv2_s2_4k_40_concat2", &arm_smmuv2::page_tables::aarch64_s2_4k, 40},
      {"ipmmu_lpae_s1_32", &renesas_ipmmu::page_tables::armv7_lpae_s1, 32},
      {"vtd_ss_3level", &intel_vtd::page_tables::vtd_ss_3level, 39},
      {"vtd_ss_4level", &intel_vtd::page_tables::vtd_ss_4level, 48},
      {"vtd_ss_5level", &intel_vtd::page_tables::vtd_ss_5level, 57},
      {"vtd_fs_4level", &intel_vtd::page_tables::vtd_fs_4level, 48},
      {"vtd_fs_5level", &intel_vtd::page_tables::vtd_fs_5level, 57},
      {"amd_v1_4level", &amd_vi::page_tables::amd_v1_4level, 48},
      {"amd_v1_5level", &amd_vi::page_tables::amd_v1_5level, 57},
      {"amd_v1_6level", &amd_vi::page_tables::amd_v1_6level, 64},
      {"amd_v1_3level_from_6", &amd_vi::page_tables::amd_v1_6level, 39},
      {"amd_v1_2level_from_6", &amd_vi::page_tables::amd_v1_6level, 30},
      {"amd_v2_4level", &amd_vi::page_tables::amd_v2_4level, 48},
      {"amd_v2_5level", &amd_vi::page_tables::amd_v2_5level, 57},
      {"riscv_sv39", &riscv_iommu::page_tables::sv39, 39},
      {"riscv_sv48", &riscv_iommu::page_tables::sv48, 48},
      {"riscv_sv57", &riscv_iommu::page_tables::sv57, 57},
      {"riscv_sv39x4", &riscv_iommu::page_tables::sv39x4, 41},
      {"riscv_sv48x4", &riscv_iommu::page_tables::sv48x4, 50},
      {"riscv_sv57x4", &riscv_iommu::page_tables::sv57x4, 59},
  };
  return cases;
}

// Whether `value` needs more than `bits` bits (a shift by 64 would be undefined).
constexpr bool beyond(uint64_t value, unsigned bits) { return bits < 64 && (value >> bits) != 0; }

constexpr uint8_t kR = kLeafRead, kW = kLeafWrite, kX = kLeafExec;

// A recording live invalidator: what break-before-make asked for.
struct LiveLog {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  void operator()(uint64_t first, uint64_t last, bool) { ranges.emplace_back(first, last); }
};

class PageTableLaws : public testing::TestWithParam<FormatCase> {
 protected:
  void SetUp() override {
    ASSERT_EQ(derive_geometry(*GetParam().format, geometry, GetParam().input_bits), GeometryProblem::none);
    ASSERT_EQ(geometry.format->entry_bytes, 8u) << "the audit reads one-word entries";
    engine = std::make_unique<Engine>(geometry, memory);
    ASSERT_TRUE(engine->init());
  }

  std::string audit() { return test::TableAudit(geometry, memory).run(engine->root()); }

  // Prepares and commits; the change must be accepted.
  Invalidation apply(const Change& c, LiveLog* live = nullptr) {
    auto p = engine->prepare(c);
    EXPECT_TRUE(p.ok()) << to_string(p.refusal());
    if (!p.ok()) return {};
    LiveLog ignored;
    return engine->commit(p, live ? *live : ignored);
  }

  uint8_t held(uint8_t requested) const { return geometry.format->held[requested]; }

  Geometry geometry;
  ArenaTables memory{uint64_t{64} << 30};
  std::unique_ptr<Engine> engine;
};

// The largest leaf each level holds, mapped where input and output are
// aligned to it, is one entry; its first and last byte walk back; unmapping
// it returns one range covering it and frees every table it needed.
TEST_P(PageTableLaws, EveryPageSizeMapsAsOneLeafAndWalksBack) {
  for (unsigned li = 0; li < geometry.level_count; ++li) {
    const GeometryLevel& level = geometry.levels[li];
    if (!level.leaf) continue;
    const uint64_t size = level.span();
    // Near the top of the input space, to use the top index bits too.
    const uint64_t input_end = geometry.input_bits >= 64 ? 0 : uint64_t{1} << geometry.input_bits;
    const uint64_t iova = input_end - 2 * size;
    // Near the top of the output space, to use its top bits (OA[51:48] of Arm's 64 KiB formats).
    const uint64_t output = ((uint64_t{1} << std::min(geometry.output_bits, 63u)) - 4 * size) & ~(size - 1);
    if (beyond(output + size - 1, geometry.output_bits)) continue;
    SCOPED_TRACE(testing::Message() << "leaf of " << size << " bytes at level " << level.number);
    const uint64_t leaves_before = engine->stats().leaves_written;
    apply({ChangeKind::map, iova, size, output, kR | kW});
    EXPECT_EQ(engine->stats().leaves_written - leaves_before, 1u);
    for (uint64_t offset : {uint64_t{0}, size / 2 + 8, size - 1}) {
      const WalkResult r = engine->lookup(iova + offset);
      ASSERT_TRUE(r.mapped);
      EXPECT_EQ(r.output, output + offset);
      EXPECT_EQ(r.page_size, size);
      EXPECT_EQ(r.perms, held(kR | kW));
    }
    EXPECT_FALSE(engine->lookup(iova - 1).mapped);
    EXPECT_FALSE(engine->lookup(iova + size).mapped);
    EXPECT_EQ(audit(), "");
    const Invalidation inv = apply({ChangeKind::unmap, iova, size, 0, 0});
    EXPECT_TRUE(inv.needed);
    EXPECT_LE(inv.first, iova);
    EXPECT_GE(inv.last, iova + size - 1);
    EXPECT_EQ(inv.largest_leaf, size);
    EXPECT_FALSE(engine->lookup(iova).mapped);
    EXPECT_EQ(memory.live_tables(), 1u) << "tables left after the only mapping went";
    EXPECT_EQ(audit(), "");
  }
}

// A misaligned output needs the smallest pages throughout.
TEST_P(PageTableLaws, MisalignedOutputMapsAsPages) {
  const uint64_t granule = geometry.last().span();
  const uint64_t big = geometry.levels[geometry.level_count - 2].span();
  const uint64_t iova = 4 * big;
  if (beyond(iova + big, geometry.input_bits)) GTEST_SKIP() << "input space too small";
  apply({ChangeKind::map, iova, big, big + granule, kR});
  const uint64_t pages = big / granule;
  EXPECT_EQ(engine->stats().leaves_written, pages);
  for (uint64_t p : {uint64_t{0}, pages / 3, pages - 1}) {
    const WalkResult r = engine->lookup(iova + p * granule + 5);
    ASSERT_TRUE(r.mapped);
    EXPECT_EQ(r.output, big + granule + p * granule + 5);
    EXPECT_EQ(r.page_size, granule);
  }
  EXPECT_EQ(audit(), "");
}

// Unmapping one page inside the largest block splits it down to pages at
// that page only; the rest keeps its output and permissions, and the
// break-before-make formats invalidate the block before its table goes in.
TEST_P(PageTableLaws, PartialUnmapSplitsABlock) {
  unsigned li = 0;
  while (!geometry.levels[li].leaf) ++li;
  if (li + 1 == geometry.level_count) GTEST_SKIP() << "no block above the page size";
  const uint64_t size = geometry.levels[li].span();
  const uint64_t granule = geometry.last().span();
  if (beyond(2 * size, geometry.input_bits) || beyond(2 * size, geometry.output_bits)) GTEST_SKIP();
  const uint64_t iova = size, output = 0;
  apply({ChangeKind::map, iova, size, output, kR | kX});
  const uint64_t hole = iova + size / 2 + 3 * granule;
  LiveLog live;
  const uint64_t tables_before = memory.live_tables();
  const Invalidation inv = apply({ChangeKind::unmap, hole, granule, 0, 0}, &live);
  EXPECT_TRUE(inv.needed);
  EXPECT_LE(inv.first, hole);
  EXPECT_GE(inv.last, hole + granule - 1);
  EXPECT_EQ(inv.largest_leaf, size) << "the range hint must reach the block that was cached";
  EXPECT_TRUE(inv.tables);
  EXPECT_EQ(memory.live_tables() - tables_before, geometry.level_count - 1 - li);
  if (geometry.format->break_before_make) {
    ASSERT_EQ(live.ranges.size(), 1u);
    EXPECT_EQ(live.ranges[0], std::make_pair(iova, iova + size - 1));
  } else {
    EXPECT_TRUE(live.ranges.empty());
  }
  EXPECT_FALSE(engine->lookup(hole).mapped);
  EXPECT_FALSE(engine->lookup(hole + granule - 1).mapped);
  for (uint64_t a : {iova, hole - 1, hole + granule, iova + size - 1}) {
    const WalkResult r = engine->lookup(a);
    ASSERT_TRUE(r.mapped) << std::hex << a;
    EXPECT_EQ(r.output, a - iova + output);
    EXPECT_EQ(r.perms, held(kR | kX));
  }
  EXPECT_EQ(audit(), "");
  // Everything else unmapped: every table the split made is freed.
  apply({ChangeKind::unmap, iova, size, 0, 0});
  EXPECT_EQ(memory.live_tables(), 1u);
  EXPECT_EQ(audit(), "");
}

// Protecting part of a block with the permissions it already grants changes
// nothing: no split, no write, no invalidation, no break-before-make.
TEST_P(PageTableLaws, ProtectingWithTheSamePermissionsChangesNothing) {
  unsigned li = 0;
  while (!geometry.levels[li].leaf) ++li;
  if (li + 1 == geometry.level_count) GTEST_SKIP() << "no block above the page size";
  const uint64_t size = geometry.levels[li].span();
  const uint64_t granule = geometry.last().span();
  if (beyond(2 * size, geometry.input_bits) || beyond(2 * size, geometry.output_bits)) GTEST_SKIP();
  apply({ChangeKind::map, size, size, 0, kR | kW});
  const EngineStats before = engine->stats();
  LiveLog live;
  const Invalidation inv = apply({ChangeKind::protect, size + granule, granule, 0, kR | kW}, &live);
  EXPECT_FALSE(inv.needed);
  EXPECT_TRUE(live.ranges.empty());
  EXPECT_EQ(engine->stats().entries_written, before.entries_written);
  EXPECT_EQ(engine->stats().splits, before.splits);
  EXPECT_EQ(engine->lookup(size + granule).page_size, size);
  // A request the format holds the same way (Arm stage 1 holds W as RW) is no change either.
  if (held(kW) == held(kR | kW)) {
    EXPECT_FALSE(apply({ChangeKind::protect, size, granule, 0, kW}).needed);
  }
}

// Refusals: out of the input or output size, overlapping, unaligned, out of
// memory. Each leaves the tables exactly as they were.
TEST_P(PageTableLaws, RefusalsChangeNothing) {
  const uint64_t granule = geometry.last().span();
  apply({ChangeKind::map, 16 * granule, 8 * granule, 64 * granule, kR});
  const uint64_t live = memory.live_tables();
  const uint64_t writes = engine->stats().entries_written;
  auto refused = [&](const Change& c, Refusal why) {
    auto p = engine->prepare(c);
    EXPECT_EQ(p.refusal(), why) << to_string(p.refusal());
    EXPECT_EQ(memory.live_tables(), live);
    EXPECT_EQ(engine->stats().entries_written, writes);
  };
  if (geometry.input_bits < 64) {
    const uint64_t end = uint64_t{1} << geometry.input_bits;
    refused({ChangeKind::map, end - granule, 2 * granule, 0, kR}, Refusal::input_range);
    refused({ChangeKind::unmap, end, granule, 0, 0}, Refusal::input_range);
  }
  refused({ChangeKind::map, ~uint64_t{0} - granule + 1, 2 * granule, 0, kR}, Refusal::input_range);  // wraps
  if (geometry.output_bits < 64) {
    refused({ChangeKind::map, 0, granule, uint64_t{1} << geometry.output_bits, kR}, Refusal::output_range);
  }
  refused({ChangeKind::map, 20 * granule, granule, 0, kR}, Refusal::overlap);
  refused({ChangeKind::map, 10 * granule, 8 * granule, 0, kR}, Refusal::overlap);  // the last pages overlap
  refused({ChangeKind::map, granule / 2, granule, 0, kR}, Refusal::unaligned);
  refused({ChangeKind::map, 0, granule, 0, 0}, Refusal::no_permission);
  refused({ChangeKind::map, 0, 0, 0, kR}, Refusal::empty);
  // Far from the existing mapping, a map needs new tables; the allocator runs out midway.
  // The last page of the input space: another top-level entry than the mapping's.
  const uint64_t far = (geometry.input_bits >= 64 ? 0 : uint64_t{1} << geometry.input_bits) - granule;
  if (geometry.level_count > 1) {
    memory.allocations_left = 0;
    refused({ChangeKind::map, far, granule, 0, kR}, Refusal::no_memory);
    memory.allocations_left = 1;
    if (geometry.level_count > 2) refused({ChangeKind::map, far, granule, 0, kR}, Refusal::no_memory);
    memory.allocations_left.reset();
    // Prepared, then dropped: what it reserved goes back.
    { auto dropped = engine->prepare({ChangeKind::map, far, granule, 0, kR}); ASSERT_TRUE(dropped.ok()); }
    EXPECT_EQ(memory.live_tables(), live);
  }
  EXPECT_FALSE(engine->lookup(far).mapped);
  EXPECT_EQ(memory.bad_releases(), 0u);
  EXPECT_EQ(audit(), "");
}

// ---- the random law ------------------------------------------------------------------------------

// One translation per page: the naive reference.
struct FlatReference {
  std::map<uint64_t, std::pair<uint64_t, uint8_t>> pages;  // input page -> (output page, held perms)
};

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

// Random sequences in a window of 4 blocks of the second-smallest size (2 MiB
// with a 4 KiB granule), at a random place in the input space: maps of pages
// and of blocks (aligned or not), overlapping maps (refused), unmaps and
// permission changes of arbitrary ranges (splitting blocks), remaps, and
// prepares that run out of memory. After each step every page of the window,
// and one page each side, walks to what the reference says; every page that
// changed lies in the returned invalidation; the audit passes.
TEST_P(PageTableLaws, RandomChangesAgreeWithAFlatReference) {
  const uint64_t granule = geometry.last().span();
  const uint64_t block = geometry.levels[geometry.level_count - 2].span();
  const uint64_t window = 4 * block;
  const uint64_t pages = window / granule;
  // One sequence per 100 property cases (CI's 2000: 20 per format and size), at least 3.
  const uint64_t sequences = std::max<uint64_t>(3, env_number("SMMUMAN_PROPERTY_CASES", env_number("SMMUMAN_PROPERTY_CASES_DEFAULT", 100)) / 100);
  const uint64_t seed = env_number("SMMUMAN_PAGE_TABLE_SEED", std::random_device{}());
  std::printf("%s: %llu sequences, seed %llu (replay with SMMUMAN_PAGE_TABLE_SEED)\n", GetParam().label,
              static_cast<unsigned long long>(sequences), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  const uint8_t perm_sets[] = {kR, kW, kX, kR | kW, kR | kX, kW | kX, kR | kW | kX};
  uint64_t splits = 0, refused_overlaps = 0, refused_memory = 0;

  for (uint64_t s = 0; s < sequences; ++s) {
    SetUp();
    FlatReference ref;
    const uint64_t slots = geometry.input_bits >= 64 ? ~uint64_t{0} / window : ((uint64_t{1} << geometry.input_bits) / window);
    const uint64_t base = (slots > 2 ? 1 + below(slots - 2) : 0) * window;
    const uint64_t out_slots = ((uint64_t{1} << std::min(geometry.output_bits, 46u)) / window);
    auto range = [&](uint64_t& first, uint64_t& count) {
      if (below(3) == 0) {  // whole blocks
        first = below(4) * (block / granule);
        count = (1 + below(4 - first / (block / granule))) * (block / granule);
      } else {
        first = below(pages);
        count = 1 + below(std::min<uint64_t>(pages - first, below(2) ? 8 : pages));
      }
    };
    // Every sequence starts from a block with one page re-permitted inside
    // it, so each one splits a block at least once; then random changes.
    {
      const uint64_t out = (below(out_slots ? out_slots : 1) * window) & ~(block - 1);
      apply({ChangeKind::map, base + block, block, out, kR});
      apply({ChangeKind::protect, base + block + 5 * granule, granule, 0, kR | kW});
      for (uint64_t p = 0; p < block / granule; ++p) ref.pages[base + block + p * granule] = {out + p * granule, held(kR)};
      ref.pages[base + block + 5 * granule].second = held(kR | kW);
      ASSERT_EQ(engine->stats().splits, geometry.levels[geometry.level_count - 2].leaf ? 1u : 0u);
    }
    for (int step = 0; step < 40; ++step) {
      const auto before = ref.pages;
      uint64_t first, count;
      range(first, count);
      const uint64_t iova = base + first * granule, size = count * granule;
      const uint8_t perms = perm_sets[below(7)];
      const int kind = static_cast<int>(below(10));
      Change c;
      if (kind < 5) {
        // Output aligned to a block now and then, so blocks appear.
        const uint64_t out_base = below(out_slots ? out_slots : 1) * window;
        const uint64_t output = out_base + (below(2) ? first * granule : below(pages) * granule);
        c = {ChangeKind::map, iova, size, output, perms};
      } else if (kind < 8) {
        c = {ChangeKind::unmap, iova, size, 0, 0};
      } else {
        c = {ChangeKind::protect, iova, size, 0, perms};
      }
      bool overlaps = false;
      for (uint64_t p = 0; p < count && c.kind == ChangeKind::map; ++p) overlaps = overlaps || ref.pages.contains(iova + p * granule);
      const bool starve = below(8) == 0;
      if (starve) memory.allocations_left = below(2);
      const uint64_t live_before = memory.live_tables();
      auto prepared = engine->prepare(c);
      memory.allocations_left.reset();
      if (overlaps) {
        ASSERT_EQ(prepared.refusal(), Refusal::overlap) << "step " << step;
        ++refused_overlaps;
      } else if (!prepared.ok()) {
        ASSERT_TRUE(starve) << "step " << step << ": " << to_string(prepared.refusal());
        ASSERT_EQ(prepared.refusal(), Refusal::no_memory);
        ++refused_memory;
      }
      if (!prepared.ok()) {
        ASSERT_EQ(memory.live_tables(), live_before) << "a refused prepare kept tables";
      } else {
        const uint64_t splits_before = engine->stats().splits;
        const Invalidation inv = engine->commit(prepared);
        splits += engine->stats().splits - splits_before;
        for (uint64_t p = 0; p < count; ++p) {
          const uint64_t page = iova + p * granule;
          if (c.kind == ChangeKind::map) ref.pages[page] = {c.output + p * granule, held(c.perms)};
          if (c.kind == ChangeKind::unmap) ref.pages.erase(page);
          if (c.kind == ChangeKind::protect && ref.pages.contains(page)) ref.pages[page].second = held(c.perms);
        }
        // Every page whose translation changed is inside the invalidation (a
        // page mapped only now needs none).
        for (const auto& [page, was] : before) {
          const auto now = std::as_const(ref.pages).find(page);
          if (now != ref.pages.end() && now->second == was) continue;
          ASSERT_TRUE(inv.needed && inv.first <= page && page + granule - 1 <= inv.last)
              << "step " << step << ": page " << std::hex << page << " changed outside the invalidation";
        }
      }
      // The window, and one page each side, against the reference: every page
      // of small windows; of large ones (64 KiB granules: 32,768 pages) a
      // stride with a random start, plus the pages at and beside both ends of
      // the change, where blocks split.
      const uint64_t stride = std::max<uint64_t>(1, pages / 4096);
      std::set<uint64_t> probe;
      for (uint64_t p = below(stride); p < pages; p += stride) probe.insert(base + p * granule);
      for (uint64_t at : {iova, iova + size}) {
        for (uint64_t d : {uint64_t{0}, granule}) {
          if (at >= d && at - d >= base && at - d < base + window) probe.insert(at - d);
          if (at + d >= base && at + d < base + window) probe.insert(at + d);
        }
      }
      if (base > 0) probe.insert(base - granule);
      if (base + window != 0 && !beyond(base + window, geometry.input_bits)) probe.insert(base + window);
      for (uint64_t page : probe) {
        const WalkResult r = engine->lookup(page + granule - 1);
        const auto want = ref.pages.find(page);
        ASSERT_EQ(r.mapped, want != ref.pages.end()) << "step " << step << " page " << std::hex << page;
        if (r.mapped) {
          ASSERT_EQ(r.output, want->second.first + granule - 1) << "step " << step;
          ASSERT_EQ(r.perms, want->second.second) << "step " << step;
        }
      }
      ASSERT_EQ(audit(), "") << "step " << step;
      ASSERT_EQ(engine->stats().tables_live, memory.live_tables()) << "step " << step << ": the engine's count drifted";
    }
    apply({ChangeKind::unmap, base, window, 0, 0});
    ASSERT_EQ(memory.live_tables(), 1u) << "tables left after everything was unmapped";
    ASSERT_EQ(memory.bad_releases(), 0u);
  }
  std::printf("%s: %llu blocks split, %llu overlaps and %llu out-of-memory prepares refused\n",
              GetParam().label, static_cast<unsigned long long>(splits), static_cast<unsigned long long>(refused_overlaps),
              static_cast<unsigned long long>(refused_memory));
  EXPECT_GT(refused_overlaps, 0u);
  // At CI's count (20 sequences and more) random steps split blocks too.
  if (sequences >= 20) {
    EXPECT_GT(splits, 0u) << "no random step split a block";
  }
}

// ---- the audit can fail ---------------------------------------------------------------------------

// Each sabotage writes one entry the way a broken engine might; the audit
// must name it. Without these the audit's silence would prove nothing.
TEST_P(PageTableLaws, AuditCatchesEntriesWrittenWrongly) {
  const uint64_t granule = geometry.last().span();
  const uint64_t block = geometry.levels[geometry.level_count - 2].span();
  apply({ChangeKind::map, 0, granule, 0x5000 & ~(granule - 1), kR | kW});
  apply({ChangeKind::map, 2 * block, block, 2 * block, kR});
  ASSERT_EQ(audit(), "");
  // Find the page's entry, and the last-level table holding it.
  const unsigned last = geometry.level_count - 1;
  uint64_t table = engine->root();
  for (unsigned li = 0; li < last; ++li) {
    const uint64_t e[2] = {memory.words_at(table)[0], 0};
    table = walk_detail::output_address(*geometry.format, e);
  }
  uint64_t* page_entry = &memory.words_at(table)[0];
  const uint64_t good = *page_entry;
  auto expect_caught = [&](uint64_t bad, const char* what) {
    *page_entry = bad;
    EXPECT_NE(audit(), "") << what;
    *page_entry = good;
  };
  // A bit no leaf field covers: find one.
  for (unsigned bit = 0; bit < 64; ++bit) {
    const uint64_t with = good ^ (uint64_t{1} << bit);
    const uint64_t oa = ((uint64_t{1} << (geometry.format->output_address.hi + 1)) - 1) & ~((uint64_t{1} << geometry.format->output_address.lo) - 1);
    if ((oa >> bit) & 1) continue;
    bool known = false;
    const DescriptorField& high = geometry.format->output_address_high;
    known = high.present && bit >= high.lo && bit <= high.hi;
    for (const DescriptorField* d : {&geometry.format->read, &geometry.format->write, &geometry.format->exec, &geometry.format->exec_never}) {
      known = known || (d->present && bit >= d->lo && bit <= d->hi);
    }
    for (const Marker* m : {&geometry.format->valid, &geometry.format->table, &geometry.format->last_level_leaf, &geometry.format->block}) {
      for (unsigned i = 0; i < m->field_count; ++i) known = known || (bit >= m->fields[i].lo && bit <= m->fields[i].hi);
    }
    for (unsigned i = 0; i < geometry.format->leaf_written.count; ++i) {
      known = known || (bit >= geometry.format->leaf_written.fields[i].lo && bit <= geometry.format->leaf_written.fields[i].hi);
    }
    if (!known) {
      expect_caught(with, "a bit outside every field");
      break;
    }
  }
  // The page's entry copied into the level above, where a leaf of that kind does not belong.
  uint64_t* root_entry = &memory.words_at(engine->root())[0];
  if (geometry.level_count > 1) {
    const uint64_t saved = *root_entry;
    *root_entry = good;
    EXPECT_NE(audit(), "") << "a page entry at the top level";
    *root_entry = saved;
  }
  // The block's output moved off its alignment by one page.
  if (geometry.levels[geometry.level_count - 2].leaf) {
    auto index = [&](unsigned li, uint64_t a) {
      return (a >> geometry.levels[li].index_lo) & ((uint64_t{1} << geometry.levels[li].index_bits) - 1);
    };
    uint64_t at = engine->root();
    for (unsigned li = 0; li + 2 < geometry.level_count; ++li) {
      const uint64_t e[2] = {memory.words_at(at)[index(li, 2 * block)], 0};
      at = walk_detail::output_address(*geometry.format, e);
    }
    uint64_t* block_entry = &memory.words_at(at)[index(geometry.level_count - 2, 2 * block)];
    const uint64_t saved = *block_entry;
    *block_entry = saved + (uint64_t{1} << geometry.format->output_address.lo);
    EXPECT_NE(audit(), "") << "a block whose output is not aligned to its size";
    *block_entry = saved;
  }
  ASSERT_EQ(audit(), "");
  // A table no entry points to: a leak.
  TablePage stray = memory.allocate(geometry.table_bytes);
  EXPECT_NE(audit(), "") << "an unreachable table";
  memory.release(stray, geometry.table_bytes);
  EXPECT_EQ(audit(), "");
}

INSTANTIATE_TEST_SUITE_P(Formats, PageTableLaws, testing::ValuesIn(format_cases()),
                         [](const testing::TestParamInfo<FormatCase>& info) { return std::string(info.param.label); });

// ---- geometry ------------------------------------------------------------------------------------

// Arm stage 2 with a 4 KiB granule folds a top level of up to 4 bits into
// concatenated tables one level down (DDI0487 "Concatenated translation
// tables for the initial lookup"): 40 bits start at level 1 with 2 tables,
// 33 bits at level 2 with 8; 44 bits keep level 0 (5 bits, 32 entries).
TEST(PageTableGeometry, ArmStage2ConcatenatesSmallTopLevels) {
  const auto& s2 = arm_smmuv3::page_tables::aarch64_s2_4k;
  Geometry g;
  ASSERT_EQ(derive_geometry(s2, g, 40), GeometryProblem::none);
  EXPECT_EQ(g.levels[0].number, 1u);
  EXPECT_EQ(g.concatenated_tables, 2u);
  EXPECT_EQ(g.root_bytes, 8192u);
  EXPECT_EQ(g.level_count, 3u);
  ASSERT_EQ(derive_geometry(s2, g, 33), GeometryProblem::none);
  EXPECT_EQ(g.levels[0].number, 2u);
  EXPECT_EQ(g.concatenated_tables, 8u);
  ASSERT_EQ(derive_geometry(s2, g, 44), GeometryProblem::none);
  EXPECT_EQ(g.levels[0].number, 0u);
  EXPECT_EQ(g.levels[0].index_bits, 5u);
  EXPECT_EQ(g.concatenated_tables, 1u);
  // Stage 1 has no concatenation: 40 bits start at level 0 with one bit.
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s1_4k, g, 40), GeometryProblem::none);
  EXPECT_EQ(g.levels[0].number, 0u);
  EXPECT_EQ(g.levels[0].index_bits, 1u);
  EXPECT_EQ(derive_geometry(s2, g, 49), GeometryProblem::input_bits);
  EXPECT_EQ(derive_geometry(s2, g, 12), GeometryProblem::input_bits);
  EXPECT_EQ(derive_geometry(s2, g, 48, 49), GeometryProblem::output_bits);
}

// AMD-Vi v1 page tables have 1 to 6 levels (AMDVI 2.2.3); a narrower input
// drops levels from the top, so DTE.Mode follows the input size.
TEST(PageTableGeometry, AmdViLevelsFollowTheInputSize) {
  const auto& v1 = amd_vi::page_tables::amd_v1_6level;
  Geometry g;
  for (const auto& [bits, levels] : {std::pair{64u, 6u}, {57u, 5u}, {48u, 4u}, {39u, 3u}, {30u, 2u}, {21u, 1u}}) {
    ASSERT_EQ(derive_geometry(v1, g, bits), GeometryProblem::none) << bits;
    EXPECT_EQ(g.level_count, levels) << bits;
    EXPECT_EQ(g.levels[0].number, levels) << bits;
  }
}

// A unit without large pages (VT-d CAP_REG.SSLPS = 0) gets 4 KiB leaves only,
// however aligned the map; with 2 MiB only, no 1 GiB leaf.
TEST(PageTableGeometry, PageSizesLimitLeaves) {
  Geometry g;
  ASSERT_EQ(derive_geometry(intel_vtd::page_tables::vtd_ss_4level, g, 0, 0, 0x1000), GeometryProblem::none);
  ArenaTables memory(uint64_t{1} << 30);
  {
    Engine engine(g, memory);
    ASSERT_TRUE(engine.init());
    auto p = engine.prepare({ChangeKind::map, 0x40000000, 0x200000, 0x80000000, kLeafRead});
    ASSERT_TRUE(p.ok());
    engine.commit(p);
    EXPECT_EQ(engine.stats().leaves_written, 512u);
    EXPECT_EQ(engine.lookup(0x40000000).page_size, 0x1000u);
  }
  ASSERT_EQ(derive_geometry(intel_vtd::page_tables::vtd_ss_4level, g, 0, 0, 0x201000), GeometryProblem::none);
  {
    Engine engine(g, memory);
    ASSERT_TRUE(engine.init());
    auto p = engine.prepare({ChangeKind::map, 0x40000000, 0x40000000, 0x80000000, kLeafRead});
    ASSERT_TRUE(p.ok());
    engine.commit(p);
    EXPECT_EQ(engine.stats().leaves_written, 512u);
    EXPECT_EQ(engine.lookup(0x40000000).page_size, 0x200000u);
  }
  EXPECT_EQ(derive_geometry(intel_vtd::page_tables::vtd_ss_4level, g, 0, 0, 0x200000), GeometryProblem::page_sizes);
}

// What a backend programs, derived once with the geometry. Expected values
// typed here from the manuals, not read from spec/hw: Arm TG0/S2TG 4 KiB = 0,
// 64 KiB = 1, 16 KiB = 2; PS/IPS 32, 36, 40, 42, 44, 48, 52 bits = 0..6;
// S2SL0 with 4 KiB: 0 = start at level 2, 1 = level 1, 2 = level 0, with
// 16 or 64 KiB: 0 = level 3, 1 = level 2, 2 = level 1 (IHI0070 5.2 and 5.4,
// DDI0487 VTCR_EL2). VT-d context-entry AW 1/2/3 = 3/4/5 levels (VTD 9.3).
// AMD-Vi DTE.Mode = the number of levels (AMDVI 2.2.2.1). RISC-V
// iosatp.MODE Sv39/48/57 = 8/9/10, iohgatp.MODE Sv39x4/48x4/57x4 = 8/9/10
// (RISC-V IOMMU 3.1.3).
TEST(PageTableGeometry, TranslationControlValues) {
  Geometry g;
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s2_4k, g, 40, 48), GeometryProblem::none);
  EXPECT_EQ(g.input_size_offset, 24u);
  EXPECT_EQ(g.granule.value, 0u);
  EXPECT_STREQ(g.granule.field, "STE.S2TG");
  EXPECT_EQ(g.start_level.value, 1u);
  EXPECT_EQ(g.output_size.value, 5u);
  EXPECT_FALSE(g.levels_setting.programmed);
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s2_4k, g, 33, 40), GeometryProblem::none);
  EXPECT_EQ(g.start_level.value, 0u);  // level 2, 8 tables
  EXPECT_EQ(g.output_size.value, 2u);
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s2_4k, g, 44), GeometryProblem::none);
  EXPECT_EQ(g.start_level.value, 2u);  // level 0
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s2_16k, g, 48), GeometryProblem::none);
  EXPECT_EQ(g.granule.value, 2u);
  EXPECT_EQ(g.start_level.value, 2u);  // level 1, 2 tables
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s2_64k, g, 48, 52), GeometryProblem::none);
  EXPECT_EQ(g.granule.value, 1u);
  EXPECT_EQ(g.start_level.value, 2u);  // level 1
  EXPECT_EQ(g.output_size.value, 6u);
  ASSERT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s1_4k, g, 48, 44), GeometryProblem::none);
  EXPECT_STREQ(g.output_size.field, "CD.IPS");
  EXPECT_EQ(g.output_size.value, 4u);
  EXPECT_FALSE(g.start_level.programmed);
  // 45 bits has no IPS encoding: no such unit can be programmed.
  EXPECT_EQ(derive_geometry(arm_smmuv3::page_tables::aarch64_s1_4k, g, 48, 45), GeometryProblem::output_bits_code);

  ASSERT_EQ(derive_geometry(intel_vtd::page_tables::vtd_ss_4level, g), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 2u);
  ASSERT_EQ(derive_geometry(intel_vtd::page_tables::vtd_ss_4level, g, 39), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 1u);
  ASSERT_EQ(derive_geometry(intel_vtd::page_tables::vtd_ss_5level, g), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 3u);
  ASSERT_EQ(derive_geometry(amd_vi::page_tables::amd_v1_6level, g, 48), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 4u);
  EXPECT_STREQ(g.levels_setting.field, "DTE.MODE");
  ASSERT_EQ(derive_geometry(riscv_iommu::page_tables::sv48, g), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 9u);
  ASSERT_EQ(derive_geometry(riscv_iommu::page_tables::sv48, g, 39), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 8u);  // an Sv39 table
  ASSERT_EQ(derive_geometry(riscv_iommu::page_tables::sv57x4, g), GeometryProblem::none);
  EXPECT_EQ(g.levels_setting.value, 10u);
  // The x4 modes index 11 bits at the root whatever the input size: the root stays 16 KiB.
  ASSERT_EQ(derive_geometry(riscv_iommu::page_tables::sv48x4, g, 41), GeometryProblem::none);
  EXPECT_EQ(g.root_bytes, 16384u);
  EXPECT_EQ(g.levels_setting.value, 9u);
  EXPECT_EQ(derive_geometry(riscv_iommu::page_tables::sv48x4, g, 39), GeometryProblem::levels_code);
}

}  // namespace
}  // namespace smmuman::hw
