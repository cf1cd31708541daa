// Derived lookups and static validation of a deployment.
#include "smmuman/core/deployment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "smmuman/core/overlaps.hpp"

namespace smmuman::core {

void Deployment::finalize() {
  reserved_set.clear();
  for (const auto& r : platform.reserved) reserved_set.insert(r.range);
  for (const auto& u : units) {
    if (u.registers) reserved_set.insert(*u.registers);
  }
  // A device's own registers are never a DMA target (docs/config-schema.md).
  for (const auto& dev : devices) {
    if (const auto* mmio = std::get_if<MmioId>(&dev.ident)) reserved_set.insert(mmio->registers);
  }

  vm_memory.assign(vms.size(), {});
  vm_host_memory.clear();
  device_vm.assign(devices.size(), std::nullopt);
  for (VmIndex v{0}; v < vms.size(); ++v) {
    for (const auto& region : vms[v].memory) {
      vm_memory[v].assign(region.guest, region.host_first, TranslationAttr{region.perms, std::nullopt});
      vm_host_memory.insert(region.host());
    }
    for (DeviceIndex dev : vms[v].passthrough) {
      if (dev < devices.size() && !device_vm[dev]) device_vm[dev] = v;
    }
  }

  device_startup.assign(devices.size(), {});
  for (size_t i = 0; i < startup_mappings.size(); ++i) {
    const auto dev = startup_mappings[i].device;
    if (dev < devices.size()) device_startup[dev].push_back(i);
  }
}

std::string context_pool_key(const Unit& unit, UnitIndex index) {
  // Pool names are names (printable, checked by validation); a unit's own key
  // begins with a NUL byte, which no name has.
  return unit.context_pool.empty() ? fmt::format("{}{}", '\0', uint32_t{index}) : unit.context_pool;
}

std::optional<std::string> name_problem(const std::string& name) {
  if (name.empty()) return "a name may not be empty";
  if (name.size() > kMaxNameBytes) {
    return fmt::format("a name may be at most {} bytes, not {}", kMaxNameBytes, name.size());
  }
  const bool printable = std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (!printable) return "a name is printable ASCII: letters, digits, punctuation and inner blanks";
  if (name.front() == ' ' || name.back() == ' ') return "a name may not begin or end with a blank";
  return std::nullopt;
}

std::optional<std::string> name_error(const char* kind, const std::string& name) {
  if (name.empty()) return fmt::format("{} with an empty name: every {} needs a name", kind, kind);
  if (const auto problem = name_problem(name)) return fmt::format("{} '{}': {}", kind, brief(name), *problem);
  return std::nullopt;
}

std::string brief(const std::string& text) {
  constexpr size_t kShown = 64;
  return text.size() <= kShown ? text : text.substr(0, kShown) + "\u2026";
}

namespace {

// What a host range touches that no mapping may reach, for messages.
using ReservedIndex = RangeIndex<HpaSpace, std::string>;

ReservedIndex build_reserved_index(const Deployment& d) {
  std::vector<std::pair<HpaRange, std::string>> entries;
  for (const auto& r : d.platform.reserved) entries.emplace_back(r.range, fmt::format("reserved region '{}'", r.name));
  for (const auto& u : d.units) {
    if (u.registers) entries.emplace_back(*u.registers, fmt::format("the registers of unit '{}'", u.name));
  }
  for (const auto& dev : d.devices) {
    if (const auto* mmio = std::get_if<MmioId>(&dev.ident)) {
      entries.emplace_back(mmio->registers, fmt::format("the registers of device '{}'", dev.name));
    }
  }
  return ReservedIndex(std::move(entries));
}

class Checker {
 public:
  explicit Checker(const Deployment& d) : d_(d), reserved_(build_reserved_index(d)) {}

  std::vector<DeploymentError> run() {
    check_platform();
    check_units();
    check_devices();
    check_vms();
    check_startup_mappings();
    return std::move(errors_);
  }

