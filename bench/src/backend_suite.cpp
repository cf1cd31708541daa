// The backend suite. One host deployment (4 GiB of memory, one unit, one
// device attached to one object of one client) per backend: SMMUv3 with
// range invalidation (RIL), SMMUv3 without, SMMUv2/MMU-500. Each workload is
// a core operation (Manager::map or unmap, invariant checks off, as a
// release build runs) down to the model's registers, command queue and
// memory; its baseline is the same change made by the page-table engine
// alone, on arena memory, in the same run. Commands per operation count
// what the unit was told: SMMUv3 queue entries (CMD_SYNC included), SMMUv2
// TLB maintenance and sync register writes.
//
// The 1 GiB rows unmap one contiguous GiB in one operation and report the
// invalidation commands it issued: at most two with RIL, the minimal cover
// without (one TLBI per block, or one whole-VMID invalidation when that is
// fewer).
#include "backend_suite.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "smmuman/core/manager.hpp"
#include "smmuman/hw/arena_tables.hpp"
#include "smmuman/hw/arm_smmuv2_backend.hpp"
#include "smmuman/hw/arm_smmuv3_backend.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuman/models/sim_dma.hpp"
#include "smmuman/models/smmuv2_model.hpp"
#include "smmuman/models/smmuv3_model.hpp"

namespace smmuman::bench {
namespace {

constexpr uint64_t kKiB = 1024, kMiB = kKiB * kKiB, kGiB = kMiB * kKiB;
constexpr uint64_t kMemory = uint64_t{1} << 32;  // host memory from 4 GiB, 4 GiB of it

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

// What a backend's unit was told, so far.
struct Commands {
  uint64_t all = 0;   // SMMUv3: queue entries; SMMUv2: TLB maintenance and sync writes
  uint64_t tlbi = 0;  // invalidations of translations
};

// One backend on its model, in a one-unit deployment, with a device attached.
class Bed {
 public:
  Bed(const std::string& name, const std::string& architecture,
      std::function<std::unique_ptr<hw::Mmio>(sim::SimDma&)> make_model,
      std::function<core::Result<std::unique_ptr<hw::UnitBackend>>(hw::Mmio&, sim::SimDma&, const core::Unit&)> make_backend,
      std::function<Commands(hw::UnitBackend&)> commands)
      : name(name), dma_(uint64_t{2} << 30), model_(make_model(dma_)), commands_(std::move(commands)) {
    core::Deployment d;
    d.name = "bench";
    d.role = core::Role::host;
    d.platform.memory.insert(core::HpaRange::from_first_last(kMemory, 2 * kMemory - 1));
    d.units.push_back(core::Unit{"u0", *hw::described_capabilities(architecture), "", std::nullopt, false, {}});
    d.devices.push_back(core::Device{"dev", core::PciAddress{0, 1, 0}, core::UnitIndex{0}, {8}, {}});
    d.finalize();
    manager_ = std::make_unique<core::Manager>(std::move(d), /*check_invariants=*/false);
    auto b = make_backend(*model_, dma_, manager_->deployment().units[0]);
    if (!b) {
      problem = b.error().message;
      return;
    }
    backend_ = b.value().get();
    std::vector<std::unique_ptr<hw::UnitBackend>> units;
    units.push_back(std::move(b.value()));
    system_ = std::make_unique<hw::HardwareSystem>(manager_->deployment(), std::move(units));
    if (auto s = manager_->attach_hardware(*system_); !s) problem = s.error().message;
    client_ = manager_->connect({"bench", std::nullopt, true}).value();
    object_ = manager_->create_object(client_).value();
    if (!manager_->attach(client_, object_, core::PciSelector{0, 1, 0})) problem = "attach refused";
  }
  std::string name;
  std::string problem;

  bool map(uint64_t iova, uint64_t size, uint64_t hpa) {
    return manager_->map(client_, object_, {{core::IovaRange::from_first_last(iova, iova + size - 1), core::Hpa{hpa}, core::Perms::rw()}}).ok();
  }
  bool unmap(uint64_t iova, uint64_t size) {
    return manager_->unmap(client_, object_, {core::IovaRange::from_first_last(iova, iova + size - 1)}).ok();
  }
  Commands commands() { return commands_(*backend_); }

