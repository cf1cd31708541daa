// A unit's registers on a board: a mapping of a device file, /dev/mem at the
// unit's physical base or a UIO device's first map (/dev/uioN, offset 0), so
// the backends that run on the models here run on hardware unchanged. Each
// access is one volatile load or store of the register's width, as the
// manuals require of register accesses (IHI0070 6.2, IHI0062 9.1: single
// accesses of 32 or 64 bits, naturally aligned).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "smmuman/core/result.hpp"
#include "smmuman/hw/machine.hpp"

namespace smmuman::hw {

class MappedMmio : public Mmio {
 public:
  // Maps `size` bytes of `path` from `offset` (both page-aligned), read-write and shared.
  static core::Result<std::unique_ptr<MappedMmio>> open(const std::string& path, uint64_t offset, uint64_t size);
  ~MappedMmio() override;
  MappedMmio(const MappedMmio&) = delete;
  MappedMmio& operator=(const MappedMmio&) = delete;

  // An access outside the frame or misaligned is the backend's bug: it stops the process.
  uint32_t read32(uint64_t offset) override;
  uint64_t read64(uint64_t offset) override;
  void write32(uint64_t offset, uint32_t value) override;
  void write64(uint64_t offset, uint64_t value) override;
  uint64_t size() const { return size_; }

 private:
  MappedMmio(volatile uint8_t* base, uint64_t size) : base_(base), size_(size) {}
  volatile uint8_t* at(uint64_t offset, unsigned width) const;
  volatile uint8_t* base_;
  uint64_t size_;
};

}  // namespace smmuman::hw
