// QEMU's `edu` device (QEMU docs/specs/edu.rst; hw/misc/edu.c) as a DMA
// master: PCI 1234:11e8, BAR 0 holds the DMA source (0x80), destination
// (0x88), count (0x90) and command (0x98: bit 0 start, bit 1 direction,
// 1 = from the device to RAM) registers, and the device has one 4 KiB buffer
// at device address 0x40000. A transfer completes 100 ms of virtual time
// after it starts; its bus errors are ignored, so what reached memory is
// judged by the harness, never by the device.
#pragma once

#include <cstdint>

#include "mmio.hpp"

class Edu {
 public:
  static constexpr uint16_t kVendor = 0x1234, kDevice = 0x11e8;
  static constexpr uint64_t kBuffer = 0x40000, kBufferSize = 4096;
  static constexpr uint64_t kIdentification = 0x00, kLiveness = 0x04;
  static constexpr uint64_t kDmaSource = 0x80, kDmaDestination = 0x88, kDmaCount = 0x90, kDmaCommand = 0x98;
  static constexpr uint64_t kStart = 1, kToRam = 2;

  explicit Edu(uint64_t bar0) : regs_{bar0} {}

  // The identification register reads 0xRRrr00ed; the liveness register
  // inverts what was written.
  bool alive() {
    if ((regs_.read32(kIdentification) & 0xffff) != 0x00ed) return false;
    regs_.write32(kLiveness, 0x1234'5678);
    return regs_.read32(kLiveness) == ~uint32_t{0x1234'5678};
  }

  // Device buffer [offset, offset + count) <- bus address `from`.
  bool read_from(uint64_t from, uint64_t offset, uint64_t count) { return run(from, kBuffer + offset, count, 0); }
  // Bus address `to` <- device buffer [offset, offset + count).
  bool write_to(uint64_t to, uint64_t offset, uint64_t count) { return run(kBuffer + offset, to, count, kToRam); }

 private:
  // False when the transfer would leave the device buffer (QEMU would then
  // copy outside it) or never completes.
  bool run(uint64_t source, uint64_t destination, uint64_t count, uint64_t direction) {
    const uint64_t device_side = direction == kToRam ? source : destination;
    if (count == 0 || device_side < kBuffer || device_side + count > kBuffer + kBufferSize) return false;
    regs_.write64(kDmaSource, source);
    regs_.write64(kDmaDestination, destination);
    regs_.write64(kDmaCount, count);
    regs_.write64(kDmaCommand, kStart | direction);
    for (uint64_t i = 0; i < 100'000'000; ++i) {
      if ((regs_.read64(kDmaCommand) & kStart) == 0) return true;
    }
    return false;
  }
  PhysicalMmio regs_;
};
