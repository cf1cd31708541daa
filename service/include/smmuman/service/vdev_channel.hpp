// The guest side of vdev-smmu: the backend of a guest's vdev-smmu unit. It
// has no registers; each plan's steps go to the host smmuman over the VM's
// channel (docs/protocol.md, "The VM channel"): prepare sends them and the
// host performs them, holding an undo; commit keeps them; abandon undoes
// them. The host's transgression records for the VM's devices come back as
// this unit's fault records.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "smmuman/core/deployment.hpp"
#include "smmuman/hw/unit_backend.hpp"
#include "smmuman/service/log.hpp"
#include "smmuman/wire/wire.hpp"

namespace smmuman::service {

class VdevChannel : public hw::UnitBackend {
 public:
  // Connects to the host's socket for this VM and checks that every guest
  // device on `unit` is one the host passes through to the VM (by name).
  static core::Result<std::unique_ptr<VdevChannel>> connect(const std::string& path, const core::Deployment& guest,
                                                            core::UnitIndex unit, Log& log);
  // The same over a connected stream socket `fd`, which the channel then owns
  // (closed also when this fails); `path` only names it in messages.
  static core::Result<std::unique_ptr<VdevChannel>> over(int fd, const std::string& path, const core::Deployment& guest,
                                                         core::UnitIndex unit, Log& log);
  ~VdevChannel() override;

  core::Status prepare(const hw::UnitSteps& steps) override;
  void abandon() noexcept override;
  void commit(const hw::UnitSteps& steps) noexcept override;
  void collect_faults(std::vector<hw::FaultRecord>& out) override;
  std::string describe() const override;

  const std::string& vm_name() const { return vm_; }
  // Called once when the host goes away (its daemon stopped or restarted):
  // the guest cannot keep its promises, so it stops (QNX's design safe state).
  std::function<void()> on_lost;
  // A host that does not answer a request within this long is lost too: the
  // guest must not hang with its clients' devices half-changed.
  int reply_timeout_ms = 5000;

 private:
  VdevChannel(int fd, const core::Deployment& guest, core::UnitIndex unit, Log& log);
  std::optional<wire::Reply> call(const wire::Request& request);
  bool read_some(bool block);
  void take_frames();
  void lost(const char* why);

  int fd_;
  const core::Deployment& guest_;
  core::UnitIndex unit_;
  Log& log_;
  std::string path_, vm_;
  wire::FrameReader reader_;
  std::deque<wire::FrameReader::Frame> replies_;
  std::deque<wire::req::VmFault> faults_;
  uint32_t next_request_ = 1;
  bool broken_ = false;
  uint64_t plans_ = 0;
};

}  // namespace smmuman::service
