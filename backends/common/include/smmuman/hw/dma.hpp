// How a backend reaches memory the SMMU reads: DMA memory it allocates, with
// a virtual pointer and a physical address, 64-bit stores the SMMU may
// observe at any moment, and a barrier that orders them before what follows.
// Together with RegisterIo (regs.hpp) this is all a backend sees of a
// machine, so the same code runs on an in-process model, a board mapping or
// bare metal.
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <concepts>
#include <cstdint>

#include "smmuman/hw/page_table_engine.hpp"

namespace smmuman::hw {

// - allocate(bytes): zeroed memory of `bytes`, aligned to `bytes` rounded up
//   to a power of two (stream tables, queues and page tables all need their
//   size's alignment); words == nullptr when out of memory.
// - release(page, bytes), words_at(phys): as TableAllocator.
// - store64(phys, value): one single-copy-atomic 64-bit store to memory the
//   SMMU may be reading (a live STE word): the SMMU sees the old or the new
//   value, never a mix (IHI0070 3.21.3).
// - publish(): every store before it is visible to the SMMU before any
//   register write or store after it (DSB; a cache clean first for a
//   non-coherent walker).
template <class D>
concept DmaMemory = TableAllocator<D> && requires(D& d, uint64_t phys, uint64_t value) {
  d.store64(phys, value);
  d.publish();
};

// Polls `done` at most `attempts` times; false when it never held. Every
// wait for hardware is bounded: a stuck unit must never hang its caller.
template <class Done>
bool poll_until(Done&& done, uint64_t attempts) {
  for (uint64_t i = 0; i < attempts; ++i) {
    if (done()) return true;
  }
  return false;
}

}  // namespace smmuman::hw
