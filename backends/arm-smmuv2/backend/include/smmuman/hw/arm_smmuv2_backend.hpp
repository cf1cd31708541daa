// The Arm SMMUv2 / MMU-500 backend: the shared stage-2 domain machinery
// (domain_backend.hpp) over the register-level driver (arm_smmuv2_driver.hpp).
// Each domain is one stage-2 context bank with its own VMID. A device's
// streams are matched by stream match groups: one SMR per aligned block of
// stream IDs that all belong to the device (a mask never takes in a stream
// that is not the device's), its S2CR naming the domain's bank. A stream in
// no domain has no group, so it is an unidentified stream and faults
// (SMMU_sCR0.USFCFG = 1); on a unit that passes unconfigured streams
// through, a device's detached streams keep a group whose S2CR faults.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "smmuman/hw/arm_smmuv2_driver.hpp"
#include "smmuman/hw/domain_backend.hpp"

namespace smmuman::hw::arm_smmuv2 {

// The stream match groups (ID, MASK) that cover `streams` exactly: aligned
// power-of-two blocks wholly inside the set, largest first.
std::vector<std::pair<uint32_t, uint32_t>> match_groups(std::vector<uint32_t> streams);

class Backend : public DomainBackend {
 public:
  static core::Result<std::unique_ptr<Backend>> create(Mmio& mmio, Dma& dma, const core::Unit& unit,
                                                       uint32_t unit_index, Options options = {});

  void collect_faults(std::vector<FaultRecord>& out) override;
  std::string describe() const override;
  Driver<Mmio>& driver() { return driver_; }
  unsigned groups_in_use() const { return static_cast<unsigned>(groups_.size()); }

 private:
  Backend(Mmio& mmio, Dma& dma, uint32_t unit_index) : DomainBackend(dma, unit_index), driver_(mmio, unit_index) {}

  struct Group {
    unsigned index = 0;
    bool faulting = false;  // S2CR fault (detached streams of a pass-through unit)
    unsigned bank = 0;
  };

  core::Status check_ready() override {
    if (driver_.healthy()) return core::Ok{};
    return core::make_error(core::Errc::no_resources, "a TLB synchronization timed out: the unit no longer completes invalidations");
  }
  bool pick_contexts(unsigned count, std::vector<Context>& out) override;
  core::Status prepare_streams(const core::step::BindStreams& bind) override;
  void abandon_streams() noexcept override { pending_groups_ = 0; }
  void program_context(const Domain& domain) override;
  void bind_streams(const core::step::BindStreams& bind, const Domain* target) override;
  void invalidate(const Domain& domain, const Invalidation& inv) override;
  void invalidate_context(const Domain& domain) override { driver_.invalidate_vmid(domain.context.vmid); }
  void sync() override { driver_.sync(); }
  void retire_context(const Context& context) override;
  unsigned take_group();

  Driver<Mmio> driver_;
  TablePage empty_root_{};  // what a bank no domain uses translates with: nothing
  bool bypass_unconfigured_ = false;
  std::vector<bool> bank_used_;
  std::vector<bool> group_used_;
  std::map<std::pair<uint32_t, uint32_t>, Group> groups_;  // by (ID, MASK)
  unsigned pending_groups_ = 0;
};

}  // namespace smmuman::hw::arm_smmuv2
