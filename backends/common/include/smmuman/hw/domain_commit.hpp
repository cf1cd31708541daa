// How a prepared page-table change is committed to a domain the hardware may
// be walking, in the one order every stage-2 backend follows, hosted
// (domain_backend.cpp) or bare metal (tests/qemu): the engine's commit, a
// block split's break-before-make invalidated and synchronized at once
// (replace_live), then the entries made visible to the walker before any
// invalidation asks it to read them again.
//
// `invalidate(const Invalidation&)` queues the unit's invalidation of a range
// of the domain's translations; `sync()` waits until everything queued has
// completed. `leaf_bytes` is the smallest leaf a live split can change (the
// granule).
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <cstdint>

#include "smmuman/hw/dma.hpp"
#include "smmuman/hw/page_table_engine.hpp"

namespace smmuman::hw {

template <class Engine, class Dma, class Invalidate, class Sync>
requires DmaMemory<Dma> Invalidation commit_change(Engine& engine, typename Engine::Prepared& prepared, Dma& dma,
                                                   uint64_t leaf_bytes, Invalidate&& invalidate, Sync&& sync) {
  const Invalidation inv = engine.commit(prepared, [&](uint64_t first, uint64_t last, bool tables) {
    dma.publish();
    invalidate(Invalidation{true, first, last, tables, leaf_bytes, leaf_bytes});
    sync();
  });
  dma.publish();
  return inv;
}

// A map fills entries that were invalid, which no TLB or walk cache holds
// (DDI0487 D8.16: translation faults are not cached): nothing to invalidate
// but a split's break-before-make. The new entries are visible before a
// stream can be bound to use them.
template <class Engine, class Dma, class Invalidate, class Sync>
requires DmaMemory<Dma>
void commit_map(Engine& engine, typename Engine::Prepared& prepared, Dma& dma, uint64_t leaf_bytes,
                Invalidate&& invalidate, Sync&& sync) {
  (void)commit_change(engine, prepared, dma, leaf_bytes, invalidate, sync);
}

// An unmap or a permission change: the cleared or narrowed entries are
// visible before the invalidation that makes the walker read them again. The
// caller syncs, once for a batch, before anything may rely on the old
// translations being gone (a following map, a freed table reused).
template <class Engine, class Dma, class Invalidate, class Sync>
requires DmaMemory<Dma>
void commit_unmap(Engine& engine, typename Engine::Prepared& prepared, Dma& dma, uint64_t leaf_bytes,
                  Invalidate&& invalidate, Sync&& sync) {
  const Invalidation inv = commit_change(engine, prepared, dma, leaf_bytes, invalidate, sync);
  invalidate(inv);
}

}  // namespace smmuman::hw
