// Derived lookups and static validation of a deployment.
#include "smmuman/core/deployment.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace smmuman::core {

void Deployment::finalize() {
  reserved_set.clear();
  for (const auto& r : platform.reserved) reserved_set.insert(r.range);
  for (const auto& u : units) {
    if (u.registers) reserved_set.insert(*u.registers);
  }

  vm_memory.assign(vms.size(), {});
  vm_host_memory.clear();
  device_vm.assign(devices.size(), std::nullopt);
  for (VmIndex v = 0; v < vms.size(); ++v) {
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

namespace {

class Checker {
 public:
  explicit Checker(const Deployment& d) : d_(d) {}

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

  // Names the reserved region or unit frame that a host range touches.
  std::string reserved_owner(const HpaRange& r) const {
    for (const auto& res : d_.platform.reserved) {
      if (res.range.overlaps(r)) return fmt::format("reserved region '{}'", res.name);
    }
    for (const auto& u : d_.units) {
      if (u.registers && u.registers->overlaps(r)) return fmt::format("the registers of unit '{}'", u.name);
    }
    return "a reserved region";
  }

  void check_platform() {
    if (d_.platform.memory.empty()) fail(d_.platform.origin, "platform: no permitted memory is declared");
    std::set<std::string> names;
    for (const auto& r : d_.platform.reserved) {
      if (!names.insert(r.name).second) fail(r.origin, "reserved region '{}' is declared twice", r.name);
    }
  }

  void check_units() {
    std::set<std::string> names;
    for (const auto& u : d_.units) {
      if (!names.insert(u.name).second) fail(u.origin, "unit '{}' is declared twice", u.name);
      if (u.stream_id_bits < 1 || u.stream_id_bits > 32) {
        fail(u.origin, "unit '{}': stream_id_bits must be 1..32, not {}", u.name, u.stream_id_bits);
      }
      if (u.registers && d_.platform.memory.overlaps(*u.registers)) {
        fail(u.origin, "unit '{}': its registers {} lie in permitted memory", u.name, to_string(*u.registers));
      }
    }
  }

  void check_devices() {
    std::set<std::string> names;
    std::map<std::pair<UnitIndex, uint32_t>, std::string> stream_owner;
    for (const auto& dev : d_.devices) {
      if (!names.insert(dev.name).second) fail(dev.origin, "device '{}' is declared twice", dev.name);
      if (dev.unit >= d_.units.size()) {
        fail(dev.origin, "device '{}': unknown unit index {}", dev.name, dev.unit);
        continue;
      }
      const Unit& unit = d_.units[dev.unit];
      if (dev.stream_ids.empty()) fail(dev.origin, "device '{}': no stream IDs", dev.name);
      for (uint32_t sid : dev.stream_ids) {
        if (unit.stream_id_bits < 32 && sid >> unit.stream_id_bits) {
          fail(dev.origin, "device '{}': stream ID {:#x} does not fit unit '{}' ({} bits)", dev.name, sid,
               unit.name, unit.stream_id_bits);
        }
        auto [it, fresh] = stream_owner.emplace(std::pair{dev.unit, sid}, dev.name);
        if (!fresh && it->second != dev.name) {
          fail(dev.origin, "device '{}': stream ID {:#x} on unit '{}' already belongs to device '{}'", dev.name,
               sid, unit.name, it->second);
        } else if (!fresh) {
          fail(dev.origin, "device '{}': stream ID {:#x} is listed twice", dev.name, sid);
        }
      }
      if (const auto* pci = std::get_if<PciAddress>(&dev.ident)) {
        if (pci->bus > 255 || pci->dev > 31 || pci->func > 7) {
          fail(dev.origin, "device '{}': PCI address {} out of range (bus 0-255, dev 0-31, func 0-7)", dev.name,
               to_string(dev.ident));
        }
      }
    }
    for (size_t i = 0; i < d_.devices.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        const auto* a = std::get_if<MmioId>(&d_.devices[i].ident);
        const auto* b = std::get_if<MmioId>(&d_.devices[j].ident);
        if (d_.devices[i].ident == d_.devices[j].ident) {
          fail(d_.devices[i].origin, "device '{}' has the same {} as device '{}'", d_.devices[i].name,
               to_string(d_.devices[i].ident), d_.devices[j].name);
        } else if (a && b && a->registers.overlaps(b->registers)) {
          fail(d_.devices[i].origin, "device '{}': registers {} overlap those of device '{}'", d_.devices[i].name,
               to_string(a->registers), d_.devices[j].name);
        }
      }
    }
  }

  void check_vms() {
    if (d_.role == Role::guest && !d_.vms.empty()) {
      fail(d_.vms.front().origin, "a guest deployment cannot declare VMs");
    }
    std::set<std::string> names;
    std::map<uint64_t, std::pair<HpaRange, std::string>> host_owner;  // first -> (range, vm)
    std::vector<std::optional<VmIndex>> passthrough_vm(d_.devices.size());
    for (VmIndex v = 0; v < d_.vms.size(); ++v) {
      const Vm& vm = d_.vms[v];
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
        if (!d_.platform.memory.contains(host)) {
          fail(region.origin, "VM '{}': host range {} is not inside permitted platform memory", vm.name,
               to_string(host));
        }
        if (d_.reserved_set.overlaps(host)) {
          fail(region.origin, "VM '{}': host range {} overlaps {}", vm.name, to_string(host), reserved_owner(host));
        }
        for (const auto& [first, owner] : host_owner) {
          if (owner.first.overlaps(host)) {
            fail(region.origin, "VM '{}': host range {} overlaps host range {} of VM '{}'", vm.name,
                 to_string(host), to_string(owner.first), owner.second);
          }
        }
        host_owner.emplace(host.first(), std::pair{host, vm.name});
        if (region.perms.none()) fail(region.origin, "VM '{}': memory {} has no permissions", vm.name,
                                      to_string(region.guest));
      }
      for (DeviceIndex dev : vm.passthrough) {
        if (dev >= d_.devices.size()) {
          fail(vm.origin, "VM '{}': unknown device index {}", vm.name, dev);
          continue;
        }
        const Device& device = d_.devices[dev];
        if (passthrough_vm[dev]) {
          fail(vm.origin, "device '{}' is passed through to VM '{}' and to VM '{}'", device.name,
               d_.vms[*passthrough_vm[dev]].name, vm.name);
          continue;
        }
        passthrough_vm[dev] = v;
        if (device.unit < d_.units.size() && d_.units[device.unit].bypass_unconfigured) {
          fail(vm.origin,
               "device '{}' is passed through to VM '{}' but its unit '{}' bypasses unconfigured streams: "
               "the device could reach host memory",
               device.name, vm.name, d_.units[device.unit].name);
        }
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
      if (!d_.platform.memory.contains(hpa)) {
        fail(m.origin, "startup mapping for device '{}': {} is not inside permitted platform memory", dev.name,
             to_string(hpa));
      }
      if (d_.reserved_set.overlaps(hpa)) {
        fail(m.origin, "startup mapping for device '{}': {} overlaps {}", dev.name, to_string(hpa),
             reserved_owner(hpa));
      }
      if (d_.vm_host_memory.overlaps(hpa)) {
        fail(m.origin, "startup mapping for device '{}': {} overlaps a VM's memory", dev.name, to_string(hpa));
      }
      if (iova_seen[m.device].overlaps(m.iova)) {
        fail(m.origin, "startup mapping for device '{}': {} overlaps another startup mapping of the device",
             dev.name, to_string(m.iova));
      }
      iova_seen[m.device].insert(m.iova);
    }
  }

  const Deployment& d_;
  std::vector<DeploymentError> errors_;
};

}  // namespace

std::vector<DeploymentError> validate_deployment(const Deployment& d) {
  Deployment finalized = d;
  finalized.finalize();
  return Checker(finalized).run();
}

}  // namespace smmuman::core
