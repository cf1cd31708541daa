// The most one unit of an architecture can hold, as its hardware description
// (spec/hw, `unit:`) states it: input and output address sizes, page sizes,
// the permission sets a leaf holds for each request, stream-ID width, the
// number of translation contexts and the size of the register frame. The
// unit registry (backends/registry) turns these into core::UnitCapabilities.
#pragma once

#include <cstdint>

namespace smmuman::hw {

// Permission bits as the held tables use them.
inline constexpr uint8_t kHeldRead = 1;
inline constexpr uint8_t kHeldWrite = 2;
inline constexpr uint8_t kHeldExec = 4;

struct UnitDescription {
  const char* architecture;
  const char* title;
  const char* domain_format;  // the page-table format of a domain; "" when the unit has none
  unsigned input_address_bits;
  unsigned output_address_bits;
  uint64_t page_sizes;  // bit n set: 2^n-byte pages or blocks
  uint8_t held[8];      // requested read/write/exec bits -> the bits a leaf holds
  unsigned stream_id_bits;
  uint64_t contexts;              // translation contexts one unit holds at once
  uint64_t register_frame_bytes;  // 0: reached through the hypervisor, not at an address
};

}  // namespace smmuman::hw
