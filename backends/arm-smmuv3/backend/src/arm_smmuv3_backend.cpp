#include "smmuman/hw/arm_smmuv3_backend.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "smmuman/hw/arm_smmuv3.hpp"

namespace smmuman::hw::arm_smmuv3 {

// ---- TablePool -----------------------------------------------------------------------------------

bool TablePool::reserve(uint64_t bytes, uint64_t count) {
  auto& list = reserved_[bytes];
  for (uint64_t i = 0; i < count; ++i) {
    TablePage page = dma_.allocate(bytes);
    if (page.words == nullptr) return false;  // the caller returns what was reserved
    list.push_back(page);
  }
  return true;
}

void TablePool::return_reserved() {
  for (auto& [bytes, pages] : reserved_) {
    for (const TablePage& page : pages) dma_.release(page, bytes);
    pages.clear();
  }
}

void TablePool::flush() {
  for (const Held& h : deferred_) dma_.release(h.page, h.bytes);
  deferred_.clear();
}

TablePage TablePool::allocate(uint64_t bytes) {
  auto it = reserved_.find(bytes);
  if (it != reserved_.end() && !it->second.empty()) {
    TablePage page = it->second.back();
    it->second.pop_back();
    return page;
  }
  ++unreserved_;  // prepare's bound was wrong: the tests require this to stay 0
  return dma_.allocate(bytes);
}

// ---- Backend -------------------------------------------------------------------------------------

namespace {

uint8_t leaf_perms(core::Perms p) {
  uint8_t bits = 0;
  if (p.has(core::Perm::read)) bits |= kLeafRead;
  if (p.has(core::Perm::write)) bits |= kLeafWrite;
  if (p.has(core::Perm::exec)) bits |= kLeafExec;
  return bits;
}

core::Error no_resources(const std::string& what) { return core::make_error(core::Errc::no_resources, what); }

}  // namespace

Backend::Backend(Mmio& mmio, Dma& dma, uint32_t unit_index)
    : mmio_(mmio), dma_(dma), unit_index_(unit_index), pool_(dma), driver_(mmio, dma, unit_index) {}

Backend::~Backend() {
  abandon();
  for (auto& [id, d] : domains_) d.engine.reset();
  for (auto& [id, d] : startup_domains_) d.engine.reset();
  pool_.flush();
  // The unit stays up and fail-closed: its stream table and queues are the
  // hardware's until the next bring-up, which starts from GBPA.ABORT.
}

core::Result<std::unique_ptr<Backend>> Backend::create(Mmio& mmio, Dma& dma, const core::Unit& unit,
                                                       uint32_t unit_index, Options options) {
  std::unique_ptr<Backend> b(new Backend(mmio, dma, unit_index));
  const auto fail = [&](const std::string& what) {
    return core::make_error(core::Errc::no_resources, fmt::format("unit {} (arm-smmuv3): {}", unit.name, what));
  };
  if (Error e = b->driver_.probe(); e != Error::none) return fail(to_string(e));
  const Features& f = b->driver_.features();
  const auto& caps = unit.capabilities;
  const unsigned input = std::min<unsigned>(caps.input_address_bits, f.input_bits);
  const unsigned output = std::min<unsigned>({caps.output_address_bits, f.output_bits, 48u});
  if (GeometryProblem p = derive_geometry(page_tables::aarch64_s2_4k, b->geometry_, input, output, caps.page_sizes);
      p != GeometryProblem::none) {
    return fail(fmt::format("stage-2 tables of {}-bit input and {}-bit output: {}", input, output, to_string(p)));
  }
  b->vmid_limit_ = f.vmid16 ? 0xffff : 0xff;
  b->fail_closed_root_ = dma.allocate(b->geometry_.root_bytes);
  if (b->fail_closed_root_.words == nullptr) return fail(to_string(Error::no_memory));
  if (options.stream_bits == 0) options.stream_bits = std::min<unsigned>(caps.stream_id_bits, f.sid_bits);
  if (caps.stream_id_count != 0) {
    unsigned bits = 0;
    while ((uint64_t{1} << bits) < caps.stream_id_count) ++bits;
    options.stream_bits = std::min(options.stream_bits, bits);
  }
  options.bypass_unconfigured = unit.bypass_unconfigured;
  if (Error e = b->driver_.bring_up(options, b->fail_closed_root_, b->geometry_); e != Error::none) {
    return fail(to_string(e));
  }
  return b;
}

// Tables a map or unmap of [first, last] (output = input + delta) can need at
// most: below a level whose entries may be blocks and whose spans the output
// keeps aligned, only the two partial edge entries need tables; elsewhere
// every table the range touches.
uint64_t Backend::tables_bound(uint64_t first, uint64_t last, uint64_t delta) const {
  uint64_t bound = 0;
  for (unsigned li = 1; li < geometry_.level_count; ++li) {
    const GeometryLevel& parent = geometry_.levels[li - 1];
    uint64_t touched = (last >> parent.index_lo) - (first >> parent.index_lo) + 1;
    if (parent.leaf && (delta & (parent.span() - 1)) == 0) touched = std::min<uint64_t>(touched, 2);
    bound += touched;
  }
  return bound;
}

bool Backend::take_vmid(std::set<uint16_t>& taken, uint16_t& vmid) const {
  for (uint32_t v = 1; v <= vmid_limit_; ++v) {  // VMID 0 is the fail-closed table's
    if (!vmids_in_use_.contains(static_cast<uint16_t>(v)) && !taken.contains(static_cast<uint16_t>(v))) {
      vmid = static_cast<uint16_t>(v);
      taken.insert(vmid);
      return true;
    }
  }
  return false;
}

core::Status Backend::prepare(const UnitSteps& steps) {
  abandon();
  pending_.active = true;
  std::set<uint16_t> taken;
  uint64_t tables = 0, roots = 0;
  std::set<core::DeviceIndex> startups;
  const auto new_context = [&]() -> core::Status {
    uint16_t vmid = 0;
    if (!take_vmid(taken, vmid)) return no_resources(fmt::format("no free VMID ({} in use)", vmids_in_use_.size()));
    pending_.vmids.push_back(vmid);
    ++roots;
    return core::Ok{};
  };
  const auto fail = [&](core::Status s) {
    abandon();
    return s;
  };
  for (const core::PlanStep* step : steps) {
    if (std::holds_alternative<core::step::CreateDomain>(*step)) {
      if (core::Status s = new_context(); !s) return fail(s);
    } else if (const auto* m = std::get_if<core::step::Map>(step)) {
      tables += tables_bound(m->entry.in.first(), m->entry.in.last(), m->entry.out_first - m->entry.in.first());
    } else if (const auto* u = std::get_if<core::step::Unmap>(step)) {
      tables += u->removed.size() * 2 * (geometry_.level_count - 1);
    } else if (const auto* b = std::get_if<core::step::BindStreams>(step)) {
      for (uint32_t sid : b->stream_ids) {
        if ((uint64_t{sid} >> driver_.stream_bits()) != 0) {
          return fail(core::make_error(core::Errc::invalid_argument, fmt::format("stream {:#x} is beyond the stream table ({} bits)",
                                                                                  sid, driver_.stream_bits())));
        }
        if (driver_.two_level() && !driver_.stream_present(sid)) {
          const uint64_t index = driver_.l1_index(sid);
          if (!pending_.l2.contains(index)) {
            TablePage l2 = driver_.allocate_l2();
            if (l2.words == nullptr) return fail(no_resources("out of DMA memory for a level-2 stream table"));
            pending_.l2[index] = l2;
          }
        }
      }
      if (const auto* to = std::get_if<core::StartupTarget>(&b->to)) {
        if (!startup_domains_.contains(to->device) && startups.insert(to->device).second) {
          if (core::Status s = new_context(); !s) return fail(s);
          for (const auto& e : b->startup) tables += tables_bound(e.in.first(), e.in.last(), e.out_first - e.in.first());
        }
      }
    }
  }
  if (sabotage_block_overshoot) tables += 64;  // the sabotaged maps take more than the bound
  const bool same_size = geometry_.root_bytes == geometry_.table_bytes;
  if (!pool_.reserve(geometry_.table_bytes, tables + (same_size ? roots : 0)) ||
      (!same_size && !pool_.reserve(geometry_.root_bytes, roots))) {
    return fail(no_resources("out of DMA memory for page tables"));
  }
  return core::Ok{};
}

void Backend::abandon() noexcept {
  pool_.return_reserved();
  for (const auto& [index, l2] : pending_.l2) driver_.release_l2(l2);
  pending_ = Pending{};
}

Backend::Domain Backend::make_domain() {
  Domain d;
  d.vmid = pending_.vmids.front();
  pending_.vmids.erase(pending_.vmids.begin());
  d.engine = std::make_unique<Engine>(geometry_, pool_);
  if (!d.engine->init()) __builtin_trap();  // prepare reserved the root
  vmids_in_use_.insert(d.vmid);
  return d;
}

// A break-before-make replacement inside a commit: invalidate and wait at once.
auto Backend::live_invalidator(uint16_t vmid) {
  return [this, vmid](uint64_t first, uint64_t last, bool tables) {
    driver_.invalidate_s2(vmid, Invalidation{true, first, last, tables, geometry_.table_bytes, geometry_.table_bytes});
    driver_.sync();
  };
}

void Backend::map_entry(Domain& d, const core::DomainEntry& e) {
  Change c;
  c.kind = ChangeKind::map;
  c.iova = e.in.first();
  c.size = e.in.last() - e.in.first() + 1;
  c.output = e.out_first;
  c.perms = static_cast<uint8_t>(leaf_perms(e.attr.perms) | sabotage_extra_perms);
  if (sabotage_block_overshoot) {
    // Rounds the map up to a whole 2 MiB block when its start allows one.
    const uint64_t block = uint64_t{1} << 21;
    if (c.iova % block == 0 && c.output % block == 0 && c.size % block != 0) {
      const uint64_t rounded = (c.size + block - 1) & ~(block - 1);
      bool free = true;
      for (uint64_t a = c.iova + c.size; a < c.iova + rounded && free; a += geometry_.table_bytes) {
        free = !d.engine->lookup(a).mapped;
      }
      if (free) c.size = rounded;
    }
  }
  Engine::Prepared p = d.engine->prepare(c);
  if (!p.ok()) __builtin_trap();  // the core mapped only what was unmapped; prepare reserved the tables
  // A map fills entries that were invalid, which no TLB or walk cache holds
  // (DDI0487 D8.16: translation faults are not cached): nothing to invalidate.
  (void)d.engine->commit(p, live_invalidator(d.vmid));
}

void Backend::unmap_entry(Domain& d, const core::DomainEntry& e) {
  Change c;
  c.kind = ChangeKind::unmap;
  c.iova = e.in.first();
  c.size = e.in.last() - e.in.first() + 1;
  Engine::Prepared p = d.engine->prepare(c);
  if (!p.ok()) __builtin_trap();
  driver_.invalidate_s2(d.vmid, d.engine->commit(p, live_invalidator(d.vmid)));
}

void Backend::destroy_domain(Domain& d) {
  driver_.invalidate_vmid(d.vmid);
  driver_.sync();
  d.engine.reset();  // its tables go to the pool's deferred list, released at the commit's end
  vmids_in_use_.erase(d.vmid);
}

StreamConfig Backend::config_of(const Domain& d) const {
  StreamConfig c;
  c.kind = StreamConfig::Kind::stage2;
  c.vmid = d.vmid;
  c.root = d.engine->root();
  c.geometry = &geometry_;
  return c;
}

void Backend::bind(const core::step::BindStreams& b) {
  for (uint32_t sid : b.stream_ids) {
    if (driver_.two_level() && !driver_.stream_present(sid)) {
      auto it = pending_.l2.find(driver_.l1_index(sid));
      if (it == pending_.l2.end()) __builtin_trap();  // prepare allocated it
      driver_.install_l2(sid, it->second);
      pending_.l2.erase(it);
    }
  }
  StreamState state;
  std::optional<StreamConfig> config;
  if (const auto* dom = std::get_if<core::DomainId>(&b.to)) {
    state.kind = TargetKind::domain;
    state.domain = *dom;
    config = config_of(domains_.at(*dom));
  } else if (const auto* st = std::get_if<core::StartupTarget>(&b.to)) {
    state.kind = TargetKind::startup;
    state.device = st->device;
    auto it = startup_domains_.find(st->device);
    if (it == startup_domains_.end()) {
      it = startup_domains_.emplace(st->device, make_domain()).first;
      for (const auto& e : b.startup) map_entry(it->second, e);
    }
    config = config_of(it->second);
  }
  for (uint32_t sid : b.stream_ids) {
    if (config) {
      driver_.set_stream(sid, *config);
    } else {
      driver_.set_stream_fail_closed(sid);
    }
    streams_[sid] = state;
  }
  driver_.sync();
  if (const auto* from = std::get_if<core::StartupTarget>(&b.from); from != nullptr && !std::holds_alternative<core::StartupTarget>(b.to)) {
    auto it = startup_domains_.find(from->device);
    if (it != startup_domains_.end()) {
      destroy_domain(it->second);
      startup_domains_.erase(it);
    }
  }
}

void Backend::commit(const UnitSteps& steps) noexcept {
  for (const core::PlanStep* step : steps) {
    if (const auto* c = std::get_if<core::step::CreateDomain>(step)) {
      domains_.emplace(c->domain, make_domain());
    } else if (const auto* m = std::get_if<core::step::Map>(step)) {
      map_entry(domains_.at(m->domain), m->entry);
    } else if (const auto* u = std::get_if<core::step::Unmap>(step)) {
      Domain& d = domains_.at(u->domain);
      for (const auto& e : u->removed) unmap_entry(d, e);
      driver_.sync();  // break before the plan's following maps make
      pool_.flush();
    } else if (const auto* b = std::get_if<core::step::BindStreams>(step)) {
      bind(*b);
    } else if (const auto* x = std::get_if<core::step::DestroyDomain>(step)) {
      auto it = domains_.find(x->domain);
      destroy_domain(it->second);
      domains_.erase(it);
    }
  }
  driver_.sync();
  pool_.flush();
  pool_.return_reserved();
  pending_ = Pending{};
}

void Backend::collect_faults(std::vector<FaultRecord>& out) {
  driver_.drain_events([&](FaultRecord r) {
    // A stream outside every domain translates with the empty table: its
    // translation fault is the abort of a detached or unconfigured stream.
    if (r.stream_known && r.reason == FaultReason::translation) {
      auto it = streams_.find(r.stream);
      if (it == streams_.end() || it->second.kind == TargetKind::fail_closed) r.reason = FaultReason::stream_aborted;
    }
    out.push_back(r);
  });
}

std::string Backend::describe() const {
  const Features& f = driver_.features();
  std::string out = fmt::format(
      "arm-smmuv3: SIDSIZE {} ({}), stage-2 input {} bits, output {} bits, VMID{}, RIL {}, queue {} commands\n",
      f.sid_bits, driver_.two_level() ? "2-level stream table" : "linear stream table", geometry_.input_bits,
      geometry_.output_bits, f.vmid16 ? 16 : 8, f.range_invalidation ? "yes" : "no", driver_.queue_capacity());
  for (const auto& [sid, s] : streams_) {
    switch (s.kind) {
      case TargetKind::fail_closed: out += fmt::format("  stream {:#x}: abort (empty stage-2 table, VMID 0)\n", sid); break;
      case TargetKind::domain: {
        const Domain& d = domains_.at(s.domain);
        out += fmt::format("  stream {:#x}: stage 2, VMID {}, S2TTB {:#x} (object {})\n", sid, d.vmid, d.engine->root(),
                           s.domain.object);
        break;
      }
      case TargetKind::startup: {
        const Domain& d = startup_domains_.at(s.device);
        out += fmt::format("  stream {:#x}: stage 2, VMID {}, S2TTB {:#x} (startup mappings of device {})\n", sid, d.vmid,
                           d.engine->root(), static_cast<uint32_t>(s.device));
        break;
      }
    }
  }
  const auto summarize = [&](const std::string& name, const Domain& d) {
    const auto census = d.engine->census();
    out += fmt::format("  {}: VMID {}, {} tables, {} leaves written\n", name, d.vmid, census.tables,
                       d.engine->stats().leaves_written);
  };
  for (const auto& [id, d] : domains_) summarize(fmt::format("domain of object {}", id.object), d);
  for (const auto& [dev, d] : startup_domains_) summarize(fmt::format("startup domain of device {}", static_cast<uint32_t>(dev)), d);
  return out;
}

}  // namespace smmuman::hw::arm_smmuv3
