// Parsing and validation of hardware descriptions. The parser checks shape
// (keys, types, numbers) and builds the model; validate() then checks the
// rules of docs/hw-description-format.md. Each collects every error it finds; the
// rules run only on a description that parsed cleanly, so none misfires on a
// half-read item.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <queue>
#include <set>
#include <span>
#include <sstream>

#include "description.hpp"
#include "smmuman/input/file.hpp"
#include "smmuman/input/text.hpp"
#include "smmuman/input/yaml_tree.hpp"

namespace smmuman::gen {

// Escaped: file name and message may quote bytes of the input.
std::string to_string(const GenError& e) {
  // Line 0 is the file as a whole (it could not be read).
  return input::escape_for_display(e.line == 0 ? fmt::format("{}: {}", e.file, e.message)
                                               : fmt::format("{}:{}: {}", e.file, e.line, e.message));
}

HeldTable held_table(const std::vector<Widening>& widened) {
  HeldTable held{0, 1, 2, 3, 4, 5, 6, 7};
  std::array<bool, 8> seen{};
  for (const auto& w : widened) {
    if (seen[w.request & 7]) continue;  // a second widening of one set is an error; the first counts
    seen[w.request & 7] = true;
    held[w.request & 7] = w.held;
  }
  return held;
}

std::string identifier(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

namespace {

using input::YamlNode;

// Register arrays are at most this long (SMMUv2 has 128 SMRs, VT-d at most 256 fault records).
constexpr unsigned kMaxCount = 4096;
// Structures are at most this many bytes, so bit numbers go up to 32767.
constexpr unsigned kMaxStructureBytes = 4096;
constexpr unsigned kMaxBitNumber = kMaxStructureBytes * 8 - 1;
// Permission sets as a description spells them, indexed by their bits
// (read 1, write 2, exec 4); the empty set only appears in messages.
constexpr std::array<const char*, 8> kPermSetNames = {"none", "R", "W", "RW", "X", "RX", "WX", "RWX"};
// Names are at most this long: manuals' names are short, and a message may quote one.
constexpr size_t kMaxNameLength = 128;

bool is_upper_name(const std::string& s) {
  if (s.empty() || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}
// C++ keywords and alternative tokens, and names the generated code or its
// library already declare in the namespaces it writes into.
bool is_reserved_identifier(const std::string& s) {
  static const std::set<std::string> reserved = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
      "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr", "constinit",
      "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete", "do", "double",
      "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
      "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
      "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires", "return", "short",
      "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
      "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
      "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // names in smmuman::hw and the generated namespaces
      "hana", "std", "boost", "smmuman", "hw", "regs", "structs", "blocks", "page_tables", "all", "architecture", "title",
      "unit", "unit_description",
      "read", "write", "modify", "dump", "diff_snapshots", "set_fixed", "matches_fixed", "low_mask", "to_string"};
  return reserved.contains(s);
}

bool is_lower_name(const std::string& s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  if (text.empty()) return std::nullopt;
  unsigned base = 10;
  std::string digits = text;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    digits = text.substr(2);
  }
  // '_' separates digits (0xffff_f000): only between two digits.
  if (digits.empty() || digits.front() == '_' || digits.back() == '_' || digits.find("__") != std::string::npos) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : digits) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else if (c == '_') {
      continue;  // digit separator, as in 0xffff_f000
    } else {
      return std::nullopt;
    }
    if (value > (UINT64_MAX - d) / base) return std::nullopt;
    value = value * base + d;
  }
  return value;
}

// The spelling of a number, whatever its value: what parse_u64 reads when
// the value fits in 64 bits.
bool is_number_spelling(const std::string& text) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.front() == '_' || digits.back() == '_' || digits.find("__") != std::string::npos) {
    return false;
  }
  return std::all_of(digits.begin(), digits.end(), [&](char c) {
    return (c >= '0' && c <= '9') || c == '_' || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
  });
}

// A bit number in `bits` or `index`: decimal digits only (no 0x, no '_'), as
// the manuals print bit positions.
bool is_decimal(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Arithmetic on description numbers: nothing when the result would pass 2^64 - 1.
std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) {
  if (a > UINT64_MAX - b) return std::nullopt;
  return a + b;
}
std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) return std::nullopt;
  return a * b;
}

