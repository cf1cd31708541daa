#include "smmuman/service/model_board.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "smmuman/hw/arm_smmuv2_backend.hpp"
#include "smmuman/hw/arm_smmuv3_backend.hpp"
#include "smmuman/hw/domain_backend.hpp"
#include "smmuman/models/sim_dma.hpp"
#include "smmuman/models/smmuv2_model.hpp"
#include "smmuman/models/smmuv3_model.hpp"

namespace smmuman::service {

// One unit's model, seen through a register window that reports each write.
struct ModelBoard::Unit : hw::Mmio {
  std::unique_ptr<hw::Mmio> model;
  std::function<DmaOutcome(uint32_t, uint64_t, core::AccessKind)> access;
  std::function<sim::ProgrammedStream(uint32_t)> programmed;  // unset when the model cannot list
  uint64_t stream_ids = 0;  // the stream IDs its ID registers say it tells apart; 0: all
  std::function<void()> written;

  uint32_t read32(uint64_t offset) override { return model->read32(offset); }
  uint64_t read64(uint64_t offset) override { return model->read64(offset); }
  void write32(uint64_t offset, uint32_t value) override {
    model->write32(offset, value);
    if (written) written();
  }
  void write64(uint64_t offset, uint64_t value) override {
    model->write64(offset, value);
    if (written) written();
  }
};

namespace {

template <class ModelT, class AccessT, class Ids>
std::unique_ptr<ModelBoard::Unit> modelled(sim::SimDma& memory, const Ids& ids) {
  auto unit = std::make_unique<ModelBoard::Unit>();
  auto model = std::make_unique<ModelT>(memory, ids);
  ModelT* m = model.get();
  unit->access = [m](uint32_t sid, uint64_t address, core::AccessKind kind) {
    static constexpr AccessT kKinds[] = {AccessT::read, AccessT::write, AccessT::exec};
    const auto r = m->access(sid, address, kKinds[static_cast<int>(kind)]);
    return DmaOutcome{r.allowed, r.pa};
  };
  if constexpr (requires { m->programmed(uint32_t{0}); }) {
    unit->programmed = [m](uint32_t sid) { return m->programmed(sid); };
  }
  unit->model = std::move(model);
  return unit;
}

}  // namespace

ModelBoard::ModelBoard() : memory_(std::make_unique<sim::SimDma>(uint64_t{1} << 30)) {}
ModelBoard::~ModelBoard() = default;

core::Result<std::unique_ptr<ModelBoard>> ModelBoard::create(const core::Deployment& deployment) {
  std::unique_ptr<ModelBoard> board(new ModelBoard());
  for (const core::Unit& unit : deployment.units) {
    const auto& caps = unit.capabilities;
    if (caps.architecture == "arm-smmuv3") {
      smmuv3_model::Ids ids = smmuv3_model::Ids::typical();
      ids.idr1 = (ids.idr1 & ~0x3Fu) | std::min(caps.stream_id_bits, 32u);  // IHI0070 6.3.2 SIDSIZE
      board->units_.push_back(modelled<smmuv3_model::Model, smmuv3_model::Access>(*board->memory_, ids));
      // IHI0070 6.3.2 SMMU_IDR1.SIDSIZE: the stream ID bits the unit tells apart.
      if ((ids.idr1 & 0x3Fu) < 32) board->units_.back()->stream_ids = uint64_t{1} << (ids.idr1 & 0x3Fu);
    } else if (caps.architecture == "arm-smmuv2") {
      const unsigned banks = static_cast<unsigned>(std::min<uint64_t>(caps.contexts, 128));
      board->units_.push_back(
          modelled<smmuv2_model::Model, smmuv2_model::Access>(*board->memory_, smmuv2_model::Ids::mmu500(banks, 48)));
      board->units_.back()->stream_ids = uint64_t{1} << 15;  // the MMU-500's SMMU_IDR0.NUMSIDB (IHI0062 9.6.1)
    } else {
      return core::make_error(core::Errc::not_found,
                              fmt::format("unit {}: no register-level backend for {} yet (arm-smmuv3 and arm-smmuv2 "
                                          "have one)",
                                          unit.name, caps.architecture));
    }
    const core::UnitIndex index{static_cast<uint32_t>(board->units_.size() - 1)};
    ModelBoard* self = board.get();
    board->units_.back()->written = [self, index] {
      if (self->after_register_write) self->after_register_write(index);
    };
  }
  return board;
}

core::Result<std::unique_ptr<hw::HardwareSystem>> ModelBoard::bring_up(const core::Deployment& deployment) {
  std::vector<std::unique_ptr<hw::UnitBackend>> backends;
  for (size_t i = 0; i < deployment.units.size(); ++i) {
    const core::Unit& unit = deployment.units[i];
    const auto index = static_cast<uint32_t>(i);
    if (unit.capabilities.architecture == "arm-smmuv3") {
      auto b = hw::arm_smmuv3::Backend::create(*units_.at(i), *memory_, unit, index);
      if (!b) return b.error();
      backends.push_back(std::move(b.value()));
    } else {
      auto b = hw::arm_smmuv2::Backend::create(*units_.at(i), *memory_, unit, index);
      if (!b) return b.error();
      backends.push_back(std::move(b.value()));
    }
    if (auto* domains = dynamic_cast<hw::DomainBackend*>(backends.back().get())) {
      domains->device_names = [&deployment](core::DeviceIndex d) { return deployment.devices.at(d).name; };
    }
  }
  return std::make_unique<hw::HardwareSystem>(deployment, std::move(backends));
}

DmaOutcome ModelBoard::dma(core::UnitIndex unit, uint32_t sid, uint64_t address, core::AccessKind kind) {
  return units_.at(unit)->access(sid, address, kind);
}

uint64_t ModelBoard::stream_ids_told_apart(core::UnitIndex unit) const { return units_.at(unit)->stream_ids; }

std::optional<sim::ProgrammedStream> ModelBoard::programmed(core::UnitIndex unit, uint32_t sid) {
  const auto& u = units_.at(unit);
  if (!u->programmed || (u->stream_ids != 0 && sid >= u->stream_ids)) return std::nullopt;
  return u->programmed(sid);
}

}  // namespace smmuman::service
