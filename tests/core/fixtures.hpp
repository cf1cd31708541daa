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

// Unit capabilities typed here from what the manuals say, not from spec/hw:
// the core's tests stand on their own.
//
// An Arm VMSAv8-64 stage-1 leaf always grants read (DDI 0487 D8.4), and an
// instruction fetch is a read that execute-never does not forbid (IHI 0070
// 13.1.6), so write is held as read+write and exec as read+exec.
inline PermissionHolding arm_stage1_holding() {
  constexpr uint8_t r = 1, w = 2, x = 4;
  return PermissionHolding::from_table({0, r, r | w, r | w, r | x, r | x, r | w | x, r | w | x});
}
// u0 of the host fixture: holds every combination exactly and translates the
// whole 64-bit input space (an AMD-Vi six-level table does).
inline UnitCapabilities exact_unit_capabilities() {
  UnitCapabilities caps;
  caps.architecture = "fixture-exact";
  caps.input_address_bits = 64;
  caps.output_address_bits = 48;
  caps.page_sizes = 0x1000 | 0x200000 | 0x40000000;
  caps.stream_id_bits = 8;
  caps.contexts = 1u << 16;
  caps.register_frame_bytes = 0x20000;
  return caps;
}
// u1: a small Arm stage-1 unit, as an IPMMU is: 32-bit input, 40-bit output,
// and room for one context only, so that a device moving between objects
// needs a free one.
inline UnitCapabilities small_arm_unit_capabilities() {
  UnitCapabilities caps;
  caps.architecture = "fixture-arm-s1";
  caps.input_address_bits = 32;
  caps.output_address_bits = 40;
  caps.page_sizes = 0x1000 | 0x200000 | 0x40000000;
  caps.permissions = arm_stage1_holding();
  caps.stream_id_bits = 8;
  caps.contexts = 1;
  return caps;
}

inline Deployment make_deployment() {
  Deployment d;
  d.name = "fixture";
  d.role = Role::host;
  d.platform.memory.insert(HpaRange::from_first_last(kMemFirst, kMemLast));
  d.platform.reserved.push_back({"msi", HpaRange::from_first_last(kReservedMsi, kReservedMsi + 0xff), {}});
  d.units.push_back(Unit{"u0", exact_unit_capabilities(), "", HpaRange::from_first_last(0x2000000, 0x201ffff), false, {}});
  d.units.push_back(Unit{"u1", small_arm_unit_capabilities(), "", std::nullopt, true, {}});
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
// its own, startup mappings allowed for every device), whose unit u0 is an
// Arm stage-1 unit with 48-bit addresses: write and exec are held with read.
inline Deployment make_guest_deployment() {
  Deployment d = make_deployment();
  d.name = "guest fixture";
  d.role = Role::guest;
  d.vms.clear();
  d.units[0].capabilities.architecture = "fixture-arm-s1";
  d.units[0].capabilities.input_address_bits = 48;
  d.units[0].capabilities.permissions = arm_stage1_holding();
  d.finalize();
  return d;
}

}  // namespace smmuman::core::test
