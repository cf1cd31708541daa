// One I/O page-table engine for every described format. The format is a value
// (page_table_format.hpp, generated from spec/hw) narrowed to a Geometry; the
// engine reads and writes entries only through it, so an Arm stage 2, a VT-d
// second stage, an AMD-Vi v1 and a RISC-V Sv48x4 table are built by the same
// code.
//
// Every change is two steps, as in Hafnium: `prepare` checks it and reserves
// every table it will need from the allocator, and may refuse with nothing
// changed; `commit` applies it and cannot fail. A commit returns the one
// input range whose translations changed (with whether table entries changed
// too), so a backend issues one range invalidation. A map only fills invalid
// entries, which no supported unit caches, and returns none; a unit that
// caches not-present entries (VT-d CAP.CM) invalidates the mapped range itself.
//
// Policy, stated once:
// - A map uses the largest leaf that the alignment of input and output and
//   the levels allow, and refuses to map over anything already mapped.
// - Unmapping or protecting part of a block splits it: the block becomes a
//   table of the next level's leaves with the same output and permissions,
//   built completely before it replaces the block. Where the format needs
//   break-before-make, the replacement goes through an invalid entry and a
//   synchronous invalidation (replace_live); only that function does it.
// - A table left without a valid entry is freed at once, so no table is held
//   that maps nothing. A fully covered table is not collapsed back into a
//   block: the mapping stays as the smaller leaves (as Linux's io-pgtable).
// - Level skipping (AMD-Vi) is not used; every walk passes every level.
// - Unmap and protect act on what is mapped in the range; holes are left.
//
// Freestanding: no heap, no exceptions. Tables reserved by prepare are chained
// through their first word until commit takes them.
#pragma once

#include <concepts>
#include <cstdint>

#include "smmuman/hw/page_table_geometry.hpp"
#include "smmuman/hw/page_table_walk.hpp"

namespace smmuman::hw {

// One table's memory: where the engine writes it, where the hardware reads it.
struct TablePage {
  uint64_t* words = nullptr;
  uint64_t phys = 0;
};

// The backend's DMA memory for tables. `allocate` returns zeroed memory of
// `bytes`, aligned to `bytes` (words == nullptr when out of memory);
// `release` takes back what allocate gave, possibly with entries still set;
// `words_at` turns a table's physical address back into where to write it.
// A commit releases the tables it empties before the backend has issued the
// commit's invalidation, so the allocator must not hand them out again (or
// let them hold anything but zeros) until that invalidation has completed:
// a walk cache may still point into them, as Linux defers its frees to
// after the TLB sync.
template <class A>
concept TableAllocator = requires(A& a, uint64_t bytes, uint64_t phys, TablePage page) {
  { a.allocate(bytes) } -> std::same_as<TablePage>;
  a.release(page, bytes);
  { a.words_at(phys) } -> std::same_as<uint64_t*>;
};

enum class ChangeKind : uint8_t { map, unmap, protect };

// Permission bits, as the held tables and walk use them (kLeafRead...).
struct Change {
  ChangeKind kind = ChangeKind::map;
  uint64_t iova = 0;
  uint64_t size = 0;
  uint64_t output = 0;  // map only
  uint8_t perms = 0;    // map and protect: the requested set; the format's held set is written
};

enum class Refusal : uint8_t { none, empty, unaligned, input_range, output_range, no_permission, overlap, no_memory, no_root };

constexpr const char* to_string(Refusal r) {
  switch (r) {
    case Refusal::none: return "none";
    case Refusal::empty: return "the range is empty";
    case Refusal::unaligned: return "the input, output or size is not a multiple of the granule";
    case Refusal::input_range: return "the input range lies beyond the input size";
    case Refusal::output_range: return "the output range lies beyond the output size";
    case Refusal::no_permission: return "no permission requested";
    case Refusal::overlap: return "the input range is already mapped";
    case Refusal::no_memory: return "out of table memory";
    case Refusal::no_root: return "the page table has no root table";
  }
  return "?";
}

// What one commit changed: every translation it altered lies in [first, last].
struct Invalidation {
  bool needed = false;
  uint64_t first = 0;
  uint64_t last = 0;
  bool tables = false;          // table entries changed or freed too: walk caches must go
  uint64_t smallest_leaf = 0;   // the smallest and largest leaf sizes changed, for range hints
  uint64_t largest_leaf = 0;
};

// The addresses a hardware that invalidates one address per command must
// name to cover an invalidation: one per smallest leaf changed (at least one
// granule), from the first one's start. Each command drops every entry that
// holds its address, so nothing in [first, last] is missed.
struct LeafCover {
  uint64_t first = 0;
  uint64_t step = 0;
  uint64_t count = 0;
};
constexpr LeafCover leaf_cover(const Invalidation& inv, uint64_t granule) {
  const uint64_t step = inv.smallest_leaf > granule ? inv.smallest_leaf : granule;
  const uint64_t first = inv.first & ~(step - 1);
  return {first, step, ((inv.last - first) / step) + 1};
}

// Counters a benchmark and the tests read.
struct EngineStats {
  uint64_t entries_written = 0;  // every entry store, leaves, tables and clears
  uint64_t leaves_written = 0;   // leaves a map wrote
  uint64_t tables_allocated = 0;
  uint64_t tables_freed = 0;
  uint64_t tables_live = 0;
  uint64_t splits = 0;             // blocks rebuilt as tables of smaller leaves
  uint64_t live_replacements = 0;  // break-before-make replacements done
};

// An invalidation commit must issue before it continues (break-before-make):
// the backend's synchronous range invalidation.
template <class I>
concept LiveInvalidator = requires(I& inv, uint64_t first, uint64_t last, bool tables) { inv(first, last, tables); };

struct NoLiveInvalidator {
  void operator()(uint64_t, uint64_t, bool) const {}
};

template <TableAllocator Alloc>
class PageTableEngine {
 public:
  // A prepared change: the tables it needs, taken from the allocator. One
  // dropped without a commit gives them back.
  class Prepared {
   public:
    Prepared() = default;
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;
    Prepared(Prepared&& other) noexcept { *this = static_cast<Prepared&&>(other); }
    Prepared& operator=(Prepared&& other) noexcept {
      if (this != &other) {
        if (owner_ != nullptr) owner_->abandon(*this);
        change_ = other.change_;
        refusal_ = other.refusal_;
        reserved_head_ = other.reserved_head_;
        reserved_count_ = other.reserved_count_;
        generation_ = other.generation_;
        owner_ = other.owner_;
        other.reserved_count_ = 0;
        other.owner_ = nullptr;
      }
      return *this;
    }
    ~Prepared() {
      if (owner_ != nullptr) owner_->abandon(*this);
    }

