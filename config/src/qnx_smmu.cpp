// Reader for QNX smmuman startup files (`*.smmu`).
//
// Statement syntax and number notation follow the QNX SMMUMAN User's Guide:
// "Global options" [S14] and the per-hardware pages for VT-d [S19], Arm SMMU
// [S20] and R-Car IPMMU [S21] (source keys of docs/qnx-smmu-format.md). Where
// QNX says nothing, the choice made here is marked "choice" and documented in
// docs/qnx-smmu-format.md.
//
// The file is read once, in order [S15], into drafts; names that may be used
// before they are defined (allow sets, units) and the default unit of a PCI
// device are resolved at the end, then the core's static rules run on the
// result. Every error is collected; none stops the reading.
#include "smmuman/config/qnx_smmu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "smmuman/config/number.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuman/input/file.hpp"
#include "smmuman/input/limits.hpp"

namespace smmuman::config {
namespace {

using core::HpaRange;
using core::Origin;
using core::Perm;
using core::Perms;

// Choice: no statement word is longer (names are at most core::kMaxNameBytes).
constexpr size_t kMaxWordBytes = 256;

// How a type's `smmu` and `unit` parameters are written [S19-S21].
enum class QnxSyntax { generic, armsmmu, vtd, rcar3 };

// One `smmu <type>` word: the hardware description its units are (their
// capabilities, register frame and stream-ID width come from there, through
// the unit registry) and how its parameters are written.
struct SmmuKind {
  std::string_view word;          // as written after `smmu`; QNX loads smmu-<word>.so [S19-S21]
  std::string_view architecture;  // spec/hw/<architecture>.yaml
  QnxSyntax syntax;
  std::string_view unit_usage;  // the unit parameter, for messages
};

constexpr SmmuKind kSmmuKinds[] = {
    // Arm SMMUv2 [S20]. The frame reserved is the description's choice (64 KiB).
    {"armsmmu", "arm-smmuv2", QnxSyntax::armsmmu, "<paddr>,<NScIrpt>,<NSgIrpt>,<bypass>[,<res_sid>[,<cfg_dll>]]"},
    // Arm SMMUv3, QNX 8.0 only; its parameters are not public, so `<paddr>` is our choice.
    {"armsmmuv3", "arm-smmuv3", QnxSyntax::generic, "<paddr>"},
    // Intel VT-d [S19]: the source ID is the 16-bit PCI requester ID.
    {"vtd", "intel-vtd", QnxSyntax::vtd, "<vtd_paddr>"},
    // Renesas R-Car Gen3 IPMMU [S21]: the "stream" is the micro-TLB number.
    {"rcar3", "renesas-ipmmu", QnxSyntax::rcar3, "<paddr>,<intr_status_bit>"},
};

const SmmuKind* find_kind(std::string_view word) {
  for (const auto& kind : kSmmuKinds) {
    if (kind.word == word) return &kind;
  }
  return nullptr;
}
const SmmuKind& kind_of(const core::Unit& unit) {
  for (const auto& kind : kSmmuKinds) {
    if (kind.architecture == unit.capabilities.architecture) return kind;
  }
  return kSmmuKinds[0];  // unreachable: every unit is built from a kind
}

// Splits on sep, keeping empty fields ("a,,b" is three fields).
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// The words of one line, after cutting a `#` comment (our extension: QNX
// documents no comment syntax).
std::vector<std::string_view> words_of(std::string_view line) {
  if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// The 4 KiB page holding addr.
HpaRange page_of(uint64_t addr) {
  return HpaRange::from_first_last(addr & ~core::kGranuleMask, addr | core::kGranuleMask);
}

struct UnitDraft {
  core::Unit unit;
  std::set<uint32_t> reserved_sids;  // armsmmu res_sid: never given to a device
};

// One `allow` line's range, already rounded out to 4 KiB.
struct AllowRange {
  uint64_t first = 0;
  uint64_t last = 0;
  Perms perms;
  int line = 0;
};

// Invariant: the ranges of one set are pairwise disjoint, whatever their
// permissions; overlapping lines with equal permissions are merged, with
// different permissions rejected. Ranges are kept per permission set, each
// map keyed by first address, so a line costs O(log n) however long the set.
struct AllowSet {
  std::map<uint32_t, std::map<uint64_t, AllowRange>> by_perms;  // Perms::bits() -> first -> range
  size_t range_count = 0;

  // Every range, by address.
  std::vector<AllowRange> ranges() const {
    std::vector<AllowRange> out;
    out.reserve(range_count);
    for (const auto& [bits, ranges] : by_perms) {
      for (const auto& [first, range] : ranges) out.push_back(range);
    }
    std::sort(out.begin(), out.end(), [](const AllowRange& a, const AllowRange& b) { return a.first < b.first; });
    return out;
  }
};

// In a map of disjoint ranges keyed by first address, the lowest-addressed
// range overlapping [first, last], or end().
std::map<uint64_t, AllowRange>::iterator lowest_overlap(std::map<uint64_t, AllowRange>& ranges, uint64_t first,
                                                       uint64_t last) {
  auto it = ranges.upper_bound(first);
  if (it != ranges.begin() && std::prev(it)->second.last >= first) return std::prev(it);
  return it != ranges.end() && it->first <= last ? it : ranges.end();
}

struct UseClause {
  std::string unit;
  std::optional<uint32_t> sid;  // absent is right only on vtd
  int line = 0;
  bool operator==(const UseClause& o) const { return unit == o.unit && sid == o.sid; }
};

std::string to_text(const UseClause& use) {
  return use.sid ? fmt::format("use {} {}", use.unit, *use.sid) : fmt::format("use {}", use.unit);
}

// A device gathers every `device` line with the same spec ([S14]: you can give
// increasingly detailed information about the device).
struct DeviceDraft {
  std::string name;
  core::DeviceIdent ident;
  int line = 0;  // the first line naming it
  std::optional<std::pair<std::string, int>> allow;  // allow set and the line naming it
  std::optional<UseClause> use;
  bool broken = false;  // a line about it was in error (reported there): leave it out quietly
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& file)
      : text_(text), file_(file), shared_file_(std::make_shared<const std::string>(file)) {}

  LoadResult run() {
    int line_no = 0;
    size_t start = 0;
    while (start <= text_.size()) {
      size_t end = text_.find('\n', start);
      if (end == std::string_view::npos) end = text_.size();
      ++line_no;
      const auto words = words_of(text_.substr(start, end - start));
      if (!words.empty()) statement(line_no, words);
      start = end + 1;
    }
    return finish();
  }

 private:
  Origin at(int line) const { return Origin{shared_file_, line}; }

  template <class... Args>
  void error(int line, fmt::format_string<Args...> format, Args&&... args) {
    errors_.push_back(Diagnostic{at(line), fmt::format(format, std::forward<Args>(args)...)});
  }

  // A number with the given default base; what names the field in the message.
  std::optional<uint64_t> number(int line, std::string_view what, std::string_view text, DefaultBase base) {
    auto parsed = parse_number(text, base);
    if (const auto* message = std::get_if<std::string>(&parsed)) {
      error(line, "{}: {}", what, *message);
      return std::nullopt;
    }
    return std::get<uint64_t>(parsed);
  }
  std::optional<uint32_t> number32(int line, std::string_view what, std::string_view text) {
    const auto value = number(line, what, text, DefaultBase::decimal);
    if (!value) return std::nullopt;
    if (*value > UINT32_MAX) {
      error(line, "{}: '{}' does not fit in 32 bits", what, text);
      return std::nullopt;
    }
    return static_cast<uint32_t>(*value);
  }

  void statement(int line, const std::vector<std::string_view>& w) {
    // Words are names and numbers; a longer one is refused, so no message
    // (many may quote one name) can grow with it.
    for (const std::string_view word : w) {
      if (word.size() > kMaxWordBytes) {
        return error(line, "a word of {} bytes is longer than {}, the most a word may be: '{}'", word.size(),
                     kMaxWordBytes, core::brief(std::string(word.substr(0, 65))));
      }
    }
    const std::string_view word = w[0];
    if (word == "smmu") return on_smmu(line, w);
    if (word == "unit") return on_unit(line, w);
    if (word == "device") return on_device(line, w);
    if (word == "allow") return on_allow(line, w);
    if (word == "debug") return on_debug(line, w);
    if (word == "reserved" || word == "foreground") {
      return error(line, "statement '{}' exists in QNX smmuman but its syntax is not public; it is not supported",
                   word);
    }
    error(line, "unknown statement '{}'", word);
  }

  // smmu <type> [<type_param>] [S19-S21]. Only one type can take effect, so
  // the last line wins [S15], unless units were declared under another type.
  void on_smmu(int line, const std::vector<std::string_view>& w) {
    const size_t errors_before = errors_.size();
    const SmmuKind* kind = nullptr;
    std::optional<HpaRange> ipmmu_mm;
    if (w.size() < 2 || w.size() > 3) {
      error(line, "smmu: expected 'smmu <type> [<type_param>]', got {} word(s) after 'smmu'", w.size() - 1);
    } else if (kind = find_kind(w[1]); kind == nullptr) {
      error(line, "smmu: unknown type '{}' (known: armsmmu, armsmmuv3, rcar3, vtd)", w[1]);
    } else if (!units_.empty() && units_.front().unit.capabilities.architecture != kind->architecture) {
      const auto& first = units_.front().unit;
      error(line, "smmu: type '{}' differs from type '{}' of unit '{}' declared on line {}", w[1],
            kind_of(first).word, first.name, first.origin.line);
      return;  // the units and their type stay as they were
    } else if (kind->syntax == QnxSyntax::vtd) {
      // require: VT-d data must be in ACPI; ignore: ignore ACPI [S19]. We read no ACPI either way.
      if (w.size() == 3 && w[2] != "require" && w[2] != "ignore") {
        error(line, "smmu vtd: parameter must be 'require' or 'ignore', not '{}'", w[2]);
      }
    } else if (kind->syntax == QnxSyntax::rcar3) {
      if (w.size() != 3) {
        error(line, "smmu rcar3: expected 'smmu rcar3 <paddr>,<fault_vector>,<mm_fault_bit>[,<socid>.<revid>]'");
      } else {
        ipmmu_mm = rcar3_param(line, w[2]);
      }
    } else if (w.size() == 3) {
      error(line, "smmu {}: takes no parameter, got '{}'", w[1], w[2]);
    }
    if (errors_.size() != errors_before) {
      smmu_broken_ = true;
      return;
    }
    smmu_ = SmmuSelection{kind, line, ipmmu_mm};
    smmu_broken_ = false;
  }

  // <paddr>,<fault_vector>,<mm_fault_bit>[,<socid>.<revid>] [S21]; returns the
  // page of the main-memory IPMMU (IPMMU-MM) registers.
  std::optional<HpaRange> rcar3_param(int line, std::string_view param) {
    const auto fields = split(param, ',');
    if (fields.size() < 3 || fields.size() > 4) {
      error(line, "smmu rcar3: expected '<paddr>,<fault_vector>,<mm_fault_bit>[,<socid>.<revid>]', got '{}'",
            param);
      return std::nullopt;
    }
    const auto paddr = number(line, "smmu rcar3: paddr", fields[0], DefaultBase::hex);
    number32(line, "smmu rcar3: fault_vector", fields[1]);
    if (const auto bit = number32(line, "smmu rcar3: mm_fault_bit", fields[2]); bit && *bit > 31) {
      error(line, "smmu rcar3: mm_fault_bit must be 0..31, not '{}'", fields[2]);
    }
    if (fields.size() == 4) {
      const auto ids = split(fields[3], '.');
      if (ids.size() != 2) {
        error(line, "smmu rcar3: expected '<socid>.<revid>', got '{}'", fields[3]);
      } else {
        number32(line, "smmu rcar3: socid", ids[0]);
        number32(line, "smmu rcar3: revid", ids[1]);
      }
    }
    if (!paddr) return std::nullopt;
    return page_of(*paddr);
  }

  // unit <name> <unit_param> [S20, S21].
  void on_unit(int line, const std::vector<std::string_view>& w) {
    if (w.size() != 3) {
      if (w.size() >= 2) poisoned_units_.insert(std::string(w[1]));
      return error(line, "unit: expected 'unit <name> <params>', got {} word(s) after 'unit'", w.size() - 1);
    }
    const std::string name(w[1]);
    if (smmu_broken_) {
      // The smmu line was in error and reported; the unit's parameters cannot be checked.
      poisoned_units_.insert(name);
      return;
    }
    if (!smmu_) {
      poisoned_units_.insert(name);
      return error(line, "unit '{}': no 'smmu' line before it says which SMMU type the units are", name);
    }
    if (const auto it = unit_index_.find(name); it != unit_index_.end()) {
      return error(line, "unit '{}' is already declared on line {}", name, units_[it->second].unit.origin.line);
    }
    const SmmuKind& kind = *smmu_->kind;
    const size_t errors_before = errors_.size();
    const std::string what = fmt::format("unit '{}'", name);
    UnitDraft draft;
    draft.unit.name = name;
    draft.unit.origin = at(line);
    auto caps = hw::described_capabilities(kind.architecture);
    if (!caps) {
      poisoned_units_.insert(name);
      return error(line, "{}: no hardware description '{}' for smmu {} in spec/hw", what, kind.architecture, kind.word);
    }
    draft.unit.capabilities = std::move(*caps);
    // rcar3 units are cache IPMMUs: the translation contexts they select are
    // the main IPMMU's (IPMMU-MM, the smmu line's paddr), shared by all [S21].
    if (kind.syntax == QnxSyntax::rcar3) draft.unit.context_pool = "ipmmu-mm";
    const unsigned stream_id_bits = draft.unit.capabilities.stream_id_bits;
    const uint64_t frame_size = draft.unit.capabilities.register_frame_bytes;

    const auto fields = split(w[2], ',');
    size_t min_fields = 1;
    size_t max_fields = 1;
    if (kind.syntax == QnxSyntax::armsmmu) {
      min_fields = 4;
      max_fields = 6;
    } else if (kind.syntax == QnxSyntax::rcar3) {
      min_fields = 2;
      max_fields = 2;
    }
    if (fields.size() < min_fields || fields.size() > max_fields) {
      poisoned_units_.insert(name);
      return error(line, "{}: expected '{}' for smmu {}, got '{}'", what, kind.unit_usage, kind.word, w[2]);
    }
    const auto paddr = number(line, what + ": paddr", fields[0], DefaultBase::hex);
    if (kind.syntax == QnxSyntax::armsmmu) {
      number32(line, what + ": NScIrpt", fields[1]);
      number32(line, what + ": NSgIrpt", fields[2]);
      if (const auto bypass = number(line, what + ": bypass", fields[3], DefaultBase::decimal)) {
        if (*bypass > 1) {
          error(line, "{}: bypass must be 0 or 1, not '{}'", what, fields[3]);
        } else {
          draft.unit.bypass_unconfigured = *bypass == 1;
        }
      }
      // Choice: an empty res_sid field means none, so cfg_dll can be given alone.
      if (fields.size() >= 5 && !fields[4].empty()) {
        for (const auto sid_text : split(fields[4], ':')) {
          const auto sid = number32(line, what + ": res_sid", sid_text);
          if (!sid) continue;
          if (!draft.unit.capabilities.holds_stream_id(*sid)) {
            error(line, "{}: reserved stream ID {} does not fit in {} bits", what, *sid, stream_id_bits);
          }
          draft.reserved_sids.insert(*sid);
        }
      }
      // cfg_dll names smmu-cfg-<name>.so [S20]; board code we do not load.
      if (fields.size() == 6 && fields[5].empty()) error(line, "{}: cfg_dll is empty", what);
    } else if (kind.syntax == QnxSyntax::rcar3) {
      if (const auto bit = number32(line, what + ": intr_status_bit", fields[1]); bit && *bit > 31) {
        error(line, "{}: intr_status_bit must be 0..31, not '{}'", what, fields[1]);
      }
    }
    if (paddr) {
      draft.unit.registers = HpaRange::from_base_len(*paddr, frame_size);
      if (!draft.unit.registers) {
        error(line, "{}: its {} register frame at {} wraps past 2^64", what, core::format_size(frame_size),
              core::format_hex(*paddr));
      }
    }
    if (errors_.size() != errors_before) {
      poisoned_units_.insert(name);
      return;
    }
    unit_index_.emplace(name, units_.size());
    units_.push_back(std::move(draft));
  }

  // pci:<bus>:<dev>.<func> (decimal) or mem:<paddr> (hex) [S14, S21].
  std::optional<std::pair<std::string, core::DeviceIdent>> device_spec(int line, std::string_view spec) {
    if (spec.starts_with("pci:")) {
      const auto parts = split(spec.substr(4), ':');
      const auto dev_func = parts.size() == 2 ? split(parts[1], '.') : std::vector<std::string_view>{};
      if (dev_func.size() != 2) {
        error(line, "device '{}': expected 'pci:<bus>:<dev>.<func>'", spec);
        return std::nullopt;
      }
      const std::string what = fmt::format("device '{}'", spec);
      const auto bus = number32(line, what + ": bus", parts[0]);
      const auto dev = number32(line, what + ": dev", dev_func[0]);
      const auto func = number32(line, what + ": func", dev_func[1]);
      if (!bus || !dev || !func) return std::nullopt;
      if (*bus > 255 || *dev > 31 || *func > 7) {
        error(line, "{}: PCI address out of range (bus 0-255, dev 0-31, func 0-7)", what);
        return std::nullopt;
      }
      return std::pair{fmt::format("pci:{}:{}.{}", *bus, *dev, *func),
                       core::DeviceIdent{core::PciAddress{*bus, *dev, *func}}};
    }
    if (spec.starts_with("mem:")) {
      const auto paddr = number(line, fmt::format("device '{}': paddr", spec), spec.substr(4), DefaultBase::hex);
      if (!paddr) return std::nullopt;
      // QNX gives no length: choice, the device's registers are the 4 KiB page at paddr.
      return std::pair{fmt::format("mem:{:#x}", *paddr), core::DeviceIdent{core::MmioId{HpaRange::from_first_last(*paddr, *paddr)}}};
    }
    error(line, "device: unknown device spec '{}': expected 'pci:<bus>:<dev>.<func>' or 'mem:<paddr>'", spec);
    return std::nullopt;
  }

  // device <spec> [<allow_name>] [use <unit> [<use_param>]] [S14, S20, S21].
  void on_device(int line, const std::vector<std::string_view>& w) {
    if (w.size() < 2) {
      return error(line, "device: expected 'device <spec> [<allow_name>] [use <unit> <param>]'");
    }
    const size_t errors_before = errors_.size();
    const auto spec = device_spec(line, w[1]);
    if (!spec) return;
    const std::string& name = spec->first;

    std::optional<std::string> allow;
    std::optional<UseClause> use;
    size_t i = 2;
    if (i < w.size() && w[i] != "use") allow = std::string(w[i++]);
    if (i < w.size()) {
      if (w[i] != "use") {
        error(line, "device '{}': unexpected '{}' after allow set '{}': expected 'use <unit> <param>'", name, w[i],
              *allow);
      } else if (i + 1 >= w.size()) {
        error(line, "device '{}': 'use' needs a unit name", name);
      } else if (i + 4 <= w.size()) {
        error(line, "device '{}': unexpected '{}' after '{} {} {}'", name, w[i + 3], w[i], w[i + 1], w[i + 2]);
      } else {
        use = UseClause{std::string(w[i + 1]), std::nullopt, line};
        if (i + 2 < w.size()) {
          use->sid = number32(line, fmt::format("device '{}': use {}: stream ID", name, w[i + 1]), w[i + 2]);
        }
      }
    }

    const auto [it, fresh] = device_index_.try_emplace(name, devices_.size());
    if (fresh) devices_.push_back(DeviceDraft{name, spec->second, line, std::nullopt, std::nullopt, false});
    DeviceDraft& d = devices_[it->second];
    if (errors_.size() != errors_before) {
      d.broken = true;
      return;
    }
    if (allow) {
      if (d.allow && d.allow->first != *allow) {
        error(line, "device '{}': allow set '{}' conflicts with allow set '{}' on line {}", name, *allow,
              d.allow->first, d.allow->second);
      } else if (!d.allow) {
        d.allow = std::pair{*allow, line};
      }
    }
    if (use) {
      if (d.use && !(*d.use == *use)) {
        error(line, "device '{}': '{}' conflicts with '{}' on line {}", name, to_text(*use), to_text(*d.use),
              d.use->line);
      } else if (!d.use) {
        d.use = use;
      }
    }
  }

  // allow <name> <start>,<len>[,<perms>] [S14]. Start is an address (hex by
  // default), len a size (decimal by default).
  void on_allow(int line, const std::vector<std::string_view>& w) {
    if (w.size() != 3) {
      if (w.size() >= 2) poisoned_allows_.insert(std::string(w[1]));
      return error(line, "allow: expected 'allow <name> <start>,<len>[,<perms>]', got {} word(s) after 'allow'",
                   w.size() - 1);
    }
    const std::string name(w[1]);
    const std::string what = fmt::format("allow '{}'", name);
    const size_t errors_before = errors_.size();
    const auto fields = split(w[2], ',');
    if (fields.size() < 2 || fields.size() > 3) {
      poisoned_allows_.insert(name);
      return error(line, "{}: expected '<start>,<len>[,<perms>]', got '{}'", what, w[2]);
    }
    const auto start = number(line, what + ": start", fields[0], DefaultBase::hex);
    const auto len = number(line, what + ": length", fields[1], DefaultBase::decimal);
    Perms perms = Perms::rw();
    if (fields.size() == 3) {
      if (const auto parsed = allow_perms(line, what, fields[2])) perms = *parsed;
    }
    if (start && len) {
      if (*len == 0) {
        error(line, "{}: length is 0", what);
      } else if (!core::base_len_is_valid(*start, *len)) {
        error(line, "{}: {} + {} wraps past 2^64", what, core::format_hex(*start), *len);
      }
    }
    if (errors_.size() != errors_before) {
      poisoned_allows_.insert(name);
      return;
    }
    // QNX rounds the start down and the length up to 4 KiB [S10].
    AllowRange range{*start & ~core::kGranuleMask, (*start + (*len - 1)) | core::kGranuleMask, perms, line};
    add_allow_range(what, allows_[name], range);
  }

  // s: DMA source (the device reads memory); t: DMA target (it writes memory);
  // neither means both [S14]. r, w, x are our extension.
  std::optional<Perms> allow_perms(int line, const std::string& what, std::string_view letters) {
    if (letters.empty()) {
      error(line, "{}: permissions are empty", what);
      return std::nullopt;
    }
    bool read = false;
    bool write = false;
    bool exec = false;
    for (const char c : letters) {
      switch (c) {
        case 's': case 'r': read = true; break;
        case 't': case 'w': write = true; break;
        case 'x': exec = true; break;
        default:
          error(line, "{}: unknown permission '{}' in '{}' (known: s, t, r, w, x)", what, c, letters);
          return std::nullopt;
      }
    }
    Perms perms = (read || write) ? Perms() : Perms::rw();
    if (read) perms = perms | Perm::read;
    if (write) perms = perms | Perm::write;
    if (exec) perms = perms | Perm::exec;
    return perms;
  }

  // Merges r into the set, keeping its ranges pairwise disjoint. Lines that
  // overlap with equal permissions are one range (after 4 KiB rounding two
  // small buffers often share a page); with different permissions, an error
  // naming the lowest-addressed range in the way.
  void add_allow_range(const std::string& what, AllowSet& set, AllowRange r) {
    const AllowRange* conflict = nullptr;
    for (auto& [bits, ranges] : set.by_perms) {
      if (bits == r.perms.bits()) continue;
      const auto it = lowest_overlap(ranges, r.first, r.last);
      if (it != ranges.end() && (conflict == nullptr || it->second.first < conflict->first)) conflict = &it->second;
    }
    if (conflict != nullptr) {
      return error(r.line, "{}: [{}, {}] ({}) overlaps [{}, {}] ({}) from line {}", what, core::format_hex(r.first),
                   core::format_hex(r.last), core::to_string(r.perms), core::format_hex(conflict->first),
                   core::format_hex(conflict->last), core::to_string(conflict->perms), conflict->line);
    }
    // Every range overlapping r has r's permissions and they are disjoint, so
    // they form one run in address order; their union with r is one range.
    auto& same = set.by_perms[r.perms.bits()];
    for (auto it = lowest_overlap(same, r.first, r.last); it != same.end() && it->first <= r.last;) {
      r.first = std::min(r.first, it->second.first);
      r.last = std::max(r.last, it->second.last);
      r.line = std::min(r.line, it->second.line);
      it = same.erase(it);
      --set.range_count;
    }
    same.emplace(r.first, r);
    ++set.range_count;
  }

  // debug 1|2 [S14]; the last line wins.
  void on_debug(int line, const std::vector<std::string_view>& w) {
    if (w.size() != 2) return error(line, "debug: expected 'debug 1' or 'debug 2'");
    const auto level = number(line, "debug", w[1], DefaultBase::decimal);
    if (!level) return;
    if (*level != 1 && *level != 2) return error(line, "debug: level must be 1 or 2, not '{}'", w[1]);
    debug_level_ = static_cast<int>(*level);
  }

  // The unit and stream ID of a device, or nullopt (with the error reported,
  // or quietly when the cause was already reported elsewhere).
  std::optional<std::pair<core::UnitIndex, uint32_t>> resolve_stream(const DeviceDraft& d) {
    const auto* pci = std::get_if<core::PciAddress>(&d.ident);
    core::UnitIndex unit{0};
    std::optional<uint32_t> sid;
    int line = d.line;
    if (d.use) {
      line = d.use->line;
      const auto it = unit_index_.find(d.use->unit);
      if (it == unit_index_.end()) {
        if (!poisoned_units_.contains(d.use->unit)) {
          error(line, "device '{}': unknown unit '{}' in '{}'", d.name, d.use->unit, to_text(*d.use));
        }
        return std::nullopt;
      }
      unit = static_cast<core::UnitIndex>(it->second);
      const core::Unit& u = units_[unit].unit;
      if (kind_of(u).syntax == QnxSyntax::vtd) {
        // VT-d takes no use parameter [S19]: the requester ID is the source ID.
        if (d.use->sid) {
          error(line, "device '{}': unit '{}' is a vtd unit, which takes no parameter after 'use {}'", d.name,
                u.name, u.name);
          return std::nullopt;
        }
        if (!pci) {
          error(line, "device '{}': vtd unit '{}' identifies devices by PCI requester ID; an MMIO device cannot use it",
                d.name, u.name);
          return std::nullopt;
        }
        sid = core::pci_requester_id(*pci);
      } else if (!d.use->sid) {
        error(line, "device '{}': '{}' needs a stream ID: 'use {} <{}>'", d.name, to_text(*d.use), u.name,
              kind_of(u).syntax == QnxSyntax::rcar3 ? "utlb" : "sid");
        return std::nullopt;
      } else {
        sid = d.use->sid;
      }
    } else if (!pci) {
      error(line, "device '{}': no 'use': the stream ID of an MMIO device is unknown, say 'use <unit> <sid>'",
            d.name);
      return std::nullopt;
    } else {
      const size_t declared = units_.size() + poisoned_units_.size();
      if (declared == 1 && units_.size() == 1) {
        // Choice: a PCI function's stream ID is its requester ID, as on VT-d and
        // Arm SMMUs with an identity RID-to-StreamID map.
        sid = core::pci_requester_id(*pci);
      } else {
        if (poisoned_units_.empty()) {
          error(line, "device '{}': no 'use' and {} units declared, say which unit controls it", d.name, declared);
        }
        return std::nullopt;
      }
    }
    const UnitDraft& u = units_[unit];
    if (u.reserved_sids.contains(*sid)) {
      error(line, "device '{}': stream ID {} is reserved for the system on unit '{}'", d.name, *sid, u.unit.name);
      return std::nullopt;
    }
    return std::pair{unit, *sid};
  }

  LoadResult finish() {
    core::Deployment dep;
    dep.name = file_;
    dep.role = core::Role::host;
    for (const auto& u : units_) dep.units.push_back(u.unit);
    if (smmu_ && smmu_->ipmmu_mm) {
      dep.platform.reserved.push_back(core::ReservedRegion{"ipmmu-mm", *smmu_->ipmmu_mm, at(smmu_->line)});
    }

    // Every device tied to a set gets every range of it: N devices and M
    // lines make N x M mappings. Past a bound linear in the file, refuse
    // rather than let a short file take memory without end.
    const uint64_t mapping_limit = input::expansion_limit(text_.size());
    uint64_t mapping_count = 0;
    for (const DeviceDraft& d : devices_) {
      if (d.broken) continue;
      const auto stream = resolve_stream(d);
      const AllowSet* allow = nullptr;
      if (d.allow) {
        const auto it = allows_.find(d.allow->first);
        if (it != allows_.end()) {
          allow = &it->second;
        } else if (!poisoned_allows_.contains(d.allow->first)) {
          error(d.allow->second, "device '{}': allow set '{}' is never defined", d.name, d.allow->first);
        }
      }
      if (!stream) continue;
      const auto index = static_cast<core::DeviceIndex>(dep.devices.size());
      // The device's stream comes from its `use` clause, so the core's stream
      // rules (width, uniqueness) are reported at that line.
      dep.devices.push_back(core::Device{d.name, d.ident, stream->first, {stream->second}, at(d.use ? d.use->line : d.line)});
      if (allow == nullptr) continue;
      // Past the bound, report it once and stop making mappings, but keep
      // checking the remaining devices: every error is still collected.
      if (mapping_count > mapping_limit) continue;
      mapping_count += allow->range_count;
      if (mapping_count > mapping_limit) {
        error(d.allow->second,
              "device '{}': allow set '{}' brings the startup mappings to more than {} (at most four per byte of the "
              "file); give fewer devices the same large allow set",
              d.name, d.allow->first, mapping_limit);
        continue;
      }
      for (const AllowRange& r : allow->ranges()) {
        // Identity: the device sees memory at its physical address.
        dep.startup_mappings.push_back(core::StartupMapping{
            index, core::IovaRange::from_first_last(r.first, r.last), r.first, r.perms, at(r.line)});
      }
    }

    // A .smmu file describes no memory: everything may be granted except the
    // units' register frames and reserved regions.
    dep.platform.memory.insert(HpaRange::whole());
    for (const auto& u : dep.units) {
      if (u.registers) dep.platform.memory.erase(*u.registers);
    }
    for (const auto& dev : dep.devices) {
      if (const auto* mmio = std::get_if<core::MmioId>(&dev.ident)) dep.platform.memory.erase(mmio->registers);
    }
    for (const auto& r : dep.platform.reserved) dep.platform.memory.erase(r.range);
    dep.platform.origin = at(0);

    LoadResult result;
    result.errors = std::move(errors_);
    result.debug_level = debug_level_;
    validate_into(result, std::move(dep));
    std::stable_sort(result.errors.begin(), result.errors.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.origin.line < b.origin.line; });
    return result;
  }

