// Synthetic configuration texts for the config suite, generated in memory at
// any size. Each says what a correct reader must make of it, so the benchmark
// can refuse to report a measurement of a failed load.
#pragma once

#include <cstddef>
#include <string>

namespace smmuman::bench {

struct ConfigInput {
  std::string text;
  // A file that must load: the counts its deployment must have.
  std::size_t device_count = 0;
  std::size_t vm_count = 0;
  std::size_t startup_mapping_count = 0;
  // A file that must not load: the number of diagnostics it must produce.
  std::size_t error_count = 0;
};

// A host deployment with device_count devices (two thirds MMIO, one third
// PCI) on 8 SMMUv3 units; one VM per 100 devices with 4 memory regions each;
// every fifth device passed through to a VM; startup mappings for 40% of the
// devices (half identity, half with a target); one reserved region per 100
// devices.
ConfigInput yaml_deployment(std::size_t device_count);

// A host deployment whose size is its VMs' memory: region_count regions, 16
// per VM, each VM with one pass-through device.
ConfigInput yaml_vm_memory(std::size_t region_count);

// A host deployment whose device list holds bad_item_count bad items, each
// worth exactly one diagnostic: empty items (`-` alone) alternating with
// devices carrying an unknown key.
ConfigInput yaml_errors(std::size_t bad_item_count);

// The deployment of yaml_deployment as a QNX .smmu file (no VMs, which .smmu
// cannot express): the same devices with distinct stream IDs on 8 armsmmuv3
// units, a two-line allow set for every fourth device, and one allow set of
// device_count / 4 lines in pairs that share a 4 KiB page, so half of them merge.
ConfigInput qnx_deployment(std::size_t device_count);

// One device whose allow set has line_count lines, in pairs that share a page.
ConfigInput qnx_allow_lines(std::size_t line_count);

// bad_line_count lines, each worth exactly one diagnostic: unknown
// statements, zero-length allow ranges, devices that use an undeclared unit.
ConfigInput qnx_errors(std::size_t bad_line_count);

}  // namespace smmuman::bench
