// The Arm SMMUv3 backend: the shared stage-2 domain machinery
// (domain_backend.hpp) over the register-level driver (arm_smmuv3_driver.hpp).
// Each domain is one VMID and one stage-2 table named in the STEs of its
// streams; every stream not in a domain translates with an empty table under
// VMID 0, so its accesses fault and are recorded (STE.Config = abort would
// record nothing).
//
// Command queue space is not reserved in prepare: commit waits, bounded, for
// the unit to make space, and a unit that stops consuming is reported
// (DriverStats::dropped), which no reservation could prevent.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "smmuman/hw/arm_smmuv3_driver.hpp"
#include "smmuman/hw/domain_backend.hpp"

namespace smmuman::hw::arm_smmuv3 {

class Backend : public DomainBackend {
 public:
  // Probes the unit and brings it up with every stream failing closed.
  static core::Result<std::unique_ptr<Backend>> create(Mmio& mmio, Dma& dma, const core::Unit& unit,
                                                       uint32_t unit_index, Options options = {});

  void collect_faults(std::vector<FaultRecord>& out) override;
  std::string describe() const override;
  Driver<Mmio, Dma>& driver() { return driver_; }
  const Driver<Mmio, Dma>& driver() const { return driver_; }

 private:
  Backend(Mmio& mmio, Dma& dma, uint32_t unit_index);

  core::Status check_ready() override {
    if (driver_.healthy()) return core::Ok{};
    return core::make_error(core::Errc::no_resources, "the command queue stopped consuming commands (a CMD_SYNC timed out or a command could not be queued)");
  }
  bool pick_contexts(unsigned count, std::vector<Context>& out) override;
  core::Status prepare_streams(const core::step::BindStreams& bind) override;
  void abandon_streams() noexcept override;
  void program_context(const Domain& domain) override;
  void bind_streams(const core::step::BindStreams& bind, const Domain* target) override;
  void invalidate(const Domain& domain, const Invalidation& inv) override;
  void invalidate_context(const Domain& domain) override;
  void sync() override { driver_.sync(); }
  void retire_context(const Context& context) override { vmids_in_use_.erase(context.vmid); }

  Driver<Mmio, Dma> driver_;
  TablePage fail_closed_root_{};
  uint16_t vmid_limit_ = 255;
  std::set<uint16_t> vmids_in_use_;
  std::map<uint64_t, TablePage> pending_l2_;  // level-2 stream tables prepared, by level-1 index
};

}  // namespace smmuman::hw::arm_smmuv3
