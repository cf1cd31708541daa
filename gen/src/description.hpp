// The model of one hardware description (spec/hw/*.yaml), as parsed and
// validated; emitters only print from it (TableGen's parse → model → emit).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smmuman::gen {

// Each number read from the description keeps its spelling (`*_text`, e.g.
// "0x1_0000" or "4"), so a message quotes it as written, never reformatted.

enum class Access { ro, rw, wo, w1c, raz_wi };
enum class StructKind { structure, command, event };

struct EnumValue {
  std::string name;
  uint64_t value = 0;
  std::string value_text;
  int line = 0;
};

struct FieldDesc {
  std::string name;
  unsigned hi = 0;
  unsigned lo = 0;
  std::string bits_text;
  std::optional<Access> access;  // registers only; defaults to the register's
  std::vector<EnumValue> values;
  std::string source;
  std::string doc;
  int line = 0;
};

// A number a backend reads from the unit at run time (a page size, an offset
// an ID register gives) that block bases are built from; in bytes.
struct LayoutParamDesc {
  std::string name;
  std::string doc;
  std::string source;
  int line = 0;
};

// One term of a block's base: a constant or a layout parameter, counted once,
// or once per instance of the block (context bank n, fault record n).
struct BaseTerm {
  std::optional<uint64_t> bytes;
  std::string param;
  bool per_instance = false;
  int line = 0;
};

struct BlockDesc {
  std::string name;
  std::string doc;
  std::string source;
  std::vector<BaseTerm> base;  // summed; from the unit's register base
  int line = 0;
};

struct RegisterDesc {
  std::string name;
  uint64_t offset = 0;
  std::string offset_text;
  unsigned width = 32;
  std::string width_text;
  Access access = Access::rw;
  std::optional<uint64_t> reset;
  std::string reset_text;
  std::string source;
  std::string doc;
  std::string block;  // empty: the unit's base
  unsigned count = 1;
  std::string count_text;  // empty when not given
  uint64_t stride = 0;
  std::string stride_text;  // empty when not given
  std::vector<FieldDesc> fields;
  int line = 0;
};

struct FixedValue {
  std::string field;
  uint64_t value = 0;
  std::string value_text;
  int line = 0;
};

struct StructDesc {
  std::string name;
  StructKind kind = StructKind::structure;
  unsigned size_bytes = 0;
  std::string size_text;
  std::string source;
  std::string doc;
  std::vector<FixedValue> fixed;
  std::vector<FieldDesc> fields;
  int line = 0;
};

struct FieldRef {
  bool present = false;
  std::string field;
  uint64_t value = 0;  // the meaningful value; for output_address, the shift
  std::string value_text;
  int line = 0;
};

// How a page-table entry is recognised (valid, table, last-level leaf): one
// field equal to a value, or several fields matched together — all equal to
// the value (RISC-V: a table entry has R = W = X = 0), any equal to it (VT-d:
// present when R or W is set) — or one field equal to none of some values
// (AMD-Vi: a table entry's Next Level is neither 0 nor 7).
enum class MarkerMatch { absent, equal, all_equal, any_equal, none_of };
struct MarkerDesc {
  MarkerMatch match = MarkerMatch::absent;
  std::vector<std::string> fields;
  uint64_t value = 0;  // equal, all_equal, any_equal
  std::string value_text;
  std::vector<uint64_t> excluded;  // none_of
  int line = 0;
  bool present() const { return match != MarkerMatch::absent; }
};

struct LevelDesc {
  unsigned level = 0;
  std::string level_text;
  unsigned index_hi = 0;
  unsigned index_lo = 0;
  std::string index_text;
  bool leaf = false;
  int line = 0;
};

// Permission sets as read (1), write (2) and exec (4) bits, spelled "R",
// "WX", "RWX" in a description.
using PermBits = uint8_t;
// Requested permissions -> what a leaf holds, indexed by the requested bits.
using HeldTable = std::array<PermBits, 8>;

// A permission set a leaf cannot hold exactly, and the larger one it holds instead.
struct Widening {
  PermBits request = 0;
  PermBits held = 0;
  std::string request_text;
  std::string held_text;
  std::string source;
  int line = 0;
};

// Every combination held as itself, except where `widened` says otherwise.
HeldTable held_table(const std::vector<Widening>& widened);

// One translation-control encoding of a page-table format: what a backend
// programs for one property of the tables it builds (the granule, the start
// level, the output size, the number of levels), as a table from the
// property's value to the field's (`control` in docs/hw-description-format.md).
struct ControlCode {
  bool present = false;
  std::string field;  // where it is programmed, as the manual names it (STE.S2SL0)
  std::vector<std::pair<uint64_t, uint64_t>> values;  // property value -> encoding
  std::string source;
  int line = 0;
};

