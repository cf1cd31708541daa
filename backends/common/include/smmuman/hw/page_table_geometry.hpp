// The shape of one set of page tables: a described format (a value, from
// spec/hw) narrowed to the input and output sizes a domain uses, derived once,
// as Linux derives its io_pgtable_cfg. A smaller input size drops top levels
// and narrows the new top; where the format allows concatenated start tables
// (Arm stage 2), a top level of at most log2(concatenate_max) bits is folded
// into the next, so the walk is one level shorter.
// Freestanding: no heap, no exceptions.
#pragma once

#include <cstdint>

#include "smmuman/hw/page_table_format.hpp"

namespace smmuman::hw {

struct GeometryLevel {
  unsigned number;      // the manual's level number
  unsigned index_lo;    // lowest input bit this level decodes: log2 of its entry's span
  unsigned index_bits;  // input bits it decodes
  bool leaf;            // may hold a block or page
  // The field value a table entry pointing to this level carries (AMD-Vi Next Level).
  constexpr uint64_t span() const { return uint64_t{1} << index_lo; }
};

// One translation-control value a backend programs (the format's ControlCode
// looked up for this geometry); programmed = false when the format names no
// field for it.
struct ControlSetting {
  bool programmed = false;
  const char* field = "";
  uint64_t value = 0;
};

struct Geometry {
  const PageTableFormat* format = nullptr;
  unsigned input_bits = 0;
  unsigned output_bits = 0;
  unsigned level_count = 0;
  GeometryLevel levels[8] = {};
  unsigned start = 0;               // index in format->levels of levels[0]
  unsigned concatenated_tables = 1;  // tables the start level spans
  uint64_t root_bytes = 0;          // at least one granule; aligned to its size
  uint64_t table_bytes = 0;         // every other table: one granule
  // What the backend programs, derived once here (io_pgtable_cfg's tcr/vtcr):
  unsigned input_size_offset = 0;   // 64 - input_bits: Arm T0SZ / S2T0SZ (DDI0487 TCR_ELx.T0SZ)
  ControlSetting granule;           // Arm CD.TG0 / STE.S2TG
  ControlSetting start_level;       // Arm STE.S2SL0
  ControlSetting output_size;       // Arm CD.IPS / STE.S2PS
  ControlSetting levels_setting;    // VT-d AW, AMD-Vi DTE.Mode, RISC-V iosatp/iohgatp.MODE

