// A small deployment exercising every kind of item, shared by the core tests.
//
// Host-physical layout (all within 16 MiB so that a page-granular model can
// enumerate it):
//   0x0010_0000-0x00ff_ffff  permitted memory
//   0x0020_0000-0x0020_00ff  reserved "msi" (less than a page: rounding matters)
//   0x0030_0000-0x0030_ffff  startup mapping of dev4-startup
//   0x0080_0000-0x009f_ffff  VM a, guest 0x40_0000 (2 MiB, rwx)
//   0x00c0_0000-0x00cf_ffff  VM a, guest 0x60_0000 (1 MiB, rwx)
//   0x00e0_0000-0x00ef_ffff  VM b, guest 0x40_0000 (1 MiB, rw)
//   0x00f0_0000-0x00f0_ffff  VM b, guest 0x50_0000 (64 KiB, read-only)
//   0x0200_0000-0x0201_ffff  unit u0 registers (outside memory)
#pragma once

#include "smmuman/core/deployment.hpp"

namespace smmuman::core::test {

inline constexpr uint64_t kMemFirst = 0x100000;
inline constexpr uint64_t kMemLast = 0xffffff;
inline constexpr uint64_t kReservedMsi = 0x200000;

inline constexpr DeviceIndex kDevHost{0};      // mmio 0x3000000, unit u0 sid 1
inline constexpr DeviceIndex kDevVmA{1};       // pci 0:1.0, unit u0, passed to VM a
inline constexpr DeviceIndex kDevVmB{2};       // pci 0:2.0, unit u0, passed to VM b
inline constexpr DeviceIndex kDevHostPci{3};   // pci 0:3.0, unit u0
inline constexpr DeviceIndex kDevStartup{4};   // mmio 0x3001000, unit u0, startup mapping
inline constexpr DeviceIndex kDevBypass{5};    // mmio 0x3002000, unit u1 (which bypasses streams no device owns)
inline constexpr DeviceIndex kDevHostPci2{6};  // pci 0:3.1, unit u0
inline constexpr uint32_t kDeviceCount = 7;
inline constexpr UnitIndex kUnit0{0};
inline constexpr UnitIndex kUnit1{1};

inline Deployment make_deployment() {
  Deployment d;
  d.name = "fixture";
  d.role = Role::host;
  d.platform.memory.insert(HpaRange::from_first_last(kMemFirst, kMemLast));
  d.platform.reserved.push_back({"msi", HpaRange::from_first_last(kReservedMsi, kReservedMsi + 0xff), {}});
  d.units.push_back(Unit{"u0", UnitType::arm_smmu_v3, HpaRange::from_first_last(0x2000000, 0x201ffff), 8, false, false, {}});
  d.units.push_back(Unit{"u1", UnitType::arm_smmu_v2, std::nullopt, 8, true, false, {}});
  auto mmio = [](uint64_t base) { return DeviceIdent{MmioId{HpaRange::from_first_last(base, base + 0xfff)}}; };
  d.devices = {
      Device{"dev0-host", mmio(0x3000000), kUnit0, {1}, {}},
      Device{"dev1-vm-a", PciAddress{0, 1, 0}, kUnit0, {8}, {}},
      Device{"dev2-vm-b", PciAddress{0, 2, 0}, kUnit0, {16}, {}},
      Device{"dev3-host-pci", PciAddress{0, 3, 0}, kUnit0, {24}, {}},
      Device{"dev4-startup", mmio(0x3001000), kUnit0, {2}, {}},
      Device{"dev5-bypass", mmio(0x3002000), kUnit1, {3}, {}},
      Device{"dev6-host-pci", PciAddress{0, 3, 1}, kUnit0, {25}, {}},
  };
  Vm a{"a", {}, {kDevVmA}, {}};
  a.memory.push_back({GpaRange::from_first_last(0x400000, 0x5fffff), 0x800000, Perms::rwx(), {}});
  a.memory.push_back({GpaRange::from_first_last(0x600000, 0x6fffff), 0xc00000, Perms::rwx(), {}});
  Vm b{"b", {}, {kDevVmB}, {}};
  b.memory.push_back({GpaRange::from_first_last(0x400000, 0x4fffff), 0xe00000, Perms::rw(), {}});
  b.memory.push_back({GpaRange::from_first_last(0x500000, 0x50ffff), 0xf00000, Perms(Perm::read), {}});
  d.vms = {a, b};
  d.startup_mappings.push_back(
      StartupMapping{kDevStartup, IovaRange::from_first_last(0x300000, 0x30ffff), 0x300000, Perms::rw(), {}});
  d.finalize();
  return d;
}

// The same platform as seen from inside a VM: a guest deployment (no VMs of
// its own, startup mappings allowed for every device), whose unit u0 cannot
// grant write without read, as a Renesas IPMMU cannot.
inline Deployment make_guest_deployment() {
  Deployment d = make_deployment();
  d.name = "guest fixture";
  d.role = Role::guest;
  d.vms.clear();
  d.units[0].write_implies_read = true;
  d.finalize();
  return d;
}

}  // namespace smmuman::core::test
