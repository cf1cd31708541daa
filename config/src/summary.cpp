#include "smmuman/config/summary.hpp"

#include <fmt/format.h>

#include "smmuman/input/text.hpp"

namespace smmuman::config {

namespace {

// Names come from input: shown escaped, so none can hide or forge output.
std::string shown(const std::string& name) { return input::escape_for_display(name); }

template <class Space>
std::string range_text(const core::Range<Space>& r) {
  return fmt::format("{:#x}-{:#x} ({})", r.first(), r.last(), core::format_size(r.size()));
}

std::string stream_list(const std::vector<uint32_t>& sids) {
  std::string out;
  for (uint32_t sid : sids) out += (out.empty() ? "" : ",") + fmt::format("{:#x}", sid);
  return out;
}

}  // namespace

std::string summarize(const core::Deployment& d) {
  std::string out;
  auto line = [&out](std::string text) { out += text + "\n"; };

  line(fmt::format("deployment {} (role: {})", shown(d.name), core::to_string(d.role)));
  line(fmt::format("platform memory ({} permitted):", core::format_size(d.platform.memory.size())));
  for (const auto& r : d.platform.memory.ranges()) line("  " + range_text(r));
  line(fmt::format("reserved regions ({}):", d.platform.reserved.size()));
  for (const auto& r : d.platform.reserved) line(fmt::format("  {:<20} {}", shown(r.name), range_text(r.range)));

  line(fmt::format("units ({}):", d.units.size()));
  for (const auto& u : d.units) {
    const core::UnitCapabilities& caps = u.capabilities;
    line(fmt::format("  {:<12} {:<14} stream IDs {} bits{}{}", shown(u.name), caps.architecture, caps.stream_id_bits,
                     u.registers ? ", registers " + range_text(*u.registers) : std::string(),
                     u.bypass_unconfigured ? ", BYPASSES unconfigured streams" : ""));
    line(fmt::format("  {:<12} IOVA {} bits, output {} bits, pages {}, {} contexts{}, holds {}", "",
                     caps.input_address_bits, caps.output_address_bits, core::page_sizes_to_string(caps.page_sizes),
                     caps.contexts, u.context_pool.empty() ? "" : " (pool " + shown(u.context_pool) + ")",
                     core::to_string(caps.permissions)));
  }

  line(fmt::format("devices ({}):", d.devices.size()));
  for (core::DeviceIndex i{0}; i < d.devices.size(); ++i) {
    const auto& dev = d.devices[i];
    std::string owner = "host";
    if (d.device_vm.size() == d.devices.size() && d.device_vm[i]) owner = "VM " + shown(d.vms[*d.device_vm[i]].name);
    if (d.device_startup.size() == d.devices.size() && !d.device_startup[i].empty()) owner += ", configuration-owned";
    line(fmt::format("  {:<20} {:<24} unit {:<10} streams {:<12} {}", shown(dev.name), core::to_string(dev.ident),
                     shown(d.units[dev.unit].name), stream_list(dev.stream_ids), owner));
  }

  line(fmt::format("VMs ({}):", d.vms.size()));
  for (const auto& vm : d.vms) {
    std::string devices;
    for (auto dev : vm.passthrough) devices += (devices.empty() ? "" : ", ") + shown(d.devices[dev].name);
    line(fmt::format("  {} (pass-through: {})", shown(vm.name), devices.empty() ? "none" : devices));
    for (const auto& m : vm.memory) {
      line(fmt::format("    guest {} -> host {:#x}-{:#x} {}", range_text(m.guest), m.host().first(), m.host().last(),
                       core::to_string(m.perms)));
    }
  }

  line(fmt::format("startup mappings ({}):", d.startup_mappings.size()));
  for (const auto& m : d.startup_mappings) {
    line(fmt::format("  {:<20} iova {} -> {:#x} {}", shown(d.devices[m.device].name), range_text(m.iova), m.hpa_first,
                     core::to_string(m.perms)));
  }
  return out;
}

namespace {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }
std::string hex_size(core::u128 size) {
  if (size >> 64) return "0x10000000000000000";
  return hex(static_cast<uint64_t>(size));
}
template <class Space>
nlohmann::json range_json(const core::Range<Space>& r) {
  return {{"first", hex(r.first())}, {"last", hex(r.last())}, {"size", hex_size(r.size())}};
}
nlohmann::json origin_json(const core::Origin& o) { return {{"file", o.file()}, {"line", o.line}}; }

// Every string in a JSON value, escaped in place: JSON must be UTF-8, and a
// tool reading it must see what a person would.
void escape_strings(nlohmann::json& j) {
  if (j.is_string()) {
    j = input::escape_for_display(j.get_ref<const std::string&>());
  } else if (j.is_structured()) {
    for (auto& child : j) escape_strings(child);
  }
}

}  // namespace