struct PageTableDesc {
  std::string name;
  std::string source;
  std::string descriptor;
  unsigned granule_lg2 = 12;
  std::string granule_lg2_text;
  unsigned input_bits_max = 0;
  std::string input_bits_max_text;
  unsigned output_bits_max = 0;
  std::string output_bits_max_text;
  std::vector<LevelDesc> levels;
  MarkerDesc valid, table, last_level_leaf;
  MarkerDesc block;  // marks a leaf above the last level
  FieldRef output_address, read, write, exec, exec_never;
  // The address bits above output_address's, where a format keeps them in
  // another field (Arm 64 KiB granule, 52-bit output: OA[51:48] in bits 15:12).
  FieldRef output_address_high;
  // Fields the engine writes into every table / leaf entry besides markers,
  // address and permissions (`written`), and the field of a table entry that
  // names the level of the table it points to (AMD-Vi Next Level).
  std::vector<FieldRef> table_written, leaf_written;
  std::string next_level;
  int next_level_line = 0;
  // Up to this many tables may be concatenated at the start level (Arm stage
  // 2: 16), so a smaller input size can start one level lower.
  unsigned concatenate_max = 1;
  int concatenate_line = 0;
  // A live leaf may not be replaced by a table or another block size without
  // first being invalidated (Arm break-before-make).
  bool break_before_make = false;
  ControlCode control_granule, control_start_level, control_output_bits, control_levels;
  std::vector<Widening> widened;
  int line = 0;
};

// One number of the `unit` section, with the manual's word for it.
struct UnitFact {
  bool present = false;
  uint64_t value = 0;
  std::string text;
  std::string source;
  std::string doc;
  int line = 0;
};

// How a unit's ID register reports one limit at run time: a field (or one
// bit of it) of a register in a fixed block, read through a table of its
// values (a raw value not listed reports 0: the unit cannot be used), plus a
// constant, or as it is. Several reports of one limit all narrow it.
struct ReportedBy {
  std::string limit;  // input_address_bits, output_address_bits, page_sizes, stream_id_bits, contexts
  std::string reg;
  std::string field;
  std::optional<unsigned> bit;
  std::vector<std::pair<uint64_t, uint64_t>> values;  // raw -> limit
  std::optional<uint64_t> plus;
  std::string source;
  int line = 0;
};

// The most one unit of the architecture can hold: what the core admits
// requests by. Sizes and permissions come from the page-table format each
// domain uses, or, for a unit with no page tables of its own (the
// paravirtual vdev-smmu), are given here.
struct UnitDesc {
  bool present = false;
  int line = 0;
  std::string domain_format;  // a page table of this description, or empty
  int domain_format_line = 0;
  UnitFact input_address_bits, output_address_bits;  // without domain_format only
  std::vector<uint64_t> page_sizes;                  // bytes; without domain_format only
  std::string page_sizes_source;
  int page_sizes_line = 0;
  std::vector<Widening> widened;                     // without domain_format only
  UnitFact stream_id_bits, contexts, register_frame_bytes;
  UnitFact stream_ids;  // optional: how many stream IDs, when fewer than 2^stream_id_bits
  std::vector<ReportedBy> reported;  // what a unit's ID registers narrow at run time
};

struct Description {
  std::string file;
  std::string architecture;
  std::string title;
  std::map<std::string, std::string> sources;  // key -> full document title
  std::vector<std::pair<std::string, int>> source_order;  // keys as declared
  std::vector<LayoutParamDesc> layout;
  std::vector<BlockDesc> blocks;
  std::vector<RegisterDesc> registers;
  std::vector<StructDesc> structures;
  std::vector<PageTableDesc> page_tables;
  UnitDesc unit;

  std::map<std::string, size_t> structure_by_name;  // first structure of each name; filled by the loader

  const RegisterDesc* find_register(const std::string& name) const {
    for (const auto& r : registers) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }
  const BlockDesc* find_block(const std::string& name) const {
    for (const auto& b : blocks) {
      if (b.name == name) return &b;
    }
    return nullptr;
  }
  const PageTableDesc* find_page_table(const std::string& name) const {
    for (const auto& p : page_tables) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  const StructDesc* find_structure(const std::string& name) const {
    const auto it = structure_by_name.find(name);
    return it == structure_by_name.end() ? nullptr : &structures[it->second];
  }
};

struct GenError {
  std::string file;
  int line = 0;
  std::string message;
};
std::string to_string(const GenError& e);

struct LoadedDescription {
  std::optional<Description> description;  // set only when there are no errors
  std::vector<GenError> errors;
};

// Parses and validates; every error names file and line.
LoadedDescription load_description(const std::string& text, const std::string& file);
LoadedDescription load_description_file(const std::string& path);

// True for the names a generated header cannot use because a standard header
// the backends include defines them as macros (NULL, EOF, PATH_MAX, SIGRTMIN,
// errno, stdout, ...) or because Boost reserves them (BOOST_*).
bool is_standard_macro_name(std::string_view name);

// The C++ identifier of an architecture or page-table name: '-' becomes '_'.
std::string identifier(const std::string& name);

// The generated header for a valid description. Deterministic: the same
// description always gives the same bytes.
std::string emit_cpp_header(const Description& d);

}  // namespace smmuman::gen
