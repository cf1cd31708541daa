#include "simulate.hpp"

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "smmuman/core/manager.hpp"
#include "smmuman/hw/arm_smmuv2_backend.hpp"
#include "smmuman/hw/arm_smmuv3_backend.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/models/sim_dma.hpp"
#include "smmuman/models/smmuv2_model.hpp"
#include "smmuman/models/smmuv3_model.hpp"

namespace smmuman::tools {

namespace {

// One unit on its model: what the backend drives, and one DMA through it.
struct SimulatedUnit {
  std::unique_ptr<hw::Mmio> model;
  std::function<bool(uint32_t sid, uint64_t address, core::AccessKind kind, uint64_t& pa)> access;
};

template <class ModelT, class AccessT, class Ids>
SimulatedUnit simulated(sim::SimDma& dma, const Ids& ids) {
  auto model = std::make_unique<ModelT>(dma, ids);
  auto* m = model.get();
  SimulatedUnit out;
  out.access = [m](uint32_t sid, uint64_t a, core::AccessKind k, uint64_t& pa) {
    static constexpr AccessT kKinds[] = {AccessT::read, AccessT::write, AccessT::exec};
    const auto r = m->access(sid, a, kKinds[static_cast<int>(k)]);
    pa = r.pa;
    return r.allowed;
  };
  out.model = std::move(model);
  return out;
}

// A model whose ID registers report what the unit's capabilities say.
core::Result<SimulatedUnit> model_for(const core::Unit& unit, sim::SimDma& dma) {
  const auto& caps = unit.capabilities;
  if (caps.architecture == "arm-smmuv3") {
    smmuv3_model::Ids ids = smmuv3_model::Ids::typical();
    ids.idr1 = (ids.idr1 & ~0x3Fu) | std::min(caps.stream_id_bits, 32u);  // IHI0070 6.3.2 SIDSIZE
    return simulated<smmuv3_model::Model, smmuv3_model::Access>(dma, ids);
  }
  if (caps.architecture == "arm-smmuv2") {
    const unsigned banks = static_cast<unsigned>(std::min<uint64_t>(caps.contexts, 128));
    return simulated<smmuv2_model::Model, smmuv2_model::Access>(dma, smmuv2_model::Ids::mmu500(banks, 48));
  }
  return core::make_error(core::Errc::not_found, fmt::format("unit {}: no register-level backend for {} yet "
                                                             "(arm-smmuv3 and arm-smmuv2 have one)",
                                                             unit.name, caps.architecture));
}

core::Result<std::unique_ptr<hw::UnitBackend>> backend_for(const core::Unit& unit, uint32_t index, SimulatedUnit& u,
                                                           sim::SimDma& dma) {
  if (unit.capabilities.architecture == "arm-smmuv3") {
    auto b = hw::arm_smmuv3::Backend::create(*u.model, dma, unit, index);
    if (!b) return b.error();
    return std::unique_ptr<hw::UnitBackend>(std::move(b.value()));
  }
  auto b = hw::arm_smmuv2::Backend::create(*u.model, dma, unit, index);
  if (!b) return b.error();
  return std::unique_ptr<hw::UnitBackend>(std::move(b.value()));
}

core::DeviceSelector selector_of(const core::Device& device) {
  if (const auto* mmio = std::get_if<core::MmioId>(&device.ident)) {
    return core::MmioSelector{mmio->registers.first(), mmio->registers.last() - mmio->registers.first() + 1};
  }
  const auto& pci = std::get<core::PciAddress>(device.ident);
  return core::PciSelector{pci.bus, pci.dev, pci.func};
}

// Each VM's client attaches its pass-through devices to one object that
// maps the VM's memory at its guest-physical addresses.
std::vector<std::string> start_vms(core::Manager& m) {
  std::vector<std::string> errors;
  const core::Deployment& d = m.deployment();
  for (core::VmIndex vm{0}; vm < d.vms.size(); ++vm) {
    const core::Vm& v = d.vms[vm];
    if (v.passthrough.empty()) continue;
    auto client = m.connect({"vm " + v.name, vm, true});
    if (!client) {
      errors.push_back(fmt::format("VM {}: {}", v.name, client.error().message));
      continue;
    }
    auto object = m.create_object(client.value());
    if (!object) {
      errors.push_back(fmt::format("VM {}: {}", v.name, object.error().message));
      continue;
    }
    std::vector<core::MappingSpec> specs;
    for (const auto& r : v.memory) specs.push_back({core::IovaRange::from_first_last(r.guest.first(), r.guest.last()), core::Gpa{r.guest.first()}, r.perms});
    if (auto s = m.map(client.value(), object.value(), specs); !s) {
      errors.push_back(fmt::format("VM {}: mapping its memory: {}", v.name, s.error().message));
    }
    for (core::DeviceIndex dev : v.passthrough) {
      if (auto a = m.attach(client.value(), object.value(), selector_of(d.devices[dev])); !a) {
        errors.push_back(fmt::format("VM {}: attaching {}: {}", v.name, d.devices[dev].name, a.error().message));
      }
    }
  }
  return errors;
}

}  // namespace

SimulateResult simulate(const core::Deployment& deployment, const std::string& shown_path, bool vms, bool json) {
  sim::SimDma dma(uint64_t{1} << 30);
  std::vector<std::string> errors;
  std::vector<SimulatedUnit> units;
  std::vector<std::unique_ptr<hw::UnitBackend>> backends;
  std::vector<hw::UnitBackend*> views;
  core::Manager manager(deployment, /*check_invariants=*/true);
  for (size_t i = 0; i < deployment.units.size() && errors.empty(); ++i) {
    auto u = model_for(deployment.units[i], dma);
    if (!u) {
      errors.push_back(u.error().message);
      break;
    }
    units.push_back(std::move(u.value()));
    auto b = backend_for(deployment.units[i], static_cast<uint32_t>(i), units.back(), dma);
    if (!b) {
      errors.push_back(b.error().message);
      break;
    }
    if (auto* domains = dynamic_cast<hw::DomainBackend*>(b.value().get())) {
      domains->device_names = [&deployment](core::DeviceIndex d) { return deployment.devices.at(d).name; };
    }
    views.push_back(b.value().get());
    backends.push_back(std::move(b.value()));
  }
  std::unique_ptr<hw::HardwareSystem> system;
  if (errors.empty()) {
    system = std::make_unique<hw::HardwareSystem>(manager.deployment(), std::move(backends));
    if (auto s = manager.attach_hardware(*system); !s) errors.push_back(s.error().message);
  }
  if (errors.empty() && vms) {
    for (auto& e : start_vms(manager)) errors.push_back(std::move(e));
  }
  // The self-check: every stream at both ends of each mapping and one byte beyond.
  uint64_t checked = 0;
  std::vector<std::string> disagreements;
  if (errors.empty()) {
    const core::Deployment& d = manager.deployment();
    std::set<uint64_t> addrs = {0};
    for (const auto& [id, object] : manager.state().objects) {
      for (const auto& e : object.mappings.entries()) addrs.insert({e.in.first(), e.in.last(), e.in.last() + 1});
    }
    for (const auto& s : d.startup_mappings) addrs.insert({s.iova.first(), s.iova.last(), s.iova.last() + 1});
    for (const auto& dev : d.devices) {
      for (uint32_t sid : dev.stream_ids) {
        for (uint64_t a : addrs) {
          for (core::AccessKind k : {core::AccessKind::read, core::AccessKind::write, core::AccessKind::exec}) {
            const core::AccessResult want = manager.access_stream(dev.unit, sid, core::Iova{a}, k);
            uint64_t pa = 0;
            const bool allowed = units[dev.unit].access(sid, a, k, pa);
            ++checked;
            if (allowed != want.allowed || (allowed && pa != want.hpa.value())) {
              disagreements.push_back(fmt::format("{} stream {:#x} {} at {:#x}: model {}, core {}", dev.name, sid,
                                                  core::to_string(k), a, allowed ? "allows" : "denies",
                                                  want.allowed ? "allows" : "denies"));
            }
          }
        }
      }
    }
    system->collect_faults();  // the self-check's denials, drained
  }
  SimulateResult out;
  out.ok = errors.empty() && disagreements.empty();
  if (json) {
    nlohmann::json j = {{"file", shown_path}, {"ok", out.ok}, {"errors", errors}, {"checked", checked},
                        {"disagreements", disagreements}};
    nlohmann::json junits = nlohmann::json::array();
    for (size_t i = 0; i < views.size() && system; ++i) {
      std::vector<std::string> lines;
      std::istringstream text(system->unit(core::UnitIndex{static_cast<uint32_t>(i)}).describe());
      for (std::string line; std::getline(text, line);) lines.push_back(line);
      junits.push_back({{"name", deployment.units[i].name}, {"architecture", deployment.units[i].capabilities.architecture},
                        {"programmed", lines}});
    }
    j["units"] = junits;
    out.text = j.dump(2) + "\n";
    return out;
  }
  for (const auto& e : errors) out.text += fmt::format("error: {}\n", e);
  for (size_t i = 0; i < views.size() && system; ++i) {
    out.text += fmt::format("unit {} ({}):\n", deployment.units[i].name, deployment.units[i].capabilities.architecture);
    std::istringstream text(system->unit(core::UnitIndex{static_cast<uint32_t>(i)}).describe());
    for (std::string line; std::getline(text, line);) out.text += "  " + line + "\n";
  }
  for (const auto& e : disagreements) out.text += fmt::format("disagreement: {}\n", e);
  if (errors.empty()) {
    out.text += fmt::format("{}: {} accesses checked on the models, {}\n", shown_path, checked,
                            disagreements.empty() ? "all as the core decides" : "some NOT as the core decides");
  }
  return out;
}

}  // namespace smmuman::tools
