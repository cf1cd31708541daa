// The model of one hardware description (spec/hw/*.yaml), as parsed and
// validated; emitters only print from it (TableGen's parse → model → emit).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smmuman::gen {

enum class Access { ro, rw, wo, w1c, raz_wi };
enum class StructKind { structure, command, event };

struct EnumValue {
  std::string name;
  uint64_t value = 0;
  int line = 0;
};

struct FieldDesc {
  std::string name;
  unsigned hi = 0;
  unsigned lo = 0;
  std::optional<Access> access;  // registers only; defaults to the register's
  std::vector<EnumValue> values;
  std::string source;
  std::string doc;
  int line = 0;
};

struct BlockDesc {
  std::string name;
  std::string doc;
  std::string source;
  int line = 0;
};

struct RegisterDesc {
  std::string name;
  uint64_t offset = 0;
  unsigned width = 32;
  Access access = Access::rw;
  std::optional<uint64_t> reset;
  std::string source;
  std::string doc;
  std::string block;  // empty: the unit's base
  unsigned count = 1;
  uint64_t stride = 0;
  std::vector<FieldDesc> fields;
  int line = 0;
};

struct FixedValue {
  std::string field;
  uint64_t value = 0;
  int line = 0;
};

struct StructDesc {
  std::string name;
  StructKind kind = StructKind::structure;
  unsigned size_bytes = 0;
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
  int line = 0;
};

struct LevelDesc {
  unsigned level = 0;
  unsigned index_hi = 0;
  unsigned index_lo = 0;
  bool leaf = false;
  int line = 0;
};

struct PageTableDesc {
  std::string name;
  std::string source;
  std::string descriptor;
  unsigned granule_lg2 = 12;
  unsigned input_bits_max = 0;
  unsigned output_bits_max = 0;
  std::vector<LevelDesc> levels;
  FieldRef valid, table, last_level_leaf, output_address, read, write, exec, exec_never;
  int line = 0;
};

struct Description {
  std::string file;
  std::string architecture;
  std::string title;
  std::map<std::string, std::string> sources;  // key -> full document title
  std::vector<std::pair<std::string, int>> source_order;  // keys as declared
  std::vector<BlockDesc> blocks;
  std::vector<RegisterDesc> registers;
  std::vector<StructDesc> structures;
  std::vector<PageTableDesc> page_tables;

  const StructDesc* find_structure(const std::string& name) const {
    for (const auto& s : structures) {
      if (s.name == name) return &s;
    }
    return nullptr;
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

// The C++ identifier of an architecture or page-table name: '-' becomes '_'.
std::string identifier(const std::string& name);

// The generated header for a valid description. Deterministic: the same
// description always gives the same bytes.
std::string emit_cpp_header(const Description& d);

}  // namespace smmuman::gen
