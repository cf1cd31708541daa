#include "smmuman/hw/hardware_system.hpp"

#include <algorithm>
#include <stdexcept>

namespace smmuman::hw {

core::UnitIndex unit_of(const core::PlanStep& step) {
  return std::visit(
      [](const auto& s) -> core::UnitIndex {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, core::step::BindStreams>) {
          return s.unit;
        } else {
          return s.domain.unit;
        }
      },
      step);
}

HardwareSystem::HardwareSystem(const core::Deployment& deployment, std::vector<std::unique_ptr<UnitBackend>> units)
    : deployment_(deployment), units_(std::move(units)) {
  if (units_.size() != deployment_.units.size()) throw std::invalid_argument("one backend per deployment unit");
}

std::vector<UnitSteps> HardwareSystem::split(const core::Plan& plan) const {
  std::vector<UnitSteps> per_unit(units_.size());
  for (const auto& step : plan.steps) per_unit.at(unit_of(step)).push_back(&step);
  return per_unit;
}

core::Status HardwareSystem::prepare(const core::Plan& plan) {
  const auto per_unit = split(plan);
  for (size_t u = 0; u < units_.size(); ++u) {
    if (per_unit[u].empty()) continue;
    core::Status s = units_[u]->prepare(per_unit[u]);
    if (!s) {
      for (size_t v = 0; v < u; ++v) {
        if (!per_unit[v].empty()) units_[v]->abandon();
      }
      return core::make_error(s.error().code, "unit " + deployment_.units[u].name + ": " + s.error().message);
    }
  }
  return core::Ok{};
}

void HardwareSystem::commit(const core::Plan& plan) noexcept {
  const auto per_unit = split(plan);
  for (size_t u = 0; u < units_.size(); ++u) {
    if (!per_unit[u].empty()) units_[u]->commit(per_unit[u]);
  }
}

std::vector<DeviceFault> HardwareSystem::collect_faults() {
  std::vector<DeviceFault> out;
  for (size_t u = 0; u < units_.size(); ++u) {
    std::vector<FaultRecord> records;
    units_[u]->collect_faults(records);
    for (auto& r : records) {
      r.unit = static_cast<uint32_t>(u);
      DeviceFault f{r, std::nullopt};
      if (r.stream_known) {
        for (core::DeviceIndex d{0}; d < deployment_.devices.size(); ++d) {
          const auto& dev = deployment_.devices[d];
          if (dev.unit == u && std::find(dev.stream_ids.begin(), dev.stream_ids.end(), r.stream) != dev.stream_ids.end()) {
            f.device = d;
            break;
          }
        }
      }
      out.push_back(f);
    }
  }
  return out;
}

}  // namespace smmuman::hw
