// A machine as the hosted backends see it: one unit's register window and
// the DMA memory its tables and queues live in, as virtual interfaces, so one
// compiled backend drives an in-process model, a /dev/mem or UIO mapping on
// a board, or anything else that can read and write registers.
#pragma once

#include <cstdint>

#include "smmuman/hw/dma.hpp"
#include "smmuman/hw/regs.hpp"

namespace smmuman::hw {

class Mmio {
 public:
  virtual ~Mmio() = default;
  virtual uint32_t read32(uint64_t offset) = 0;
  virtual uint64_t read64(uint64_t offset) = 0;
  virtual void write32(uint64_t offset, uint32_t value) = 0;
  virtual void write64(uint64_t offset, uint64_t value) = 0;
};
static_assert(RegisterIo<Mmio>);

// See DmaMemory (dma.hpp) for what each call promises.
class Dma {
 public:
  virtual ~Dma() = default;
  virtual TablePage allocate(uint64_t bytes) = 0;
  virtual void release(TablePage page, uint64_t bytes) = 0;
  virtual uint64_t* words_at(uint64_t phys) = 0;
  virtual void store64(uint64_t phys, uint64_t value) = 0;
  virtual void publish() = 0;
};
static_assert(DmaMemory<Dma>);

}  // namespace smmuman::hw