  struct SmmuSelection {
    const SmmuKind* kind = nullptr;
    int line = 0;
    std::optional<HpaRange> ipmmu_mm;  // rcar3: the IPMMU-MM register page, reserved
  };

  std::string_view text_;
  const std::string& file_;
  std::shared_ptr<const std::string> shared_file_;  // one copy for every origin
  std::vector<Diagnostic> errors_;
  int debug_level_ = 0;
  std::optional<SmmuSelection> smmu_;
  bool smmu_broken_ = false;  // the last smmu line was in error: units after it are not checked
  std::vector<UnitDraft> units_;
  std::map<std::string, size_t> unit_index_;
  std::set<std::string> poisoned_units_;  // declared in error (reported): uses stay quiet
  std::map<std::string, AllowSet> allows_;
  std::set<std::string> poisoned_allows_;  // an allow line in error (reported): uses stay quiet
  std::vector<DeviceDraft> devices_;
  std::map<std::string, size_t> device_index_;
};

}  // namespace

LoadResult load_qnx_smmu(std::string_view text, const std::string& file_name) {
  return Reader(text, file_name).run();
}

LoadResult load_qnx_smmu_file(const std::string& path) {
  input::FileText file = input::read_input_file(path);
  if (!file.text) {
    LoadResult result;
    result.errors.push_back(Diagnostic{Origin{path, 0}, "cannot read the file: " + file.problem});
    return result;
  }
  return load_qnx_smmu(*file.text, path);
}

}  // namespace smmuman::config