    Refusal refusal() const { return refusal_; }
    bool ok() const { return refusal_ == Refusal::none; }
    uint64_t tables_reserved() const { return reserved_count_; }

   private:
    friend class PageTableEngine;
    Change change_{};
    Refusal refusal_ = Refusal::none;
    uint64_t reserved_head_ = 0;  // phys of the first reserved table, chained through word 0
    uint64_t reserved_count_ = 0;
    uint64_t generation_ = 0;
    PageTableEngine* owner_ = nullptr;
  };

  PageTableEngine(const Geometry& g, Alloc& alloc) : g_(g), f_(*g.format), alloc_(alloc) { build_templates(); }
  PageTableEngine(const PageTableEngine&) = delete;
  PageTableEngine& operator=(const PageTableEngine&) = delete;
  ~PageTableEngine() { destroy(); }

  // Allocates the root table; false when out of memory.
  bool init() {
    if (root_.words != nullptr) return true;
    root_ = alloc_.allocate(g_.root_bytes);
    if (root_.words == nullptr) return false;
    ++stats_.tables_allocated;
    ++stats_.tables_live;
    return true;
  }

  // Frees every table, the root last.
  void destroy() {
    if (root_.words == nullptr) return;
    free_subtree(0, root_.words);
    alloc_.release(root_, g_.root_bytes);
    ++stats_.tables_freed;
    --stats_.tables_live;
    root_ = {};
  }

  uint64_t root() const { return root_.phys; }
  const Geometry& geometry() const { return g_; }
  const EngineStats& stats() const { return stats_; }

  // Checks `c` against the tables and reserves what commit will need.
  Prepared prepare(const Change& c) {
    Prepared p;
    p.change_ = c;
    p.generation_ = generation_;
    p.owner_ = this;
    p.refusal_ = check(c);
    if (!p.ok()) return p;
    Count count;
    const uint64_t last = c.iova + c.size - 1;
    if (c.kind == ChangeKind::map) {
      count_map(0, root_.words, c.iova, last, c.output - c.iova, count);
    } else {
      count_modify(0, root_.words, c.iova, last, c.kind == ChangeKind::unmap, leaf_perms_for(c.perms), count);
    }
    if (count.overlap) {
      p.refusal_ = Refusal::overlap;
      return p;
    }
    for (uint64_t i = 0; i < count.tables; ++i) {
      TablePage t = alloc_.allocate(g_.table_bytes);
      if (t.words == nullptr) {
        abandon(p);
        p.refusal_ = Refusal::no_memory;
        return p;
      }
      t.words[0] = p.reserved_head_;
      p.reserved_head_ = t.phys;
      ++p.reserved_count_;
    }
    return p;
  }

