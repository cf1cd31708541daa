// The hardware layer of a whole deployment: one backend per unit. A plan's
// steps go to the units they name; when one unit refuses in prepare the
// others give back what they reserved, so a refused plan changes nothing.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/plan.hpp"
#include "smmuman/hw/unit_backend.hpp"

namespace smmuman::hw {

// A fault with the device that owns its stream, when one does.
struct DeviceFault {
  FaultRecord record;
  std::optional<core::DeviceIndex> device;
};

class HardwareSystem : public core::HardwareLayer {
 public:
  // `units[i]` drives deployment unit i; the deployment must outlive this.
  HardwareSystem(const core::Deployment& deployment, std::vector<std::unique_ptr<UnitBackend>> units);

  core::Status prepare(const core::Plan& plan) override;
  void commit(const core::Plan& plan) noexcept override;

  // Every unit's pending faults, oldest first per unit.
  std::vector<DeviceFault> collect_faults();
  UnitBackend& unit(core::UnitIndex index) { return *units_[index]; }
  size_t unit_count() const { return units_.size(); }

 private:
  std::vector<UnitSteps> split(const core::Plan& plan) const;

  const core::Deployment& deployment_;
  std::vector<std::unique_ptr<UnitBackend>> units_;
};

}  // namespace smmuman::hw
