// Just enough PCI to reach an endpoint with nothing but ECAM: find it on bus
// 0, size and assign its BAR 0 (32-bit memory), and let it decode memory and
// master DMA. Register layout: PCI Local Bus Specification 3.0, 6.1 (Type 0
// header) and 6.2.5.1 (BAR sizing); ECAM addressing: PCI Express Base
// Specification 4.0, 7.2.2 (bus << 20 | device << 15 | function << 12).
#pragma once

#include <cstdint>

#include "mmio.hpp"

struct PciFunction {
  bool found = false;
  uint8_t bus = 0, device = 0, function = 0;
  uint64_t bar0 = 0, bar0_size = 0;
  // The requester ID, which an SMMU in front of a PCIe root complex takes as
  // the stream ID (IHI0070 3.2: StreamID = RequesterID for PCIe).
  uint32_t requester_id() const { return uint32_t{bus} << 8 | uint32_t{device} << 3 | function; }
};

class PciEcam {
 public:
  static constexpr uint64_t kVendorDevice = 0x00, kCommand = 0x04, kBar0 = 0x10;
  static constexpr uint16_t kMemorySpace = 1u << 1, kBusMaster = 1u << 2;

  explicit PciEcam(uint64_t base) : base_(base) {}

  PciFunction find(uint16_t vendor, uint16_t device_id) {
    PciFunction f;
    for (unsigned dev = 0; dev < 32 && !f.found; ++dev) {
      const uint32_t id = config(0, dev, 0).read32(kVendorDevice);
      if ((id & 0xffff) == vendor && (id >> 16) == device_id) {
        f.found = true;
        f.device = static_cast<uint8_t>(dev);
      }
    }
    return f;
  }

  // Sizes BAR 0 and places it at `address` (aligned to its size); false when
  // it is not a 32-bit memory BAR.
  bool assign_bar0(PciFunction& f, uint64_t address) {
    PhysicalMmio c = config(f.bus, f.device, f.function);
    c.write32(kCommand, 0);  // no decoding while the BAR moves
    const uint32_t original = c.read32(kBar0);
    if ((original & 1) != 0 || ((original >> 1) & 3) != 0) return false;  // I/O or 64-bit
    c.write32(kBar0, 0xffff'ffff);
    const uint32_t mask = c.read32(kBar0) & ~uint32_t{0xf};
    if (mask == 0) return false;
    f.bar0_size = uint64_t{~mask} + 1;
    f.bar0 = (address + f.bar0_size - 1) & ~(f.bar0_size - 1);
    c.write32(kBar0, static_cast<uint32_t>(f.bar0));
    return (c.read32(kBar0) & ~uint32_t{0xf}) == f.bar0;
  }

  void enable(const PciFunction& f) {
    config(f.bus, f.device, f.function).write32(kCommand, kMemorySpace | kBusMaster);
  }

 private:
  PhysicalMmio config(unsigned bus, unsigned device, unsigned function) const {
    return PhysicalMmio{base_ + (uint64_t{bus} << 20 | uint64_t{device} << 15 | uint64_t{function} << 12)};
  }
  uint64_t base_;
};
