// DMA memory for a backend on bare metal: a bump allocator over a fixed
// window of RAM, physical address = pointer (no MMU). Nothing released is
// handed out again, which keeps the engine's rule that a freed table is not
// reused before its invalidation completes (page_table_engine.hpp).
#pragma once

#include <cstdint>

#include "platform.hpp"
#include "smmuman/hw/dma.hpp"

class BumpDma {
 public:
  BumpDma(uint64_t base, uint64_t size) : next_(base), end_(base + size) {}

  smmuman::hw::TablePage allocate(uint64_t bytes) {
    uint64_t align = 8;
    while (align < bytes) align <<= 1;
    const uint64_t at = (next_ + align - 1) & ~(align - 1);
    if (bytes == 0 || at < next_ || at + bytes > end_ || at + bytes < at) return {};
    next_ = at + bytes;
    auto* words = reinterpret_cast<uint64_t*>(at);
    for (uint64_t i = 0; i < bytes / 8; ++i) words[i] = 0;
    ++allocations_;
    return {words, at};
  }
  void release(smmuman::hw::TablePage, uint64_t) { ++releases_; }
  uint64_t* words_at(uint64_t phys) { return reinterpret_cast<uint64_t*>(phys); }
  // A 64-bit aligned store is single-copy atomic (DDI0487 B2.2.1).
  void store64(uint64_t phys, uint64_t value) { *reinterpret_cast<volatile uint64_t*>(phys) = value; }
  void publish() { platform::barrier(); }

  uint64_t allocations() const { return allocations_; }
  uint64_t releases() const { return releases_; }

 private:
  uint64_t next_, end_;
  uint64_t allocations_ = 0, releases_ = 0;
};
static_assert(smmuman::hw::DmaMemory<BumpDma>);
