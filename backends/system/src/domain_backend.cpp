#include "smmuman/hw/domain_backend.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "smmuman/hw/domain_commit.hpp"

namespace smmuman::hw {

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
  ++unreserved_;
  return dma_.allocate(bytes);
}

// Below a level whose entries may be blocks and whose spans the output keeps
// aligned, only the two partial edge entries need tables; elsewhere every
// table the range touches.
uint64_t tables_bound(const Geometry& g, uint64_t first, uint64_t last, uint64_t delta) {
  uint64_t bound = 0;
  for (unsigned li = 1; li < g.level_count; ++li) {
    const GeometryLevel& parent = g.levels[li - 1];
    uint64_t touched = (last >> parent.index_lo) - (first >> parent.index_lo) + 1;
    if (parent.leaf && (delta & (parent.span() - 1)) == 0) touched = std::min<uint64_t>(touched, 2);
    bound += touched;
  }
  return bound;
}

// ---- DomainBackend -------------------------------------------------------------------------------

namespace {

uint8_t leaf_perms(core::Perms p) {
  uint8_t bits = 0;
  if (p.has(core::Perm::read)) bits |= kLeafRead;
  if (p.has(core::Perm::write)) bits |= kLeafWrite;
  if (p.has(core::Perm::exec)) bits |= kLeafExec;
  return bits;
}

}  // namespace

DomainBackend::~DomainBackend() {
  pool_.return_reserved();
  domains_.clear();
  startup_domains_.clear();
  pool_.flush();
}

core::Status DomainBackend::prepare(const UnitSteps& steps) {
  abandon();
  if (core::Status ready = check_ready(); !ready) return ready;
  const Geometry& g = geometry_;
  uint64_t tables = 0;
  unsigned contexts = 0;
  std::set<core::DeviceIndex> startups;
  for (const core::PlanStep* step : steps) {
    if (std::holds_alternative<core::step::CreateDomain>(*step)) {
      ++contexts;
    } else if (const auto* m = std::get_if<core::step::Map>(step)) {
      tables += tables_bound(g, m->entry.in.first(), m->entry.in.last(), m->entry.out_first - m->entry.in.first());
    } else if (const auto* u = std::get_if<core::step::Unmap>(step)) {
      tables += u->removed.size() * 2 * (g.level_count - 1);  // a split at each end
    } else if (const auto* b = std::get_if<core::step::BindStreams>(step)) {
      if (core::Status s = prepare_streams(*b); !s) {
        abandon();
        return s;
      }
      if (const auto* to = std::get_if<core::StartupTarget>(&b->to)) {
        if (!startup_domains_.contains(to->device) && startups.insert(to->device).second) {
          ++contexts;
          for (const auto& e : b->startup) tables += tables_bound(g, e.in.first(), e.in.last(), e.out_first - e.in.first());
        }
      }
    }
  }
  if (sabotage_block_overshoot) tables += 64;  // a sabotaged map takes more than its bound
  if (contexts != 0 && !pick_contexts(contexts, pending_contexts_)) {
    abandon();
    return core::make_error(core::Errc::no_resources, fmt::format("no free translation context ({} needed)", contexts));
  }
  const bool same_size = g.root_bytes == g.table_bytes;
  if (!pool_.reserve(g.table_bytes, tables + (same_size ? contexts : 0)) ||
      (!same_size && !pool_.reserve(g.root_bytes, contexts))) {
    abandon();
    return core::make_error(core::Errc::no_resources, "out of DMA memory for page tables");
  }
  return core::Ok{};
}

void DomainBackend::abandon() noexcept {
  pool_.return_reserved();
  abandon_streams();
  pending_contexts_.clear();
}

DomainBackend::Domain DomainBackend::make_domain() {
  Domain d;
  if (pending_contexts_.empty()) __builtin_trap();  // prepare picked one per new domain
  d.context = pending_contexts_.front();
  pending_contexts_.erase(pending_contexts_.begin());
  d.engine = std::make_unique<DomainEngine>(geometry_, pool_);
  if (!d.engine->init()) __builtin_trap();  // prepare reserved the root
  dma_.publish();  // the empty root is visible before any register names it
  program_context(d);
  return d;
}

