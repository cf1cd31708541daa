// Shared by the compile-failure snippets: the test IOMMU's registers and a fake register file.
#pragma once
#include <cstdint>

#include "smmuman/hw/test_iommu.hpp"

using namespace smmuman::hw;
using namespace smmuman::hw::test_iommu;

struct FakeIo {
  uint32_t read32(uint64_t) { return 0; }
  uint64_t read64(uint64_t) { return 0; }
  void write32(uint64_t, uint32_t) {}
  void write64(uint64_t, uint64_t) {}
};
