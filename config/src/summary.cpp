#include "smmuman/config/summary.hpp"

#include <fmt/format.h>

namespace smmuman::config {

namespace {

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

  line(fmt::format("deployment {} (role: {})", d.name, core::to_string(d.role)));
  line(fmt::format("platform memory ({} permitted):", core::format_size(d.platform.memory.size())));
  for (const auto& r : d.platform.memory.ranges()) line("  " + range_text(r));
  line(fmt::format("reserved regions ({}):", d.platform.reserved.size()));
  for (const auto& r : d.platform.reserved) line(fmt::format("  {:<20} {}", r.name, range_text(r.range)));

  line(fmt::format("units ({}):", d.units.size()));
  for (const auto& u : d.units) {
    line(fmt::format("  {:<12} {:<14} stream IDs {} bits{}{}", u.name, core::to_string(u.type), u.stream_id_bits,
                     u.registers ? ", registers " + range_text(*u.registers) : std::string(),
                     u.bypass_unconfigured ? ", BYPASSES unconfigured streams" : ""));
  }

  line(fmt::format("devices ({}):", d.devices.size()));
  for (core::DeviceIndex i = 0; i < d.devices.size(); ++i) {
    const auto& dev = d.devices[i];
    std::string owner = "host";
    if (d.device_vm.size() == d.devices.size() && d.device_vm[i]) owner = "VM " + d.vms[*d.device_vm[i]].name;
    if (d.device_startup.size() == d.devices.size() && !d.device_startup[i].empty()) owner += ", configuration-owned";
    line(fmt::format("  {:<20} {:<24} unit {:<10} streams {:<12} {}", dev.name, core::to_string(dev.ident),
                     d.units[dev.unit].name, stream_list(dev.stream_ids), owner));
  }

  line(fmt::format("VMs ({}):", d.vms.size()));
  for (const auto& vm : d.vms) {
    std::string devices;
    for (auto dev : vm.passthrough) devices += (devices.empty() ? "" : ", ") + d.devices[dev].name;
    line(fmt::format("  {} (pass-through: {})", vm.name, devices.empty() ? "none" : devices));
    for (const auto& m : vm.memory) {
      line(fmt::format("    guest {} -> host {:#x}-{:#x} {}", range_text(m.guest), m.host().first(), m.host().last(),
                       core::to_string(m.perms)));
    }
  }

  line(fmt::format("startup mappings ({}):", d.startup_mappings.size()));
  for (const auto& m : d.startup_mappings) {
    line(fmt::format("  {:<20} iova {} -> {:#x} {}", d.devices[m.device].name, range_text(m.iova), m.hpa_first,
                     core::to_string(m.perms)));
  }
  return out;
}

}  // namespace smmuman::config