 private:
  template <class... Args>
  void fail(const Origin& origin, fmt::format_string<Args...> format, Args&&... args) {
    errors_.push_back(DeploymentError{origin, fmt::format(format, std::forward<Args>(args)...)});
  }

  void check_name(const Origin& origin, const char* kind, const std::string& name) {
    if (const auto message = name_error(kind, name)) errors_.push_back(DeploymentError{origin, *message});
  }

  // Names the reserved region, unit frame or device registers that a host range touches.
  std::string reserved_owner(const HpaRange& r) const {
    const auto* hit = reserved_.find_overlap(r);
    return hit ? hit->second : "a reserved region";
  }

  void check_platform() {
    if (d_.platform.memory.empty()) fail(d_.platform.origin, "platform: no permitted memory is declared");
    std::set<std::string> names;
    for (const auto& r : d_.platform.reserved) {
      check_name(r.origin, "reserved region", r.name);
      if (!names.insert(r.name).second) fail(r.origin, "reserved region '{}' is declared twice", r.name);
    }
  }

  void check_units() {
    std::set<std::string> names;
    std::vector<HpaRange> frames;
    std::vector<UnitIndex> frame_unit;
    for (UnitIndex i{0}; i < d_.units.size(); ++i) {
      const Unit& u = d_.units[i];
      check_name(u.origin, "unit", u.name);
      if (!names.insert(u.name).second) fail(u.origin, "unit '{}' is declared twice", u.name);
      if (!u.context_pool.empty()) {
        if (const auto problem = name_problem(u.context_pool)) {
          fail(u.origin, "unit '{}': context pool '{}': {}", u.name, brief(u.context_pool), *problem);
        }
      }
      if (const auto problem = capabilities_problem(u.capabilities)) {
        fail(u.origin, "unit '{}' ({}): {}", u.name, u.capabilities.architecture, *problem);
      }
      if (u.registers && d_.platform.memory.overlaps(*u.registers)) {
        fail(u.origin, "unit '{}': its registers {} lie in permitted memory", u.name, to_string(*u.registers));
      }
      if (u.registers) {
        frames.push_back(*u.registers);
        frame_unit.push_back(i);
      }
    }
    // Two frames that overlap are one SMMU declared twice: one stream could get two owners.
    for (const auto& [later, earlier] : overlapping_pairs(frames)) {
      const Unit& a = d_.units[frame_unit[later]];
      const Unit& b = d_.units[frame_unit[earlier]];
      fail(a.origin, "unit '{}': its registers {} overlap the registers {} of unit '{}' (one SMMU declared twice?)",
           a.name, to_string(*a.registers), to_string(*b.registers), b.name);
    }
  }

