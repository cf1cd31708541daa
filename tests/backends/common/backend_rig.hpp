// The harness every register-level backend is judged in: the core fixture's
// platform with each unit a hardware model (sharing one simulated physical
// memory) driven by the backend under test through a HardwareSystem, and the
// checks that compare the model's answer for one DMA with
// Manager::access_stream, and the backend's fault records with the denials.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "smmuman/models/sim_dma.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/hw/domain_backend.hpp"
#include "smmuman/hw/hardware_system.hpp"

namespace backend_rig {

using namespace smmuman;

struct ModelAccess {
  bool allowed = false;
  uint64_t pa = 0;
};

// One unit: its model, and how its backend is made on it.
class UnitHarness {
 public:
  virtual ~UnitHarness() = default;
  virtual hw::Mmio& mmio() = 0;
  virtual ModelAccess access(uint32_t sid, uint64_t address, core::AccessKind kind) = 0;
  virtual const std::vector<std::string>& hazards() const = 0;
  virtual core::Result<std::unique_ptr<hw::DomainBackend>> create_backend(sim::SimDma& dma, const core::Unit& unit,
                                                                          uint32_t index) = 0;
};
using HarnessFactory = std::function<std::unique_ptr<UnitHarness>(sim::SimDma&)>;

class Rig {
 public:
  // Two units of `architecture` on the core fixture's platform (u1 passes
  // streams no device owns through), with capabilities probed from the models.
  Rig(const std::string& architecture, const HarnessFactory& make);

  core::Manager& manager() { return *manager_; }
  UnitHarness& harness(size_t u) { return *harnesses_[u]; }
  hw::DomainBackend& backend(size_t u) { return *backends_[u]; }
  hw::HardwareSystem& system() { return *system_; }
  sim::SimDma& dma() { return dma_; }
  std::string problem;  // why the rig could not be built
  uint64_t compared = 0;

  // One DMA through the model against the core, and the faults the backend
  // reports for it (exactly one per denial). Empty when they agree.
  std::string compare(core::UnitIndex unit, uint32_t sid, uint64_t addr, core::AccessKind kind);
  // Both ends of every mapping and one byte outside each, the startup
  // mappings and `extra`, for every declared stream and two no device owns;
  // then the models' hazards and the backends' table reservations.
  std::string compare_all(const std::set<uint64_t>& extra = {});

 private:
  sim::SimDma dma_;
  std::vector<std::unique_ptr<UnitHarness>> harnesses_;
  std::unique_ptr<core::Manager> manager_;
  std::vector<hw::DomainBackend*> backends_;
  std::unique_ptr<hw::HardwareSystem> system_;
};

// A unit harness from a model type and a backend type: ModelT(SimDma&, Ids),
// ModelT::access(sid, address, AccessT) -> {allowed, pa}, ModelT::hazards(),
// and BackendT::create(Mmio&, Dma&, Unit, index).
template <class ModelT, class AccessT, class BackendT>
class ModelHarness : public UnitHarness {
 public:
  template <class Ids>
  ModelHarness(sim::SimDma& dma, const Ids& ids) : model(dma, ids) {}
  hw::Mmio& mmio() override { return model; }
  ModelAccess access(uint32_t sid, uint64_t address, core::AccessKind kind) override {
    static constexpr AccessT kKinds[] = {AccessT::read, AccessT::write, AccessT::exec};
    const auto got = model.access(sid, address, kKinds[static_cast<int>(kind)]);
    return {got.allowed, got.pa};
  }
  const std::vector<std::string>& hazards() const override { return model.hazards(); }
  core::Result<std::unique_ptr<hw::DomainBackend>> create_backend(sim::SimDma& dma, const core::Unit& unit,
                                                                  uint32_t index) override {
    auto b = BackendT::create(model, dma, unit, index);
    if (!b) return b.error();
    return std::unique_ptr<hw::DomainBackend>(std::move(b.value()));
  }
  ModelT model;
};

// Test-only switches: the driver's own, and the shared stage-2 machinery's.
template <class DriverSabotage>
struct Sabotage {
  DriverSabotage driver{};
  uint8_t extra_perms = 0;
  bool block_overshoot = false;
};

// The rig with its model and backend types known, sabotaged as asked.
template <class ModelT, class AccessT, class BackendT>
class TypedRig : public Rig {
 public:
  using Harness = ModelHarness<ModelT, AccessT, BackendT>;
  template <class Ids, class DriverSabotage>
  TypedRig(const std::string& architecture, const Ids& ids, const Sabotage<DriverSabotage>& sabotage)
      : Rig(architecture, [ids](sim::SimDma& dma) { return std::make_unique<Harness>(dma, ids); }) {
    if (!problem.empty()) return;
    for (size_t u = 0; u < 2; ++u) {
      backend(u).driver().sabotage = sabotage.driver;
      backend(u).sabotage_extra_perms = sabotage.extra_perms;
      backend(u).sabotage_block_overshoot = sabotage.block_overshoot;
    }
  }
  ModelT& model(size_t u) { return static_cast<Harness&>(harness(u)).model; }
  BackendT& backend(size_t u) { return static_cast<BackendT&>(Rig::backend(u)); }
};

core::DeviceSelector selector_of(const core::Deployment& d, core::DeviceIndex dev);

// A host client (with the target ability) and one object of it holding
// `device`; nullopt when any step was refused.
struct HostObject {
  core::ClientId client;
  core::ObjectId object;
};
std::optional<HostObject> host_object(core::Manager& m, core::DeviceIndex device);

// One 4 KiB page at `iova` onto host memory `hpa`.
inline core::MappingSpec page(uint64_t iova, uint64_t hpa, core::Perms perms) {
  return {core::IovaRange::from_first_last(iova, iova + 0xfff), core::Hpa{hpa}, perms};
}

struct Counts {
  uint64_t operations = 0, accepted = 0, maps = 0, unmaps = 0, compared = 0;
};

// One random history of core operations from several clients and VMs,
// compared after every step; the first disagreement, or empty.
std::string run_history(Rig& rig, std::mt19937_64& rng, Counts& counts, int steps);

// A fixed history that exercises every rule a sabotage breaks: a 4 KiB map
// at a 2 MiB boundary, a read-only map, accesses that fill the TLB, an unmap,
// a detach and an attach to another object.
std::string scripted_history(Rig& rig);

uint64_t env_number(const char* name, uint64_t fallback);

// The differential property: SMMUMAN_PROPERTY_CASES / 25 (at least 2) random
// histories, each on a fresh rig from `make`, seeded from `seed_variable` or
// at random (the seed is printed); the first disagreement, or empty.
std::string run_differential(const std::function<std::unique_ptr<Rig>()>& make, const std::string& name,
                             const char* seed_variable, Counts& counts);

}  // namespace backend_rig
