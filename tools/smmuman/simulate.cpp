#include "simulate.hpp"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "smmuman/core/manager.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/service/model_board.hpp"

namespace smmuman::tools {

core::DeviceSelector selector_of(const core::Device& device) {
  if (const auto* mmio = std::get_if<core::MmioId>(&device.ident)) {
    return core::MmioSelector{mmio->registers.first(), mmio->registers.last() - mmio->registers.first() + 1};
  }
  const auto& pci = std::get<core::PciAddress>(device.ident);
  return core::PciSelector{pci.bus, pci.dev, pci.func};
}

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

SimulateResult simulate(const core::Deployment& deployment, const std::string& shown_path, bool vms, bool json) {
  std::vector<std::string> errors;
  core::Manager manager(deployment, /*check_invariants=*/true);
  auto board = service::ModelBoard::create(manager.deployment());
  std::unique_ptr<hw::HardwareSystem> system;
  if (!board) {
    errors.push_back(board.error().message);
  } else if (auto brought = board.value()->bring_up(manager.deployment()); !brought) {
    errors.push_back(brought.error().message);
  } else {
    system = std::move(brought.value());
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
            const service::DmaOutcome got = board.value()->dma(dev.unit, sid, a, k);
            const bool allowed = got.allowed;
            const uint64_t pa = got.pa;
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
    for (size_t i = 0; system && i < system->unit_count(); ++i) {
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
  for (size_t i = 0; system && i < system->unit_count(); ++i) {
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