  void check_devices() {
    std::set<std::string> names;
    std::map<std::pair<UnitIndex, uint32_t>, std::string> stream_owner;
    std::map<uint32_t, DeviceIndex> pci_owner;  // requester ID -> first device with it
    std::vector<HpaRange> mmio;
    std::vector<DeviceIndex> mmio_device;
    std::map<std::pair<uint64_t, uint64_t>, DeviceIndex> mmio_owner;  // exact registers -> first device with them
    std::vector<bool> mmio_duplicate;
    std::vector<std::pair<HpaRange, std::string>> frames;
    for (const auto& u : d_.units) {
      if (u.registers) frames.emplace_back(*u.registers, u.name);
    }
    const RangeIndex<HpaSpace, std::string> unit_frames(std::move(frames));
    for (DeviceIndex i{0}; i < d_.devices.size(); ++i) {
      const Device& dev = d_.devices[i];
      check_name(dev.origin, "device", dev.name);
      if (!names.insert(dev.name).second) fail(dev.origin, "device '{}' is declared twice", dev.name);
      if (const auto* pci = std::get_if<PciAddress>(&dev.ident)) {
        if (pci->bus > 255 || pci->dev > 31 || pci->func > 7) {
          fail(dev.origin, "device '{}': PCI address {} out of range (bus 0-255, dev 0-31, func 0-7)", dev.name,
               to_string(dev.ident));
        } else if (const auto [it, fresh] = pci_owner.emplace(pci_requester_id(*pci), i); !fresh) {
          fail(dev.origin, "device '{}' has the same {} as device '{}'", dev.name, to_string(dev.ident),
               d_.devices[it->second].name);
        }
      } else {
        const HpaRange& regs = std::get<MmioId>(dev.ident).registers;
        mmio.push_back(regs);
        mmio_device.push_back(i);
        const auto [it, fresh] = mmio_owner.emplace(std::pair{regs.first(), regs.last()}, i);
        mmio_duplicate.push_back(!fresh);
        if (!fresh) {
          fail(dev.origin, "device '{}' has the same {} as device '{}'", dev.name, to_string(dev.ident),
               d_.devices[it->second].name);
        }
        if (const auto* frame = unit_frames.find_overlap(regs)) {
          fail(dev.origin, "device '{}': its registers {} lie in the registers of unit '{}'", dev.name,
               to_string(regs), frame->second);
        }
        if (d_.platform.memory.overlaps(regs)) {
          fail(dev.origin, "device '{}': its registers {} lie in permitted memory, where a mapping could reach them",
               dev.name, to_string(regs));
        }
      }
      if (dev.unit >= d_.units.size()) {
        fail(dev.origin, "device '{}': unknown unit index {}", dev.name, dev.unit);
        continue;
      }
      const Unit& unit = d_.units[dev.unit];
      if (dev.stream_ids.empty()) fail(dev.origin, "device '{}': no stream IDs", dev.name);
      for (uint32_t sid : dev.stream_ids) {
        if (!unit.capabilities.holds_stream_id(sid)) {
          fail(dev.origin, "device '{}': stream ID {:#x} does not fit unit '{}' ({} bits)", dev.name, sid,
               unit.name, unit.capabilities.stream_id_bits);
        }
        auto [it, fresh] = stream_owner.emplace(std::pair{dev.unit, sid}, dev.name);
        if (!fresh && it->second != dev.name) {
          fail(dev.origin, "device '{}': stream ID {:#x} on unit '{}' already belongs to device '{}'", dev.name,
               sid, unit.name, it->second);
        } else if (!fresh) {
          fail(dev.origin, "device '{}': stream ID {:#x} is listed twice", dev.name, sid);
        }
      }
    }
    for (const auto& [later, earlier] : overlapping_pairs(mmio)) {
      if (mmio_duplicate[later]) continue;  // reported as the same registers
      const Device& a = d_.devices[mmio_device[later]];
      fail(a.origin, "device '{}': registers {} overlap those of device '{}'", a.name, to_string(mmio[later]),
           d_.devices[mmio_device[earlier]].name);
    }
  }