  // Gives back what a prepared change reserved, without applying it.
  void abandon(Prepared& p) {
    while (p.reserved_count_ != 0) alloc_.release(pop_reserved(p), g_.table_bytes);
  }

  // Applies a prepared change. `live` is called, synchronously, for each
  // break-before-make replacement. Undefined for a change that was not
  // prepared ok, or after another commit: that is a caller's bug, so it traps.
  template <LiveInvalidator Live = NoLiveInvalidator>
  Invalidation commit(Prepared& p, Live&& live = {}) noexcept {
    if (!p.ok() || p.generation_ != generation_) __builtin_trap();
    ++generation_;
    Commit<Live> c{p, live, {}};
    const Change& ch = p.change_;
    const uint64_t last = ch.iova + ch.size - 1;
    if (ch.kind == ChangeKind::map) {
      write_map(0, root_.words, ch.iova, last, ch.output - ch.iova, leaf_perms_for(ch.perms), false, c);
    } else {
      write_modify(0, root_.words, ch.iova, last, ch.kind == ChangeKind::unmap, leaf_perms_for(ch.perms), true, c);
    }
    if (p.reserved_count_ != 0) __builtin_trap();  // prepare counted exactly what commit takes
    return c.inv;
  }

  // The tables reachable from the root, and how many of them (the root
  // aside) hold no valid entry: the engine keeps that at zero.
  struct Census {
    uint64_t tables = 0;
    uint64_t empty = 0;
  };
  Census census() const {
    Census c;
    if (root_.words != nullptr) count_tables(0, root_.words, c);
    return c;
  }

  // The translation of one input address, as the hardware would walk it.
  WalkResult lookup(uint64_t input) const {
    struct View {
      Alloc* a;
      void read_entry(uint64_t table, uint64_t index, uint64_t* words, unsigned count) const {
        const uint64_t* t = a->words_at(table);
        for (unsigned i = 0; i < count; ++i) words[i] = __atomic_load_n(&t[index * count + i], __ATOMIC_RELAXED);
      }
    };
    return walk(g_, View{&alloc_}, root_.phys, input);
  }

 private:
  static constexpr unsigned kMaxWords = 2;
  struct Entry {
    uint64_t w[kMaxWords] = {0, 0};
  };
  struct Count {
    uint64_t tables = 0;
    bool overlap = false;
  };
  template <class Live>
  struct Commit {
    Prepared& p;
    Live& live;
    Invalidation inv;
  };

  unsigned words_per_entry() const { return f_.entry_bytes / 8; }
  uint64_t index_of(unsigned li, uint64_t addr) const {
    const GeometryLevel& l = g_.levels[li];
    return (addr >> l.index_lo) & ((uint64_t{1} << l.index_bits) - 1);
  }
  bool last_level(unsigned li) const { return li + 1 == g_.level_count; }

  // ---- entry encoding, from the format's fields --------------------------------------------------
  static void put(Entry& e, unsigned hi, unsigned lo, uint64_t value) { walk_detail::put_field(e.w, hi, lo, value); }
  // A marker written as it reads: equal and all_of set their fields to the value.
  static void put_marker(Entry& e, const Marker& m) {
    if (m.match != MarkerMatch::equal && m.match != MarkerMatch::all_equal) return;
    for (unsigned i = 0; i < m.field_count; ++i) put(e, m.fields[i].hi, m.fields[i].lo, m.value);
  }
  static void put_written(Entry& e, const WrittenFields& w) {
    for (unsigned i = 0; i < w.count; ++i) put(e, w.fields[i].hi, w.fields[i].lo, w.fields[i].value);
  }
  // A permission field: its value grants; the opposite (0, or 1 for a value of 0) does not.
  static void put_grant(Entry& e, const DescriptorField& d, bool granted) {
    if (d.present) put(e, d.hi, d.lo, granted ? d.value : (d.value == 0 ? 1 : 0));
  }