 private:
  sim::SimDma dma_;
  std::unique_ptr<hw::Mmio> model_;
  std::function<Commands(hw::UnitBackend&)> commands_;
  std::unique_ptr<core::Manager> manager_;
  hw::UnitBackend* backend_ = nullptr;
  std::unique_ptr<hw::HardwareSystem> system_;
  core::ClientId client_{};
  core::ObjectId object_{};
};

std::unique_ptr<Bed> smmuv3_bed(bool ril) {
  return std::make_unique<Bed>(
      ril ? "smmuv3-ril" : "smmuv3", "arm-smmuv3",
      [ril](sim::SimDma& dma) {
        smmuv3_model::Ids ids = smmuv3_model::Ids::typical();
        if (!ril) ids.idr3 &= ~(1u << 10);  // IHI0070 6.3.4 SMMU_IDR3.RIL
        return std::make_unique<smmuv3_model::Model>(dma, ids);
      },
      [](hw::Mmio& m, sim::SimDma& dma, const core::Unit& u) -> core::Result<std::unique_ptr<hw::UnitBackend>> {
        auto b = hw::arm_smmuv3::Backend::create(m, dma, u, 0);
        if (!b) return b.error();
        return std::unique_ptr<hw::UnitBackend>(std::move(b.value()));
      },
      [](hw::UnitBackend& b) {
        const auto& s = static_cast<hw::arm_smmuv3::Backend&>(b).driver().stats();
        return Commands{s.commands, s.tlbi};
      });
}

std::unique_ptr<Bed> smmuv2_bed() {
  return std::make_unique<Bed>(
      "mmu500", "arm-smmuv2",
      [](sim::SimDma& dma) { return std::make_unique<smmuv2_model::Model>(dma, smmuv2_model::Ids::mmu500(16, 48)); },
      [](hw::Mmio& m, sim::SimDma& dma, const core::Unit& u) -> core::Result<std::unique_ptr<hw::UnitBackend>> {
        auto b = hw::arm_smmuv2::Backend::create(m, dma, u, 0);
        if (!b) return b.error();
        return std::unique_ptr<hw::UnitBackend>(std::move(b.value()));
      },
      [](hw::UnitBackend& b) {
        const auto& s = static_cast<hw::arm_smmuv2::Backend&>(b).driver().stats();
        return Commands{s.tlbi + s.syncs, s.tlbi};
      });
}

struct Row {
  std::string workload;
  std::string backend;
  uint64_t ops = 0;
  double ns_per_op = 0;
  double engine_ns_per_op = 0;  // the baseline: the engine alone, same changes
  double commands_per_op = 0;
  double tlbi_per_op = 0;
  std::string problem;
  double ratio() const { return engine_ns_per_op > 0 ? ns_per_op / engine_ns_per_op : 0; }
};

// The engine alone: `ops` maps of `size` at `stride` from `iova` onto memory
// from `hpa`, then their unmaps: the same leaves a backend's run writes.
void engine_alone(uint64_t ops, uint64_t size, uint64_t stride, uint64_t iova, uint64_t hpa, double& map_ns,
                  double& unmap_ns) {
  hw::ArenaTables arena(uint64_t{2} << 30);
  hw::Geometry g;
  hw::derive_geometry(hw::arm_smmuv3::page_tables::aarch64_s2_4k, g, 48, 48);
  hw::PageTableEngine<hw::ArenaTables> engine(g, arena);
  engine.init();
  const uint64_t t0 = now_ns();
  for (uint64_t i = 0; i < ops; ++i) {
    auto p = engine.prepare({hw::ChangeKind::map, iova + i * stride, size, hpa + (i * stride) % kMemory, 3});
    if (p.ok()) engine.commit(p);
  }
  const uint64_t t1 = now_ns();
  for (uint64_t i = 0; i < ops; ++i) {
    auto p = engine.prepare({hw::ChangeKind::unmap, iova + i * stride, size, 0, 0});
    if (p.ok()) engine.commit(p);
  }
  const uint64_t t2 = now_ns();
  map_ns = static_cast<double>(t1 - t0) / static_cast<double>(ops);
  unmap_ns = static_cast<double>(t2 - t1) / static_cast<double>(ops);
}

// `ops` maps of `size` at `stride` through the core and the backend, then their unmaps.
std::vector<Row> map_unmap(Bed& bed, const char* label, uint64_t ops, uint64_t size, uint64_t stride) {
  Row map, unmap;
  map.workload = std::string("map-") + label;
  unmap.workload = std::string("unmap-") + label;
  map.backend = unmap.backend = bed.name;
  map.ops = unmap.ops = ops;
  engine_alone(ops, size, stride, 0, kMemory, map.engine_ns_per_op, unmap.engine_ns_per_op);
  const Commands c0 = bed.commands();
  const uint64_t t0 = now_ns();
  for (uint64_t i = 0; i < ops && map.problem.empty(); ++i) {
    if (!bed.map(i * stride, size, kMemory + (i * stride) % kMemory)) map.problem = fmt::format("map {} refused", i);
  }
  const uint64_t t1 = now_ns();
  const Commands c1 = bed.commands();
  for (uint64_t i = 0; i < ops && unmap.problem.empty(); ++i) {
    if (!bed.unmap(i * stride, size)) unmap.problem = fmt::format("unmap {} refused", i);
  }
  const uint64_t t2 = now_ns();
  const Commands c2 = bed.commands();
  const double n = static_cast<double>(ops);
  map.ns_per_op = static_cast<double>(t1 - t0) / n;
  unmap.ns_per_op = static_cast<double>(t2 - t1) / n;
  map.commands_per_op = static_cast<double>(c1.all - c0.all) / n;
  map.tlbi_per_op = static_cast<double>(c1.tlbi - c0.tlbi) / n;
  unmap.commands_per_op = static_cast<double>(c2.all - c1.all) / n;
  unmap.tlbi_per_op = static_cast<double>(c2.tlbi - c1.tlbi) / n;
  if (unmap.tlbi_per_op == 0 && unmap.problem.empty()) unmap.problem = "an unmap issued no TLB invalidation";
  return {map, unmap};
}

// One contiguous GiB, mapped so that its leaves are `leaf` bytes, unmapped in one operation.
Row unmap_gib(Bed& bed, const char* label, uint64_t iova, uint64_t hpa, uint64_t most_tlbi) {
  Row r;
  r.workload = std::string("unmap-1g-") + label;
  r.backend = bed.name;
  r.ops = 1;
  double map_ns = 0;
  engine_alone(1, kGiB, kGiB, iova, hpa, map_ns, r.engine_ns_per_op);
  if (!bed.map(iova, kGiB, hpa)) {
    r.problem = "the 1 GiB map was refused";
    return r;
  }
  const Commands c0 = bed.commands();
  const uint64_t t0 = now_ns();
  if (!bed.unmap(iova, kGiB)) r.problem = "the 1 GiB unmap was refused";
  r.ns_per_op = static_cast<double>(now_ns() - t0);
  const Commands c1 = bed.commands();
  r.commands_per_op = static_cast<double>(c1.all - c0.all);
  r.tlbi_per_op = static_cast<double>(c1.tlbi - c0.tlbi);
  if (r.problem.empty() && (r.tlbi_per_op < 1 || r.tlbi_per_op > static_cast<double>(most_tlbi))) {
    r.problem = fmt::format("{} TLB invalidations, expected 1 to {}", r.tlbi_per_op, most_tlbi);
  }
  return r;
}

void print(const Row& r, bool json) {
  if (json) {
    nlohmann::ordered_json j{{"suite", "backend"},           {"workload", r.workload},
                             {"backend", r.backend},         {"ops", r.ops},
                             {"ns_per_op", r.ns_per_op},     {"baseline", "engine alone"},
                             {"baseline_ns_per_op", r.engine_ns_per_op}, {"ratio", r.ratio()},
                             {"commands_per_op", r.commands_per_op},     {"tlbi_per_op", r.tlbi_per_op},
                             {"ok", r.problem.empty()}};
    if (!r.problem.empty()) j["problem"] = r.problem;
    fmt::print("{}\n", j.dump());
  } else if (!r.problem.empty()) {
    fmt::print("{:<18} {:<11} FAILED: {}\n", r.workload, r.backend, r.problem);
  } else {
    fmt::print("{:<18} {:<11} {:>7} {:>11.0f} {:>11.0f} {:>7.1f} {:>10.2f} {:>8.2f}\n", r.workload, r.backend, r.ops,
               r.ns_per_op, r.engine_ns_per_op, r.ratio(), r.commands_per_op, r.tlbi_per_op);
  }
}

}  // namespace

int run_backend_suite(const BackendSettings& settings) {
  const uint64_t ops = settings.smoke ? 16 : settings.quick ? 512 : 4096;
  const uint64_t blocks = settings.smoke ? 4 : settings.quick ? 64 : 512;
  if (!settings.json) {
    fmt::print("\nbackend: a core map or unmap through each backend to its model, against the engine alone\n");
    fmt::print("{:<18} {:<11} {:>7} {:>11} {:>11} {:>7} {:>10} {:>8}\n", "workload", "backend", "ops", "ns/op",
               "engine ns", "ratio", "cmds/op", "tlbi/op");
  }
  int failures = 0;
  const auto emit = [&](const Row& r) {
    print(r, settings.json);
    if (!r.problem.empty()) ++failures;
  };
  std::vector<std::unique_ptr<Bed>> beds;
  beds.push_back(smmuv3_bed(true));
  beds.push_back(smmuv3_bed(false));
  beds.push_back(smmuv2_bed());
  for (auto& bed : beds) {
    if (!bed->problem.empty()) {
      Row r;
      r.workload = "bring-up";
      r.backend = bed->name;
      r.problem = bed->problem;
      emit(r);
      continue;
    }
    for (const Row& r : map_unmap(*bed, "4k", ops, 4 * kKiB, 64 * kKiB)) emit(r);
    for (const Row& r : map_unmap(*bed, "2m", blocks, 2 * kMiB, 4 * kMiB)) emit(r);
    const bool ril = bed->name == "smmuv3-ril";
    // 4 KiB leaves (an odd page offset between IOVA and memory), 2 MiB blocks, one 1 GiB block.
    emit(unmap_gib(*bed, "4k-leaves", 4 * kGiB, kMemory + 4 * kKiB, ril ? 2 : 1));
    emit(unmap_gib(*bed, "2m-blocks", 4 * kGiB, kMemory + 2 * kMiB, ril ? 2 : 1));
    emit(unmap_gib(*bed, "1g-block", 4 * kGiB, kMemory + kGiB, ril ? 2 : 1));
  }
  return failures;
}

}  // namespace smmuman::bench
