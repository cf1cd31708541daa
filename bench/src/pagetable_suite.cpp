// The pagetable suite: the generic page-table engine (backends/common) per
// format, each figure next to a baseline measured in the same run:
// - random 4 KiB maps (262,144 distinct pages, one change each, in a 64 GiB
//   and a 1 TiB space) against the engine's own walk of the same pages;
// - 1 GiB as contiguous 4 KiB pages (one change) and 1 GiB of 2 MiB blocks
//   (one change), against a plain loop storing as many 8-byte entries into
//   pre-zeroed memory;
// - unmapping the 1 GiB of blocks, against the same store loop.
// Table memory is an ArenaTables: a pool zeroed before the timed run (a first
// untimed run faults the pages in and releases them zeroed), except in the
// `-fresh` workload, which measures the same contiguous map on memory never
// touched, so the kernel's zeroing is inside the time.
#include "pagetable_suite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "smmuman/hw/amd_vi.hpp"
#include "smmuman/hw/arena_tables.hpp"
#include "smmuman/hw/arm_smmuv3.hpp"
#include "smmuman/hw/intel_vtd.hpp"
#include "smmuman/hw/page_table_engine.hpp"
#include "smmuman/hw/riscv_iommu.hpp"

namespace smmuman::bench {
namespace {

using hw::ArenaTables;
using hw::Change;
using hw::ChangeKind;
using Engine = hw::PageTableEngine<ArenaTables>;

constexpr uint64_t kKiB = 1024, kMiB = kKiB * kKiB, kGiB = kMiB * kKiB;
constexpr uint8_t kRW = hw::kLeafRead | hw::kLeafWrite;

struct FormatUnderTest {
  const char* name;
  const hw::PageTableFormat* format;
  unsigned input_bits;
};

struct Result {
  std::string workload;
  std::string format;
  uint64_t pages = 0;  // leaf entries the workload maps or unmaps
  double ns_per_page = 0;
  std::string baseline;
  double baseline_ns_per_page = 0;
  uint64_t table_bytes = 0;
  uint64_t entries_written = 0;
  uint64_t invalidation_ranges = 0;
  uint64_t tables_allocated = 0;
  std::string pool;
  std::string problem;  // non-empty: the workload did not do what it must
  double ratio() const { return baseline_ns_per_page > 0 ? ns_per_page / baseline_ns_per_page : 0; }
};

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

// One change, prepared and committed; false if refused.
bool apply(Engine& engine, const Change& c, uint64_t& ranges) {
  auto p = engine.prepare(c);
  if (!p.ok()) return false;
  if (engine.commit(p).needed) ++ranges;
  return true;
}

// Tables the engine keeps must all map something and all be the arena's.
std::string census_problem(const Engine& engine, const ArenaTables& arena) {
  const auto census = engine.census();
  if (census.empty != 0) return fmt::format("{} tables hold no entry", census.empty);
  if (census.tables != arena.live_tables()) {
    return fmt::format("{} tables reachable, {} allocated", census.tables, arena.live_tables());
  }
  return "";
}

// What one measured run left: entries written and tables taken since
// `before`, table memory held, invalidation ranges, and the census.
void record(Result& r, const Engine& engine, const hw::EngineStats& before, const ArenaTables& memory, uint64_t ranges) {
  r.entries_written = engine.stats().entries_written - before.entries_written;
  r.tables_allocated = engine.stats().tables_allocated - before.tables_allocated;
  r.table_bytes = memory.live_bytes();
  r.invalidation_ranges = ranges;
  r.problem = census_problem(engine, memory);
}

// The baseline for contiguous and block maps: a plain loop storing `count`
// 8-byte entries, as a page table's leaves, into memory zeroed beforehand.
double store_loop_ns_per_entry(uint64_t count, int repetitions) {
  std::vector<uint64_t> memory(count);
  uint64_t best = ~uint64_t{0};
  uint64_t sink = 0;
  for (int r = 0; r < repetitions; ++r) {
    std::fill(memory.begin(), memory.end(), 0);
    const uint64_t t0 = now_ns();
    uint64_t* out = memory.data();
    for (uint64_t i = 0; i < count; ++i) out[i] = ((i << 12) + 0x40000000) | 0x743;
    const uint64_t t1 = now_ns();
    sink += memory[count / 2];
    best = std::min(best, t1 - t0);
  }
  if (sink == 1) std::puts("");  // keeps the stores
  return static_cast<double>(best) / static_cast<double>(count);
}

// Distinct pages: i -> i * odd mod 2^bits is a bijection, so no page repeats.
std::vector<uint64_t> random_pages(uint64_t count, uint64_t space) {
  const uint64_t page_count = space / (4 * kKiB);
  std::vector<uint64_t> pages(count);
  for (uint64_t i = 0; i < count; ++i) pages[i] = ((i * 0x9E3779B97F4A7C15ull + 0x1234567) & (page_count - 1)) * 4 * kKiB;
  return pages;
}

Result random_maps(const FormatUnderTest& f, uint64_t space, const char* workload, uint64_t count, int repetitions) {
  Result r;
  r.workload = workload;
  r.format = f.name;
  r.pages = count;
  r.baseline = "walk of the same pages";
  r.pool = "prezeroed";
  hw::Geometry g;
  if (hw::derive_geometry(*f.format, g, f.input_bits) != hw::GeometryProblem::none) {
    r.problem = "no geometry";
    return r;
  }
  const auto pages = random_pages(count, space);
  ArenaTables arena(uint64_t{16} << 30);
  uint64_t best_map = ~uint64_t{0}, best_walk = ~uint64_t{0};
  for (int rep = -1; rep < repetitions; ++rep) {  // rep -1: faults the pool in
    Engine engine(g, arena);
    if (!engine.init()) {
      r.problem = "out of table memory";
      return r;
    }
    const auto before = engine.stats();
    uint64_t ranges = 0;
    const uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < count; ++i) {
      if (!apply(engine, {ChangeKind::map, pages[i], 4 * kKiB, (i + 1) * 4 * kKiB, kRW}, ranges)) {
        r.problem = fmt::format("map {} of {:#x} refused", i, pages[i]);
        return r;
      }
    }
    const uint64_t t1 = now_ns();
    uint64_t checksum = 0;
    for (uint64_t i = 0; i < count; ++i) checksum += engine.lookup(pages[i] + 8).output;
    const uint64_t t2 = now_ns();
    uint64_t expected = 0;
    for (uint64_t i = 0; i < count; ++i) expected += (i + 1) * 4 * kKiB + 8;
    if (checksum != expected) {
      r.problem = "a walk did not find what was mapped";
      return r;
    }
    if (rep < 0) continue;
    best_map = std::min(best_map, t1 - t0);
    best_walk = std::min(best_walk, t2 - t1);
    record(r, engine, before, arena, ranges);
  }
  r.ns_per_page = static_cast<double>(best_map) / static_cast<double>(count);
  r.baseline_ns_per_page = static_cast<double>(best_walk) / static_cast<double>(count);
  return r;
}

// 1 GiB as 262,144 pages in one change: the output is 4 KiB off every
// larger alignment, so no block can be used.
Result contiguous_pages(const FormatUnderTest& f, bool fresh, int repetitions) {
  Result r;
  r.workload = fresh ? "contiguous-4k-1g-fresh" : "contiguous-4k-1g";
  r.format = f.name;
  r.pages = kGiB / (4 * kKiB);
  r.baseline = "store loop";
  r.pool = fresh ? "fresh" : "prezeroed";
  hw::Geometry g;
  hw::derive_geometry(*f.format, g, f.input_bits);
  uint64_t best = ~uint64_t{0};
  ArenaTables pool(uint64_t{1} << 30);
  for (int rep = fresh ? 0 : -1; rep < repetitions; ++rep) {
    // Fresh: an arena no one touched, so the kernel zeroes each table as it is first written.
    const auto untouched = fresh ? std::make_unique<ArenaTables>(uint64_t{1} << 30) : nullptr;
    ArenaTables& memory = fresh ? *untouched : pool;
    Engine engine(g, memory);
    if (!engine.init()) {
      r.problem = "out of table memory";
      return r;
    }
    const auto before = engine.stats();
    uint64_t ranges = 0;
    const uint64_t t0 = now_ns();
    const bool ok = apply(engine, {ChangeKind::map, kGiB, kGiB, 8 * kGiB + 4 * kKiB, kRW}, ranges);
    const uint64_t t1 = now_ns();
    if (!ok) {
      r.problem = "the map was refused";
      return r;
    }
    const auto w = engine.lookup(kGiB + 123 * 4 * kKiB + 5);
    if (!w.mapped || w.output != 8 * kGiB + 124 * 4 * kKiB + 5 || w.page_size != 4 * kKiB) {
      r.problem = "the walk does not find the page";
      return r;
    }
    if (rep < 0) continue;
    best = std::min(best, t1 - t0);
    record(r, engine, before, memory, ranges);
    if (engine.stats().leaves_written - before.leaves_written != r.pages) r.problem = "not one leaf per page";
    if (fresh) break;  // a second run would reuse the memory the first touched
  }
  r.ns_per_page = static_cast<double>(best) / static_cast<double>(r.pages);
  r.baseline_ns_per_page = store_loop_ns_per_entry(r.pages, 20);
  return r;
}

// 1 GiB, 2 MiB-aligned in input and output (the output not 1 GiB-aligned,
// so no single 1 GiB leaf): 512 blocks in one change, then
// unmapped in one change. Short, so timed over `inner` rounds.
std::vector<Result> blocks(const FormatUnderTest& f, int repetitions, int inner) {
  Result map, unmap;
  map.workload = "map-2m-1g";
  unmap.workload = "unmap-2m-1g";
  map.format = unmap.format = f.name;
  map.pages = unmap.pages = 512;
  map.baseline = unmap.baseline = "store loop";
  map.pool = unmap.pool = "prezeroed";
  hw::Geometry g;
  hw::derive_geometry(*f.format, g, f.input_bits);
  ArenaTables arena(uint64_t{1} << 30);
  Engine engine(g, arena);
  if (!engine.init()) {
    map.problem = unmap.problem = "out of table memory";
    return {map, unmap};
  }
  uint64_t best_map = ~uint64_t{0}, best_unmap = ~uint64_t{0};
  for (int rep = -1; rep < repetitions; ++rep) {
    uint64_t map_ns = 0, unmap_ns = 0;
    for (int k = 0; k < inner; ++k) {
      const auto before = engine.stats();
      const uint64_t live_before = arena.live_tables();
      uint64_t map_ranges = 0, unmap_ranges = 0;
      const uint64_t t0 = now_ns();
      const bool mapped = apply(engine, {ChangeKind::map, kGiB, kGiB, 4 * kGiB + 2 * kMiB, kRW}, map_ranges);
      const uint64_t t1 = now_ns();
      const auto after_map = engine.stats();
      const uint64_t table_bytes = arena.live_bytes();
      const std::string map_census = census_problem(engine, arena);
      const uint64_t t2 = now_ns();
      const bool unmapped = apply(engine, {ChangeKind::unmap, kGiB, kGiB, 0, 0}, unmap_ranges);
      const uint64_t t3 = now_ns();
      if (!mapped || !unmapped) {
        map.problem = unmap.problem = "a change was refused";
        return {map, unmap};
      }
      map_ns += t1 - t0;
      unmap_ns += t3 - t2;
      if (rep < 0 || k != 0) continue;
      map.entries_written = after_map.entries_written - before.entries_written;
      map.tables_allocated = after_map.tables_allocated - before.tables_allocated;
      map.table_bytes = table_bytes;
      map.invalidation_ranges = map_ranges;
      map.problem = map_census;
      if (after_map.leaves_written - before.leaves_written != 512) map.problem = "not 512 leaves";
      unmap.entries_written = engine.stats().entries_written - after_map.entries_written;
      unmap.table_bytes = arena.live_bytes();
      unmap.invalidation_ranges = unmap_ranges;
      unmap.problem = census_problem(engine, arena);
      if (arena.live_tables() != live_before) unmap.problem = "tables left after the unmap";
      if (unmap_ranges != 1) unmap.problem = fmt::format("{} invalidation ranges", unmap_ranges);
    }
    if (rep < 0) continue;
    best_map = std::min(best_map, map_ns);
    best_unmap = std::min(best_unmap, unmap_ns);
  }
  const double per = 512.0 * inner;
  map.ns_per_page = static_cast<double>(best_map) / per;
  unmap.ns_per_page = static_cast<double>(best_unmap) / per;
  map.baseline_ns_per_page = unmap.baseline_ns_per_page = store_loop_ns_per_entry(512 * uint64_t(inner), 20);
  return {map, unmap};
}

std::string grouped(uint64_t value) {
  std::string digits = std::to_string(value);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<size_t>(at), ",");
  return digits;
}