nlohmann::json deployment_to_json(const core::Deployment& d) {
  nlohmann::json j;
  j["name"] = d.name;
  j["role"] = core::to_string(d.role);
  j["platform"]["memory"] = nlohmann::json::array();
  for (const auto& r : d.platform.memory.ranges()) j["platform"]["memory"].push_back(range_json(r));
  j["platform"]["reserved"] = nlohmann::json::array();
  for (const auto& r : d.platform.reserved) {
    j["platform"]["reserved"].push_back({{"name", r.name}, {"range", range_json(r.range)}, {"origin", origin_json(r.origin)}});
  }
  j["units"] = nlohmann::json::array();
  for (const auto& u : d.units) {
    const core::UnitCapabilities& caps = u.capabilities;
    nlohmann::json held = nlohmann::json::object();
    for (uint32_t asked = 1; asked < 8; ++asked) {
      const core::Perms want = core::Perms::from_bits(asked);
      held[core::to_string(want)] = core::to_string(caps.permissions.held(want));
    }
    nlohmann::json page_sizes = nlohmann::json::array();
    for (unsigned bit = 0; bit < 64; ++bit) {
      if ((caps.page_sizes >> bit) & 1) page_sizes.push_back(uint64_t{1} << bit);
    }
    nlohmann::json unit = {{"name", u.name},
                           {"type", caps.architecture},
                           {"stream_id_bits", caps.stream_id_bits},
                           {"stream_id_count", caps.stream_id_count},
                           {"input_address_bits", caps.input_address_bits},
                           {"output_address_bits", caps.output_address_bits},
                           {"page_sizes", page_sizes},
                           {"contexts", caps.contexts},
                           {"held_permissions", held},
                           {"context_pool", u.context_pool},
                           {"bypass_unconfigured", u.bypass_unconfigured},
                           {"origin", origin_json(u.origin)}};
    if (u.registers) unit["registers"] = range_json(*u.registers);
    j["units"].push_back(unit);
  }
  j["devices"] = nlohmann::json::array();
  for (core::DeviceIndex i{0}; i < d.devices.size(); ++i) {
    const auto& dev = d.devices[i];
    nlohmann::json device = {{"name", dev.name},
                             {"id", core::to_string(dev.ident)},
                             {"unit", d.units[dev.unit].name},
                             {"stream_ids", dev.stream_ids},
                             {"origin", origin_json(dev.origin)}};
    device["vm"] = i < d.device_vm.size() && d.device_vm[i] ? nlohmann::json(d.vms[*d.device_vm[i]].name) : nullptr;
    device["configuration_owned"] = i < d.device_startup.size() && !d.device_startup[i].empty();
    j["devices"].push_back(device);
  }
  j["vms"] = nlohmann::json::array();
  for (const auto& vm : d.vms) {
    nlohmann::json v = {{"name", vm.name}, {"origin", origin_json(vm.origin)}};
    v["passthrough"] = nlohmann::json::array();
    for (auto dev : vm.passthrough) v["passthrough"].push_back(d.devices[dev].name);
    v["memory"] = nlohmann::json::array();
    for (const auto& m : vm.memory) {
      v["memory"].push_back({{"guest", range_json(m.guest)}, {"host", range_json(m.host())},
                             {"perms", core::to_string(m.perms)}, {"origin", origin_json(m.origin)}});
    }
    j["vms"].push_back(v);
  }
  j["startup_mappings"] = nlohmann::json::array();
  for (const auto& m : d.startup_mappings) {
    j["startup_mappings"].push_back({{"device", d.devices[m.device].name}, {"iova", range_json(m.iova)},
                                     {"target", range_json(m.hpa())}, {"perms", core::to_string(m.perms)},
                                     {"origin", origin_json(m.origin)}});
  }
  escape_strings(j);
  return j;
}

nlohmann::json diagnostics_to_json(const std::vector<Diagnostic>& errors) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : errors) j.push_back({{"file", e.origin.file()}, {"line", e.origin.line}, {"message", e.message}});
  escape_strings(j);
  return j;
}

}  // namespace smmuman::config
