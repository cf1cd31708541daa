// Parsing and validation of hardware descriptions. The parser checks shape
// (keys, types, numbers) and builds the model; validate() then checks the
// rules of docs/hw-description-format.md. Each collects every error it finds; the
// rules run only on a description that parsed cleanly, so none misfires on a
// half-read item.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "description.hpp"

namespace smmuman::gen {

std::string to_string(const GenError& e) { return fmt::format("{}:{}: {}", e.file, e.line, e.message); }

std::string identifier(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

namespace {

// Register arrays are at most this long (SMMUv2 has 128 SMRs, VT-d at most 256 fault records).
constexpr unsigned kMaxCount = 4096;

bool is_upper_name(const std::string& s) {
  if (s.empty() || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}
// Macros of the C and C++ standard headers a backend may include beside the
// generated one: <cstdint>, <climits>, <cstddef>, <cstdio>, <cerrno>, <csignal>.
bool is_standard_macro(const std::string& s) {
  static const std::set<std::string> exact = {
      "NULL", "EOF", "BUFSIZ", "FILENAME_MAX", "FOPEN_MAX", "TMP_MAX", "L_TMPNAM", "SEEK_SET", "SEEK_CUR", "SEEK_END",
      "CHAR_BIT", "MB_LEN_MAX", "EXIT_SUCCESS", "EXIT_FAILURE", "RAND_MAX", "CLOCKS_PER_SEC", "MB_CUR_MAX",
      "EDOM", "ERANGE", "EILSEQ", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
      "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR",
      "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "ETIMEDOUT",
      "ENOSYS", "ENOTSUP", "EOVERFLOW", "SIGABRT", "SIGFPE", "SIGILL", "SIGINT", "SIGSEGV", "SIGTERM", "SIG_DFL",
      "SIG_IGN", "SIG_ERR", "TRUE", "FALSE"};
  if (exact.contains(s)) return true;
  // INT8_MAX, UINT64_C, SIZE_MAX, PTRDIFF_MIN, LONG_MAX, ...
  static const char* const prefixes[] = {"INT", "UINT", "SIZE_", "PTRDIFF_", "SIG_ATOMIC_", "WCHAR_", "WINT_",
                                         "CHAR_", "SCHAR_", "UCHAR_", "SHRT_", "USHRT_", "LONG_", "ULONG_", "LLONG_",
                                         "ULLONG_", "FLT_", "DBL_", "LDBL_"};
  for (const char* prefix : prefixes) {
    if (s.rfind(prefix, 0) == 0 && (s.ends_with("_MAX") || s.ends_with("_MIN") || s.ends_with("_C") || s.ends_with("_WIDTH"))) {
      return true;
    }
  }
  return false;
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
  // '_' separates digits (0xffff_f000): never first, last, or alone.
  if (digits.empty() || digits.front() == '_' || digits.back() == '_') return std::nullopt;
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

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  LoadedDescription run(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      errors_.push_back({file_, e.mark.line + 1, "not valid YAML: " + e.msg});
      return finish(std::nullopt);
    }
    if (!root.IsMap()) {
      fail(root, "a description is a mapping with architecture, title, sources, registers, structures, page_tables");
      return finish(std::nullopt);
    }
    Description d;
    d.file = file_;
    keys(root, "description", {"architecture", "title", "sources", "blocks", "registers", "structures", "page_tables"});
    d.architecture = required_string(root, "architecture", "description");
    d.title = required_string(root, "title", "description");
    if (!d.architecture.empty() && !is_lower_name(d.architecture)) {
      fail(root["architecture"], fmt::format("architecture '{}' must be lower case letters, digits, '-' or '_'", d.architecture));
    }
    read_sources(root, d);
    for_each_item(root["blocks"], "blocks", [&](const YAML::Node& n) { read_block(n, d); });
    for_each_item(root["registers"], "registers", [&](const YAML::Node& n) { read_register(n, d); });
    for_each_item(root["structures"], "structures", [&](const YAML::Node& n) { read_structure(n, d); });
    for_each_item(root["page_tables"], "page_tables", [&](const YAML::Node& n) { read_page_table(n, d); });
    architecture_line_ = root["architecture"] ? line_of(root["architecture"]) : 1;
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

  int line_of(const YAML::Node& n) const { return std::max(1, n.Mark().line + 1); }
  void fail(const YAML::Node& n, std::string message) { errors_.push_back({file_, line_of(n), std::move(message)}); }
  void fail_at(int line, std::string message) { errors_.push_back({file_, line, std::move(message)}); }

  // Unknown keys, and keys given twice (YAML readers disagree on which wins).
  void keys(const YAML::Node& map, const std::string& what, std::initializer_list<const char*> allowed) {
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (auto [it, fresh] = seen.emplace(key, line_of(kv.first)); !fresh) {
        fail(kv.first, fmt::format("{}: key '{}' is given twice (first on line {})", what, key, it->second));
      }
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(kv.first, fmt::format("{}: unknown key '{}' (expected one of: {})", what, key, list));
      }
    }
  }

  std::string scalar(const YAML::Node& n, const std::string& what) {
    if (!n.IsScalar()) {
      fail(n, fmt::format("{} must be a single value", what));
      return {};
    }
    return n.Scalar();
  }
  std::string required_string(const YAML::Node& map, const char* key, const std::string& what) {
    if (!map[key]) {
      fail(map, fmt::format("{}: missing '{}'", what, key));
      return {};
    }
    return scalar(map[key], fmt::format("{} {}", what, key));
  }
  std::optional<uint64_t> number(const YAML::Node& n, const std::string& what) {
    const std::string text = scalar(n, what);
    if (text.empty()) return std::nullopt;
    auto v = parse_u64(text);
    if (!v) fail(n, fmt::format("{}: '{}' is not a number (decimal, or hexadecimal with 0x)", what, text));
    return v;
  }
  // A number that must not exceed `max`; larger values are errors, never clamped.
  std::optional<unsigned> bounded(const YAML::Node& map, const char* key, const std::string& what, uint64_t max,
                                  bool required = true) {
    if (!map[key]) {
      if (required) fail(map, fmt::format("{}: missing '{}'", what, key));
      return std::nullopt;
    }
    auto v = number(map[key], fmt::format("{} {}", what, key));
    if (v && *v > max) {
      fail(map[key], fmt::format("{} {}: {} is more than {}", what, key, *v, max));
      return std::nullopt;
    }
    if (!v) return std::nullopt;
    return static_cast<unsigned>(*v);
  }
  std::optional<uint64_t> required_number(const YAML::Node& map, const char* key, const std::string& what) {
    if (!map[key]) {
      fail(map, fmt::format("{}: missing '{}'", what, key));
      return std::nullopt;
    }
    return number(map[key], fmt::format("{} {}", what, key));
  }
  bool boolean(const YAML::Node& n, const std::string& what) {
    const std::string text = scalar(n, what);
    if (text == "true") return true;
    if (text != "false") fail(n, fmt::format("{} must be true or false", what));
    return false;
  }

  // "hi:lo" or "bit".
  bool bits(const YAML::Node& n, const std::string& what, unsigned& hi, unsigned& lo) {
    const std::string text = scalar(n, what);
    const auto colon = text.find(':');
    auto h = parse_u64(text.substr(0, colon));
    auto l = colon == std::string::npos ? h : parse_u64(text.substr(colon + 1));
    if (!h || !l || *h > 4095 || *l > 4095) {
      fail(n, fmt::format("{}: bits '{}' must be hi:lo or a bit number", what, text));
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
    return true;
  }

  std::optional<Access> access(const YAML::Node& n, const std::string& what) {
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
  void for_each_item(const YAML::Node& list, const std::string& what, F&& f) {
    if (!list) return;
    if (!list.IsSequence()) {
      fail(list, fmt::format("{} must be a list", what));
      return;
    }
    for (const auto& item : list) {
      if (!item.IsMap()) {
        fail(item, fmt::format("each of {} must be a mapping", what));
        continue;
      }
      f(item);
    }
  }

  // "<KEY> <where>" naming a declared source; empty text inherits `fallback`.
  // `inherits`: an item that may take its parent's source; when the parent has
  // none, the parent's own error already says so.
  std::string source(const YAML::Node& map, const std::string& what, const std::string& fallback, const Description& d,
                     bool inherits = false) {
    if (!map["source"]) {
      if (!inherits) fail(map, fmt::format("{}: missing 'source' (the manual's section, table or figure)", what));
      return fallback;
    }
    const std::string text = scalar(map["source"], what + " source");
    const std::string key = text.substr(0, text.find(' '));
    if (!d.sources.contains(key)) {
      fail(map["source"], fmt::format("{}: source '{}' names no document declared under 'sources'", what, key));
    } else if (text.find(' ') == std::string::npos) {
      fail(map["source"], fmt::format("{}: source '{}' needs a section, table or figure after the document key", what, text));
    }
    return text;
  }

  void read_sources(const YAML::Node& root, Description& d) {
    const YAML::Node s = root["sources"];
    if (!s || !s.IsMap() || s.size() == 0) {
      fail(s ? s : root, "description: 'sources' must map citation keys to the documents they name");
      return;
    }
    for (const auto& kv : s) {
      const std::string key = kv.first.Scalar();
      if (!is_upper_name(key)) fail(kv.first, fmt::format("source key '{}' must be upper case letters, digits or '_'", key));
      d.sources[key] = scalar(kv.second, "source " + key);
      d.source_order.emplace_back(key, line_of(kv.first));
    }
  }

  void read_block(const YAML::Node& n, Description& d) {
    keys(n, "block", {"name", "doc", "source"});
    BlockDesc b;
    b.name = required_string(n, "name", "block");
    b.line = line_of(n);
    if (n["doc"]) b.doc = scalar(n["doc"], "block doc");
    b.source = source(n, fmt::format("block '{}'", b.name), "", d);
    d.blocks.push_back(std::move(b));
  }

  std::vector<EnumValue> values(const YAML::Node& n, const std::string& what) {
    std::vector<EnumValue> out;
    if (!n.IsMap()) {
      fail(n, fmt::format("{}: values must map names to numbers", what));
      return out;
    }
    for (const auto& kv : n) {
      EnumValue v;
      v.name = kv.first.Scalar();
      v.line = line_of(kv.first);
      if (auto x = number(kv.second, fmt::format("{} value {}", what, v.name))) v.value = *x;
      out.push_back(v);
    }
    return out;
  }

  FieldDesc field(const YAML::Node& n, const std::string& owner, bool in_register, const std::string& parent_source,
                  const Description& d) {
    if (in_register) {
      keys(n, fmt::format("{}.{}", owner, n["name"] ? n["name"].Scalar() : "?"), {"name", "bits", "access", "values", "source", "doc"});
    } else {
      keys(n, fmt::format("{}.{}", owner, n["name"] ? n["name"].Scalar() : "?"), {"name", "bits", "values", "source", "doc"});
    }
    FieldDesc f;
    f.name = required_string(n, "name", owner + " field");
    f.line = line_of(n);
    const std::string what = fmt::format("{}.{}", owner, f.name);
    if (!n["bits"]) {
      fail(n, what + ": missing 'bits'");
    } else {
      bits(n["bits"], what, f.hi, f.lo);
    }
    if (n["access"]) f.access = access(n["access"], what);
    if (n["values"]) f.values = values(n["values"], what);
    if (n["doc"]) f.doc = scalar(n["doc"], what + " doc");
    f.source = source(n, what, parent_source, d, /*inherits=*/true);
    return f;
  }

  void read_register(const YAML::Node& n, Description& d) {
    RegisterDesc r;
    r.name = required_string(n, "name", "register");
    r.line = line_of(n);
    const std::string what = fmt::format("register '{}'", r.name);
    keys(n, what, {"name", "offset", "width", "access", "reset", "source", "doc", "block", "count", "stride", "fields"});
    if (auto v = required_number(n, "offset", what)) r.offset = *v;
    if (auto v = bounded(n, "width", what, 64)) r.width = *v;
    if (!n["access"]) {
      fail(n, what + ": missing 'access'");
    } else if (auto a = access(n["access"], what)) {
      r.access = *a;
    }
    if (n["reset"]) r.reset = number(n["reset"], what + " reset");
    if (n["doc"]) r.doc = scalar(n["doc"], what + " doc");
    if (n["block"]) r.block = scalar(n["block"], what + " block");
    if (auto v = bounded(n, "count", what, kMaxCount, /*required=*/false)) r.count = *v;
    if (n["stride"]) {
      if (auto v = number(n["stride"], what + " stride")) r.stride = *v;
    }
    r.source = source(n, what, "", d);
    if (!n["fields"] || !n["fields"].IsSequence() || n["fields"].size() == 0) {
      fail(n, what + ": needs 'fields' (at least one; a plain data register has one field covering it)");
    } else {
      for_each_item(n["fields"], what + " fields", [&](const YAML::Node& f) { r.fields.push_back(field(f, r.name, true, r.source, d)); });
    }
    d.registers.push_back(std::move(r));
  }

  void read_structure(const YAML::Node& n, Description& d) {
    StructDesc s;
    s.name = required_string(n, "name", "structure");
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
    if (auto v = bounded(n, "size", what, 4096)) s.size_bytes = *v;
    if (n["doc"]) s.doc = scalar(n["doc"], what + " doc");
    s.source = source(n, what, "", d);
    if (n["fixed"]) {
      if (!n["fixed"].IsMap()) {
        fail(n["fixed"], what + ": fixed must map field names to values");
      } else {
        std::set<std::string> seen;
        for (const auto& kv : n["fixed"]) {
          FixedValue f{kv.first.Scalar(), 0, line_of(kv.first)};
          if (!seen.insert(f.field).second) fail(kv.first, fmt::format("{}: fixed names '{}' twice", what, f.field));
          if (auto v = number(kv.second, fmt::format("{} fixed {}", what, f.field))) f.value = *v;
          s.fixed.push_back(f);
        }
      }
    }
    if (!n["fields"] || !n["fields"].IsSequence() || n["fields"].size() == 0) {
      fail(n, what + ": needs 'fields'");
    } else {
      for_each_item(n["fields"], what + " fields", [&](const YAML::Node& f) { s.fields.push_back(field(f, s.name, false, s.source, d)); });
    }
    d.structures.push_back(std::move(s));
  }

  FieldRef field_ref(const YAML::Node& map, const char* key, const std::string& what, bool value_required = true) {
    FieldRef r;
    const YAML::Node n = map[key];
    if (!n) return r;
    r.line = line_of(n);
    if (!n.IsMap()) {
      fail(n, fmt::format("{} {}: must be {{field: NAME, value: N}}", what, key));
      return r;
    }
    keys(n, fmt::format("{} {}", what, key), {"field", value_required ? "value" : "shift"});
    r.field = required_string(n, "field", fmt::format("{} {}", what, key));
    if (auto v = required_number(n, value_required ? "value" : "shift", fmt::format("{} {}", what, key))) r.value = *v;
    r.present = true;
    return r;
  }

  void read_page_table(const YAML::Node& n, Description& d) {
    PageTableDesc p;
    p.name = required_string(n, "name", "page table");
    p.line = line_of(n);
    const std::string what = fmt::format("page table '{}'", p.name);
    keys(n, what, {"name", "source", "descriptor", "granule_lg2", "input_bits_max", "output_bits_max", "levels", "valid",
                   "table", "last_level_leaf", "output_address", "permissions"});
    p.source = source(n, what, "", d);
    p.descriptor = required_string(n, "descriptor", what);
    if (auto v = bounded(n, "granule_lg2", what, 64)) p.granule_lg2 = *v;
    if (auto v = bounded(n, "input_bits_max", what, 64)) p.input_bits_max = *v;
    if (auto v = bounded(n, "output_bits_max", what, 64)) p.output_bits_max = *v;
    if (!n["levels"]) fail(n, what + ": missing 'levels'");
    for_each_item(n["levels"], what + " levels", [&](const YAML::Node& l) {
      keys(l, what + " level", {"level", "index", "leaf"});
      LevelDesc level;
      level.line = line_of(l);
      if (auto v = bounded(l, "level", what + " level", 15)) level.level = *v;
      if (!l["index"]) {
        fail(l, what + " level: missing 'index'");
      } else {
        bits(l["index"], what + " level index", level.index_hi, level.index_lo);
      }
      if (l["leaf"]) level.leaf = boolean(l["leaf"], what + " level leaf");
      p.levels.push_back(level);
    });
    p.valid = field_ref(n, "valid", what);
    p.table = field_ref(n, "table", what);
    p.last_level_leaf = field_ref(n, "last_level_leaf", what);
    p.output_address = field_ref(n, "output_address", what, false);
    if (!p.output_address.present) fail(n, what + ": missing 'output_address'");
    if (const YAML::Node perms = n["permissions"]) {
      if (!perms.IsMap()) {
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
    d.page_tables.push_back(std::move(p));
  }

  // ---- rules ----

  void check_fields(const std::vector<FieldDesc>& fields, const std::string& owner, unsigned total_bits,
                    std::optional<Access> owner_access, bool high_bit_first) {
    std::set<std::string> names;
    for (size_t i = 0; i < fields.size(); ++i) {
      const FieldDesc& f = fields[i];
      const std::string what = fmt::format("{}.{}", owner, f.name);
      check_upper_name(f.name, f.line, what);
      if (!names.insert(f.name).second) fail_at(f.line, fmt::format("{}: duplicate field name", what));
      // The field becomes a nested type of its owner's type, so it cannot share its name.
      if (f.name == owner) fail_at(f.line, fmt::format("{}: a field cannot have its {}'s name", what, owner_access ? "register" : "structure"));
      if (f.hi >= total_bits) {
        fail_at(f.line, fmt::format("{}: bits {}:{} do not fit in {} bits", what, f.hi, f.lo, total_bits));
      }
      bool overlaps = false;
      for (size_t j = 0; j < i; ++j) {
        const FieldDesc& g = fields[j];
        if (f.hi >= g.lo && g.hi >= f.lo) {
          fail_at(f.line, fmt::format("{}: bits {}:{} overlap field {} ({}:{})", what, f.hi, f.lo, g.name, g.hi, g.lo));
          overlaps = true;
        }
      }
      if (high_bit_first && !overlaps && i > 0 && f.hi > fields[i - 1].lo) {
        fail_at(f.line, fmt::format("{}: fields are listed high bit first, as the manual prints them; {}:{} comes "
                                    "after {} ({}:{})", what, f.hi, f.lo, fields[i - 1].name, fields[i - 1].hi, fields[i - 1].lo));
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
          fail_at(v.line, fmt::format("{}: value {} = {:#x} does not fit {} bits", what, v.name, v.value, width));
        }
      }
    }
  }

  // Names become C++ identifiers in the generated header: upper-case ones must
  // not be macros of the standard headers a backend includes.
  void check_upper_name(const std::string& name, int line, const std::string& what) {
    if (!is_upper_name(name)) {
      fail_at(line, fmt::format("{}: names are upper case letters, digits or '_'", what));
    } else if (is_standard_macro(name)) {
      fail_at(line, fmt::format("{}: '{}' is a standard C/C++ macro name; choose another", what, name));
    }
  }
  // Lower-case names (architecture, page tables) become namespaces and variables.
  void check_lower_name(const std::string& name, int line, const std::string& what) {
    if (!is_lower_name(name)) {
      fail_at(line, fmt::format("{}: names are lower case letters, digits, '-' or '_'", what));
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

  void validate(const Description& d) {
    const std::filesystem::path path(file_);
    const std::string expected = path.extension() == ".yaml" ? path.stem().string() : std::string();
    if (!expected.empty() && expected != d.architecture) {
      fail_at(architecture_line_, fmt::format("architecture '{}' must match the file name '{}.yaml'", d.architecture, expected));
    }
    check_lower_name(d.architecture, architecture_line_, fmt::format("architecture '{}'", d.architecture));
    std::set<std::string> block_names;
    for (const auto& b : d.blocks) {
      check_upper_name(b.name, b.line, fmt::format("block '{}'", b.name));
      if (!block_names.insert(b.name).second) fail_at(b.line, fmt::format("block '{}' is declared twice", b.name));
    }
    std::set<std::string> names;
    // Per block: byte ranges already taken, for overlap.
    std::map<std::string, std::map<uint64_t, std::pair<uint64_t, std::string>>> taken;  // block -> first -> (last, name)
    for (const auto& r : d.registers) {
      const std::string what = fmt::format("register '{}'", r.name);
      check_upper_name(r.name, r.line, what);
      if (!names.insert(r.name).second) fail_at(r.line, what + ": duplicate register name");
      if (r.width != 32 && r.width != 64) {
        fail_at(r.line, fmt::format("{}: width must be 32 or 64, not {}", what, r.width));
        continue;
      }
      const uint64_t bytes = r.width / 8;
      if (r.offset % bytes != 0) {
        fail_at(r.line, fmt::format("{}: offset {:#x} is not aligned to its {}-byte width", what, r.offset, bytes));
      }
      if (r.count == 0) fail_at(r.line, what + ": count must be at least 1");
      if (r.count > 1 && (r.stride < bytes || r.stride % bytes != 0)) {
        fail_at(r.line, fmt::format("{}: stride {:#x} must be a multiple of its {}-byte width", what, r.stride, bytes));
      }
      if (r.count == 1 && r.stride != 0) fail_at(r.line, what + ": stride without count");
      if (r.reset && r.width < 64 && *r.reset >> r.width) {
        fail_at(r.line, fmt::format("{}: reset {:#x} does not fit {} bits", what, *r.reset, r.width));
      }
      std::string block = r.block;
      if (!block.empty() && !block_names.contains(block)) {
        fail_at(r.line, fmt::format("{}: block '{}' is not declared under 'blocks'", what, block));
      }
      if (block.empty() && !d.blocks.empty()) block = d.blocks.front().name;
      const uint64_t span = uint64_t{r.count - 1} * r.stride + (bytes - 1);  // count <= kMaxCount: no overflow
      if (r.count == 0 || r.offset > UINT64_MAX - span) {
        if (r.count != 0) fail_at(r.line, fmt::format("{}: its instances run past the end of the address space", what));
      } else {
        // Byte ranges taken per block, keyed by first byte: each new range
        // meets at most its neighbours, so the whole check is O(n log n).
        auto& ranges = taken[block];
        for (unsigned i = 0; i < r.count; ++i) {
          const uint64_t first = r.offset + i * r.stride, last = first + bytes - 1;
          auto next = ranges.lower_bound(first);
          const auto* hit = next != ranges.end() && next->first <= last ? &*next : nullptr;
          if (hit == nullptr && next != ranges.begin() && std::prev(next)->second.first >= first) hit = &*std::prev(next);
          if (hit != nullptr) {
            fail_at(r.line, fmt::format("{}: bytes {:#x}-{:#x} overlap register '{}'", what, first, last, hit->second.second));
            break;  // one message per register
          }
          ranges.emplace(first, std::pair{last, r.name});
        }
      }
      check_access(r);
      check_fields(r.fields, r.name, r.width, r.access, true);
    }
    for (const auto& s : d.structures) {
      const std::string what = fmt::format("structure '{}'", s.name);
      check_upper_name(s.name, s.line, what);
      if (!names.insert(s.name).second) fail_at(s.line, what + ": duplicate name (registers and structures share one namespace)");
      if (s.size_bytes == 0 || s.size_bytes % 8 != 0) {
        fail_at(s.line, fmt::format("{}: size {} must be a positive multiple of 8 bytes", what, s.size_bytes));
        continue;
      }
      check_fields(s.fields, s.name, s.size_bytes * 8, std::nullopt, false);
      for (const auto& x : s.fixed) {
        auto it = std::find_if(s.fields.begin(), s.fields.end(), [&](const FieldDesc& f) { return f.name == x.field; });
        if (it == s.fields.end()) {
          fail_at(x.line, fmt::format("{}: fixed names no field '{}'", what, x.field));
        } else if (it->hi - it->lo + 1 < 64 && x.value >> (it->hi - it->lo + 1)) {
          fail_at(x.line, fmt::format("{}: fixed {} = {:#x} does not fit {} bits", what, x.field, x.value, it->hi - it->lo + 1));
        }
      }
    }
    std::set<std::string> table_names;
    for (const auto& p : d.page_tables) check_page_table(p, d, table_names);
  }

  void check_ref(const FieldRef& r, const StructDesc& desc, const std::string& what, const char* role) {
    if (!r.present) return;
    auto it = std::find_if(desc.fields.begin(), desc.fields.end(), [&](const FieldDesc& f) { return f.name == r.field; });
    if (it == desc.fields.end()) {
      fail_at(r.line, fmt::format("{} {}: descriptor '{}' has no field '{}'", what, role, desc.name, r.field));
      return;
    }
    const unsigned width = it->hi - it->lo + 1;
    if (std::string(role) != "output_address" && width < 64 && r.value >> width) {
      fail_at(r.line, fmt::format("{} {}: value {:#x} does not fit field {} ({} bits)", what, role, r.value, r.field, width));
    }
  }

  void check_page_table(const PageTableDesc& p, const Description& d, std::set<std::string>& names) {
    const std::string what = fmt::format("page table '{}'", p.name);
    check_lower_name(p.name, p.line, what);
    // '-' and '_' give the same C++ name, so uniqueness is checked on that.
    if (!names.insert(identifier(p.name)).second) fail_at(p.line, what + ": duplicate page table name");
    if (p.granule_lg2 < 9 || p.granule_lg2 > 16) fail_at(p.line, fmt::format("{}: granule_lg2 {} is not 9..16", what, p.granule_lg2));
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
      fail_at(p.line, fmt::format("{}: descriptor '{}' is {} bytes; entries are 8 or 16", what, desc->name, desc->size_bytes));
      return;
    }
    for (const auto& [ref, role] : {std::pair{&p.valid, "valid"}, {&p.table, "table"}, {&p.last_level_leaf, "last_level_leaf"},
                                    {&p.output_address, "output_address"}, {&p.read, "read"}, {&p.write, "write"},
                                    {&p.exec, "exec"}, {&p.exec_never, "exec_never"}}) {
      check_ref(*ref, *desc, what, role);
    }
    // The output-address field, shifted, must reach every output bit.
    for (const auto& f : desc->fields) {
      if (!p.output_address.present || f.name != p.output_address.field) continue;
      const uint64_t reach = uint64_t{f.hi - f.lo + 1} + p.output_address.value;
      if (p.output_address.value >= 64 || reach < p.output_bits_max) {
        fail_at(p.output_address.line, fmt::format("{} output_address: field {} ({} bits) shifted by {} cannot hold {} output bits",
                                                   what, f.name, f.hi - f.lo + 1, p.output_address.value, p.output_bits_max));
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
    if (p.levels.front().index_hi + 1 != p.input_bits_max) {
      fail_at(p.levels.front().line, fmt::format("{}: the top level's index must end at bit {} (input_bits_max - 1), not {}",
                                                 what, p.input_bits_max - 1, p.levels.front().index_hi));
    }
    if (p.levels.back().index_lo != p.granule_lg2) {
      fail_at(p.levels.back().line, fmt::format("{}: the last level's index must start at bit {} (granule_lg2), not {}", what,
                                                p.granule_lg2, p.levels.back().index_lo));
    }
    unsigned entry_lg2 = desc->size_bytes == 8 ? 3 : 4;
    const unsigned per_table = p.granule_lg2 > entry_lg2 ? p.granule_lg2 - entry_lg2 : 0;
    bool any_leaf = false;
    for (size_t i = 0; i < p.levels.size(); ++i) {
      const LevelDesc& l = p.levels[i];
      any_leaf = any_leaf || l.leaf;
      if (i > 0 && l.index_hi + 1 != p.levels[i - 1].index_lo) {
        fail_at(l.line, fmt::format("{}: level {} index {}:{} does not continue level {} index {}:{}", what, l.level, l.index_hi,
                                    l.index_lo, p.levels[i - 1].level, p.levels[i - 1].index_hi, p.levels[i - 1].index_lo));
      }
      const unsigned width = l.index_hi - l.index_lo + 1;
      // A top level may be concatenated (up to 16 tables, 4 more bits), as Arm stage 2 and RISC-V x4 allow.
      const unsigned allowed = i == 0 ? per_table + 4 : per_table;
      if (width > allowed) {
        fail_at(l.line, fmt::format("{}: level {} decodes {} bits; a {}-byte table of {}-byte entries holds {} bits", what,
                                    l.level, width, 1u << p.granule_lg2, desc->size_bytes, per_table));
      }
    }
    if (!any_leaf) fail_at(p.line, what + ": no level may hold a leaf");
  }

  std::string file_;
  std::vector<GenError> errors_;
  int architecture_line_ = 1;
};

}  // namespace

LoadedDescription load_description(const std::string& text, const std::string& file) { return Loader(file).run(text); }

LoadedDescription load_description_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    LoadedDescription out;
    out.errors.push_back({path, 0, "cannot read the file"});
    return out;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_description(buffer.str(), path);
}

}  // namespace smmuman::gen
