// A hostile reading of page-table memory, in the manner of Hafnium's fake
// architecture: every table reachable from the root is read back as the
// hardware would and checked against the format's rules, independently of the
// engine's own encoding. It reports an entry written at the wrong level, a
// bit outside every field the format defines, a leaf whose output is not
// aligned to its size or lies beyond the output size, a table entry naming a
// level other than the next, a table reached twice or not allocated, an empty
// table kept, and any allocated table that the root does not reach.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <set>
#include <string>

#include "smmuman/hw/arena_tables.hpp"
#include "smmuman/hw/page_table_walk.hpp"

namespace smmuman::hw::test {

class TableAudit {
 public:
  TableAudit(const Geometry& g, ArenaTables& memory) : g_(g), f_(*g.format), memory_(memory) {}

  // The first problem found, or "" when the tables are sound.
  std::string run(uint64_t root) {
    seen_.clear();
    problem_.clear();
    if (!memory_.is_live(root)) return "the root is not an allocated table";
    seen_.insert(root);
    visit(0, root, 0);
    if (problem_.empty() && seen_.size() != memory_.live_tables()) {
      problem_ = fmt::format("{} tables are allocated but {} are reachable: a table leaked", memory_.live_tables(),
                             seen_.size());
    }
    return problem_;
  }

 private:
  static uint64_t bits(unsigned hi, unsigned lo) {
    const unsigned width = hi - lo + 1;
    return (width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1) << lo;
  }
  // Every bit some field of the format may set (entries here are one word).
  uint64_t known_bits(bool table) const {
    uint64_t known = bits(f_.output_address.hi, f_.output_address.lo);
    if (f_.output_address_high.present) known |= bits(f_.output_address_high.hi, f_.output_address_high.lo);
    for (const Marker* m : {&f_.valid, &f_.table, &f_.last_level_leaf, &f_.block}) {
      for (unsigned i = 0; i < m->field_count; ++i) known |= bits(m->fields[i].hi, m->fields[i].lo);
    }
    const WrittenFields& written = table ? f_.table_written : f_.leaf_written;
    for (unsigned i = 0; i < written.count; ++i) known |= bits(written.fields[i].hi, written.fields[i].lo);
    if (table) {
      if (f_.next_level.present) known |= bits(f_.next_level.hi, f_.next_level.lo);
    } else {
      for (const DescriptorField* d : {&f_.read, &f_.write, &f_.exec, &f_.exec_never}) {
        if (d->present) known |= bits(d->hi, d->lo);
      }
    }
    return known;
  }

  void fail(unsigned li, uint64_t table, uint64_t index, uint64_t entry, const std::string& why) {
    if (problem_.empty()) {
      problem_ = fmt::format("level {} table {:#x} entry {} ({:#018x}): {}", g_.levels[li].number, table, index, entry, why);
    }
  }

  // Returns the number of valid entries in the table.
  uint64_t visit(unsigned li, uint64_t table, uint64_t base) {
    const GeometryLevel& level = g_.levels[li];
    const bool last = li + 1 == g_.level_count;
    const uint64_t entries = uint64_t{1} << level.index_bits;
    const uint64_t* words = memory_.words_at(table);
    uint64_t valid_count = 0;
    for (uint64_t i = 0; i < entries && problem_.empty(); ++i) {
      const uint64_t ew[2] = {words[i], 0};  // a field may reach into a second word
      const uint64_t e = ew[0];
      if (f_.valid.present() ? !f_.valid.matches(ew) : e == 0) {
        if (e != 0) fail(li, table, i, e, "an invalid entry with bits set");
        continue;
      }
      ++valid_count;
      const uint64_t input = base + i * level.span();
      const uint64_t address = walk_detail::output_address(f_, ew);
      if (!last && (!f_.table.present() || f_.table.matches(ew))) {
        if ((e & ~known_bits(true)) != 0) fail(li, table, i, e, "bits outside every table-entry field");
        if (f_.next_level.present && walk_detail::field(ew, f_.next_level.hi, f_.next_level.lo) != g_.levels[li + 1].number) {
          fail(li, table, i, e, "names another level than the next");
        }
        if (!memory_.is_live(address)) fail(li, table, i, e, "points to memory that is not an allocated table");
        if (!seen_.insert(address).second) fail(li, table, i, e, "points to a table already reached");
        if (!problem_.empty()) return valid_count;
        if (visit(li + 1, address, input) == 0) fail(li, table, i, e, "points to an empty table");
        continue;
      }
      if (!level.leaf) fail(li, table, i, e, "a leaf at a level that cannot hold one");
      if (last && f_.last_level_leaf.present() && !f_.last_level_leaf.matches(ew)) fail(li, table, i, e, "a page without the page marker");
      if (!last && f_.block.present() && !f_.block.matches(ew)) fail(li, table, i, e, "a block without the block marker");
      if ((e & ~known_bits(false)) != 0) fail(li, table, i, e, "bits outside every leaf field");
      for (unsigned w = 0; w < f_.leaf_written.count; ++w) {
        const WrittenField& wf = f_.leaf_written.fields[w];
        if (walk_detail::field(ew, wf.hi, wf.lo) != wf.value) fail(li, table, i, e, "a leaf without its written fields");
      }
      if ((address & (level.span() - 1)) != 0) fail(li, table, i, e, "output not aligned to the leaf's size");
      if (g_.output_bits < 64 && ((address + level.span() - 1) >> g_.output_bits) != 0) fail(li, table, i, e, "output beyond the output size");
      if (walk_detail::leaf_perms(f_, ew) == 0) fail(li, table, i, e, "a leaf granting nothing");
    }
    return valid_count;
  }

  const Geometry& g_;
  const PageTableFormat& f_;
  ArenaTables& memory_;
  std::set<uint64_t> seen_;
  std::string problem_;
};

}  // namespace smmuman::hw::test