  void build_templates() {
    for (unsigned li = 0; li < g_.level_count; ++li) {
      Entry t;
      put_written(t, f_.table_written);
      put_marker(t, f_.valid);
      put_marker(t, f_.table);
      if (f_.next_level.present && li + 1 < g_.level_count) {
        put(t, f_.next_level.hi, f_.next_level.lo, g_.levels[li + 1].number);
      }
      table_template_[li] = t;
      for (unsigned perms = 0; perms < 8; ++perms) {
        Entry e;
        put_written(e, f_.leaf_written);
        put_marker(e, f_.valid);
        put_marker(e, last_level(li) ? f_.last_level_leaf : f_.block);
        put_grant(e, f_.read, perms & kLeafRead);
        put_grant(e, f_.write, perms & kLeafWrite);
        put_grant(e, f_.exec, perms & kLeafExec);
        put_grant(e, f_.exec_never, !(perms & kLeafExec));
        leaf_template_[li][perms] = e;
      }
    }
  }
  uint8_t leaf_perms_for(uint8_t requested) const { return f_.held[requested & 7]; }

  Entry with_address(const Entry& t, uint64_t address) const {
    Entry e = t;
    walk_detail::put_output_address(f_, e.w, address);
    return e;
  }
  Entry leaf(unsigned li, uint64_t output, uint8_t perms) const { return with_address(leaf_template_[li][perms], output); }
  Entry table_entry(unsigned li, uint64_t child_phys) const { return with_address(table_template_[li], child_phys); }

  // ---- entry access -------------------------------------------------------------------------------
  Entry read(const uint64_t* table, uint64_t index) const {
    Entry e;
    const unsigned n = words_per_entry();
    for (unsigned i = 0; i < n; ++i) e.w[i] = __atomic_load_n(&table[index * n + i], __ATOMIC_RELAXED);
    return e;
  }
  // A store the walker sees whole: the word with the valid marker last.
  void store(uint64_t* table, uint64_t index, const Entry& e) {
    const unsigned n = words_per_entry();
    for (unsigned i = n; i-- > 0;) __atomic_store_n(&table[index * n + i], e.w[i], __ATOMIC_RELAXED);
    ++stats_.entries_written;
  }
  void clear(uint64_t* table, uint64_t index) {
    const unsigned n = words_per_entry();
    for (unsigned i = 0; i < n; ++i) __atomic_store_n(&table[index * n + i], 0, __ATOMIC_RELAXED);
    ++stats_.entries_written;
  }
  // Publishes a filled table or a leaf: what it points to is written first.
  void publish(uint64_t* table, uint64_t index, const Entry& e) {
    __atomic_thread_fence(__ATOMIC_RELEASE);
    store(table, index, e);
  }
  // A marker read with one mask and compare where its form allows (every
  // hot loop asks whether an entry is valid or a table), else by its fields.
  struct FastMarker {
    enum Kind : uint8_t { always, masked_equal, any_bit, fields } kind = always;
    uint64_t mask = 0;
    uint64_t want = 0;
  };
  static FastMarker fast(const Marker& m) {
    FastMarker fm;
    if (!m.present()) return fm;
    fm.kind = FastMarker::fields;
    uint64_t mask = 0, want = 0;
    bool single_bits = true;
    for (unsigned i = 0; i < m.field_count; ++i) {
      if (m.fields[i].hi >= 64) return fm;
      const uint64_t field_mask = walk_detail::width_mask(m.fields[i].hi - m.fields[i].lo + 1);
      if ((m.value & ~field_mask) != 0) return fm;  // the value cannot occur: keep the exact reading
      mask |= field_mask << m.fields[i].lo;
      want |= m.value << m.fields[i].lo;
      single_bits = single_bits && m.fields[i].hi == m.fields[i].lo;
    }
    if (m.match == MarkerMatch::equal || m.match == MarkerMatch::all_equal) {
      fm = {FastMarker::masked_equal, mask, want};
    } else if (m.match == MarkerMatch::any_equal && single_bits && m.value == 1) {
      fm = {FastMarker::any_bit, mask, 0};
    }
    return fm;
  }
  [[gnu::always_inline]] static bool matches(const FastMarker& fm, const Marker& m, const Entry& e) {
    switch (fm.kind) {
      case FastMarker::always: return true;
      case FastMarker::masked_equal: return (e.w[0] & fm.mask) == fm.want;
      case FastMarker::any_bit: return (e.w[0] & fm.mask) != 0;
      case FastMarker::fields: break;
    }
    return m.matches(e.w);
  }
  bool valid(const Entry& e) const { return matches(valid_fast_, f_.valid, e); }
  bool is_table(unsigned li, const Entry& e) const {
    return !last_level(li) && matches(table_fast_, f_.table, e);
  }
  uint64_t address_of(const Entry& e) const { return walk_detail::output_address(f_, e.w); }
  uint64_t* child(const Entry& e) { return alloc_.words_at(address_of(e)); }

