// What every stage-2 backend shares: one page-table engine per domain, the
// reservation of everything a plan's commit needs, and the order in which a
// plan's steps are applied. A backend adds only its hardware: how a context
// is named (a VMID, a context bank), how streams are pointed at one, and how
// its translations are invalidated.
//
// prepare reserves contexts, root tables and a bound on the tables each map
// or unmap can need (TablePool), and asks the backend to reserve what binding
// streams needs; a refusal gives everything back. commit applies the steps in
// plan order and cannot fail: Unmap steps are invalidated and synchronized
// before the plan's following maps, tables a commit frees are released only
// after that invalidation has completed, and a domain's context is released
// only after all its translations are invalidated.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/hw/machine.hpp"
#include "smmuman/hw/page_table_engine.hpp"
#include "smmuman/hw/unit_backend.hpp"

namespace smmuman::hw {

// The tables commit may take, reserved in prepare; tables commit frees wait
// in a deferred list until flush(), after the invalidation that follows
// (the engine's allocator contract).
class TablePool {
 public:
  explicit TablePool(Dma& dma) : dma_(dma) {}
  ~TablePool() {
    return_reserved();
    flush();
  }
  TablePool(const TablePool&) = delete;
  TablePool& operator=(const TablePool&) = delete;

  bool reserve(uint64_t bytes, uint64_t count);
  void return_reserved();
  void flush();
  // Allocations prepare did not reserve: the tests require 0.
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

using DomainEngine = PageTableEngine<TablePool>;

// The tables a map or unmap of [first, last] (output = input + delta) can
// need at most in geometry `g`.
uint64_t tables_bound(const Geometry& g, uint64_t first, uint64_t last, uint64_t delta);

// A hardware translation context: a VMID, and on units with context banks, a bank.
struct Context {
  uint16_t vmid = 0;
  uint32_t bank = 0;
};

class DomainBackend : public UnitBackend {
 public:
  struct Domain {
    Context context;
    std::unique_ptr<DomainEngine> engine;
  };
  enum class TargetKind : uint8_t { fail_closed, domain, startup };
  struct StreamState {
    TargetKind kind = TargetKind::fail_closed;
    core::DomainId domain{};
    core::DeviceIndex device{};
  };

  ~DomainBackend() override;
  core::Status prepare(const UnitSteps& steps) final;
  void abandon() noexcept final;
  void commit(const UnitSteps& steps) noexcept final;

  const Geometry& geometry() const { return geometry_; }
  const TablePool& pool() const { return pool_; }
  const std::map<core::DomainId, Domain>& domains() const { return domains_; }
  const std::map<core::DeviceIndex, Domain>& startup_domains() const { return startup_domains_; }
  const std::map<uint32_t, StreamState>& streams() const { return streams_; }

  // How summaries name a device (the service knows the names); "device N" when unset.
  std::function<std::string(core::DeviceIndex)> device_names;
  std::string device_label(core::DeviceIndex device) const {
    return device_names ? device_names(device) : "device " + std::to_string(static_cast<uint32_t>(device));
  }

  // Test-only: leaves hold these permission bits too; a map's last 2 MiB
  // block is rounded up when its start allows one.
  uint8_t sabotage_extra_perms = 0;
  bool sabotage_block_overshoot = false;

 protected:
  DomainBackend(Dma& dma, uint32_t unit_index) : dma_(dma), unit_index_(unit_index), pool_(dma) {}
  void set_geometry(const Geometry& g) { geometry_ = g; }

  // ---- What a backend provides ----
  // Whether the unit can carry out a commit at all (it still consumes its
  // commands); a refusal names why. Command queue space needs no other
  // reservation: every commit ends synchronized, so the queue is empty when
  // the next prepare runs, and commit streams its commands with bounded waits.
  virtual core::Status check_ready() = 0;
  // Picks `count` free contexts, none of `taken`, changing nothing; false when there are not enough.
  virtual bool pick_contexts(unsigned count, std::vector<Context>& out) = 0;
  // Reserves what binding these streams needs (stream-table pages, stream-match groups).
  virtual core::Status prepare_streams(const core::step::BindStreams& bind) = 0;
  virtual void abandon_streams() noexcept = 0;
  // Commit: a new domain's context is programmed (its tables are empty).
  virtual void program_context(const Domain& domain) = 0;
  // Commit: points the streams at `target`, or fails them closed when null.
  virtual void bind_streams(const core::step::BindStreams& bind, const Domain* target) = 0;
  // Commit: queues the invalidation of what one page-table commit changed.
  virtual void invalidate(const Domain& domain, const Invalidation& inv) = 0;
  // Commit: queues the invalidation of every translation of the domain's context.
  virtual void invalidate_context(const Domain& domain) = 0;
  // Commit: waits, bounded, until everything queued has completed.
  virtual void sync() = 0;
  // Commit: the context no longer translates anything and may be reused.
  virtual void retire_context(const Context& context) = 0;

  Dma& dma_;
  uint32_t unit_index_;

 private:
  Domain make_domain();
  void map_entry(Domain& d, const core::DomainEntry& e);
  void unmap_entry(Domain& d, const core::DomainEntry& e);
  void destroy_domain(Domain& d);
  void bind(const core::step::BindStreams& b);

  Geometry geometry_{};
  TablePool pool_;
  std::vector<Context> pending_contexts_;
  std::map<core::DomainId, Domain> domains_;
  std::map<core::DeviceIndex, Domain> startup_domains_;
  std::map<uint32_t, StreamState> streams_;
};

}  // namespace smmuman::hw