// A mask of `width` low bits, 0 <= width <= 64, without shifting by 64.
uint64_t low_bits(unsigned width) { return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

// Set bits of `mask` as the manuals write them, high first: "31, 15:8, 0".
std::string bit_list(uint64_t mask) {
  std::string out;
  for (int hi = 63; hi >= 0; --hi) {
    if (!(mask >> hi & 1)) continue;
    int lo = hi;
    while (lo > 0 && (mask >> (lo - 1) & 1)) --lo;
    out += (out.empty() ? "" : ", ") + (lo == hi ? fmt::format("{}", hi) : fmt::format("{}:{}", hi, lo));
    hi = lo;
  }
  return out;
}

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  LoadedDescription run(const std::string& text) {
    const input::YamlParse parsed = input::parse_yaml(text);
    for (const auto& problem : parsed.problems) errors_.push_back({file_, std::max(1, problem.line), problem.message});
    if (!parsed.tree) return finish(std::nullopt);
    const YamlNode root = parsed.root();
    if (!root.is_map()) {
      fail(root, "a description is a mapping with architecture, title, sources, registers, structures, page_tables");
      return finish(std::nullopt);
    }
    Description d;
    d.file = file_;
    keys(root, "description",
         {"architecture", "title", "sources", "layout", "blocks", "registers", "structures", "page_tables", "unit"});
    d.architecture = required_string(root, "architecture", "description");
    d.title = required_string(root, "title", "description");
    if (!d.architecture.empty() && !is_lower_name(d.architecture)) {
      fail(root["architecture"], fmt::format("architecture '{}' must be lower case letters, digits, '-' or '_'", d.architecture));
    }
    read_sources(root, d);
    for_each_item(root["layout"], "layout", [&](const YamlNode& n) { read_layout_param(n, d); });
    for_each_item(root["blocks"], "blocks", [&](const YamlNode& n) { read_block(n, d); });
    for_each_item(root["registers"], "registers", [&](const YamlNode& n) { read_register(n, d); });
    for_each_item(root["structures"], "structures", [&](const YamlNode& n) { read_structure(n, d); });
    for_each_item(root["page_tables"], "page_tables", [&](const YamlNode& n) { read_page_table(n, d); });
    if (root["unit"]) read_unit(root["unit"], d);
    architecture_line_ = root["architecture"] ? line_of(root["architecture"]) : 1;
    for (size_t i = 0; i < d.structures.size(); ++i) d.structure_by_name.emplace(d.structures[i].name, i);
    if (errors_.empty()) validate(d);
    return finish(std::move(d));
  }

 private:
  LoadedDescription finish(std::optional<Description> d) {
    std::stable_sort(errors_.begin(), errors_.end(), [](const GenError& a, const GenError& b) { return a.line < b.line; });
    LoadedDescription out;
    out.errors = std::move(errors_);
    if (out.errors.empty()) out.description = std::move(d);
    return out;
  }

  int line_of(const YamlNode& n) const { return std::max(1, n.line()); }
  void fail(const YamlNode& n, std::string message) { errors_.push_back({file_, line_of(n), std::move(message)}); }
  void fail_at(int line, std::string message) { errors_.push_back({file_, line, std::move(message)}); }

  // Unknown keys. (A key given twice is refused by the YAML tree itself:
  // YAML readers disagree on which copy wins.)
  void keys(const YamlNode& map, const std::string& what, std::initializer_list<const char*> allowed) {
    for (const auto& [key_node, message] : input::unknown_keys(map, what, allowed)) fail(key_node, message);
  }

  std::string scalar(const YamlNode& n, const std::string& what) {
    if (auto problem = input::not_a_scalar(n, what)) {
      fail(n, *problem);
      return {};
    }
    return n.scalar();
  }
  std::string required_string(const YamlNode& map, const char* key, const std::string& what) {
    if (!map[key]) {
      fail(map, fmt::format("{}: missing '{}'", what, key));
      return {};
    }
    return scalar(map[key], fmt::format("{} {}", what, key));
  }
  // An item's name. A name past kMaxNameLength is refused here and quoted
  // shortened from then on, so no later message repeats it whole.
  std::string item_name(const YamlNode& n, const std::string& what) {
    std::string name = required_string(n, "name", what);
    if (name.size() > kMaxNameLength) {
      fail(n["name"], fmt::format("{} '{}': a name is at most {} characters, not {}", what, input::shortened(name),
                                  kMaxNameLength, name.size()));
      name = input::shortened(name);
    }
    return name;
  }

  // `spelling`, when given, receives the number as written, for later messages.
  std::optional<uint64_t> number(const YamlNode& n, const std::string& what, std::string* spelling = nullptr) {
    const std::string text = scalar(n, what);
    if (text.empty()) return std::nullopt;
    auto v = parse_u64(text);
    if (!v && is_number_spelling(text)) {
      fail(n, fmt::format("{}: '{}' does not fit in 64 bits", what, input::shortened(text)));
    } else if (!v) {
      fail(n, fmt::format("{}: '{}' is not a number (decimal, or hexadecimal with 0x)", what, input::shortened(text)));
    }
    if (v && spelling) *spelling = text;
    return v;
  }
  // A number that must not exceed `max`; larger values are errors, never clamped.
  std::optional<unsigned> bounded(const YamlNode& map, const char* key, const std::string& what, uint64_t max,
                                  bool required = true, std::string* spelling = nullptr) {
    if (!map[key]) {
      if (required) fail(map, fmt::format("{}: missing '{}'", what, key));
      return std::nullopt;
    }
    std::string text;
    auto v = number(map[key], fmt::format("{} {}", what, key), &text);
    if (v && *v > max) {
      fail(map[key], fmt::format("{} {}: {} is more than {}", what, key, text, max));
      return std::nullopt;
    }
    if (!v) return std::nullopt;
    if (spelling) *spelling = text;
    return static_cast<unsigned>(*v);
  }
  std::optional<uint64_t> required_number(const YamlNode& map, const char* key, const std::string& what,
                                          std::string* spelling = nullptr) {
    if (!map[key]) {
      fail(map, fmt::format("{}: missing '{}'", what, key));
      return std::nullopt;
    }
    return number(map[key], fmt::format("{} {}", what, key), spelling);
  }
  bool boolean(const YamlNode& n, const std::string& what) {
    const std::string text = scalar(n, what);
    if (text == "true") return true;
    if (text != "false") fail(n, fmt::format("{} must be true or false", what));
    return false;
  }

  // "hi:lo" or "bit", in decimal; `spelling` receives the text as written.
  bool bits(const YamlNode& n, const std::string& what, unsigned& hi, unsigned& lo, std::string& spelling) {
    const std::string text = scalar(n, what);
    const auto colon = text.find(':');
    const std::string hi_text = text.substr(0, colon);
    const std::string lo_text = colon == std::string::npos ? hi_text : text.substr(colon + 1);
    if (!is_decimal(hi_text) || !is_decimal(lo_text)) {
      fail(n, fmt::format("{}: bits '{}' must be hi:lo or a bit number, in decimal", what, text));
      return false;
    }
    // Decimal digits only: parsing fails only past 2^64 - 1, which is beyond the bound too.
    const auto h = parse_u64(hi_text), l = parse_u64(lo_text);
    if (!h || !l || *h > kMaxBitNumber || *l > kMaxBitNumber) {
      fail(n, fmt::format("{}: bits '{}' go beyond bit {}, the last of a {}-byte structure", what, text, kMaxBitNumber,
                          kMaxStructureBytes));
      return false;
    }
    if (*h < *l) {
      fail(n, fmt::format("{}: bits '{}' have hi below lo (write hi:lo)", what, text));
      return false;
    }
    if (*h - *l >= 64) {
      fail(n, fmt::format("{}: bits '{}' are wider than 64 bits", what, text));
      return false;
    }
    hi = static_cast<unsigned>(*h);
    lo = static_cast<unsigned>(*l);
    spelling = text;
    return true;
  }

  std::optional<Access> access(const YamlNode& n, const std::string& what) {
    const std::string text = scalar(n, what);
    if (text == "RO") return Access::ro;
    if (text == "RW") return Access::rw;
    if (text == "WO") return Access::wo;
    if (text == "W1C") return Access::w1c;
    if (text == "RAZ_WI") return Access::raz_wi;
    fail(n, fmt::format("{}: unknown access kind '{}' (RO, RW, WO, W1C, RAZ_WI)", what, text));
    return std::nullopt;
  }

  template <class F>
  void for_each_item(const YamlNode& list, const std::string& what, F&& f) {
    if (!list) return;
    if (!list.is_sequence()) {
      fail(list, fmt::format("{} must be a list", what));
      return;
    }
    for (const auto& item : list.items()) {
      if (!item.is_map()) {
        fail(item, fmt::format("each of {} must be a mapping", what));
        continue;
      }
      f(item);
    }
  }

  // "<KEY> <where>" naming a declared source; empty text inherits `fallback`.
  // `inherits`: an item that may take its parent's source; when the parent has
  // none, the parent's own error already says so.
  std::string source(const YamlNode& map, const std::string& what, const std::string& fallback, const Description& d,
                     bool inherits = false) {
    if (!map["source"]) {
      if (!inherits) fail(map, fmt::format("{}: missing 'source' (the manual's section, table or figure)", what));
      return fallback;
    }
    const std::string text = scalar(map["source"], what + " source");
    // The key ends at the first white space; what follows it, trimmed, is the section.
    constexpr const char* kSpace = " \t\r\n\f\v";
    const size_t key_end = text.find_first_of(kSpace);
    const std::string key = text.substr(0, key_end);
    const bool has_section = key_end != std::string::npos && text.find_first_not_of(kSpace, key_end) != std::string::npos;
    if (!d.sources.contains(key)) {
      fail(map["source"], fmt::format("{}: source '{}' names no document declared under 'sources'", what, key));
    } else if (!has_section) {
      fail(map["source"], fmt::format("{}: source '{}' needs a section, table or figure after the document key", what, text));
    }
    return text;
  }

  void read_sources(const YamlNode& root, Description& d) {
    const YamlNode s = root["sources"];
    if (!s || !s.is_map() || s.size() == 0) {
      fail(s ? s : root, "description: 'sources' must map citation keys to the documents they name");
      return;
    }
    for (const auto& kv : s.entries()) {
      const std::string key = kv.first.scalar();
      if (!is_upper_name(key)) fail(kv.first, fmt::format("source key '{}' must be upper case letters, digits or '_'", key));
      d.sources[key] = scalar(kv.second, "source " + key);
      d.source_order.emplace_back(key, line_of(kv.first));
    }
  }

  void read_layout_param(const YamlNode& n, Description& d) {
    keys(n, "layout parameter", {"name", "doc", "source"});
    LayoutParamDesc p;
    p.name = item_name(n, "layout parameter");
    p.line = line_of(n);
    if (n["doc"]) p.doc = scalar(n["doc"], "layout parameter doc");
    p.source = source(n, fmt::format("layout parameter '{}'", p.name), "", d);
    d.layout.push_back(std::move(p));
  }

  void read_block(const YamlNode& n, Description& d) {
    keys(n, "block", {"name", "doc", "source", "base"});
    BlockDesc b;
    b.name = item_name(n, "block");
    b.line = line_of(n);
    if (n["doc"]) b.doc = scalar(n["doc"], "block doc");
    b.source = source(n, fmt::format("block '{}'", b.name), "", d);
    const std::string what = fmt::format("block '{}' base", b.name);
    if (!n["base"]) {
      fail(n, fmt::format("block '{}': missing 'base' (a list of terms: {{bytes: N}} or {{param: NAME}}, "
                          "each optionally per_instance: true)", b.name));
    } else if (!n["base"].is_sequence() || n["base"].size() == 0) {
      fail(n["base"], fmt::format("{}: a non-empty list of terms", what));
    } else {
      for (const YamlNode& t : n["base"].items()) {
        if (!t.is_map()) {
          fail(t, fmt::format("{}: each term is {{bytes: N}} or {{param: NAME}}", what));
          continue;
        }
        keys(t, what + " term", {"bytes", "param", "per_instance"});
        BaseTerm term;
        term.line = line_of(t);
        if (static_cast<bool>(t["bytes"]) == static_cast<bool>(t["param"])) {
          fail(t, fmt::format("{}: each term has exactly one of 'bytes' and 'param'", what));
          continue;
        }
        if (t["bytes"]) term.bytes = number(t["bytes"], what + " bytes");
        if (t["param"]) term.param = scalar(t["param"], what + " param");
        if (t["per_instance"]) term.per_instance = boolean(t["per_instance"], what + " per_instance");
        b.base.push_back(std::move(term));
      }
    }
    d.blocks.push_back(std::move(b));
  }

  std::vector<EnumValue> values(const YamlNode& n, const std::string& what) {
    std::vector<EnumValue> out;
    if (!n.is_map()) {
      fail(n, fmt::format("{}: values must map names to numbers", what));
      return out;
    }
    for (const auto& kv : n.entries()) {
      EnumValue v;
      v.name = kv.first.scalar();
      v.line = line_of(kv.first);
      if (auto x = number(kv.second, fmt::format("{} value {}", what, v.name), &v.value_text)) v.value = *x;
      out.push_back(v);
    }
    return out;
  }

  FieldDesc field(const YamlNode& n, const std::string& owner, bool in_register, const std::string& parent_source,
                  const Description& d) {
    if (in_register) {
      keys(n, fmt::format("{}.{}", owner, n["name"] ? input::shortened(n["name"].scalar()) : "?"), {"name", "bits", "access", "values", "source", "doc"});
    } else {
      keys(n, fmt::format("{}.{}", owner, n["name"] ? input::shortened(n["name"].scalar()) : "?"), {"name", "bits", "values", "source", "doc"});
    }
    FieldDesc f;
    f.name = item_name(n, owner + " field");
    f.line = line_of(n);
    const std::string what = fmt::format("{}.{}", owner, f.name);
    if (!n["bits"]) {
      fail(n, what + ": missing 'bits'");
    } else {
      bits(n["bits"], what, f.hi, f.lo, f.bits_text);
    }
    if (n["access"]) f.access = access(n["access"], what);
    if (n["values"]) f.values = values(n["values"], what);
    if (n["doc"]) f.doc = scalar(n["doc"], what + " doc");
    f.source = source(n, what, parent_source, d, /*inherits=*/true);
    return f;
  }

  void read_register(const YamlNode& n, Description& d) {
    RegisterDesc r;
    r.name = item_name(n, "register");
    r.line = line_of(n);
    const std::string what = fmt::format("register '{}'", r.name);
    keys(n, what, {"name", "offset", "width", "access", "reset", "source", "doc", "block", "count", "stride", "fields"});
    if (auto v = required_number(n, "offset", what, &r.offset_text)) r.offset = *v;
    if (auto v = bounded(n, "width", what, 64, /*required=*/true, &r.width_text)) r.width = *v;
    if (!n["access"]) {
      fail(n, what + ": missing 'access'");
    } else if (auto a = access(n["access"], what)) {
      r.access = *a;
    }
    if (n["reset"]) r.reset = number(n["reset"], what + " reset", &r.reset_text);
    if (n["doc"]) r.doc = scalar(n["doc"], what + " doc");
    if (n["block"]) r.block = scalar(n["block"], what + " block");
    if (auto v = bounded(n, "count", what, kMaxCount, /*required=*/false, &r.count_text)) r.count = *v;
    if (n["stride"]) {
      if (auto v = number(n["stride"], what + " stride", &r.stride_text)) r.stride = *v;
    }
    r.source = source(n, what, "", d);
    if (!n["fields"] || !n["fields"].is_sequence() || n["fields"].size() == 0) {
      fail(n, what + ": needs 'fields' (at least one; a plain data register has one field covering it)");
    } else {
      for_each_item(n["fields"], what + " fields", [&](const YamlNode& f) { r.fields.push_back(field(f, r.name, true, r.source, d)); });
    }
    d.registers.push_back(std::move(r));
  }

  void read_structure(const YamlNode& n, Description& d) {
    StructDesc s;
    s.name = item_name(n, "structure");
    s.line = line_of(n);
    const std::string what = fmt::format("structure '{}'", s.name);
    keys(n, what, {"name", "kind", "size", "source", "doc", "fixed", "fields"});
    if (n["kind"]) {
      const std::string k = scalar(n["kind"], what + " kind");
      if (k == "structure") {
        s.kind = StructKind::structure;
      } else if (k == "command") {
        s.kind = StructKind::command;
      } else if (k == "event") {
        s.kind = StructKind::event;
      } else {
        fail(n["kind"], fmt::format("{}: unknown kind '{}' (structure, command, event)", what, k));
      }
    }
    if (auto v = bounded(n, "size", what, kMaxStructureBytes, /*required=*/true, &s.size_text)) s.size_bytes = *v;
    if (n["doc"]) s.doc = scalar(n["doc"], what + " doc");
    s.source = source(n, what, "", d);
    if (n["fixed"]) {
      if (!n["fixed"].is_map()) {
        fail(n["fixed"], what + ": fixed must map field names to values");
      } else {
        for (const auto& kv : n["fixed"].entries()) {
          FixedValue f{kv.first.scalar(), 0, {}, line_of(kv.first)};
          if (auto v = number(kv.second, fmt::format("{} fixed {}", what, f.field), &f.value_text)) f.value = *v;
          s.fixed.push_back(f);
        }
      }
    }
    if (!n["fields"] || !n["fields"].is_sequence() || n["fields"].size() == 0) {
      fail(n, what + ": needs 'fields'");
    } else {
      for_each_item(n["fields"], what + " fields", [&](const YamlNode& f) { s.fields.push_back(field(f, s.name, false, s.source, d)); });
    }
    d.structures.push_back(std::move(s));
  }

  FieldRef field_ref(const YamlNode& map, const char* key, const std::string& what, bool value_required = true) {
    FieldRef r;
    const YamlNode n = map[key];
    if (!n) return r;
    r.line = line_of(n);
    if (!n.is_map()) {
      fail(n, fmt::format("{} {}: must be {{field: NAME, value: N}}", what, key));
      return r;
    }
    keys(n, fmt::format("{} {}", what, key), {"field", value_required ? "value" : "shift"});
    r.field = required_string(n, "field", fmt::format("{} {}", what, key));
    if (auto v = required_number(n, value_required ? "value" : "shift", fmt::format("{} {}", what, key), &r.value_text)) {
      r.value = *v;
    }
    r.present = true;
    return r;
  }

  // `{field: F, value: V}`, `{all_of: [F, ...], value: V}`, `{any_of: [F, ...], value: V}`
  // or `{field: F, none_of: [V, ...]}`.
  MarkerDesc marker(const YamlNode& map, const char* key, const std::string& owner) {
    MarkerDesc m;
    const YamlNode n = map[key];
    if (!n) return m;
    const std::string what = fmt::format("{} {}", owner, key);
    m.line = line_of(n);
    if (!n.is_map()) {
      fail(n, what + ": must be {field: NAME, value: N}, {all_of: [NAMES], value: N}, {any_of: [NAMES], value: N} "
                     "or {field: NAME, none_of: [N, ...]}");
      return m;
    }
    keys(n, what, {"field", "all_of", "any_of", "value", "none_of"});
    const int forms = (n["field"] ? 1 : 0) + (n["all_of"] ? 1 : 0) + (n["any_of"] ? 1 : 0);
    if (forms != 1) {
      fail(n, what + ": give one of field, all_of or any_of");
      return m;
    }
    auto names = [&](const YamlNode& list, const char* list_key) {
      if (!list.is_sequence() || list.size() < 2 || list.size() > 3) {
        fail(list, fmt::format("{} {}: a list of 2 or 3 field names", what, list_key));
        return;
      }
      for (const auto& item : list.items()) m.fields.push_back(scalar(item, fmt::format("{} {}", what, list_key)));
    };
    if (n["field"]) {
      m.fields.push_back(required_string(n, "field", what));
      m.match = n["none_of"] ? MarkerMatch::none_of : MarkerMatch::equal;
    } else if (n["all_of"]) {
      names(n["all_of"], "all_of");
      m.match = MarkerMatch::all_equal;
    } else {
      names(n["any_of"], "any_of");
      m.match = MarkerMatch::any_equal;
    }
    if (m.match == MarkerMatch::none_of) {
      if (n["value"]) fail(n["value"], what + ": none_of takes no value");
      const YamlNode list = n["none_of"];
      if (!list.is_sequence() || list.size() < 1 || list.size() > 4) {
        fail(list, what + " none_of: a list of 1 to 4 values");
      } else {
        for (const auto& item : list.items()) {
          if (auto v = number(item, what + " none_of")) m.excluded.push_back(*v);
        }
      }
    } else if (auto v = required_number(n, "value", what, &m.value_text)) {
      m.value = *v;
    }
    return m;
  }

  void read_page_table(const YamlNode& n, Description& d) {
    PageTableDesc p;
    p.name = item_name(n, "page table");
    p.line = line_of(n);
    const std::string what = fmt::format("page table '{}'", p.name);
    keys(n, what, {"name", "source", "descriptor", "granule_lg2", "input_bits_max", "output_bits_max", "levels", "valid",
                   "table", "last_level_leaf", "block", "output_address", "output_address_high", "permissions", "widened", "written", "control",
                   "concatenate_max", "break_before_make"});
    p.source = source(n, what, "", d);
    p.descriptor = required_string(n, "descriptor", what);
    if (auto v = bounded(n, "granule_lg2", what, 64, /*required=*/true, &p.granule_lg2_text)) p.granule_lg2 = *v;
    if (auto v = bounded(n, "input_bits_max", what, 64, /*required=*/true, &p.input_bits_max_text)) p.input_bits_max = *v;
    if (auto v = bounded(n, "output_bits_max", what, 64, /*required=*/true, &p.output_bits_max_text)) p.output_bits_max = *v;
    if (!n["levels"]) fail(n, what + ": missing 'levels'");
    for_each_item(n["levels"], what + " levels", [&](const YamlNode& l) {
      keys(l, what + " level", {"level", "index", "leaf"});
      LevelDesc level;
      level.line = line_of(l);
      if (auto v = bounded(l, "level", what + " level", 15, /*required=*/true, &level.level_text)) level.level = *v;
      if (!l["index"]) {
        fail(l, what + " level: missing 'index'");
      } else {
        bits(l["index"], what + " level index", level.index_hi, level.index_lo, level.index_text);
      }
      if (l["leaf"]) level.leaf = boolean(l["leaf"], what + " level leaf");
      p.levels.push_back(level);
    });
    p.valid = marker(n, "valid", what);
    p.table = marker(n, "table", what);
    p.last_level_leaf = marker(n, "last_level_leaf", what);
    p.block = marker(n, "block", what);
    if (auto v = bounded(n, "concatenate_max", what, 16, /*required=*/false)) {
      p.concatenate_max = *v;
      p.concatenate_line = line_of(n["concatenate_max"]);
      if (*v == 0 || (*v & (*v - 1)) != 0) fail(n["concatenate_max"], what + " concatenate_max: a power of two, 1 to 16");
    }
    if (n["break_before_make"]) p.break_before_make = boolean(n["break_before_make"], what + " break_before_make");
    if (const YamlNode written = n["written"]) {
      if (!written.is_map()) {
        fail(written, what + ": written must be a mapping of table, leaf and next_level");
      } else {
        keys(written, what + " written", {"table", "leaf", "next_level"});
        for (const auto& list : {std::pair{"table", &p.table_written}, {"leaf", &p.leaf_written}}) {
          const char* key = list.first;
          std::vector<FieldRef>* out = list.second;
          const std::string item = fmt::format("{} written {}", what, key);
          if (written[key] && (!written[key].is_sequence() || written[key].size() > 4)) {
            fail(written[key], item + ": a list of at most 4 {field: NAME, value: N}");
            continue;
          }
          for_each_item(written[key], item, [&](const YamlNode& f) {
            keys(f, item, {"field", "value", "source"});
            FieldRef r;
            r.line = line_of(f);
            r.field = required_string(f, "field", item);
            if (auto v = required_number(f, "value", item, &r.value_text)) r.value = *v;
            if (f["source"]) source(f, item, p.source, d, /*inherits=*/true);
            r.present = true;
            out->push_back(std::move(r));
          });
        }
        if (written["next_level"]) {
          p.next_level = scalar(written["next_level"], what + " written next_level");
          p.next_level_line = line_of(written["next_level"]);
        }
      }
    }
    p.output_address = field_ref(n, "output_address", what, false);
    if (!p.output_address.present) fail(n, what + ": missing 'output_address'");
    p.output_address_high = field_ref(n, "output_address_high", what, false);
    if (const YamlNode perms = n["permissions"]) {
      if (!perms.is_map()) {
        fail(perms, what + ": permissions must be a mapping");
      } else {
        keys(perms, what + " permissions", {"read", "write", "exec", "exec_never"});
        p.read = field_ref(perms, "read", what);
        p.write = field_ref(perms, "write", what);
        p.exec = field_ref(perms, "exec", what);
        p.exec_never = field_ref(perms, "exec_never", what);
      }
    } else {
      fail(n, what + ": missing 'permissions'");
    }
    p.widened = read_widened(n, what, p.source, d);
    if (const YamlNode control = n["control"]) {
      if (!control.is_map()) {
        fail(control, what + ": control must be a mapping of granule, start_level, output_bits and levels");
      } else {
        keys(control, what + " control", {"granule", "start_level", "output_bits", "levels"});
        p.control_granule = control_code(control, "granule", what, p, d);
        p.control_start_level = control_code(control, "start_level", what, p, d);
        p.control_output_bits = control_code(control, "output_bits", what, p, d);
        p.control_levels = control_code(control, "levels", what, p, d);
      }
    }
    d.page_tables.push_back(std::move(p));
  }

  // `granule: {field, value, source}` (the one granule the format has) or
  // `<property>: {field, values: {property value: encoding}, source}`.
  ControlCode control_code(const YamlNode& control, const char* key, const std::string& owner, const PageTableDesc& p,
                           const Description& d) {
    ControlCode c;
    const YamlNode n = control[key];
    if (!n) return c;
    const std::string what = fmt::format("{} control {}", owner, key);
    c.line = line_of(n);
    if (!n.is_map()) {
      fail(n, what + ": must be a mapping");
      return c;
    }
    const bool single = std::string(key) == "granule";
    keys(n, what, {"field", single ? "value" : "values", "source"});
    c.field = required_string(n, "field", what);
    c.source = source(n, what, p.source, d, /*inherits=*/true);
    if (single) {
      if (auto v = required_number(n, "value", what)) c.values.emplace_back(p.granule_lg2, *v);
    } else if (const YamlNode values = n["values"]; !values || !values.is_map() || values.size() == 0 || values.size() > 8) {
      fail(values ? values : n, what + " values: a mapping of 1 to 8 property values to encodings");
    } else {
      std::set<uint64_t> seen;
      for (const auto& kv : values.entries()) {
        const auto property = number(kv.first, what + " values key");
        const auto encoding = number(kv.second, what + " values value");
        if (!property || !encoding) continue;
        if (!seen.insert(*property).second) fail(kv.first, fmt::format("{} values: {} is given twice", what, *property));
        c.values.emplace_back(*property, *encoding);
      }
    }
    c.present = true;
    return c;
  }

  // "R", "W", "X", "RW", "RX", "WX" or "RWX": each letter once, in that order.
  std::optional<PermBits> perm_set(const YamlNode& n, const std::string& what, std::string& spelling) {
    const size_t errors_before = errors_.size();
    spelling = scalar(n, what);
    if (errors_.size() != errors_before) return std::nullopt;  // not a scalar: reported
    for (PermBits bits = 1; bits < kPermSetNames.size(); ++bits) {
      if (spelling == kPermSetNames[bits]) return bits;
    }
    fail(n, fmt::format("{}: '{}' is not a permission set (R, W, X, RW, RX, WX or RWX)", what, input::shortened(spelling)));
    return std::nullopt;
  }

  // `widened: [{request: W, held: RW, source: ...}]`: the sets a leaf cannot
  // hold exactly. Each cites the manual; one without a source inherits its owner's.
  std::vector<Widening> read_widened(const YamlNode& owner, const std::string& what, const std::string& owner_source,
                                     const Description& d) {
    std::vector<Widening> out;
    for_each_item(owner["widened"], what + " widened", [&](const YamlNode& n) {
      const std::string item = what + " widened";
      keys(n, item, {"request", "held", "source"});
      Widening w;
      w.line = line_of(n);
      w.source = source(n, item, owner_source, d, /*inherits=*/!owner_source.empty());
      std::optional<PermBits> request, held;
      if (!n["request"]) fail(n, item + ": missing 'request'");
      else request = perm_set(n["request"], item + " request", w.request_text);
      if (!n["held"]) fail(n, item + ": missing 'held'");
      else held = perm_set(n["held"], item + " held", w.held_text);
      if (!request || !held) return;
      w.request = *request;
      w.held = *held;
      out.push_back(std::move(w));
    });
    return out;
  }

  UnitFact unit_fact(const YamlNode& unit, const char* key, const Description& d, bool required) {
    UnitFact f;
    const YamlNode n = unit[key];
    const std::string what = fmt::format("unit {}", key);
    if (!n) {
      if (required) fail(unit, fmt::format("unit: missing '{}'", key));
      return f;
    }
    f.line = line_of(n);
    if (!n.is_map()) {
      fail(n, fmt::format("{}: must be {{value: N, source: KEY section}}", what));
      return f;
    }
    keys(n, what, {"value", "source", "doc"});
    if (auto v = required_number(n, "value", what, &f.text)) {
      f.value = *v;
      f.present = true;
    }
    f.source = source(n, what, "", d);
    if (n["doc"]) f.doc = scalar(n["doc"], what + " doc");
    return f;
  }

  void read_unit(const YamlNode& n, Description& d) {
    UnitDesc& u = d.unit;
    u.present = true;
    u.line = line_of(n);
    if (!n.is_map()) {
      fail(n, "unit: must be a mapping (domain_format or sizes, stream_id_bits, contexts, register_frame_bytes)");
      return;
    }
    keys(n, "unit", {"domain_format", "input_address_bits", "output_address_bits", "page_sizes", "widened",
                     "stream_id_bits", "stream_ids", "contexts", "register_frame_bytes", "reported"});
    if (n["domain_format"]) {
      u.domain_format = scalar(n["domain_format"], "unit domain_format");
      u.domain_format_line = line_of(n["domain_format"]);
      for (const char* key : {"input_address_bits", "output_address_bits", "page_sizes", "widened"}) {
        if (n[key]) {
          fail(n[key], fmt::format("unit {}: comes from the domain format '{}'; give one or the other",
                                   key, u.domain_format));
        }
      }
    } else {
      u.input_address_bits = unit_fact(n, "input_address_bits", d, true);
      u.output_address_bits = unit_fact(n, "output_address_bits", d, true);
      if (const YamlNode sizes = n["page_sizes"]; !sizes) {
        fail(n, "unit: missing 'page_sizes' (or a domain_format to take them from)");
      } else if (!sizes.is_map()) {
        fail(sizes, "unit page_sizes: must be {value: [bytes, ...], source: KEY section}");
      } else {
        keys(sizes, "unit page_sizes", {"value", "source"});
        u.page_sizes_line = line_of(sizes);
        u.page_sizes_source = source(sizes, "unit page_sizes", "", d);
        if (const YamlNode values = sizes["value"]; !values) {
          fail(sizes, "unit page_sizes: missing 'value'");
        } else if (!values.is_sequence()) {
          fail(values, "unit page_sizes value must be a list of sizes in bytes");
        } else {
          for (const auto& item : values.items()) {
            if (auto v = number(item, "unit page_sizes value")) u.page_sizes.push_back(*v);
          }
        }
      }
      u.widened = read_widened(n, "unit", "", d);
    }
    u.stream_id_bits = unit_fact(n, "stream_id_bits", d, true);
    u.stream_ids = unit_fact(n, "stream_ids", d, false);
    u.contexts = unit_fact(n, "contexts", d, true);
    u.register_frame_bytes = unit_fact(n, "register_frame_bytes", d, true);
    for_each_item(n["reported"], "unit reported", [&](const YamlNode& item) { u.reported.push_back(read_reported(item, d)); });
  }

  // `{limit: L, register: R, field: F, values: {raw: limit, ...} | plus: N, source: ...}`.
  ReportedBy read_reported(const YamlNode& n, const Description& d) {
    ReportedBy r;
    r.line = line_of(n);
    const std::string what = "unit reported";
    keys(n, what, {"limit", "register", "field", "bit", "values", "plus", "source"});
    r.limit = required_string(n, "limit", what);
    r.reg = required_string(n, "register", what);
    r.field = required_string(n, "field", what);
    r.source = source(n, what, "", d);
    if (n["values"] && n["plus"]) fail(n["plus"], what + ": give values or plus, not both");
    if (const YamlNode values = n["values"]) {
      if (!values.is_map() || values.size() == 0) {
        fail(values, what + " values: must map the field's raw values to the limit they report");
      } else {
        for (const auto& kv : values.entries()) {
          const auto raw = number(kv.first, what + " values key");
          const auto limit = number(kv.second, what + " values value");
          if (raw && limit) r.values.emplace_back(*raw, *limit);
        }
      }
    }
    if (n["plus"]) r.plus = number(n["plus"], what + " plus");
    if (n["bit"]) r.bit = bounded(n, "bit", what, 63);
    return r;
  }

  // ---- rules ----

  // For each field, one earlier-listed field it overlaps, if any. Each bit
  // remembers the first field that covered it; a field is at most 64 bits
  // wide, so this costs O(64 n) time and one slot per bit, however many
  // fields overlap (a hostile structure may repeat one range thousands of times).
  static std::vector<std::optional<size_t>> earlier_overlap(const std::vector<FieldDesc>& fields) {
    unsigned top = 0;
    for (const auto& f : fields) top = std::max(top, f.hi + 1);
    constexpr size_t kFree = ~size_t{0};
    std::vector<size_t> owner(top, kFree);
    std::vector<std::optional<size_t>> out(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      for (unsigned bit = fields[i].lo; bit <= fields[i].hi; ++bit) {
        if (owner[bit] == kFree) {
          owner[bit] = i;
        } else if (!out[i]) {
          out[i] = owner[bit];
        }
      }
    }
    return out;
  }

  void check_fields(const std::vector<FieldDesc>& fields, const std::string& owner, unsigned total_bits,
                    std::optional<Access> owner_access, bool high_bit_first) {
    std::set<std::string> names;
    const auto overlaps = earlier_overlap(fields);
    for (size_t i = 0; i < fields.size(); ++i) {
      const FieldDesc& f = fields[i];
      const std::string what = fmt::format("{}.{}", owner, f.name);
      check_upper_name(f.name, f.line, what);
      if (!names.insert(f.name).second) fail_at(f.line, fmt::format("{}: duplicate field name", what));
      // The field becomes a nested type of its owner's type, so it cannot share its name.
      if (f.name == owner) fail_at(f.line, fmt::format("{}: a field cannot have its {}'s name", what, owner_access ? "register" : "structure"));
      if (f.hi >= total_bits) {
        fail_at(f.line, fmt::format("{}: bits {} do not fit in {} bits", what, f.bits_text, total_bits));
      }
      if (const auto j = overlaps[i]) {
        fail_at(f.line, fmt::format("{}: bits {} overlap field {} ({})", what, f.bits_text, fields[*j].name, fields[*j].bits_text));
      }
      if (high_bit_first && !overlaps[i] && i > 0 && f.hi > fields[i - 1].lo) {
        fail_at(f.line, fmt::format("{}: fields are listed high bit first, as the manual prints them; {} comes "
                                    "after {} ({})", what, f.bits_text, fields[i - 1].name, fields[i - 1].bits_text));
      }
      if (owner_access && *owner_access == Access::ro && f.access &&
          (*f.access == Access::rw || *f.access == Access::wo || *f.access == Access::w1c)) {
        fail_at(f.line, fmt::format("{}: a writable field in a read-only register", what));
      }
      const unsigned width = f.hi - f.lo + 1;
      std::set<std::string> value_names;
      for (const auto& v : f.values) {
        check_upper_name(v.name, v.line, fmt::format("{} value '{}'", what, v.name));
        if (!value_names.insert(v.name).second) fail_at(v.line, fmt::format("{}: duplicate value name '{}'", what, v.name));
        if (width < 64 && v.value >> width) {
          fail_at(v.line, fmt::format("{}: value {} = {} does not fit {} bits", what, v.name, v.value_text, width));
        }
      }
    }
  }

  // Names become C++ identifiers in the generated header: upper-case ones must
  // not be macros of the standard headers a backend includes.
  void check_upper_name(const std::string& name, int line, const std::string& what) {
    if (!is_upper_name(name)) {
      fail_at(line, fmt::format("{}: names are upper case letters, digits or '_'", what));
    } else if (is_standard_macro_name(name)) {
      fail_at(line, fmt::format("{}: '{}' is a standard C/C++ macro name; choose another", what, name));
    }
  }
  // Lower-case names (architecture, page tables) become namespaces and variables.
  void check_lower_name(const std::string& name, int line, const std::string& what) {
    if (!is_lower_name(name)) {
      fail_at(line, fmt::format("{}: names are lower case letters, digits, '-' or '_'", what));
    } else if (is_standard_macro_name(identifier(name))) {
      fail_at(line, fmt::format("{}: '{}' is a standard C/C++ macro name; choose another", what, name));
    } else if (is_reserved_identifier(identifier(name))) {
      fail_at(line, fmt::format("{}: '{}' is a C++ keyword or a name the generated code already uses", what, name));
    }
  }

  // Field access must be one the register's access allows.
  void check_access(const RegisterDesc& r) {
    for (const auto& f : r.fields) {
      if (!f.access) continue;
      const Access a = *f.access;
      bool ok = true;
      switch (r.access) {
        case Access::rw: ok = true; break;
        case Access::ro: ok = a == Access::ro || a == Access::raz_wi; break;
        case Access::wo: ok = a == Access::wo; break;
        case Access::w1c: ok = a != Access::wo && a != Access::raz_wi; break;
        case Access::raz_wi: ok = a == Access::raz_wi; break;
      }
      if (!ok) {
        // RO registers keep their own, more specific message (check_fields).
        if (r.access != Access::ro) fail_at(f.line, fmt::format("{}.{}: its access does not fit its register's", r.name, f.name));
      }
    }
  }

  // A reset value may set only bits some field covers: the generated code
  // treats the others as reserved (RES0) and clears them on every write.
  void check_reset(const RegisterDesc& r, const std::string& what) {
    if (!r.reset) return;
    if (r.width < 64 && *r.reset >> r.width) {
      fail_at(r.line, fmt::format("{}: reset {} does not fit {} bits", what, r.reset_text, r.width));
      return;
    }
    uint64_t covered = 0;
    for (const auto& f : r.fields) {
      if (f.hi < r.width) covered |= low_bits(f.hi - f.lo + 1) << f.lo;  // others: check_fields reports them
    }
    if (const uint64_t reserved = *r.reset & ~covered) {
      const bool one = (reserved & (reserved - 1)) == 0;
      fail_at(r.line, fmt::format("{}: reset {} sets {} {} that no field covers (reserved: generated writes clear them)",
                                  what, r.reset_text, one ? "bit" : "bits", bit_list(reserved)));
    }
  }

  // One register's instances in its block: instance i covers the `bytes`
  // bytes from offset + i * stride; `last` is the last byte of the last
  // instance, computed without wrapping.
  struct RegisterSpan {
    size_t index = 0;  // in Description::registers, so declaration order
    uint64_t offset = 0, stride = 0, bytes = 0;
    unsigned count = 0;
    uint64_t last = 0;
  };

  // The last byte of r's last instance; nothing when it lies past 2^64 - 1.
  static std::optional<uint64_t> last_byte(const RegisterDesc& r, uint64_t bytes) {
    const auto steps = checked_mul(r.count - 1, r.stride);  // r.count >= 1
    const auto last_first = steps ? checked_add(r.offset, *steps) : std::nullopt;
    return last_first ? checked_add(*last_first, bytes - 1) : std::nullopt;
  }

  // Reports each register that overlaps an earlier-declared one of its block,
  // once, at its lowest overlapping instance. A register whose span (first
  // instance to last) meets no other span needs no per-instance work; only a
  // cluster of overlapping spans (interleaved arrays, as VT-d's fault
  // records) is checked instance by instance (check_cluster).
  void check_register_overlaps(const Description& d, std::vector<RegisterSpan> spans) {
    std::sort(spans.begin(), spans.end(), [](const RegisterSpan& a, const RegisterSpan& b) {
      return a.offset != b.offset ? a.offset < b.offset : a.index < b.index;
    });
    for (size_t begin = 0; begin < spans.size();) {
      size_t end = begin + 1;
      uint64_t cluster_last = spans[begin].last;
      while (end < spans.size() && spans[end].offset <= cluster_last) cluster_last = std::max(cluster_last, spans[end++].last);
      if (end - begin > 1) check_cluster(d, std::span<const RegisterSpan>(spans).subspan(begin, end - begin));
      begin = end;
    }
  }

  // Exact overlap within a cluster of k registers: their instance streams,
  // each already in address order, are merged through a heap, so the check
  // takes O(instances * log k) time and O(k) memory. An instance overlaps
  // exactly the instances still open when it starts, and a register has at
  // most one open at a time (its own instances are disjoint: stride >= width).
  void check_cluster(const Description& d, std::span<const RegisterSpan> cluster) {
    struct Found {
      uint64_t first = 0, last = 0;
      size_t other = 0;  // declaration index of the register overlapped
    };
    const size_t k = cluster.size();
    std::vector<std::optional<Found>> found(k);
    std::vector<uint64_t> open_first(k);  // first byte of each member's latest instance
    std::vector<unsigned> started(k, 0);  // instances of each member started so far
    using Event = std::pair<uint64_t, size_t>;  // address, member
    std::priority_queue<Event, std::vector<Event>, std::greater<>> starts, ends;
    // Members with an open instance, by declaration index; `unreported`: those not yet found overlapping.
    std::set<std::pair<size_t, size_t>> open, open_unreported;
    for (size_t m = 0; m < k; ++m) starts.emplace(cluster[m].offset, m);
    while (!starts.empty()) {
      const auto [first, m] = starts.top();
      starts.pop();
      const RegisterSpan& r = cluster[m];
      const uint64_t last = first + (r.bytes - 1);  // at most r.last: no wrap
      while (!ends.empty() && ends.top().first < first) {
        const size_t closed = ends.top().second;
        ends.pop();
        open.erase({cluster[closed].index, closed});
        open_unreported.erase({cluster[closed].index, closed});
      }
      // An earlier-declared register's instance covers `first`.
      if (!found[m] && !open.empty() && open.begin()->first < r.index) found[m] = Found{first, last, open.begin()->first};
      // This instance starts inside the open instance of every later-declared register still open.
      for (auto it = open_unreported.upper_bound({r.index, k}); it != open_unreported.end(); it = open_unreported.erase(it)) {
        const size_t later = it->second;
        found[later] = Found{open_first[later], open_first[later] + (cluster[later].bytes - 1), r.index};
      }
      open.emplace(r.index, m);
      if (!found[m]) open_unreported.emplace(r.index, m);
      ends.emplace(last, m);
      open_first[m] = first;
      if (++started[m] < r.count) starts.emplace(first + r.stride, m);  // at most r.last: no wrap
    }
    for (size_t m = 0; m < k; ++m) {
      if (!found[m]) continue;
      const RegisterDesc& r = d.registers[cluster[m].index];
      fail_at(r.line, fmt::format("register '{}': bytes {:#x}-{:#x} overlap register '{}'", r.name, found[m]->first,
                                  found[m]->last, d.registers[found[m]->other].name));
    }
  }

  void validate(const Description& d) {
    const std::filesystem::path path(file_);
    const std::string expected = path.extension() == ".yaml" ? path.stem().string() : std::string();
    if (!expected.empty() && expected != d.architecture) {
      fail_at(architecture_line_, fmt::format("architecture '{}' must match the file name '{}.yaml'", d.architecture, expected));
    }
    check_lower_name(d.architecture, architecture_line_, fmt::format("architecture '{}'", d.architecture));
    std::set<std::string> layout_names;
    for (const auto& p : d.layout) {
      check_upper_name(p.name, p.line, fmt::format("layout parameter '{}'", p.name));
      if (!layout_names.insert(p.name).second) {
        fail_at(p.line, fmt::format("layout parameter '{}' is declared twice", p.name));
      }
    }
    std::set<std::string> block_names;
    for (const auto& b : d.blocks) {
      check_upper_name(b.name, b.line, fmt::format("block '{}'", b.name));
      if (!block_names.insert(b.name).second) fail_at(b.line, fmt::format("block '{}' is declared twice", b.name));
      for (const auto& t : b.base) {
        if (!t.param.empty() && !layout_names.contains(t.param)) {
          fail_at(t.line, fmt::format("block '{}' base: '{}' is not declared under 'layout'", b.name,
                                      input::shortened(t.param)));
        }
      }
    }
    std::set<std::string> names;
    std::map<std::string, std::vector<RegisterSpan>> spans;  // per block, for the overlap check
    for (size_t index = 0; index < d.registers.size(); ++index) {
      const RegisterDesc& r = d.registers[index];
      const std::string what = fmt::format("register '{}'", r.name);
      check_upper_name(r.name, r.line, what);
      if (!names.insert(r.name).second) fail_at(r.line, what + ": duplicate register name");
      if (r.width != 32 && r.width != 64) {
        fail_at(r.line, fmt::format("{}: width must be 32 or 64, not {}", what, r.width_text));
        continue;
      }
      const uint64_t bytes = r.width / 8;
      if (r.offset % bytes != 0) {
        fail_at(r.line, fmt::format("{}: offset {} is not aligned to its {}-byte width", what, r.offset_text, bytes));
      }
      if (r.count == 0) fail_at(r.line, what + ": count must be at least 1");
      // Stride at least the width: an array's own instances never overlap.
      const bool stride_fits = r.count <= 1 || (r.stride >= bytes && r.stride % bytes == 0);
      if (!stride_fits && r.stride_text.empty()) {
        fail_at(r.line, fmt::format("{}: count {} needs a stride, a multiple of its {}-byte width", what, r.count_text, bytes));
      } else if (!stride_fits) {
        fail_at(r.line, fmt::format("{}: stride {} must be a multiple of its {}-byte width", what, r.stride_text, bytes));
      }
      if (r.count == 1 && r.stride != 0) {
        fail_at(r.line, fmt::format("{}: stride {} is given for a single register (count 1); drop it or give count",
                                    what, r.stride_text));
      }
      check_reset(r, what);
      std::string block = r.block;
      if (!block.empty() && !block_names.contains(block)) {
        fail_at(r.line, fmt::format("{}: block '{}' is not declared under 'blocks'", what, block));
      }
      if (block.empty() && !d.blocks.empty()) block = d.blocks.front().name;
      if (r.count != 0) {
        if (const auto last = last_byte(r, bytes); !last) {
          // Quotes only the numbers the description gives.
          std::string given = "offset " + r.offset_text;
          if (!r.count_text.empty()) given += ", count " + r.count_text;
          if (!r.stride_text.empty()) given += ", stride " + r.stride_text;
          fail_at(r.line, fmt::format("{}: {} past the end of the address space ({})", what,
                                      r.count_text.empty() ? "it runs" : "its instances run", given));
        } else if (stride_fits) {
          spans[block].push_back({index, r.offset, r.stride, bytes, r.count, *last});
        }
      }
      check_access(r);
      check_fields(r.fields, r.name, r.width, r.access, true);
    }
    for (auto& [block, list] : spans) check_register_overlaps(d, std::move(list));
    for (const auto& s : d.structures) {
      const std::string what = fmt::format("structure '{}'", s.name);
      check_upper_name(s.name, s.line, what);
      if (!names.insert(s.name).second) fail_at(s.line, what + ": duplicate name (registers and structures share one namespace)");
      if (s.size_bytes == 0 || s.size_bytes % 8 != 0) {
        fail_at(s.line, fmt::format("{}: size {} must be a positive multiple of 8 bytes", what, s.size_text));
        continue;
      }
      check_fields(s.fields, s.name, s.size_bytes * 8, std::nullopt, false);
      std::map<std::string, const FieldDesc*> fields_by_name;
      for (const auto& f : s.fields) fields_by_name.emplace(f.name, &f);
      for (const auto& x : s.fixed) {
        const auto it = fields_by_name.find(x.field);
        if (it == fields_by_name.end()) {
          fail_at(x.line, fmt::format("{}: fixed names no field '{}'", what, x.field));
        } else if (const unsigned width = it->second->hi - it->second->lo + 1; width < 64 && x.value >> width) {
          fail_at(x.line, fmt::format("{}: fixed {} = {} does not fit {} bits", what, x.field, x.value_text, width));
        }
      }
    }
    std::set<std::string> table_names;
    for (const auto& p : d.page_tables) check_page_table(p, d, table_names);
    if (d.unit.present) check_unit(d.unit, d);
  }

  // The rules a holding table obeys (docs/hw-description-format.md): each set
  // widened to a strictly larger one, at most once; what is held holds as
  // itself; asking for more never holds less.
  void check_widened(const std::vector<Widening>& widened, const std::string& what) {
    std::array<const Widening*, 8> by_request{};
    for (const auto& w : widened) {
      if (by_request[w.request] != nullptr) {
        fail_at(w.line, fmt::format("{} widened: {} is widened twice (also on line {})", what, w.request_text,
                                    by_request[w.request]->line));
        continue;
      }
      by_request[w.request] = &w;
      if ((w.held & w.request) != w.request || w.held == w.request) {
        fail_at(w.line, fmt::format("{} widened: {} held as {} must grant strictly more than was asked", what,
                                    w.request_text, w.held_text));
      }
    }
    const HeldTable held = held_table(widened);
    for (const auto& w : widened) {
      if (by_request[w.request] != &w) continue;  // reported as widened twice
      if (held[w.held] != w.held) {
        fail_at(w.line, fmt::format("{} widened: {} is held as {}, which is itself held as {}: what is held must "
                                    "hold as itself", what, w.request_text, w.held_text, kPermSetNames[held[w.held]]));
      }
    }
    for (unsigned asked = 1; asked < 8; ++asked) {
      for (unsigned more = 1; more < 8; ++more) {
        if ((more & asked) != asked || (held[more] & held[asked]) == held[asked]) continue;
        const Widening* w = by_request[asked] ? by_request[asked] : by_request[more];
        fail_at(w ? w->line : 0, fmt::format("{} widened: {} is held as {} but {} only as {}: asking for more may not "
                                             "hold less", what, kPermSetNames[asked], kPermSetNames[held[asked]], kPermSetNames[more],
                                             kPermSetNames[held[more]]));
        return;
      }
    }
  }

  void check_unit(const UnitDesc& u, const Description& d) {
    if (!u.domain_format.empty()) {
      const PageTableDesc* p = d.find_page_table(u.domain_format);
      if (p == nullptr) {
        fail_at(u.domain_format_line, fmt::format("unit domain_format: '{}' is not a page table of this description",
                                                  u.domain_format));
      } else {
        check_domain_format(*p, u.domain_format_line);
      }
    } else {
      for (const auto* f : {&u.input_address_bits, &u.output_address_bits}) {
        if (f->present && (f->value < 13 || f->value > 64)) {
          fail_at(f->line, fmt::format("unit: address bits {} are not 13..64", f->text));
        }
      }
      if (u.page_sizes.empty() && u.page_sizes_line != 0) fail_at(u.page_sizes_line, "unit page_sizes: empty");
      bool has_granule = false;
      for (uint64_t size : u.page_sizes) {
        if (size == 0 || (size & (size - 1)) != 0 || size < 4096) {
          fail_at(u.page_sizes_line, fmt::format("unit page_sizes: {:#x} is not a power of two of 4 KiB or more", size));
        }
        has_granule = has_granule || size == 4096;
      }
      if (!u.page_sizes.empty() && !has_granule) fail_at(u.page_sizes_line, "unit page_sizes: must include 4 KiB (0x1000)");
      check_widened(u.widened, "unit");
    }
    if (u.stream_id_bits.present && (u.stream_id_bits.value < 1 || u.stream_id_bits.value > 32)) {
      fail_at(u.stream_id_bits.line, fmt::format("unit stream_id_bits: {} is not 1..32", u.stream_id_bits.text));
    }
    if (u.contexts.present && u.contexts.value == 0) fail_at(u.contexts.line, "unit contexts: must be at least 1");
    if (u.stream_ids.present && u.stream_id_bits.present && u.stream_id_bits.value <= 32 &&
        (u.stream_ids.value == 0 || u.stream_ids.value > (uint64_t{1} << u.stream_id_bits.value))) {
      fail_at(u.stream_ids.line, fmt::format("unit stream_ids: {} is not 1..2^stream_id_bits ({})", u.stream_ids.text,
                                             uint64_t{1} << u.stream_id_bits.value));
    }
    if (u.register_frame_bytes.present && u.register_frame_bytes.value % 4096 != 0) {
      fail_at(u.register_frame_bytes.line,
              fmt::format("unit register_frame_bytes: {} is not a multiple of 4 KiB (0 when there is none)",
                          u.register_frame_bytes.text));
    }
    for (const auto& r : u.reported) check_reported(r, d);
  }

  // The format every domain of a unit uses maps 4 KiB pages (the core's
  // granule), and says what it grants: a format with no execute bit cannot
  // deny an instruction fetch a read allows, so it holds every readable set
  // with execute.
  void check_domain_format(const PageTableDesc& p, int line) {
    const std::string what = fmt::format("unit domain_format '{}'", p.name);
    const bool maps_4k = std::any_of(p.levels.begin(), p.levels.end(), [](const LevelDesc& l) { return l.leaf && l.index_lo == 12; });
    if (!maps_4k || p.input_bits_max < 13) {
      fail_at(line, fmt::format("{}: a domain's format must map 4 KiB pages over at least 13 input bits", what));
    }
    if (p.exec.present || p.exec_never.present) return;
    const HeldTable held = held_table(p.widened);
    for (unsigned asked = 1; asked < 8; ++asked) {
      if ((asked & 1) != 0 && (held[asked] & 4) == 0) {
        fail_at(line, fmt::format("{}: the format has no exec or exec_never field, so a readable leaf cannot deny "
                                  "execute; widen {} to {}", what, kPermSetNames[asked], kPermSetNames[asked | 4]));
        return;
      }
    }
  }

  // A known limit, reported by a readable field (or bit) of a single register
  // in a fixed block (read before anything about the unit's layout is known),
  // with values that fit what is read, each listed once.
  void check_reported(const ReportedBy& r, const Description& d) {
    static const std::set<std::string> kLimits = {"input_address_bits", "output_address_bits", "page_sizes",
                                                  "stream_id_bits", "contexts"};
    const std::string what = fmt::format("unit reported {}", r.limit);
    if (!kLimits.contains(r.limit)) {
      fail_at(r.line, fmt::format("unit reported: limit '{}' is not input_address_bits, output_address_bits, "
                                  "page_sizes, stream_id_bits or contexts", input::shortened(r.limit)));
      return;
    }
    const RegisterDesc* reg = d.find_register(r.reg);
    if (reg == nullptr) {
      fail_at(r.line, fmt::format("{}: no register '{}'", what, input::shortened(r.reg)));
      return;
    }
    if (reg->count != 1) fail_at(r.line, fmt::format("{}: register '{}' is an array", what, reg->name));
    if (reg->access == Access::wo || reg->access == Access::raz_wi) {
      fail_at(r.line, fmt::format("{}: register '{}' does not read what the unit has ({})", what, reg->name,
                                  reg->access == Access::wo ? "write-only" : "reads as zero"));
    }
    if (const BlockDesc* block = reg->block.empty() ? (d.blocks.empty() ? nullptr : &d.blocks.front()) : d.find_block(reg->block)) {
      for (const auto& term : block->base) {
        if (!term.param.empty() || term.per_instance) {
          fail_at(r.line, fmt::format("{}: register '{}' is in block '{}', whose base needs the run-time layout",
                                      what, reg->name, block->name));
          break;
        }
      }
    }
    const FieldDesc* field = nullptr;
    for (const auto& f : reg->fields) {
      if (f.name == r.field) field = &f;
    }
    if (field == nullptr) {
      fail_at(r.line, fmt::format("{}: register '{}' has no field '{}'", what, reg->name, input::shortened(r.field)));
      return;
    }
    if (field->access && (*field->access == Access::wo || *field->access == Access::raz_wi)) {
      fail_at(r.line, fmt::format("{}: field {}.{} does not read what the unit has", what, reg->name, field->name));
    }
    if (r.bit && *r.bit > field->hi - field->lo) {
      fail_at(r.line, fmt::format("{}: bit {} is not a bit of {}.{} ({})", what, *r.bit, reg->name, field->name, field->bits_text));
    }
    const unsigned width = r.bit ? 1 : field->hi - field->lo + 1;
    if (r.plus && (width > 32 || *r.plus > 0xffffffff)) {
      fail_at(r.line, fmt::format("{}: plus takes a field of at most 32 bits and a constant below 2^32", what));
    }
    std::set<uint64_t> raws;
    for (const auto& [raw, limit] : r.values) {
      if (width < 64 && raw >> width) {
        fail_at(r.line, fmt::format("{}: raw value {} does not fit {}.{} ({} bits)", what, raw, reg->name, field->name, width));
      }
      if (!raws.insert(raw).second) fail_at(r.line, fmt::format("{}: raw value {} given twice", what, raw));
    }
  }

  // Fields by name, per descriptor, built once: many page tables may share one descriptor.
  const FieldDesc* find_field(const StructDesc& desc, const std::string& name) {
    auto [it, fresh] = fields_by_descriptor_.try_emplace(&desc);
    if (fresh) {
      for (const auto& f : desc.fields) it->second.emplace(f.name, &f);
    }
    const auto field = it->second.find(name);
    return field == it->second.end() ? nullptr : field->second;
  }

  void check_ref(const FieldRef& r, const StructDesc& desc, const std::string& what, const char* role) {
    if (!r.present) return;
    const FieldDesc* f = find_field(desc, r.field);
    if (f == nullptr) {
      fail_at(r.line, fmt::format("{} {}: descriptor '{}' has no field '{}'", what, role, desc.name, r.field));
      return;
    }
    const unsigned width = f->hi - f->lo + 1;
    const std::string kind = role;
    if (kind != "output_address" && kind != "output_address_high" && width < 64 && r.value >> width) {
      fail_at(r.line, fmt::format("{} {}: value {} does not fit field {} ({} bits)", what, role, r.value_text, r.field, width));
    }
  }

  // Whether `name` is a field of the descriptor holding output-address bits
  // (output_address or output_address_high), which nothing else may share.
  bool is_address_field(const PageTableDesc& p, const StructDesc& desc, const std::string& name) {
    for (const FieldRef* r : {&p.output_address, &p.output_address_high}) {
      if (r->present && name == r->field && find_field(desc, name) != nullptr) return true;
    }
    return false;
  }

  // Markers no entry could carry as described: a marker in the output-address
  // field would overwrite address bits; a marker in valid's field wanting
  // another value never appears in a valid entry; exec and exec_never with one
  // field and value would grant and deny execution at once. (Markers sharing a
  // field and value are otherwise fine: Arm's TYPE = 1 marks both a table and
  // a last-level page, AMD-Vi v2's P = 1 is both valid and read.)
  void check_markers(const PageTableDesc& p, const StructDesc& desc, const std::string& what) {
    auto usable = [&](const FieldRef& r) { return r.present && find_field(desc, r.field) != nullptr; };
    for (const auto& [m, role] : {std::pair{&p.valid, "valid"}, {&p.table, "table"}, {&p.last_level_leaf, "last_level_leaf"},
                                     {&p.block, "block"}}) {
      if (!m->present()) continue;
      std::set<std::string> seen;
      for (const auto& name : m->fields) {
        if (!seen.insert(name).second) fail_at(m->line, fmt::format("{} {}: field {} is listed twice", what, role, name));
        const FieldDesc* f = find_field(desc, name);
        if (f == nullptr) {
          fail_at(m->line, fmt::format("{} {}: descriptor '{}' has no field '{}'", what, role, desc.name, name));
          continue;
        }
        if (f->lo / 64 != f->hi / 64) {
          fail_at(m->line, fmt::format("{} {}: field {} ({}) crosses a 64-bit word; a marker reads one word", what, role,
                                       name, f->bits_text));
        }
        const unsigned width = f->hi - f->lo + 1;
        std::vector<std::pair<uint64_t, std::string>> values;
        if (m->match == MarkerMatch::none_of) {
          for (uint64_t v : m->excluded) values.emplace_back(v, std::to_string(v));
        } else {
          values.emplace_back(m->value, m->value_text);
        }
        for (const auto& [v, text] : values) {
          if (width < 64 && v >> width) {
            fail_at(m->line, fmt::format("{} {}: value {} does not fit field {} ({} bits)", what, role, text, name, width));
          }
        }
        if (is_address_field(p, desc, name)) {
          fail_at(m->line, fmt::format("{} {}: field {} is the output-address field; a marker cannot share the address bits",
                                       what, role, name));
        }
      }
      if (m != &p.valid && m->match == MarkerMatch::equal && p.valid.match == MarkerMatch::equal &&
          m->fields == p.valid.fields && m->value != p.valid.value) {
        fail_at(m->line, fmt::format("{} {}: {} = {} contradicts valid ({} = {}): no valid entry could carry it", what, role,
                                     m->fields.front(), m->value_text, p.valid.fields.front(), p.valid.value_text));
      }
    }
    for (const auto& [r, role] : {std::pair{&p.read, "read"}, {&p.write, "write"}, {&p.exec, "exec"}, {&p.exec_never, "exec_never"}}) {
      if (!usable(*r)) continue;
      if (is_address_field(p, desc, r->field)) {
        fail_at(r->line, fmt::format("{} {}: field {} is the output-address field; a marker cannot share the address bits",
                                     what, role, r->field));
      } else if (p.valid.match == MarkerMatch::equal && r->field == p.valid.fields.front() && r->value != p.valid.value) {
        fail_at(r->line, fmt::format("{} {}: {} = {} contradicts valid ({} = {}): no valid entry could carry it", what, role,
                                     r->field, r->value_text, p.valid.fields.front(), p.valid.value_text));
      }
    }
    if (usable(p.exec) && usable(p.exec_never) && p.exec.field == p.exec_never.field && p.exec.value == p.exec_never.value) {
      fail_at(std::max(p.exec.line, p.exec_never.line),
              fmt::format("{}: exec ({} = {}) and exec_never ({} = {}) are one field and value; it cannot both grant and "
                          "deny execution", what, p.exec.field, p.exec.value_text, p.exec_never.field, p.exec_never.value_text));
    }
  }

  // The engine writes entries, so every marker must be writable: an equal or
  // all_of marker is written as its value; a valid any_of marker (VT-d: R or
  // W) is carried by a leaf's permissions and must be set in every table by
  // `written.table`; a none_of table marker (AMD-Vi Next Level) is written as
  // the next level's number by `written.next_level`. A block marker must not
  // read as a table.
  void check_written(const PageTableDesc& p, const StructDesc& desc, const std::string& what) {
    for (const auto& [list, role] : {std::pair{&p.table_written, "written table"}, {&p.leaf_written, "written leaf"}}) {
      std::set<std::string> seen;
      for (const auto& r : *list) {
        if (!seen.insert(r.field).second) fail_at(r.line, fmt::format("{} {}: field {} is listed twice", what, role, r.field));
        check_ref(r, desc, what, role);
        if (is_address_field(p, desc, r.field)) {
          fail_at(r.line, fmt::format("{} {}: field {} is the output-address field", what, role, r.field));
        }
        for (const auto* perm : {&p.read, &p.write, &p.exec, &p.exec_never}) {
          if (std::string(role) == "written leaf" && perm->present && perm->field == r.field) {
            fail_at(r.line, fmt::format("{} {}: field {} is a permission; the requested permissions set it", what, role, r.field));
          }
        }
      }
    }
    auto sets = [](const std::vector<FieldRef>& list, const std::string& field, uint64_t value) {
      for (const auto& r : list) {
        if (r.field == field && r.value == value) return true;
      }
      return false;
    };
    if (p.valid.match == MarkerMatch::any_equal) {
      bool carried = false;
      for (const auto& f : p.valid.fields) carried = carried || sets(p.table_written, f, p.valid.value);
      if (!carried) {
        fail_at(p.valid.line, fmt::format("{} valid: an any_of marker is not written as such; written table must set one "
                                          "of its fields to {}", what, p.valid.value_text));
      }
    }
    // Tables start zeroed (the engine's allocator contract), so a zeroed entry must read as not valid.
    if (!p.valid.present()) {
      fail_at(p.line, what + ": missing 'valid'; a zeroed entry must read as not valid");
    } else {
      const bool zero_valid = p.valid.match == MarkerMatch::none_of
                                  ? std::find(p.valid.excluded.begin(), p.valid.excluded.end(), 0) == p.valid.excluded.end()
                                  : p.valid.value == 0;
      if (zero_valid) fail_at(p.valid.line, what + " valid: a zeroed entry would read as valid; tables start zeroed");
    }
    if (p.table.match == MarkerMatch::any_equal) {
      fail_at(p.table.line, what + " table: an any_of marker cannot be written; use field or all_of");
    }
    if (p.table.match == MarkerMatch::none_of && p.next_level.empty()) {
      fail_at(p.table.line, what + " table: a none_of marker is written as the next level's number; name the field in "
                                   "written next_level");
    }
    for (const auto& [m, role] : {std::pair{&p.last_level_leaf, "last_level_leaf"}, {&p.block, "block"}}) {
      if (m->match == MarkerMatch::any_equal || m->match == MarkerMatch::none_of) {
        fail_at(m->line, fmt::format("{} {}: only field or all_of markers can be written", what, role));
      }
    }
    if (p.block.present() && p.block.match == p.table.match && p.block.fields == p.table.fields &&
        p.block.value == p.table.value) {
      fail_at(p.block.line, what + " block: it is the table marker; a block would read as a table");
    }
    if (!p.next_level.empty()) {
      const FieldDesc* f = find_field(desc, p.next_level);
      if (f == nullptr) {
        fail_at(p.next_level_line, fmt::format("{} written next_level: descriptor '{}' has no field '{}'", what, desc.name,
                                               p.next_level));
      } else {
        const unsigned width = f->hi - f->lo + 1;
        for (const auto& l : p.levels) {
          const bool excluded = std::find(p.table.excluded.begin(), p.table.excluded.end(), l.level) != p.table.excluded.end();
          if ((width < 64 && l.level >> width) || excluded) {
            fail_at(p.next_level_line, fmt::format("{} written next_level: level {} cannot be written in field {} as a "
                                                   "table's next level", what, l.level_text, p.next_level));
          }
        }
      }
    }
  }

  // A control table's keys are values the property can take: level numbers
  // of the format, level counts it can have, output sizes it can reach.
  void check_control(const PageTableDesc& p, const std::string& what, const Description& d) {
    // The field a control names, REGISTER.FIELD or STRUCTURE.FIELD, exists and
    // takes each encoding: it fits, and is one of the field's values if it lists them.
    for (const auto* code : {&p.control_granule, &p.control_start_level, &p.control_output_bits, &p.control_levels}) {
      if (!code->present) continue;
      const size_t dot = code->field.find('.');
      const std::string owner = dot == std::string::npos ? "" : code->field.substr(0, dot);
      const std::string name = dot == std::string::npos ? "" : code->field.substr(dot + 1);
      const std::vector<FieldDesc>* fields = nullptr;
      if (const RegisterDesc* r = d.find_register(owner)) fields = &r->fields;
      if (const StructDesc* st = d.find_structure(owner)) fields = &st->fields;
      const FieldDesc* f = nullptr;
      if (fields != nullptr) {
        for (const auto& candidate : *fields) {
          if (candidate.name == name) f = &candidate;
        }
      }
      if (f == nullptr) {
        fail_at(code->line, fmt::format("{} control: '{}' is not REGISTER.FIELD or STRUCTURE.FIELD of this description", what,
                                        code->field));
        continue;
      }
      const unsigned width = f->hi - f->lo + 1;
      for (const auto& entry : code->values) {
        const uint64_t encoding = entry.second;
        const bool listed = f->values.empty() || std::any_of(f->values.begin(), f->values.end(),
                                                             [&](const EnumValue& v) { return v.value == encoding; });
        if ((width < 64 && encoding >> width) || !listed) {
          fail_at(code->line, fmt::format("{} control: {} is not a value of {} ({} bits{})", what, encoding, code->field, width,
                                          f->values.empty() ? "" : ", listed values"));
        }
      }
    }
    for (const auto& entry : p.control_start_level.values) {
      const uint64_t property = entry.first;
      const bool level = std::any_of(p.levels.begin(), p.levels.end(), [&](const LevelDesc& l) { return l.level == property; });
      if (!level) fail_at(p.control_start_level.line, fmt::format("{} control start_level: {} is not a level of the format", what, property));
    }
    for (const auto& [property, value] : p.control_levels.values) {
      if (property == 0 || property > p.levels.size()) {
        fail_at(p.control_levels.line, fmt::format("{} control levels: {} is not 1..{} levels", what, property, p.levels.size()));
      }
    }
    for (const auto& [property, value] : p.control_output_bits.values) {
      if (property < p.granule_lg2 || property > p.output_bits_max) {
        fail_at(p.control_output_bits.line, fmt::format("{} control output_bits: {} is outside {}..{} (granule to output_bits_max)",
                                                        what, property, p.granule_lg2, p.output_bits_max));
      }
    }
  }

  void check_page_table(const PageTableDesc& p, const Description& d, std::set<std::string>& names) {
    const std::string what = fmt::format("page table '{}'", p.name);
    check_lower_name(p.name, p.line, what);
    // '-' and '_' give the same C++ name, so uniqueness is checked on that.
    if (!names.insert(identifier(p.name)).second) fail_at(p.line, what + ": duplicate page table name");
    check_widened(p.widened, what);
    // Rules derived from the granule (table sizes) are skipped when it is out of range: one error, not a cascade.
    const bool granule_ok = p.granule_lg2 >= 9 && p.granule_lg2 <= 16;
    if (!granule_ok) fail_at(p.line, fmt::format("{}: granule_lg2 {} is not 9..16", what, p.granule_lg2_text));
    if (p.input_bits_max == 0) fail_at(p.line, what + ": input_bits_max must be 1..64");
    if (p.output_bits_max == 0) fail_at(p.line, what + ": output_bits_max must be 1..64");
    if (p.levels.empty()) fail_at(p.line, what + ": levels must not be empty");
    if (!p.read.present && !p.write.present) fail_at(p.line, what + ": permissions must say how read or write is granted");
    const StructDesc* desc = d.find_structure(p.descriptor);
    if (desc == nullptr) {
      fail_at(p.line, fmt::format("{}: descriptor '{}' is not a structure of this description", what, p.descriptor));
      return;
    }
    if (desc->kind != StructKind::structure) {
      fail_at(p.line, fmt::format("{}: descriptor '{}' is a command or event, not a structure", what, desc->name));
    }
    if (desc->size_bytes != 8 && desc->size_bytes != 16) {
      fail_at(p.line, fmt::format("{}: descriptor '{}' is {} bytes; entries are 8 or 16", what, desc->name, desc->size_text));
      return;
    }
    for (const auto& [ref, role] : {std::pair{&p.output_address, "output_address"}, {&p.read, "read"}, {&p.write, "write"},
                                    {&p.exec, "exec"}, {&p.exec_never, "exec_never"}}) {
      check_ref(*ref, *desc, what, role);
    }
    check_markers(p, *desc, what);
    check_written(p, *desc, what);
    check_control(p, what, d);
    // The output-address field, shifted, must reach every output bit. The
    // shift is compared before it is added, so a huge one cannot wrap.
    // With output_address_high, its field holds the address bits from where
    // output_address's end, and both together must reach every output bit.
    const FieldDesc* high = p.output_address_high.present ? find_field(*desc, p.output_address_high.field) : nullptr;
    if (p.output_address_high.present) check_ref(p.output_address_high, *desc, what, "output_address_high");
    if (const FieldDesc* f = p.output_address.present ? find_field(*desc, p.output_address.field) : nullptr) {
      const unsigned width = f->hi - f->lo + 1;
      const unsigned high_width = high ? high->hi - high->lo + 1 : 0;
      if (high != nullptr && (p.output_address.value >= 64 || p.output_address_high.value != p.output_address.value + width)) {
        fail_at(p.output_address_high.line,
                fmt::format("{} output_address_high: shift {} must continue output_address ({} + {} bits of {})", what,
                            p.output_address_high.value_text, p.output_address.value_text, width, f->name));
      } else if (high != nullptr && (high == f || high->lo / 64 != high->hi / 64)) {
        fail_at(p.output_address_high.line, fmt::format("{} output_address_high: field {} must be another field, in one word",
                                                        what, high->name));
      } else if (p.output_address.value >= 64 || width + high_width + p.output_address.value < p.output_bits_max) {
        fail_at(p.output_address.line, fmt::format("{} output_address: field {} ({} bits) shifted by {} cannot hold {} output bits",
                                                   what, f->name, width, p.output_address.value_text, p.output_bits_max_text));
      }
    }
    if (p.levels.empty()) return;
    if (p.levels.size() > 8) fail_at(p.line, what + ": at most 8 levels");
    // Level numbers run one way, without repeats (Arm counts 0..3 down the walk, AMD-Vi 4..1).
    bool up = true, down = true;
    for (size_t i = 1; i < p.levels.size(); ++i) {
      up = up && p.levels[i].level > p.levels[i - 1].level;
      down = down && p.levels[i].level < p.levels[i - 1].level;
    }
    if (!up && !down) fail_at(p.levels.front().line, what + ": level numbers must strictly increase or strictly decrease");
    const LevelDesc& top = p.levels.front();
    const LevelDesc& bottom = p.levels.back();
    if (p.input_bits_max != 0 && top.index_hi + 1 != p.input_bits_max) {
      fail_at(top.line, fmt::format("{}: the top level's index {} must end at bit input_bits_max - 1 ({} - 1)", what,
                                    top.index_text, p.input_bits_max_text));
    }
    if (granule_ok && bottom.index_lo != p.granule_lg2) {
      fail_at(bottom.line, fmt::format("{}: the last level's index {} must start at bit granule_lg2 ({})", what,
                                       bottom.index_text, p.granule_lg2_text));
    }
    const unsigned entry_lg2 = desc->size_bytes == 8 ? 3 : 4;
    bool any_leaf = false;
    for (size_t i = 0; i < p.levels.size(); ++i) {
      const LevelDesc& l = p.levels[i];
      any_leaf = any_leaf || l.leaf;
      if (i > 0 && l.index_hi + 1 != p.levels[i - 1].index_lo) {
        fail_at(l.line, fmt::format("{}: level {} index {} does not continue level {} index {}", what, l.level_text, l.index_text,
                                    p.levels[i - 1].level_text, p.levels[i - 1].index_text));
      }
      if (!granule_ok) continue;
      const unsigned per_table = p.granule_lg2 - entry_lg2;  // granule_lg2 >= 9 > entry_lg2
      const unsigned width = l.index_hi - l.index_lo + 1;
      // A top level may be concatenated (up to 16 tables, 4 more bits), as Arm stage 2 and RISC-V x4 allow.
      const unsigned allowed = i == 0 ? per_table + 4 : per_table;
      if (width > allowed) {
        fail_at(l.line, fmt::format("{}: level {} decodes {} bits; a {}-byte table of {}-byte entries holds {} bits", what,
                                    l.level_text, width, uint64_t{1} << p.granule_lg2, desc->size_bytes, per_table));
      }
    }
    if (!any_leaf) fail_at(p.line, what + ": no level may hold a leaf");
  }

  std::string file_;
  std::vector<GenError> errors_;
  std::map<const StructDesc*, std::map<std::string, const FieldDesc*>> fields_by_descriptor_;
  int architecture_line_ = 1;
};

}  // namespace

LoadedDescription load_description(const std::string& text, const std::string& file) { return Loader(file).run(text); }

LoadedDescription load_description_file(const std::string& path) {
  input::FileText file = input::read_input_file(path);
  if (!file.text) {
    LoadedDescription out;
    out.errors.push_back({path, 0, "cannot read the file: " + file.problem});
    return out;
  }
  return load_description(*file.text, path);
}

}  // namespace smmuman::gen