  // ---- checks -------------------------------------------------------------------------------------
  Refusal check(const Change& c) const {
    if (root_.words == nullptr) return Refusal::no_root;
    if (c.size == 0) return Refusal::empty;
    const uint64_t granule = g_.last().span();
    if ((c.iova | c.size) & (granule - 1)) return Refusal::unaligned;
    if (c.kind == ChangeKind::map && (c.output & (granule - 1))) return Refusal::unaligned;
    if (c.iova + (c.size - 1) < c.iova) return Refusal::input_range;
    const uint64_t last = c.iova + c.size - 1;
    if (g_.input_bits < 64 && (last >> g_.input_bits) != 0) return Refusal::input_range;
    if (c.kind == ChangeKind::unmap) return Refusal::none;
    if ((c.perms & 7) == 0) return Refusal::no_permission;
    if (c.kind == ChangeKind::map) {
      const uint64_t out_last = c.output + (c.size - 1);
      if (out_last < c.output || (g_.output_bits < 64 && (out_last >> g_.output_bits) != 0)) return Refusal::output_range;
    }
    return Refusal::none;
  }

  // ---- the range loop shared by every pass ---------------------------------------------------------
  // Calls fn(index, entry_first, sub_first, sub_last) for each entry of level
  // `li` that [first, last] touches.
  template <class Fn>
  void for_entries(unsigned li, uint64_t first, uint64_t last, Fn&& fn) const {
    const uint64_t span = g_.levels[li].span();
    uint64_t entry_first = first & ~(span - 1);
    for (uint64_t index = index_of(li, first);; ++index) {
      const uint64_t entry_last = entry_first + (span - 1);
      const uint64_t sub_first = first > entry_first ? first : entry_first;
      const uint64_t sub_last = last < entry_last ? last : entry_last;
      fn(index, entry_first, sub_first, sub_last);
      if (entry_last >= last) break;
      entry_first += span;
    }
  }
  // Whether [sub_first, sub_last] maps as one leaf at level li with output delta.
  bool fits_leaf(unsigned li, uint64_t entry_first, uint64_t sub_first, uint64_t sub_last, uint64_t delta) const {
    const GeometryLevel& l = g_.levels[li];
    return l.leaf && sub_first == entry_first && sub_last == entry_first + (l.span() - 1) &&
           ((entry_first + delta) & (l.span() - 1)) == 0;
  }

  // ---- map ------------------------------------------------------------------------------------------
  // Tables a map needs below an entry that is not valid: the same choices
  // write_map makes, counted without a walk over the entries, since every
  // fully covered entry at a level is alike.
  uint64_t count_fresh(unsigned li, uint64_t first, uint64_t last, uint64_t delta) const {
    if (last_level(li)) return 0;
    uint64_t tables = 0;
    uint64_t full_entries = 0, full_first = 0;
    const uint64_t span = g_.levels[li].span();
    for_entries_edges(li, first, last, [&](uint64_t entry_first, uint64_t sub_first, uint64_t sub_last, uint64_t repeat) {
      if (repeat > 0) {
        full_entries = repeat;
        full_first = entry_first;
        return;
      }
      if (!fits_leaf(li, entry_first, sub_first, sub_last, delta)) tables += 1 + count_fresh(li + 1, sub_first, sub_last, delta);
    });
    if (full_entries > 0 && !fits_leaf(li, full_first, full_first, full_first + (span - 1), delta)) {
      tables += full_entries * (1 + count_fresh(li + 1, full_first, full_first + (span - 1), delta));
    }
    return tables;
  }
  // Like for_entries, but the fully covered middle entries as one call with
  // `repeat` = their number (0 for an edge entry).
  template <class Fn>
  void for_entries_edges(unsigned li, uint64_t first, uint64_t last, Fn&& fn) const {
    const uint64_t span = g_.levels[li].span();
    const uint64_t head = first & ~(span - 1), tail = last & ~(span - 1);
    const uint64_t head_last = head + (span - 1);
    fn(head, first, last < head_last ? last : head_last, uint64_t{0});
    if (tail == head) return;
    const uint64_t middle = (tail - head) / span - 1;
    if (middle > 0) fn(head + span, head + span, head + span + (span - 1), middle);
    fn(tail, tail, last, uint64_t{0});
  }

