// QEMU's `virt` machine as the harness uses it (QEMU 10.0, hw/arm/virt.c,
// base_memmap and a12irqmap): where the SMMUv3, the PCIe ECAM and MMIO window
// and RAM are. `-M virt,highmem=off` keeps the ECAM at its low address.
#pragma once

#include <cstdint>

namespace board {

inline constexpr uint64_t kSmmuBase = 0x0905'0000;     // VIRT_SMMU, 0x20000 bytes (two 64 KiB pages)
inline constexpr uint64_t kEcamBase = 0x3f00'0000;     // VIRT_PCIE_ECAM, 16 MiB: buses 0..15
inline constexpr uint64_t kPciMmioBase = 0x1000'0000;  // VIRT_PCIE_MMIO: 32-bit BARs are assigned from here
inline constexpr uint64_t kPciMmioSize = 0x2eff'0000;
inline constexpr uint64_t kRamBase = 0x4000'0000;  // VIRT_MEM; run.sh gives the machine 512 MiB

// The harness's own split of RAM (link.ld places the image at 0x4020_0000).
inline constexpr uint64_t kDmaArenaBase = 0x4400'0000;  // stream table, queues and page tables
inline constexpr uint64_t kDmaArenaSize = 0x0400'0000;
inline constexpr uint64_t kDataBase = 0x4800'0000;  // what devices read and write: output addresses
inline constexpr uint64_t kDataSize = 0x0800'0000;
inline constexpr uint64_t kIovaBase = 0x5000'0000;  // input addresses: RAM too, so an untranslated
inline constexpr uint64_t kIovaSize = 0x0800'0000;  // access would land where the harness looks
inline constexpr uint64_t kRamEnd = 0x6000'0000;

}  // namespace board
