// The simulated hardware of a deployment: one model (models/) per unit and
// the memory they share, and the register-level backends that drive it. The
// board outlives any one set of backends, as hardware outlives a daemon: a
// restarted daemon brings up new backends on the same, still programmed,
// models.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/result.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/hw/machine.hpp"
#include "smmuman/models/programmed.hpp"

namespace sim {
class SimDma;
}

namespace smmuman::service {

struct DmaOutcome {
  bool allowed = false;
  uint64_t pa = 0;  // where the access landed, when allowed
};

class ModelBoard {
 public:
  // A model per unit whose ID registers report what its capabilities say;
  // refused for an architecture without a register-level backend yet.
  static core::Result<std::unique_ptr<ModelBoard>> create(const core::Deployment& deployment);
  ~ModelBoard();
  ModelBoard(const ModelBoard&) = delete;
  ModelBoard& operator=(const ModelBoard&) = delete;

  // New backends for every unit (a daemon's start): each brings its unit up,
  // whatever the unit was left in. `deployment` must outlive the result.
  core::Result<std::unique_ptr<hw::HardwareSystem>> bring_up(const core::Deployment& deployment);

  // One DMA transaction by stream `sid` of `unit`, as the device would make it.
  DmaOutcome dma(core::UnitIndex unit, uint32_t sid, uint64_t address, core::AccessKind kind);

  // What `unit`'s registers and memory give stream `sid`, read by its model
  // without caches; nullopt for a model that cannot list its tables, or a
  // stream ID beyond those its ID registers say it tells apart.
  std::optional<sim::ProgrammedStream> programmed(core::UnitIndex unit, uint32_t sid);
  // How many stream IDs `unit`'s ID registers say it tells apart; 0: all.
  uint64_t stream_ids_told_apart(core::UnitIndex unit) const;
  // The memory the models read tables from (translation-validation mutants corrupt it).
  sim::SimDma& memory() { return *memory_; }

  // Called after every register write any backend makes (the fail-closed
  // tests sample every stream there). Not reentrant: dma() inside it is fine,
  // register writes are not.
  std::function<void(core::UnitIndex)> after_register_write;

  struct Unit;

 private:
  ModelBoard();
  std::unique_ptr<sim::SimDma> memory_;
  std::vector<std::unique_ptr<Unit>> units_;
};

}  // namespace smmuman::service