  void check_vms() {
    if (d_.role == Role::guest && !d_.vms.empty()) {
      fail(d_.vms.front().origin, "a guest deployment cannot declare VMs");
    }
    std::set<std::string> names;
    std::vector<HpaRange> host_ranges;  // every well-formed region's host range, in declaration order
    std::vector<std::pair<VmIndex, const VmMemoryRegion*>> host_region;
    std::vector<std::optional<VmIndex>> passthrough_vm(d_.devices.size());
    for (VmIndex v{0}; v < d_.vms.size(); ++v) {
      const Vm& vm = d_.vms[v];
      check_name(vm.origin, "VM", vm.name);
      if (!names.insert(vm.name).second) fail(vm.origin, "VM '{}' is declared twice", vm.name);
      if (vm.memory.empty()) fail(vm.origin, "VM '{}' has no memory", vm.name);
      RangeSet<GpaSpace> guest_seen;
      for (const auto& region : vm.memory) {
        if (!is_granule_aligned(region.guest) || (region.host_first & kGranuleMask) != 0) {
          fail(region.origin, "VM '{}': memory {} -> {} is not aligned to {} bytes", vm.name,
               to_string(region.guest), format_hex(region.host_first), kGranule);
          continue;
        }
        if (!span_fits(region.host_first, region.guest.last() - region.guest.first())) {
          fail(region.origin, "VM '{}': host range at {} wraps past 2^64", vm.name, format_hex(region.host_first));
          continue;
        }
        const HpaRange host = region.host();
        if (guest_seen.overlaps(region.guest)) {
          fail(region.origin, "VM '{}': guest range {} overlaps another range of the same VM", vm.name,
               to_string(region.guest));
        }
        guest_seen.insert(region.guest);
        // A range over reserved memory is named by what it touches; only
        // otherwise is "outside permitted memory" the whole story.
        if (d_.reserved_set.overlaps(host)) {
          fail(region.origin, "VM '{}': host range {} overlaps {}", vm.name, to_string(host), reserved_owner(host));
        } else if (!d_.platform.memory.contains(host)) {
          fail(region.origin, "VM '{}': host range {} is not inside permitted platform memory", vm.name,
               to_string(host));
        }
        host_ranges.push_back(host);
        host_region.emplace_back(v, &region);
        if (region.perms.none()) fail(region.origin, "VM '{}': memory {} has no permissions", vm.name,
                                      to_string(region.guest));
      }
      std::set<DeviceIndex> listed;
      for (DeviceIndex dev : vm.passthrough) {
        if (dev >= d_.devices.size()) {
          fail(vm.origin, "VM '{}': unknown device index {}", vm.name, dev);
          continue;
        }
        const Device& device = d_.devices[dev];
        if (!listed.insert(dev).second) {
          fail(vm.origin, "VM '{}': device '{}' is listed twice in its pass-through list", vm.name, device.name);
          continue;
        }
        if (passthrough_vm[dev]) {
          fail(vm.origin, "device '{}' is passed through to VM '{}' and to VM '{}'", device.name,
               d_.vms[*passthrough_vm[dev]].name, vm.name);
          continue;
        }
        passthrough_vm[dev] = v;
        if (device.unit < d_.units.size()) check_reach(vm, device, d_.units[device.unit]);
        if (device.unit < d_.units.size() && d_.units[device.unit].bypass_unconfigured) {
          fail(vm.origin,
               "device '{}' is passed through to VM '{}' but its unit '{}' bypasses unconfigured streams: "
               "the device could reach host memory",
               device.name, vm.name, d_.units[device.unit].name);
        }
      }
    }
    for (const auto& [later, earlier] : overlapping_pairs(host_ranges)) {
      const auto& [vm, region] = host_region[later];
      fail(region->origin, "VM '{}': host range {} overlaps host range {} of VM '{}'", d_.vms[vm].name,
           to_string(host_ranges[later]), to_string(host_ranges[earlier]), d_.vms[host_region[earlier].first].name);
    }
  }

  // A pass-through device's unit must reach every host range of its VM: the
  // VM's mappings could otherwise never be programmed.
  void check_reach(const Vm& vm, const Device& device, const Unit& unit) {
    for (const auto& region : vm.memory) {
      if (!span_fits(region.host_first, region.guest.last() - region.guest.first())) continue;  // reported above
      const HpaRange host = region.host();
      if (!unit.capabilities.holds_output(host.last())) {
        fail(region.origin, "VM '{}': host range {} lies beyond the {}-bit output addresses of unit '{}', which "
             "translates its device '{}'", vm.name, to_string(host), unit.capabilities.output_address_bits, unit.name,
             device.name);
      }
    }
  }