void print(const Result& r, bool json) {
  if (json) {
    nlohmann::ordered_json j{{"suite", "pagetable"},
                             {"workload", r.workload},
                             {"format", r.format},
                             {"pages", r.pages},
                             {"ns_per_page", std::round(r.ns_per_page * 1000) / 1000},
                             {"baseline", r.baseline},
                             {"baseline_ns_per_page", std::round(r.baseline_ns_per_page * 1000) / 1000},
                             {"ratio", std::round(r.ratio() * 1000) / 1000},
                             {"table_bytes", r.table_bytes},
                             {"entries_written", r.entries_written},
                             {"invalidation_ranges", r.invalidation_ranges},
                             {"tables_allocated", r.tables_allocated},
                             {"pool", r.pool}};
    if (!r.problem.empty()) j["failed"] = r.problem;
    fmt::print("{}\n", j.dump());
  } else if (!r.problem.empty()) {
    fmt::print("{:<24} {:<14} FAILED: {}\n", r.workload, r.format, r.problem);
  } else {
    fmt::print("{:<24} {:<14} {:>9} {:>9.1f} {:>9.1f} {:>6.2f} {:<23} {:>12} {:>9} {:>6} {:>9}\n", r.workload, r.format,
               grouped(r.pages), r.ns_per_page, r.baseline_ns_per_page, r.ratio(), r.baseline, grouped(r.table_bytes),
               grouped(r.entries_written), r.invalidation_ranges, r.pool);
  }
  std::fflush(stdout);
}

}  // namespace