  void count_map(unsigned li, const uint64_t* table, uint64_t first, uint64_t last, uint64_t delta, Count& n) const {
    for_entries(li, first, last, [&](uint64_t index, uint64_t entry_first, uint64_t sub_first, uint64_t sub_last) {
      if (n.overlap) return;
      const Entry e = read(table, index);
      if (valid(e)) {
        if (!is_table(li, e)) {
          n.overlap = true;
          return;
        }
        count_map(li + 1, alloc_.words_at(address_of(e)), sub_first, sub_last, delta, n);
        return;
      }
      if (fits_leaf(li, entry_first, sub_first, sub_last, delta)) return;
      n.tables += 1 + count_fresh(li + 1, sub_first, sub_last, delta);
    });
  }

  // `fresh`: the table was taken in this commit, holds nothing, and the
  // hardware cannot reach it yet.
  template <class Live>
  void write_map(unsigned li, uint64_t* table, uint64_t first, uint64_t last, uint64_t delta, uint8_t perms, bool fresh,
                 Commit<Live>& c) {
    // Nothing can be in the way of a run of leaves at the last level (prepare
    // found every entry there invalid) or in a fresh table: store them in a row.
    if (words_per_entry() == 1 && !f_.output_address_high.present &&
        (last_level(li) || (fresh && whole_leaves(li, first, last, delta)))) {
      store_leaf_run(li, table, first, last, delta, perms, fresh);
      return;
    }
    for_entries(li, first, last, [&](uint64_t index, uint64_t entry_first, uint64_t sub_first, uint64_t sub_last) {
      const Entry e = read(table, index);
      if (valid(e)) {  // a table: prepare refused any leaf here
        write_map(li + 1, child(e), sub_first, sub_last, delta, perms, false, c);
        return;
      }
      if (fits_leaf(li, entry_first, sub_first, sub_last, delta)) {
        store(table, index, leaf(li, entry_first + delta, perms));
        ++stats_.leaves_written;
        return;
      }
      TablePage t = take(c.p);
      write_map(li + 1, t.words, sub_first, sub_last, delta, perms, true, c);
      publish(table, index, table_entry(li, t.phys));
    });
  }

  // Whether [first, last] is whole leaves of level li.
  bool whole_leaves(unsigned li, uint64_t first, uint64_t last, uint64_t delta) const {
    const uint64_t mask = g_.levels[li].span() - 1;
    return g_.levels[li].leaf && (first & mask) == 0 && ((last + 1) & mask) == 0 && ((first + delta) & mask) == 0;
  }

  // Leaves of level li for [first, last], one per entry: successive leaves
  // differ only in the output-address field, by one leaf's size.
  void store_leaf_run(unsigned li, uint64_t* table, uint64_t first, uint64_t last, uint64_t delta, uint8_t perms, bool fresh) {
    const GeometryLevel& level = g_.levels[li];
    const uint64_t count = ((last - first) >> level.index_lo) + 1;
    uint64_t* out = table + index_of(li, first);
    const uint64_t entry = leaf(li, first + delta, perms).w[0];
    // The field holds output >> shift and cannot overflow: the output stays below output_bits.
    const uint64_t stride = (level.span() >> f_.output_address.value) << f_.output_address.lo;
    if (fresh) {
      for (uint64_t i = 0; i < count; ++i) out[i] = entry + i * stride;
    } else {
      for (uint64_t i = 0; i < count; ++i) __atomic_store_n(&out[i], entry + i * stride, __ATOMIC_RELAXED);
    }
    stats_.entries_written += count;
    stats_.leaves_written += count;
  }

  // ---- unmap and protect ------------------------------------------------------------------------
  // Tables a split of a block at level li needs so that [first, last] (inside
  // it) can be changed alone: one table, then one per partly covered entry
  // below, which are at most the two edges at each level.
  uint64_t count_split(unsigned li, uint64_t first, uint64_t last) const {
    uint64_t tables = 1;
    const unsigned below = li + 1;
    for_entries_edges(below, first, last, [&](uint64_t entry_first, uint64_t sub_first, uint64_t sub_last, uint64_t repeat) {
      if (repeat > 0) return;
      const uint64_t entry_last = entry_first + (g_.levels[below].span() - 1);
      if (sub_first != entry_first || sub_last != entry_last) tables += count_split(below, sub_first, sub_last);
    });
    return tables;
  }