  void check_startup_mappings() {
    std::vector<RangeSet<IovaSpace>> iova_seen(d_.devices.size());
    for (const auto& m : d_.startup_mappings) {
      if (m.device >= d_.devices.size()) {
        fail(m.origin, "startup mapping: unknown device index {}", m.device);
        continue;
      }
      const Device& dev = d_.devices[m.device];
      if (d_.role == Role::host && d_.device_vm.size() == d_.devices.size() && d_.device_vm[m.device]) {
        fail(m.origin,
             "startup mapping for device '{}' is not allowed in a host configuration: the device is passed "
             "through to VM '{}', whose own smmuman maps it",
             dev.name, d_.vms[*d_.device_vm[m.device]].name);
        continue;
      }
      if (m.perms.none()) fail(m.origin, "startup mapping for device '{}' has no permissions", dev.name);
      if (!is_granule_aligned(m.iova) || (m.hpa_first & kGranuleMask) != 0) {
        fail(m.origin, "startup mapping for device '{}' is not aligned to {} bytes", dev.name, kGranule);
        continue;
      }
      if (!span_fits(m.hpa_first, m.iova.last() - m.iova.first())) {
        fail(m.origin, "startup mapping for device '{}': target {} wraps past 2^64", dev.name,
             format_hex(m.hpa_first));
        continue;
      }
      const HpaRange hpa = m.hpa();
      if (d_.reserved_set.overlaps(hpa)) {
        fail(m.origin, "startup mapping for device '{}': {} overlaps {}", dev.name, to_string(hpa),
             reserved_owner(hpa));
      } else if (!d_.platform.memory.contains(hpa)) {
        fail(m.origin, "startup mapping for device '{}': {} is not inside permitted platform memory", dev.name,
             to_string(hpa));
      }
      if (d_.vm_host_memory.overlaps(hpa)) {
        fail(m.origin, "startup mapping for device '{}': {} overlaps a VM's memory", dev.name, to_string(hpa));
      }
      if (iova_seen[m.device].overlaps(m.iova)) {
        fail(m.origin, "startup mapping for device '{}': {} overlaps another startup mapping of the device",
             dev.name, to_string(m.iova));
      }
      iova_seen[m.device].insert(m.iova);
      if (dev.unit < d_.units.size()) {
        const Unit& unit = d_.units[dev.unit];
        if (!unit.capabilities.holds_input(m.iova.last())) {
          fail(m.origin, "startup mapping for device '{}': {} lies beyond the {}-bit input addresses of unit '{}'",
               dev.name, to_string(m.iova), unit.capabilities.input_address_bits, unit.name);
        }
        if (!unit.capabilities.holds_output(hpa.last())) {
          fail(m.origin, "startup mapping for device '{}': {} lies beyond the {}-bit output addresses of unit '{}'",
               dev.name, to_string(hpa), unit.capabilities.output_address_bits, unit.name);
        }
      }
    }
    // Each device with startup mappings keeps a translation context of its
    // unit's pool for as long as the deployment runs (docs/core-semantics.md).
    std::map<std::string, uint64_t> startup_contexts;
    for (DeviceIndex dev{0}; dev < d_.devices.size(); ++dev) {
      const UnitIndex u = d_.devices[dev].unit;
      if (u < d_.units.size() && !d_.device_startup[dev].empty()) ++startup_contexts[context_pool_key(d_.units[u], u)];
    }
    std::map<std::string, UnitIndex> first_in_pool;
    for (UnitIndex u{0}; u < d_.units.size(); ++u) {
      const Unit& unit = d_.units[u];
      const auto [first, fresh] = first_in_pool.emplace(context_pool_key(unit, u), u);
      if (!fresh) {
        const Unit& other = d_.units[first->second];
        if (other.capabilities.contexts != unit.capabilities.contexts) {
          fail(unit.origin, "unit '{}' shares context pool '{}' with unit '{}' but has {} contexts, not {}", unit.name,
               brief(unit.context_pool), other.name, unit.capabilities.contexts, other.capabilities.contexts);
        }
        continue;
      }
      const uint64_t used = startup_contexts[first->first];
      if (used > unit.capabilities.contexts) {
        fail(unit.origin, "unit '{}': {} devices have startup mappings, but the unit holds {} translation contexts",
             unit.name, used, unit.capabilities.contexts);
      }
    }
  }

  const Deployment& d_;
  const ReservedIndex reserved_;
  std::vector<DeploymentError> errors_;
};

}  // namespace

std::vector<DeploymentError> validate_deployment(const Deployment& d) {
  Deployment finalized = d;
  finalized.finalize();
  return Checker(finalized).run();
}

}  // namespace smmuman::core