int run_pagetable_suite(const PagetableSettings& settings) {
  const std::vector<FormatUnderTest> formats = {
      {"arm-s2-4k", &hw::arm_smmuv3::page_tables::aarch64_s2_4k, 48},
      {"vtd-ss-4level", &hw::intel_vtd::page_tables::vtd_ss_4level, 48},
      {"amd-v1-4level", &hw::amd_vi::page_tables::amd_v1_4level, 48},
      {"riscv-sv48x4", &hw::riscv_iommu::page_tables::sv48x4, 50},
  };
  const int repetitions = settings.smoke ? 1 : settings.quick ? 3 : 7;
  const uint64_t random_count = settings.smoke ? 4096 : 262144;
  if (!settings.json) {
    fmt::print(
        "\n== pagetable ({}): the page-table engine per format; ns/page = time / pages, best of {} runs\n"
        "   random-4k-64g / -1t: {} distinct random 4 KiB pages, one change each; base = the engine's walk of them\n"
        "   contiguous-4k-1g: 1 GiB of 4 KiB pages in one change; map-2m-1g / unmap-2m-1g: 1 GiB of 2 MiB blocks\n"
        "   in one change; base = a loop storing as many 8-byte entries into pre-zeroed memory\n\n",
        settings.smoke ? "smoke" : settings.quick ? "quick" : "full", repetitions, grouped(random_count));
    fmt::print("{:<24} {:<14} {:>9} {:>9} {:>9} {:>6} {:<23} {:>12} {:>9} {:>6} {:>9}\n", "workload", "format", "pages",
               "ns/page", "base", "ratio", "baseline", "table bytes", "entries", "inval", "pool");
  }
  int failures = 0;
  auto report = [&](const Result& r) {
    print(r, settings.json);
    if (!r.problem.empty()) ++failures;
  };
  for (const FormatUnderTest& f : formats) {
    report(random_maps(f, 64 * kGiB, "random-4k-64g", random_count, repetitions));
    report(random_maps(f, 1024 * kGiB, "random-4k-1t", random_count, repetitions));
    // A contiguous map takes a tenth of a millisecond: as many runs as the store loop gets.
    report(contiguous_pages(f, false, std::max(repetitions, 20)));
    report(contiguous_pages(f, true, 1));
    for (const Result& r : blocks(f, repetitions, settings.smoke ? 2 : 50)) report(r);
  }
  return failures;
}

}  // namespace smmuman::bench
