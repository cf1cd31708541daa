// Table memory for the page-table engine on a hosted machine: one arena of
// anonymous memory standing in for DMA memory, with physical addresses that
// start at `base_phys`, so they fit every format's output size. Used by the
// tests and the benchmark; a board backend supplies its own allocator.
//
// Fresh arena pages are zero (the kernel zeroes them on first touch); a
// released table is zeroed before it is reused. `prefault` touches a part of
// the arena up front, as a pre-zeroed pool: the benchmark measures both.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <vector>

#include "smmuman/hw/page_table_engine.hpp"

namespace smmuman::hw {

class ArenaTables {
 public:
  static constexpr uint64_t kPage = 4096;

  explicit ArenaTables(uint64_t capacity_bytes = uint64_t{8} << 30, uint64_t base_phys = uint64_t{1} << 32)
      : capacity_(capacity_bytes), base_(base_phys) {
    void* p = mmap(nullptr, capacity_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    arena_ = static_cast<uint8_t*>(p);
    live_.resize(capacity_ / kPage);
  }
  ~ArenaTables() { munmap(arena_, capacity_); }
  ArenaTables(const ArenaTables&) = delete;
  ArenaTables& operator=(const ArenaTables&) = delete;

  // Allocations allowed before the arena reports out of memory (tests).
  std::optional<uint64_t> allocations_left;

  TablePage allocate(uint64_t bytes) {
    if (allocations_left) {
      if (*allocations_left == 0) return {};
      --*allocations_left;
    }
    uint64_t offset;
    auto& free = free_[bytes];
    if (!free.empty()) {
      offset = free.back();
      free.pop_back();
    } else {
      const uint64_t aligned = (top_ + bytes - 1) & ~(bytes - 1);
      if (aligned + bytes > capacity_) return {};
      offset = aligned;
      top_ = aligned + bytes;
    }
    live_[offset / kPage] = true;
    ++live_tables_;
    live_bytes_ += bytes;
    return TablePage{reinterpret_cast<uint64_t*>(arena_ + offset), base_ + offset};
  }

  void release(TablePage t, uint64_t bytes) {
    const uint64_t offset = t.phys - base_;
    if (t.phys < base_ || offset >= top_ || !live_[offset / kPage]) {
      ++bad_releases_;  // a double free or a page never given: the tests look
      return;
    }
    live_[offset / kPage] = false;
    --live_tables_;
    live_bytes_ -= bytes;
    std::memset(arena_ + offset, 0, bytes);
    free_[bytes].push_back(offset);
  }

  uint64_t* words_at(uint64_t phys) { return reinterpret_cast<uint64_t*>(arena_ + (phys - base_)); }

  // Whether `phys` is the start of a table allocated and not released.
  bool is_live(uint64_t phys) const {
    if (phys < base_ || phys - base_ >= top_ || (phys - base_) % kPage != 0) return false;
    return live_[(phys - base_) / kPage];
  }

  // Touches (zero-fills) the next `bytes` of the arena, so allocations from
  // them do not fault: a pre-zeroed pool.
  void prefault(uint64_t bytes) {
    const uint64_t end = top_ + bytes < capacity_ ? top_ + bytes : capacity_;
    for (uint64_t off = top_; off < end; off += kPage) arena_[off] = 0;
  }

  uint64_t live_tables() const { return live_tables_; }
  uint64_t live_bytes() const { return live_bytes_; }
  uint64_t bad_releases() const { return bad_releases_; }

 private:
  uint64_t capacity_;
  uint64_t base_;
  uint8_t* arena_ = nullptr;
  uint64_t top_ = 0;
  std::map<uint64_t, std::vector<uint64_t>> free_;  // by size: offsets of released tables
  std::vector<bool> live_;
  uint64_t live_tables_ = 0;
  uint64_t live_bytes_ = 0;
  uint64_t bad_releases_ = 0;
};

static_assert(TableAllocator<ArenaTables>);

}  // namespace smmuman::hw
