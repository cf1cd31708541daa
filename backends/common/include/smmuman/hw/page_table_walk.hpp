// The walk of any described page-table format: what one input address
// translates to, read from the tables as the hardware would read them. The
// format is a value (page_table_format.hpp), so one walk serves them all; the
// page-table engine and its tests use it to read back what was written.
// Freestanding: no heap, no exceptions.
#pragma once

#include <concepts>
#include <cstdint>

#include "smmuman/hw/bits.hpp"
#include "smmuman/hw/page_table_geometry.hpp"

namespace smmuman::hw {

// Table memory as the walk reads it: entry `index` of the table at physical
// address `table`, as `count` little-endian 64-bit words.
template <class Memory>
concept TableMemory = requires(const Memory& memory, uint64_t table, uint64_t index, uint64_t* words, unsigned count) {
  memory.read_entry(table, index, words, count);
};

// Permission bits of a leaf, as the held tables use them.
inline constexpr uint8_t kLeafRead = 1;
inline constexpr uint8_t kLeafWrite = 2;
inline constexpr uint8_t kLeafExec = 4;

struct WalkResult {
  bool mapped = false;
  uint64_t output = 0;        // where the input address lands
  uint64_t page_size = 0;     // the page or block that maps it
  unsigned level_index = 0;   // the index in format.levels of the entry that maps it
  uint8_t perms = 0;          // kLeafRead | kLeafWrite | kLeafExec, as the leaf grants
};

namespace walk_detail {

constexpr uint64_t width_mask(unsigned width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

// Fields and addresses of an entry over any word type: the walk and the
// engine run them on uint64_t, and proofs/ proves on Z3 bit-vectors that the
// output-address fields of every format hold every address it can output.
//
// A field of up to 64 bits, which may cross into the next word.
template <class V, class Ops = BitOps<V>>
constexpr V field(const V* words, unsigned hi, unsigned lo) {
  const unsigned width = hi - lo + 1;
  const unsigned word = lo / 64;
  const unsigned shift = lo % 64;
  V value = Ops::lshr(words[word], shift);
  if (shift != 0 && shift + width > 64) value = value | Ops::shl(words[word + 1], 64 - shift);
  return value & Ops::constant(value, width_mask(width));
}

// Writes the low bits of `value` into a field; the bits that do not fit are
// dropped, as an address split across two fields needs.
template <class V, class Ops = BitOps<V>>
constexpr void put_field(V* words, unsigned hi, unsigned lo, const V& value) {
  const unsigned width = hi - lo + 1;
  const unsigned word = lo / 64, shift = lo % 64;
  const V mask = Ops::constant(value, width_mask(width));
  const V kept = value & mask;
  words[word] = (words[word] & ~Ops::shl(mask, shift)) | Ops::shl(kept, shift);
  if (shift != 0 && shift + width > 64) {
    const unsigned spill = 64 - shift;
    words[word + 1] = (words[word + 1] & ~Ops::lshr(mask, spill)) | Ops::lshr(kept, spill);
  }
}

constexpr bool grants(const uint64_t* words, const DescriptorField& f) {
  return f.present && field(words, f.hi, f.lo) == f.value;
}

// The output (or next-table) address an entry holds, from one field or two.
template <class V, class Ops = BitOps<V>>
constexpr V output_address(const PageTableFormat& f, const V* words) {
  V address = Ops::shl(field<V, Ops>(words, f.output_address.hi, f.output_address.lo), f.output_address.value);
  if (f.output_address_high.present) {
    address = address | Ops::shl(field<V, Ops>(words, f.output_address_high.hi, f.output_address_high.lo),
                                 f.output_address_high.value);
  }
  return address;
}

// Writes an output (or next-table) address into an entry: its bits from the
// output-address field's shift up, split across the high field if any.
template <class V, class Ops = BitOps<V>>
constexpr void put_output_address(const PageTableFormat& f, V* words, const V& address) {
  put_field<V, Ops>(words, f.output_address.hi, f.output_address.lo, Ops::lshr(address, f.output_address.value));
  if (f.output_address_high.present) {
    put_field<V, Ops>(words, f.output_address_high.hi, f.output_address_high.lo,
                      Ops::lshr(address, f.output_address_high.value));
  }
}

// What a leaf grants. Without an execute bit of either sense, the format
// cannot refuse an instruction fetch a read allows.
constexpr uint8_t leaf_perms(const PageTableFormat& f, const uint64_t* words) {
  uint8_t perms = 0;
  if (f.read.present ? grants(words, f.read) : true) perms |= kLeafRead;
  if (grants(words, f.write)) perms |= kLeafWrite;
  if (f.exec.present) {
    if (grants(words, f.exec)) perms |= kLeafExec;
  } else if (f.exec_never.present) {
    if (!grants(words, f.exec_never)) perms |= kLeafExec;
  } else if ((perms & kLeafRead) != 0) {
    perms |= kLeafExec;
  }
  return perms;
}

}  // namespace walk_detail

// Translates `input` through the tables rooted at physical address `root`.
// Levels are taken in order, one table per level: a table entry whose next
// level field (AMD-Vi) names another level than the next is not followed, as
// level skipping is not used. A format without a table marker has only tables
// above its last level. Not mapped: an input beyond the geometry's input
// size, an entry that is not valid, a leaf at a level that cannot hold one, a
// leaf above the last level without the block marker, or a last-level entry
// without the last-level leaf marker.
template <TableMemory Memory>
constexpr WalkResult walk(const Geometry& g, const Memory& memory, uint64_t root, uint64_t input) {
  using namespace walk_detail;
  const PageTableFormat& f = *g.format;
  if (g.input_bits < 64 && (input >> g.input_bits) != 0) return {};
  const unsigned word_count = f.entry_bytes / 8;
  uint64_t table = root;
  for (unsigned i = 0; i < g.level_count; ++i) {
    const GeometryLevel& level = g.levels[i];
    const uint64_t index = (input >> level.index_lo) & width_mask(level.index_bits);
    uint64_t words[2] = {0, 0};
    memory.read_entry(table, index, words, word_count);
    if (f.valid.present() && !f.valid.matches(words)) return {};
    const bool last = i + 1 == g.level_count;
    const uint64_t address = output_address(f, words);
    if (!last && (!f.table.present() || f.table.matches(words))) {
      if (f.next_level.present && field(words, f.next_level.hi, f.next_level.lo) != g.levels[i + 1].number) return {};
      table = address;
      continue;
    }
    if (!level.leaf) return {};
    if (last && f.last_level_leaf.present() && !f.last_level_leaf.matches(words)) return {};
    if (!last && f.block.present() && !f.block.matches(words)) return {};
    const uint64_t page_mask = width_mask(level.index_lo);
    return WalkResult{true, (address & ~page_mask) | (input & page_mask), page_mask + 1, g.start + i, leaf_perms(f, words)};
  }
  return {};
}

// The walk of the format at its full input and output sizes.
template <TableMemory Memory>
constexpr WalkResult walk(const PageTableFormat& f, const Memory& memory, uint64_t root, uint64_t input) {
  Geometry g;
  if (derive_geometry(f, g) != GeometryProblem::none) return {};
  return walk(g, memory, root, input);
}

}  // namespace smmuman::hw
