// A device's register window at its physical address: the harness runs with
// the MMU off, so every access is a Device-nGnRnE access of exactly the width
// asked (DDI0487 D8.2.10: data accesses with stage 1 disabled).
#pragma once

#include <cstdint>

struct PhysicalMmio {
  uint64_t base;
  uint32_t read32(uint64_t offset) { return *reinterpret_cast<volatile uint32_t*>(base + offset); }
  uint64_t read64(uint64_t offset) { return *reinterpret_cast<volatile uint64_t*>(base + offset); }
  void write32(uint64_t offset, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(base + offset) = v; }
  void write64(uint64_t offset, uint64_t v) { *reinterpret_cast<volatile uint64_t*>(base + offset) = v; }
};
