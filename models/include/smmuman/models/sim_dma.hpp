// Simulated physical memory for the hardware models of the backend tests:
// DMA memory the backend allocates from and the models read, with the
// stores an SMMU may observe (store64) shown to each model first.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "smmuman/hw/arena_tables.hpp"
#include "smmuman/hw/machine.hpp"

namespace sim {

// A model that checks stores to memory it may be reading (SMMUv3 STEs).
class StoreObserver {
 public:
  virtual ~StoreObserver() = default;
  virtual void before_store(uint64_t phys, uint64_t value) = 0;
};

class SimDma : public smmuman::hw::Dma {
 public:
  explicit SimDma(uint64_t capacity = uint64_t{256} << 20) : arena_(capacity, kBase), capacity_(capacity) {}
  static constexpr uint64_t kBase = uint64_t{1} << 32;

  smmuman::hw::TablePage allocate(uint64_t bytes) override;
  void release(smmuman::hw::TablePage page, uint64_t bytes) override;
  uint64_t* words_at(uint64_t phys) override { return arena_.words_at(phys); }
  void store64(uint64_t phys, uint64_t value) override;
  void publish() override { ++publishes_; }

  bool contains(uint64_t phys, uint64_t bytes) const { return phys >= kBase && phys - kBase + bytes <= capacity_; }
  uint64_t read64(uint64_t phys) { return *arena_.words_at(phys); }
  void observe(StoreObserver* observer) { observers_.push_back(observer); }
  std::optional<uint64_t> allocations_left;  // out-of-memory tests
  uint64_t live_bytes() const { return arena_.live_bytes(); }
  uint64_t bad_releases() const { return arena_.bad_releases(); }

 private:
  static uint64_t rounded(uint64_t bytes);
  smmuman::hw::ArenaTables arena_;
  uint64_t capacity_;
  std::vector<StoreObserver*> observers_;  // every unit sharing this memory
  uint64_t publishes_ = 0;
};

}  // namespace sim
