// The Arm SMMUv3 backend: one unit's share of the core's plans, prepared and
// committed through the register-level driver (arm_smmuv3_driver.hpp) and
// the page-table engine. Each domain is a stage-2 context: one VMID and one
// table; every stream not in a domain translates with an empty table under
// VMID 0, so it faults and the fault is recorded.
//
// prepare reserves everything commit needs: VMIDs, root tables, a bound on
// the tables each map or unmap can need, level-2 stream tables. Command
// queue space is not reserved: commit waits, bounded, for the unit to make
// space, and a unit that stops consuming is reported (DriverStats::dropped),
// which no reservation could prevent.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/hw/arm_smmuv3_driver.hpp"
#include "smmuman/hw/machine.hpp"
#include "smmuman/hw/unit_backend.hpp"

namespace smmuman::hw::arm_smmuv3 {

// The tables commit may take, reserved in prepare; tables commit frees are
// released only after the invalidation that follows has completed (the
// engine's allocator contract).
class TablePool {
 public:
  explicit TablePool(Dma& dma) : dma_(dma) {}
  ~TablePool() {
    return_reserved();
    flush();
  }
  bool reserve(uint64_t bytes, uint64_t count);
  void return_reserved();
  void flush();  // after an invalidation has completed
  uint64_t unreserved_allocations() const { return unreserved_; }

  TablePage allocate(uint64_t bytes);
  void release(TablePage page, uint64_t bytes) { deferred_.push_back({page, bytes}); }
  uint64_t* words_at(uint64_t phys) { return dma_.words_at(phys); }

 private:
  struct Held {
    TablePage page;
    uint64_t bytes;
  };
  Dma& dma_;
  std::map<uint64_t, std::vector<TablePage>> reserved_;
  std::vector<Held> deferred_;
  uint64_t unreserved_ = 0;
};

using Engine = PageTableEngine<TablePool>;

class Backend : public UnitBackend {
 public:
  // Probes the unit and brings it up with every stream failing closed.
  // `caps` are the unit's capabilities as the core admits by them.
  static core::Result<std::unique_ptr<Backend>> create(Mmio& mmio, Dma& dma, const core::Unit& unit,
                                                       uint32_t unit_index, Options options = {});
  ~Backend() override;

  core::Status prepare(const UnitSteps& steps) override;
  void abandon() noexcept override;
  void commit(const UnitSteps& steps) noexcept override;
  void collect_faults(std::vector<FaultRecord>& out) override;
  std::string describe() const override;

  Driver<Mmio, Dma>& driver() { return driver_; }
  const Geometry& geometry() const { return geometry_; }
  const TablePool& pool() const { return pool_; }
  // The domains, for tests and the simulate tool: VMID and engine per domain.
  struct Domain {
    uint16_t vmid = 0;
    std::unique_ptr<Engine> engine;
  };
  const std::map<core::DomainId, Domain>& domains() const { return domains_; }
  // The share of a permission bit a test may break: the held set is widened by it.
  uint8_t sabotage_extra_perms = 0;
  bool sabotage_block_overshoot = false;  // a map's last block reaches one block further

 private:
  Backend(Mmio& mmio, Dma& dma, uint32_t unit_index);

  enum class TargetKind : uint8_t { fail_closed, domain, startup };
  struct StreamState {
    TargetKind kind = TargetKind::fail_closed;
    core::DomainId domain{};
    core::DeviceIndex device{};
  };
  struct Pending {
    std::vector<uint16_t> vmids;
    std::map<uint64_t, TablePage> l2;  // by level-1 index
    bool active = false;
  };

  uint64_t tables_bound(uint64_t first, uint64_t last, uint64_t delta) const;
  bool take_vmid(std::set<uint16_t>& taken, uint16_t& vmid) const;
  Domain make_domain();
  void map_entry(Domain& d, const core::DomainEntry& e);
  void unmap_entry(Domain& d, const core::DomainEntry& e);
  void destroy_domain(Domain& d);
  StreamConfig config_of(const Domain& d) const;
  void bind(const core::step::BindStreams& b);
  auto live_invalidator(uint16_t vmid);

  Mmio& mmio_;
  Dma& dma_;
  uint32_t unit_index_;
  TablePool pool_;
  Driver<Mmio, Dma> driver_;
  Geometry geometry_{};
  TablePage fail_closed_root_{};
  uint16_t vmid_limit_ = 255;
  std::set<uint16_t> vmids_in_use_;
  std::map<core::DomainId, Domain> domains_;
  std::map<core::DeviceIndex, Domain> startup_domains_;
  std::map<uint32_t, StreamState> streams_;
  std::vector<FaultRecord> faults_;
  Pending pending_;
};

}  // namespace smmuman::hw::arm_smmuv3
