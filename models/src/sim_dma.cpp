#include "smmuman/models/sim_dma.hpp"

namespace sim {

uint64_t SimDma::rounded(uint64_t bytes) {
  uint64_t size = 4096;
  while (size < bytes) size <<= 1;
  return size;
}

smmuman::hw::TablePage SimDma::allocate(uint64_t bytes) {
  if (allocations_left) {
    if (*allocations_left == 0) return {};
    --*allocations_left;
  }
  return arena_.allocate(rounded(bytes));
}

void SimDma::release(smmuman::hw::TablePage page, uint64_t bytes) { arena_.release(page, rounded(bytes)); }

void SimDma::store64(uint64_t phys, uint64_t value) {
  for (StoreObserver* o : observers_) o->before_store(phys, value);
  *arena_.words_at(phys) = value;
}

}  // namespace sim
