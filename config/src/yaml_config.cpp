// Reader for the native YAML deployment configuration.
//
// Reading is two passes: this file checks shape (keys, types, numbers, names
// that refer to each other) and builds a core::Deployment whose every item
// carries its line; core::validate_deployment then checks the rules.
#include "smmuman/config/yaml_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "smmuman/config/number.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuman/input/file.hpp"
#include "smmuman/input/yaml_tree.hpp"

namespace smmuman::config {

namespace {

using core::Origin;
using input::YamlNode;

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)), shared_file_(std::make_shared<const std::string>(file_)) {}

  LoadResult read(std::string_view text) {
    const input::YamlParse parsed = input::parse_yaml(text);
    for (const auto& problem : parsed.problems) {
      result_.errors.push_back(Diagnostic{Origin{shared_file_, problem.line}, problem.message});
    }
    const YamlNode root = parsed.root();
    if (!parsed.tree) return std::move(result_);
    if (!root.is_map()) {
      result_.errors.push_back(Diagnostic{Origin{shared_file_, root ? root.line() : 1},
                                          "the top level must be a mapping with keys role, platform, units, devices, "
                                          "vms, startup_mappings"});
      return in_line_order(std::move(result_));
    }
    core::Deployment d;
    d.name = file_;
    expect_keys(root, "the top level", {"deployment", "role", "platform", "units", "devices", "vms", "startup_mappings",
                                        "access"});
    if (auto name = root["deployment"]) {
      d.name = scalar(name, "deployment").value_or(file_);
      if (const auto problem = core::name_problem(d.name)) error(name, fmt::format("deployment: {}", *problem));
    }
    read_role(root, d);
    read_platform(root["platform"], d);
    read_units(root["units"], d);
    read_devices(root["devices"], d);
    read_vms(root["vms"], d);
    read_startup_mappings(root["startup_mappings"], d);
    read_access(root["access"]);
    if (result_.errors.empty()) {
      validate_into(result_, std::move(d));
      return std::move(result_);
    }
    return in_line_order(std::move(result_));
  }

 private:
  // The reader's own errors come out in line order, whichever check found them first.
  static LoadResult in_line_order(LoadResult result) {
    std::stable_sort(result.errors.begin(), result.errors.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.origin.line < b.origin.line; });
    return result;
  }

  Origin origin(const YamlNode& node) const { return Origin{shared_file_, node.line()}; }

  void error(const YamlNode& node, std::string message) {
    result_.errors.push_back(Diagnostic{origin(node), std::move(message)});
  }

  // Unknown keys: a misspelt key is never silently ignored. (A key given
  // twice is refused by the YAML tree itself.)
  void expect_keys(const YamlNode& map, const std::string& what, std::initializer_list<const char*> allowed) {
    for (const auto& [key_node, message] : input::unknown_keys(map, what, allowed)) error(key_node, message);
  }

  std::optional<std::string> scalar(const YamlNode& node, const std::string& what) {
    if (auto problem = input::not_a_scalar(node, what)) {
      error(node, *problem);
      return std::nullopt;
    }
    return node.scalar();
  }

  // An item's name follows the core's rule for names; an item with a bad
  // name is reported once and left out, so no further message quotes it
  // (a name may be long: the message quotes it shortened).
  bool valid_name(const YamlNode& node, const char* kind, const std::string& name) {
    const auto message = core::name_error(kind, name);
    if (message) error(node, *message);
    return !message;
  }

  // A required child of a mapping; reports its absence at the mapping.
  YamlNode require(const YamlNode& map, const char* key, const std::string& what) {
    YamlNode child = map[key];
    if (!child) error(map, fmt::format("{}: missing '{}'", what, key));
    return child;
  }

  std::optional<uint64_t> number(const YamlNode& node, const std::string& what) {
    auto text = scalar(node, what);
    if (!text) return std::nullopt;
    auto parsed = parse_number(*text, DefaultBase::decimal);
    if (auto* message = std::get_if<std::string>(&parsed)) {
      error(node, fmt::format("{}: {}", what, *message));
      return std::nullopt;
    }
    return std::get<uint64_t>(parsed);
  }

  std::optional<bool> boolean(const YamlNode& node, const std::string& what) {
    auto text = scalar(node, what);
    if (!text) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    error(node, fmt::format("{} must be true or false, not '{}'", what, *text));
    return std::nullopt;
  }

  std::optional<core::Perms> perms(const YamlNode& node, const std::string& what) {
    auto text = scalar(node, what);
    if (!text) return std::nullopt;
    core::Perms p;
    for (char c : *text) {
      if (c == 'r') {
        p = p | core::Perm::read;
      } else if (c == 'w') {
        p = p | core::Perm::write;
      } else if (c == 'x') {
        p = p | core::Perm::exec;
      } else {
        error(node, fmt::format("{}: unknown permission '{}' in '{}' (use r, w, x)", what, c, *text));
        return std::nullopt;
      }
    }
    if (p.none()) {
      error(node, fmt::format("{}: no permissions given", what));
      return std::nullopt;
    }
    return p;
  }

  // {base, size} -> a range in the given space; both keys required. A named
  // range (a reserved region) also has a `name`, which the caller reads.
  template <class Space>
  std::optional<core::Range<Space>> base_size(const YamlNode& node, const std::string& what, bool named = false) {
    if (!node.is_map()) {
      error(node, fmt::format("{} must be a mapping with base and size", what));
      return std::nullopt;
    }
    if (named) {
      expect_keys(node, what, {"name", "base", "size"});
    } else {
      expect_keys(node, what, {"base", "size"});
    }
    auto base_node = require(node, "base", what);
    auto size_node = require(node, "size", what);
    if (!base_node || !size_node) return std::nullopt;
    auto base = number(base_node, what + " base");
    auto size = number(size_node, what + " size");
    if (!base || !size) return std::nullopt;
    auto r = core::Range<Space>::from_base_len(*base, *size);
    if (!r) error(size_node, fmt::format("{}: {} + {} is empty or wraps past 2^64", what, core::format_hex(*base), *size));
    return r;
  }

  // A list, possibly absent (then empty).
  bool sequence(const YamlNode& node, const std::string& what) {
    if (!node) return false;
    if (!node.is_sequence()) {
      error(node, fmt::format("{} must be a list", what));
      return false;
    }
    return true;
  }

  void read_role(const YamlNode& root, core::Deployment& d) {
    auto node = require(root, "role", "the top level");
    if (!node) return;
    auto text = scalar(node, "role");
    if (!text) return;
    if (*text == "host") {
      d.role = core::Role::host;
    } else if (*text == "guest") {
      d.role = core::Role::guest;
    } else {
      error(node, fmt::format("role must be host or guest, not '{}'", *text));
    }
  }

  void read_platform(const YamlNode& node, core::Deployment& d) {
    d.platform.origin = Origin{shared_file_, 0};
    if (!node) {
      result_.errors.push_back(Diagnostic{Origin{shared_file_, 1}, "missing 'platform' (its memory at least)"});
      return;
    }
    d.platform.origin = origin(node);
    if (!node.is_map()) {
      error(node, "platform must be a mapping with memory and reserved");
      return;
    }
    expect_keys(node, "platform", {"memory", "reserved"});
    auto memory = require(node, "memory", "platform");
    if (sequence(memory, "platform memory")) {
      for (const auto& item : memory.items()) {
        if (auto r = base_size<core::HpaSpace>(item, "platform memory")) d.platform.memory.insert(*r);
      }
    }
    if (sequence(node["reserved"], "platform reserved")) {
      for (const auto& item : node["reserved"].items()) {
        if (!item.is_map()) {
          error(item, "reserved region must be a mapping with name, base and size");
          continue;
        }
        auto name = require(item, "name", "reserved region");
        if (!name) continue;
        auto text = scalar(name, "reserved region name");
        if (!text || !valid_name(name, "reserved region", *text)) continue;
        if (auto r = base_size<core::HpaSpace>(item, fmt::format("reserved region '{}'", *text), /*named=*/true)) {
          d.platform.reserved.push_back(core::ReservedRegion{*text, *r, origin(item)});
        }
      }
    }
  }

  // An optional key that narrows a unit's limit: `least`..`limit`, where the
  // limit is the architecture's (and becomes the key's value).
  template <class T>
  void narrow(const YamlNode& item, const char* key, const std::string& what, uint64_t least, T& limit) {
    const YamlNode node = item[key];
    if (!node) return;
    const auto value = number(node, fmt::format("{} {}", what, key));
    if (!value) return;
    if (*value < least || *value > limit) {
      error(node, fmt::format("{}: {} must be {}..{}, not {}", what, key, least, limit, node.scalar()));
      return;
    }
    limit = static_cast<T>(*value);
  }

  void read_units(const YamlNode& node, core::Deployment& d) {
    if (!sequence(node, "units")) return;
    for (const auto& item : node.items()) {
      if (!item.is_map()) {
        error(item, "a unit must be a mapping");
        continue;
      }
      auto name_node = require(item, "name", "unit");
      auto name = name_node ? scalar(name_node, "unit name") : std::nullopt;
      if (!name || !valid_name(name_node, "unit", *name)) continue;
      const std::string what = fmt::format("unit '{}'", *name);
      expect_keys(item, what, {"name", "type", "registers", "stream_id_bits", "input_address_bits",
                               "output_address_bits", "contexts", "context_pool", "bypass_unconfigured"});
      core::Unit unit;
      unit.name = *name;
      unit.origin = origin(item);
      bool type_known = false;
      if (auto type_node = require(item, "type", what)) {
        if (auto type = scalar(type_node, what + " type")) {
          if (auto caps = hw::described_capabilities(*type)) {
            type_known = true;
            unit.capabilities = std::move(*caps);
          } else {
            error(type_node, fmt::format("{}: unknown type '{}' (described in spec/hw: {})", what, *type,
                                         fmt::join(hw::described_architectures(), ", ")));
          }
        }
      }
      core::UnitCapabilities& caps = unit.capabilities;
      if (item["registers"]) {
        unit.registers = base_size<core::HpaSpace>(item["registers"], what + " registers");
        if (type_known && unit.registers && unit.registers->size() < caps.register_frame_bytes) {
          error(item["registers"], fmt::format("{}: registers {} are smaller than the {} register frame of type {}",
                                               what, core::to_string(*unit.registers),
                                               core::format_size(caps.register_frame_bytes), caps.architecture));
        }
      } else if (type_known && caps.registers_required()) {
        error(item, fmt::format("{}: missing 'registers': a unit of type {} must say where its register frame is (two units "
                                "at one frame would be one SMMU declared twice)",
                                what, caps.architecture));
      }
      // What this unit has may be less than its architecture allows (its ID
      // registers say so); never more.
      if (type_known) {
        core::UnitCapabilities stated = caps;
        narrow(item, "stream_id_bits", what, 1, stated.stream_id_bits);
        narrow(item, "input_address_bits", what, core::kGranuleLg2 + 1, stated.input_address_bits);
        narrow(item, "output_address_bits", what, core::kGranuleLg2 + 1, stated.output_address_bits);
        narrow(item, "contexts", what, 1, stated.contexts);
        caps = core::narrowed(caps, stated);
      }
      if (item["context_pool"]) {
        unit.context_pool = scalar(item["context_pool"], what + " context_pool").value_or("");
      }
      if (item["bypass_unconfigured"]) {
        unit.bypass_unconfigured = boolean(item["bypass_unconfigured"], what + " bypass_unconfigured").value_or(false);
      }
      if (unit_index_.contains(unit.name)) {
        error(item, fmt::format("{} is declared twice", what));
        continue;
      }
      unit_index_[unit.name] = static_cast<core::UnitIndex>(d.units.size());
      d.units.push_back(std::move(unit));
    }
  }

  std::optional<core::PciAddress> pci_address(const YamlNode& node, const std::string& what) {
    auto text = scalar(node, what);
    if (!text) return std::nullopt;
    // bus:dev.func, all decimal, as QNX writes pci:0:18.0.
    const auto colon = text->find(':');
    const auto dot = text->find('.', colon == std::string::npos ? 0 : colon);
    if (colon == std::string::npos || dot == std::string::npos) {
      error(node, fmt::format("{}: '{}' is not bus:dev.func", what, *text));
      return std::nullopt;
    }
    std::optional<uint64_t> parts[3];
    const std::string pieces[3] = {text->substr(0, colon), text->substr(colon + 1, dot - colon - 1), text->substr(dot + 1)};
    for (int i = 0; i < 3; ++i) {
      auto parsed = parse_number(pieces[i], DefaultBase::decimal);
      if (auto* message = std::get_if<std::string>(&parsed)) {
        error(node, fmt::format("{}: {}", what, *message));
        return std::nullopt;
      }
      parts[i] = std::get<uint64_t>(parsed);
    }
    if (*parts[0] > 255 || *parts[1] > 31 || *parts[2] > 7) {
      error(node, fmt::format("{}: '{}' out of range (bus 0-255, dev 0-31, func 0-7)", what, *text));
      return std::nullopt;
    }
    return core::PciAddress{static_cast<uint32_t>(*parts[0]), static_cast<uint32_t>(*parts[1]),
                            static_cast<uint32_t>(*parts[2])};
  }

  void read_devices(const YamlNode& node, core::Deployment& d) {
    if (!sequence(node, "devices")) return;
    for (const auto& item : node.items()) {
      if (!item.is_map()) {
        error(item, "a device must be a mapping");
        continue;
      }
      auto name_node = require(item, "name", "device");
      auto name = name_node ? scalar(name_node, "device name") : std::nullopt;
      if (!name || !valid_name(name_node, "device", *name)) continue;
      const std::string what = fmt::format("device '{}'", *name);
      expect_keys(item, what, {"name", "unit", "mmio", "pci", "stream_ids"});
      core::Device dev;
      dev.name = *name;
      dev.origin = origin(item);
      bool ok = true;
      if (auto unit_node = require(item, "unit", what)) {
        auto unit = scalar(unit_node, what + " unit");
        auto it = unit ? unit_index_.find(*unit) : unit_index_.end();
        if (it == unit_index_.end()) {
          if (unit) error(unit_node, fmt::format("{}: no unit named '{}'", what, *unit));
          ok = false;
        } else {
          dev.unit = it->second;
        }
      } else {
        ok = false;
      }
      if (item["mmio"] && item["pci"]) {
        error(item, fmt::format("{}: give either mmio or pci, not both", what));
        ok = false;
      } else if (item["mmio"]) {
        auto r = base_size<core::HpaSpace>(item["mmio"], what + " mmio");
        if (r) dev.ident = core::MmioId{*r}; else ok = false;
      } else if (item["pci"]) {
        auto a = pci_address(item["pci"], what + " pci");
        if (a) dev.ident = *a; else ok = false;
      } else {
        error(item, fmt::format("{}: missing 'mmio' or 'pci'", what));
        ok = false;
      }
      if (auto sids = require(item, "stream_ids", what)) {
        if (sequence(sids, what + " stream_ids")) {
          for (const auto& sid : sids.items()) {
            auto v = number(sid, what + " stream ID");
            if (!v) {
              ok = false;
            } else if (*v > UINT32_MAX) {
              error(sid, fmt::format("{}: stream ID {:#x} is wider than 32 bits", what, *v));
              ok = false;
            } else {
              dev.stream_ids.push_back(static_cast<uint32_t>(*v));
            }
          }
        } else {
          ok = false;
        }
      } else {
        ok = false;
      }
      if (device_index_.contains(dev.name)) {
        error(item, fmt::format("{} is declared twice", what));
        continue;
      }
      if (!ok) continue;
      device_index_[dev.name] = static_cast<core::DeviceIndex>(d.devices.size());
      d.devices.push_back(std::move(dev));
    }
  }

  std::optional<core::DeviceIndex> device_ref(const YamlNode& node, const std::string& what) {
    auto name = scalar(node, what);
    if (!name) return std::nullopt;
    auto it = device_index_.find(*name);
    if (it == device_index_.end()) {
      error(node, fmt::format("{}: no device named '{}'", what, *name));
      return std::nullopt;
    }
    return it->second;
  }

  void read_vms(const YamlNode& node, core::Deployment& d) {
    if (!sequence(node, "vms")) return;
    for (const auto& item : node.items()) {
      if (!item.is_map()) {
        error(item, "a VM must be a mapping");
        continue;
      }
      auto name_node = require(item, "name", "VM");
      auto name = name_node ? scalar(name_node, "VM name") : std::nullopt;
      if (!name || !valid_name(name_node, "VM", *name)) continue;
      const std::string what = fmt::format("VM '{}'", *name);
      expect_keys(item, what, {"name", "memory", "passthrough"});
      core::Vm vm;
      vm.name = *name;
      vm.origin = origin(item);
      auto memory = require(item, "memory", what);
      if (sequence(memory, what + " memory")) {
        for (const auto& region : memory.items()) {
          if (!region.is_map()) {
            error(region, fmt::format("{}: a memory region must be a mapping with guest, host, size", what));
            continue;
          }
          expect_keys(region, what + " memory", {"guest", "host", "size", "perms"});
          auto g = require(region, "guest", what + " memory");
          auto h = require(region, "host", what + " memory");
          auto s = require(region, "size", what + " memory");
          if (!g || !h || !s) continue;
          auto guest = number(g, what + " memory guest");
          auto host = number(h, what + " memory host");
          auto size = number(s, what + " memory size");
          if (!guest || !host || !size) continue;
          auto range = core::GpaRange::from_base_len(*guest, *size);
          if (!range || !core::base_len_is_valid(*host, *size)) {
            error(region, fmt::format("{}: memory of {} bytes at guest {} / host {} is empty or wraps", what, *size,
                                      core::format_hex(*guest), core::format_hex(*host)));
            continue;
          }
          core::VmMemoryRegion r{*range, *host, core::Perms::rwx(), origin(region)};
          if (region["perms"]) {
            auto p = perms(region["perms"], what + " memory perms");
            if (!p) continue;
            r.perms = *p;
          }
          vm.memory.push_back(r);
        }
      }
      if (sequence(item["passthrough"], what + " passthrough")) {
        std::map<core::DeviceIndex, int> listed;  // device -> line of its first mention here
        for (const auto& dev : item["passthrough"].items()) {
          const auto index = device_ref(dev, what + " passthrough");
          if (!index) continue;
          if (const auto [it, fresh] = listed.emplace(*index, dev.line()); !fresh) {
            error(dev, fmt::format("{}: device '{}' is listed twice in its pass-through list (first on line {})", what,
                                   d.devices[*index].name, it->second));
            continue;
          }
          vm.passthrough.push_back(*index);
        }
      }
      d.vms.push_back(std::move(vm));
    }
  }

  void read_startup_mappings(const YamlNode& node, core::Deployment& d) {
    if (!sequence(node, "startup_mappings")) return;
    for (const auto& item : node.items()) {
      if (!item.is_map()) {
        error(item, "a startup mapping must be a mapping with device, iova, size, perms");
        continue;
      }
      const std::string what = "startup mapping";
      expect_keys(item, what, {"device", "iova", "size", "target", "perms"});
      auto dev_node = require(item, "device", what);
      auto iova_node = require(item, "iova", what);
      auto size_node = require(item, "size", what);
      auto perms_node = require(item, "perms", what);
      if (!dev_node || !iova_node || !size_node || !perms_node) continue;
      auto dev = device_ref(dev_node, what);
      auto iova = number(iova_node, what + " iova");
      auto size = number(size_node, what + " size");
      auto p = perms(perms_node, what + " perms");
      std::optional<uint64_t> target = iova;
      if (item["target"]) target = number(item["target"], what + " target");
      if (!dev || !iova || !size || !p || !target) continue;
      auto range = core::IovaRange::from_base_len(*iova, *size);
      if (!range || !core::base_len_is_valid(*target, *size)) {
        error(item, fmt::format("{}: {} bytes at {} (target {}) is empty or wraps past 2^64", what, *size,
                                core::format_hex(*iova), core::format_hex(*target)));
        continue;
      }
      d.startup_mappings.push_back(core::StartupMapping{*dev, *range, *target, *p, origin(item)});
    }
  }

  // Who may use the daemon; names stay names until the daemon resolves them.
  void read_access(const YamlNode& node) {
    if (!sequence(node, "access")) return;
    for (const auto& item : node.items()) {
      const std::string what = "access rule";
      if (!item.is_map()) {
        error(item, "an access rule must be a mapping with user or group, and devices, target, monitor, control");
        continue;
      }
      expect_keys(item, what, {"user", "group", "devices", "target", "monitor", "control"});
      AccessRule rule;
      rule.origin = origin(item);
      if (item["user"]) rule.user = scalar(item["user"], what + " user");
      if (item["group"]) rule.group = scalar(item["group"], what + " group");
      if (rule.user.has_value() == rule.group.has_value()) {
        error(item, "an access rule names exactly one of user and group");
        continue;
      }
      const std::string& who = rule.user ? *rule.user : *rule.group;
      if (who.empty() || who.size() > 64 ||
          !std::all_of(who.begin(), who.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                   c == '-' || c == '.';
          })) {
        error(item, fmt::format("{}: '{}' is not a user or group name or number", what, core::brief(who)));
        continue;
      }
      if (auto devices = item["devices"]) {
        if (devices.is_scalar() && devices.scalar() == "all") {
          rule.all_devices = true;
        } else if (sequence(devices, what + " devices")) {
          for (const auto& dev : devices.items()) {
            if (auto index = device_ref(dev, what + " devices")) rule.devices.push_back(*index);
          }
        }
      }
      bool* flags[] = {&rule.target, &rule.monitor, &rule.control};
      const char* names[] = {"target", "monitor", "control"};
      for (int i = 0; i < 3; ++i) {
        if (auto flag = item[names[i]]) *flags[i] = boolean(flag, what + " " + names[i]).value_or(false);
      }
      result_.access.push_back(std::move(rule));
    }
  }

  std::string file_;
  std::shared_ptr<const std::string> shared_file_;  // one copy for every origin
  LoadResult result_;
  std::map<std::string, core::UnitIndex> unit_index_;
  std::map<std::string, core::DeviceIndex> device_index_;
};

}  // namespace

LoadResult load_yaml_config(std::string_view text, const std::string& file_name) {
  return YamlReader(file_name).read(text);
}

LoadResult load_yaml_config_file(const std::string& path) {
  input::FileText file = input::read_input_file(path);
  if (!file.text) {
    LoadResult result;
    result.errors.push_back(Diagnostic{Origin{path, 0}, "cannot read the file: " + file.problem});
    return result;
  }
  return load_yaml_config(*file.text, path);
}

}  // namespace smmuman::config