  void count_modify(unsigned li, const uint64_t* table, uint64_t first, uint64_t last, bool unmap, uint8_t perms,
                    Count& n) const {
    for_entries(li, first, last, [&](uint64_t index, uint64_t entry_first, uint64_t sub_first, uint64_t sub_last) {
      const Entry e = read(table, index);
      if (!valid(e)) return;
      const uint64_t entry_last = entry_first + (g_.levels[li].span() - 1);
      if (is_table(li, e)) {
        // Below a table the range covers whole, every leaf is covered whole: no split.
        if (sub_first != entry_first || sub_last != entry_last) {
          count_modify(li + 1, alloc_.words_at(address_of(e)), sub_first, sub_last, unmap, perms, n);
        }
        return;
      }
      if (!unmap && unchanged(e, perms)) return;
      if (sub_first != entry_first || sub_last != entry_last) n.tables += count_split(li, sub_first, sub_last);
    });
  }

  // A leaf that already grants `perms`: protecting it changes nothing, so a
  // block is neither rewritten nor split (nor broken, where that needs
  // break-before-make).
  bool unchanged(const Entry& leaf_entry, uint8_t perms) const { return walk_detail::leaf_perms(f_, leaf_entry.w) == perms; }

  void note_leaf(Invalidation& inv, uint64_t first, uint64_t last, uint64_t size) const {
    const bool tables = inv.tables;
    note_table(inv, first, last);
    inv.tables = tables;
    note_size(inv, size);
  }

  // Unmaps (or re-permits) [first, last] below one table. `live`: the table
  // is reachable by the hardware (a split's new table is not, until it
  // replaces its block). Returns whether the table holds no valid entry.
  template <class Live>
  bool write_modify(unsigned li, uint64_t* table, uint64_t first, uint64_t last, bool unmap, uint8_t perms, bool live,
                    Commit<Live>& c) {
    const uint64_t span = g_.levels[li].span();
    bool cleared = false;  // an entry of this table went invalid: it may now be empty
    for_entries(li, first, last, [&](uint64_t index, uint64_t entry_first, uint64_t sub_first, uint64_t sub_last) {
      const Entry e = read(table, index);
      if (!valid(e)) return;
      const bool whole = sub_first == entry_first && sub_last == entry_first + (span - 1);
      if (is_table(li, e)) {
        uint64_t* below = child(e);
        if (unmap && whole) {
          clear(table, index);
          note_table(c.inv, entry_first, sub_last);
          free_subtree(li + 1, below, &c.inv);
          release(TablePage{below, address_of(e)}, g_.table_bytes);
          cleared = true;
          return;
        }
        if (write_modify(li + 1, below, sub_first, sub_last, unmap, perms, live, c)) {
          clear(table, index);
          release(TablePage{below, address_of(e)}, g_.table_bytes);
          note_table(c.inv, sub_first, sub_last);
          cleared = true;
        }
        return;
      }
      if (!unmap && unchanged(e, perms)) return;
      const uint64_t output = address_of(e) & ~(span - 1);
      if (whole) {
        if (unmap) {
          clear(table, index);
          cleared = true;
        } else {
          store(table, index, leaf(li, output, perms));
        }
        note_leaf(c.inv, sub_first, sub_last, span);
        return;
      }
      // Part of a block: rebuild it one level down, change the part there,
      // then put the new table in the block's place.
      const uint8_t kept = walk_detail::leaf_perms(f_, e.w);
      TablePage t = take(c.p);
      ++stats_.splits;
      const unsigned below = li + 1;
      const uint64_t child_span = g_.levels[below].span();
      const uint64_t count = uint64_t{1} << g_.levels[below].index_bits;
      for (uint64_t i = 0; i < count; ++i) store(t.words, i, leaf(below, output + i * child_span, kept));
      write_modify(below, t.words, sub_first, sub_last, unmap, perms, /*live=*/false, c);
      note_leaf(c.inv, sub_first, sub_last, span);  // the block's size, so a range hint still reaches it
      replace_live(table, index, table_entry(li, t.phys), entry_first, entry_first + (span - 1), live, c);
    });
    // The root stays, empty or not.
    return unmap && cleared && li != 0 && table_empty(li, table);
  }

  // The one place a valid entry is replaced by a different kind or size.
  template <class Live>
  void replace_live(uint64_t* table, uint64_t index, const Entry& next, uint64_t first, uint64_t last, bool live,
                    Commit<Live>& c) {
    if (live && f_.break_before_make) {
      clear(table, index);
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      c.live(first, last, false);
      ++stats_.live_replacements;
    }
    publish(table, index, next);
    c.inv.tables = true;
  }