  constexpr const GeometryLevel& last() const { return levels[level_count - 1]; }
  // Page and block sizes a leaf can map, as a bit set (bit n = 2^n bytes).
  constexpr uint64_t page_sizes() const {
    uint64_t sizes = 0;
    for (unsigned i = 0; i < level_count; ++i) {
      if (levels[i].leaf) sizes |= levels[i].span();
    }
    return sizes;
  }
};

enum class GeometryProblem : uint8_t { none, input_bits, output_bits, page_sizes, granule_code, start_level_code, output_bits_code, levels_code };

constexpr const char* to_string(GeometryProblem p) {
  switch (p) {
    case GeometryProblem::none: return "none";
    case GeometryProblem::input_bits: return "input size outside the format's (granule + 1 .. input_bits_max)";
    case GeometryProblem::output_bits: return "output size outside the format's (granule .. output_bits_max)";
    case GeometryProblem::page_sizes: return "the page sizes allowed do not include the granule";
    case GeometryProblem::granule_code: return "the format's granule has no encoding in its control field";
    case GeometryProblem::start_level_code: return "the start level has no encoding in the format's control field";
    case GeometryProblem::output_bits_code: return "the output size has no encoding in the format's control field";
    case GeometryProblem::levels_code: return "the number of levels has no encoding in the format's control field";
  }
  return "?";
}

// The encoding of `property` in `code`; false when the code names a field
// but has no encoding for the property (that geometry cannot be programmed).
constexpr bool look_up(const ControlCode& code, uint64_t property, ControlSetting& out) {
  out = ControlSetting{};
  if (code.count == 0) return true;
  for (unsigned i = 0; i < code.count; ++i) {
    if (code.values[i].property == property) {
      out = ControlSetting{true, code.field, code.values[i].encoding};
      return true;
    }
  }
  return false;
}

// The format narrowed to `input_bits` and `output_bits` (0: the format's
// own) and to the leaf sizes in `page_sizes` (bit n: 2^n bytes; a unit's
// reported sizes, as VT-d's CAP_REG.SSLPS gives them).
constexpr GeometryProblem derive_geometry(const PageTableFormat& f, Geometry& g, unsigned input_bits = 0,
                                          unsigned output_bits = 0, uint64_t page_sizes = ~uint64_t{0}) {
  if (input_bits == 0) input_bits = f.input_bits_max;
  if (output_bits == 0) output_bits = f.output_bits_max;
  if (input_bits <= f.granule_lg2 || input_bits > f.input_bits_max) return GeometryProblem::input_bits;
  if (output_bits < f.granule_lg2 || output_bits > f.output_bits_max) return GeometryProblem::output_bits;
  if ((page_sizes >> f.granule_lg2 & 1) == 0) return GeometryProblem::page_sizes;
  unsigned start = 0;
  while (f.levels[start].index_lo >= input_bits) ++start;  // the last level starts at the granule, below input_bits
  unsigned top_bits = input_bits - f.levels[start].index_lo;
  unsigned concat_lg2 = 0;
  for (unsigned m = f.concatenate_max; m > 1; m >>= 1) ++concat_lg2;
  const unsigned entry_lg2 = f.entry_bytes == 16 ? 4 : 3;
  const unsigned per_table = f.granule_lg2 - entry_lg2;
  unsigned concatenated = 1;
  // Fold a small top level into concatenated tables one level down.
  if (start + 1 < f.level_count && top_bits <= concat_lg2) {
    ++start;
    top_bits = input_bits - f.levels[start].index_lo;
    concatenated = top_bits > per_table ? 1u << (top_bits - per_table) : 1;
  }
  g = Geometry{};
  g.format = &f;
  g.input_bits = input_bits;
  g.output_bits = output_bits;
  g.start = start;
  g.level_count = f.level_count - start;
  for (unsigned i = 0; i < g.level_count; ++i) {
    const PageTableLevel& l = f.levels[start + i];
    const bool allowed = l.index_lo < 64 && (page_sizes >> l.index_lo & 1) != 0;
    g.levels[i] = GeometryLevel{l.level, l.index_lo, i == 0 ? top_bits : l.index_hi - l.index_lo + 1, l.leaf && allowed};
  }
  g.concatenated_tables = concatenated;
  g.table_bytes = uint64_t{1} << f.granule_lg2;
  // The root holds what the hardware may index. Where the walk starts at the
  // format's own top level, that is the whole top level, however narrow the
  // input: RISC-V's x4 modes always index 11 bits of a 16 KiB root.
  const unsigned hardware_top_bits = start == 0 ? f.levels[0].index_hi - f.levels[0].index_lo + 1 : top_bits;
  const uint64_t top_bytes = uint64_t{1} << (hardware_top_bits + entry_lg2);
  g.root_bytes = top_bytes > g.table_bytes ? top_bytes : g.table_bytes;
  g.input_size_offset = 64 - input_bits;
  if (!look_up(f.granule_code, f.granule_lg2, g.granule)) return GeometryProblem::granule_code;
  if (!look_up(f.start_level_code, g.levels[0].number, g.start_level)) return GeometryProblem::start_level_code;
  if (!look_up(f.output_bits_code, output_bits, g.output_size)) return GeometryProblem::output_bits_code;
  if (!look_up(f.levels_code, g.level_count, g.levels_setting)) return GeometryProblem::levels_code;
  return GeometryProblem::none;
}

}  // namespace smmuman::hw