void DomainBackend::map_entry(Domain& d, const core::DomainEntry& e) {
  Change c;
  c.kind = ChangeKind::map;
  c.iova = e.in.first();
  c.size = e.in.last() - e.in.first() + 1;
  c.output = e.out_first;
  c.perms = static_cast<uint8_t>(leaf_perms(e.attr.perms) | sabotage_extra_perms);
  if (sabotage_block_overshoot) {
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
  DomainEngine::Prepared p = d.engine->prepare(c);
  if (!p.ok()) __builtin_trap();  // the core maps only what is unmapped; prepare reserved the tables
  commit_map(*d.engine, p, dma_, geometry_.table_bytes, [&](const Invalidation& inv) { invalidate(d, inv); },
             [&] { sync(); });
}

void DomainBackend::unmap_entry(Domain& d, const core::DomainEntry& e) {
  Change c;
  c.kind = ChangeKind::unmap;
  c.iova = e.in.first();
  c.size = e.in.last() - e.in.first() + 1;
  DomainEngine::Prepared p = d.engine->prepare(c);
  if (!p.ok()) __builtin_trap();
  commit_unmap(*d.engine, p, dma_, geometry_.table_bytes, [&](const Invalidation& inv) { invalidate(d, inv); },
               [&] { sync(); });
}

void DomainBackend::destroy_domain(Domain& d) {
  invalidate_context(d);
  sync();
  d.engine.reset();  // its tables wait in the pool's deferred list until the commit ends
  retire_context(d.context);
}

void DomainBackend::bind(const core::step::BindStreams& b) {
  StreamState state;
  const Domain* target = nullptr;
  if (const auto* dom = std::get_if<core::DomainId>(&b.to)) {
    state.kind = TargetKind::domain;
    state.domain = *dom;
    target = &domains_.at(*dom);
  } else if (const auto* st = std::get_if<core::StartupTarget>(&b.to)) {
    state.kind = TargetKind::startup;
    state.device = st->device;
    auto it = startup_domains_.find(st->device);
    if (it == startup_domains_.end()) {
      it = startup_domains_.emplace(st->device, make_domain()).first;
      for (const auto& e : b.startup) map_entry(it->second, e);
    }
    target = &it->second;
  }
  bind_streams(b, target);
  for (uint32_t sid : b.stream_ids) streams_[sid] = state;
  sync();
  const auto* from = std::get_if<core::StartupTarget>(&b.from);
  if (from != nullptr && !std::holds_alternative<core::StartupTarget>(b.to)) {
    auto it = startup_domains_.find(from->device);
    if (it != startup_domains_.end()) {
      destroy_domain(it->second);
      startup_domains_.erase(it);
    }
  }
}

void DomainBackend::commit(const UnitSteps& steps) noexcept {
  for (const core::PlanStep* step : steps) {
    if (const auto* c = std::get_if<core::step::CreateDomain>(step)) {
      domains_.emplace(c->domain, make_domain());
    } else if (const auto* m = std::get_if<core::step::Map>(step)) {
      map_entry(domains_.at(m->domain), m->entry);
    } else if (const auto* u = std::get_if<core::step::Unmap>(step)) {
      Domain& d = domains_.at(u->domain);
      for (const auto& e : u->removed) unmap_entry(d, e);
      sync();  // break before the plan's following maps make
      pool_.flush();
    } else if (const auto* b = std::get_if<core::step::BindStreams>(step)) {
      bind(*b);
    } else if (const auto* x = std::get_if<core::step::DestroyDomain>(step)) {
      auto it = domains_.find(x->domain);
      destroy_domain(it->second);
      domains_.erase(it);
    }
  }
  sync();
  pool_.flush();
  pool_.return_reserved();
  abandon_streams();  // anything prepare reserved that commit did not take
  pending_contexts_.clear();
}

}  // namespace smmuman::hw
