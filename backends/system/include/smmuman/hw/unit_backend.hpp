// What every hosted backend offers the service: one unit's share of a plan,
// prepared (reserving everything, refusing with nothing changed) and then
// committed (programming it; it cannot fail), its faults, and a summary of
// what it programmed.
#pragma once

#include <string>
#include <vector>

#include "smmuman/core/plan.hpp"
#include "smmuman/core/result.hpp"
#include "smmuman/hw/fault_record.hpp"

namespace smmuman::hw {

// The steps of one plan that concern one unit, in plan order.
using UnitSteps = std::vector<const core::PlanStep*>;

class UnitBackend {
 public:
  virtual ~UnitBackend() = default;
  // Reserves what commit needs; on refusal nothing has changed and nothing stays reserved.
  virtual core::Status prepare(const UnitSteps& steps) = 0;
  // Gives back what the last prepare reserved (another unit refused the plan).
  virtual void abandon() noexcept = 0;
  // Programs the steps last prepared.
  virtual void commit(const UnitSteps& steps) noexcept = 0;
  // Moves the unit's pending fault records into `out`.
  virtual void collect_faults(std::vector<FaultRecord>& out) = 0;
  // What the unit is programmed with, for people (`smmuman simulate`).
  virtual std::string describe() const = 0;
};

// The unit a plan step concerns.
core::UnitIndex unit_of(const core::PlanStep& step);

}  // namespace smmuman::hw
