// The most one unit of an architecture can hold, as its hardware description
// (spec/hw, `unit:`) states it: input and output address sizes, page sizes,
// the permission sets a leaf holds for each request, stream-ID width, the
// number of translation contexts and the size of the register frame. The
// unit registry (backends/registry) turns these into core::UnitCapabilities.
#pragma once

#include <cstdint>

#include "smmuman/hw/page_table_format.hpp"

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
  uint64_t stream_id_count;       // stream IDs below this, when not 0
  uint64_t contexts;              // translation contexts one unit holds at once
  uint64_t register_frame_bytes;  // 0: reached through the hypervisor, not at an address
  const PageTableFormat* domain_page_table;  // the format named by domain_format; nullptr when none
};

// The limits one unit's ID registers report (a generated header's
// read_reported_limits), to narrow its description's at run time. A limit
// the description names no register for is the description's own; 0 means
// the unit reported a value the description does not know (it cannot be used).
struct ReportedLimits {
  uint64_t input_address_bits;
  uint64_t output_address_bits;
  uint64_t page_sizes;
  uint64_t stream_id_bits;
  uint64_t contexts;
};

constexpr ReportedLimits limits_of(const UnitDescription& d) {
  return {d.input_address_bits, d.output_address_bits, d.page_sizes, d.stream_id_bits, d.contexts};
}

}  // namespace smmuman::hw