  // A table entry went; the leaves below it are noted where they are cleared
  // or, for a subtree freed whole, by free_subtree.
  void note_table(Invalidation& inv, uint64_t first, uint64_t last) const {
    if (!inv.needed) {
      inv.needed = true;
      inv.first = first;
      inv.last = last;
    } else {
      if (first < inv.first) inv.first = first;
      if (last > inv.last) inv.last = last;
    }
    inv.tables = true;
  }
  void note_size(Invalidation& inv, uint64_t size) const {
    if (inv.smallest_leaf == 0 || size < inv.smallest_leaf) inv.smallest_leaf = size;
    if (size > inv.largest_leaf) inv.largest_leaf = size;
  }

  uint64_t entries_in(unsigned li) const {
    return li == 0 ? g_.root_bytes / f_.entry_bytes : uint64_t{1} << g_.levels[li].index_bits;
  }

  // Calls fn(index, entry) for each valid entry; with one-word entries and
  // markers read by mask, the scan is a plain loop over the words.
  template <class Fn>
  void for_valid(unsigned li, const uint64_t* table, Fn&& fn) const {
    const uint64_t entries = entries_in(li);
    const FastMarker v = valid_fast_;
    if (words_per_entry() == 1 && v.kind != FastMarker::fields) {
      for (uint64_t i = 0; i < entries; ++i) {
        Entry e;
        e.w[0] = __atomic_load_n(&table[i], __ATOMIC_RELAXED);
        if (e.w[0] == 0) continue;  // no format marks a zero entry valid (VT-d: R = W = 0 is not present)
        if (matches(v, f_.valid, e) && !fn(i, e)) return;
      }
      return;
    }
    for (uint64_t i = 0; i < entries; ++i) {
      const Entry e = read(table, i);
      if (valid(e) && !fn(i, e)) return;
    }
  }

  bool table_empty(unsigned li, const uint64_t* table) const {
    bool empty = true;
    for_valid(li, table, [&](uint64_t, const Entry&) { return empty = false; });
    return empty;
  }

  // Releases every table below `table`, noting in `inv` the sizes of the
  // leaves they held (a last-level table holds pages: it is not read).
  void free_subtree(unsigned li, uint64_t* table, Invalidation* inv = nullptr) {
    if (last_level(li)) {
      if (inv) note_size(*inv, g_.levels[li].span());
      return;
    }
    for_valid(li, table, [&](uint64_t, const Entry& e) {
      if (!is_table(li, e)) {
        if (inv) note_size(*inv, g_.levels[li].span());
        return true;
      }
      uint64_t* below = alloc_.words_at(address_of(e));
      free_subtree(li + 1, below, inv);
      release(TablePage{below, address_of(e)}, g_.table_bytes);
      return true;
    });
  }

  void count_tables(unsigned li, const uint64_t* table, Census& c) const {
    ++c.tables;
    uint64_t valid_entries = 0;
    for_valid(li, table, [&](uint64_t, const Entry& e) {
      ++valid_entries;
      if (is_table(li, e)) count_tables(li + 1, alloc_.words_at(address_of(e)), c);
      return true;
    });
    if (li != 0 && valid_entries == 0) ++c.empty;
  }

  // ---- reserved tables ---------------------------------------------------------------------------
  TablePage pop_reserved(Prepared& p) {
    if (p.reserved_count_ == 0) __builtin_trap();  // prepare counted fewer than commit needs
    TablePage t{alloc_.words_at(p.reserved_head_), p.reserved_head_};
    p.reserved_head_ = t.words[0];
    t.words[0] = 0;
    --p.reserved_count_;
    return t;
  }
  // A reserved table, put to use.
  TablePage take(Prepared& p) {
    TablePage t = pop_reserved(p);
    ++stats_.tables_allocated;
    ++stats_.tables_live;
    return t;
  }
  // A table no longer in use goes back to the allocator.
  void release(TablePage t, uint64_t bytes) {
    alloc_.release(t, bytes);
    ++stats_.tables_freed;
    --stats_.tables_live;
  }

  Geometry g_;
  const PageTableFormat& f_;
  Alloc& alloc_;
  TablePage root_{};
  uint64_t generation_ = 0;
  EngineStats stats_;
  FastMarker valid_fast_ = fast(f_.valid);
  FastMarker table_fast_ = fast(f_.table);
  Entry table_template_[8];
  Entry leaf_template_[8][8];
};

}  // namespace smmuman::hw
