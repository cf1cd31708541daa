// What one SMMU unit can hold, as data. The values come from the unit's
// hardware description (spec/hw, through the unit registry in backends/),
// narrowed by the configuration and, at run time, by the unit's ID registers.
// The core admits requests by these numbers and never by architecture name.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "smmuman/core/perms.hpp"
#include "smmuman/core/range.hpp"

namespace smmuman::core {

// What a leaf entry of a unit's page-table format really grants for each
// requested set of read/write/exec. A format that cannot hold a set exactly
// holds the smallest superset it can: an Arm stage-1 leaf always grants read,
// RISC-V reserves write without read, an IPMMU grants read with write. The
// table is indexed by the requested bits (read 1, write 2, exec 4).
class PermissionHolding {
 public:
  using Table = std::array<uint8_t, 8>;

  static constexpr PermissionHolding exact() { return PermissionHolding(Table{0, 1, 2, 3, 4, 5, 6, 7}); }
  static constexpr PermissionHolding from_table(const Table& held) { return PermissionHolding(held); }

  // What is held for `requested`; bits beyond read/write/exec pass unchanged.
  constexpr Perms held(Perms requested) const {
    const uint32_t rwx = requested.bits() & Perms::rwx().bits();
    return Perms::from_bits((requested.bits() & ~Perms::rwx().bits()) | held_[rwx]);
  }
  constexpr bool is_exact() const { return held_ == exact().held_; }
  constexpr const Table& table() const { return held_; }
  constexpr bool operator==(const PermissionHolding&) const = default;

 private:
  explicit constexpr PermissionHolding(const Table& held) : held_(held) {}
  Table held_;
};

// "exactly as asked", or the sets held as more: "-w- as rw-, --x as r-x".
std::string to_string(const PermissionHolding& holding);

// Why a holding table cannot describe hardware, or nullopt: nothing held for
// nothing requested; every set held as itself or more; holding is idempotent
// (what is held is held as itself) and monotone (asking for more never holds less).
std::optional<std::string> holding_problem(const PermissionHolding& holding);

struct UnitCapabilities {
  std::string architecture;            // the description's name, e.g. "arm-smmuv3"
  unsigned input_address_bits = 48;    // IOVAs below 2^bits translate
  unsigned output_address_bits = 48;   // output addresses below 2^bits
  uint64_t page_sizes = kGranule;      // bit n set: the format maps 2^n-byte pages or blocks
  PermissionHolding permissions = PermissionHolding::exact();
  unsigned stream_id_bits = 16;        // stream IDs below 2^bits
  uint64_t stream_id_count = 0;        // and below this, when not 0 (R-Car Gen3: 48 micro-TLBs in 6 bits)
  uint64_t contexts = 1;               // translation contexts the unit holds at once
  uint64_t register_frame_bytes = 0;   // 0: reached through the hypervisor, not at an address

  // Whether an address range fits the input or output address size.
  bool holds_input(uint64_t last) const { return fits_bits(last, input_address_bits); }
  bool holds_output(uint64_t last) const { return fits_bits(last, output_address_bits); }
  bool holds_stream_id(uint32_t sid) const {
    return fits_bits(sid, stream_id_bits) && (stream_id_count == 0 || sid < stream_id_count);
  }
  // A unit of this architecture must say where its registers are.
  bool registers_required() const { return register_frame_bytes != 0; }

  bool operator==(const UnitCapabilities&) const = default;

 private:
  static constexpr bool fits_bits(uint64_t value, unsigned bits) { return bits >= 64 || (value >> bits) == 0; }
};

// Why these capabilities cannot describe a unit the core can drive, or
// nullopt. The core's granule is 4 KiB, so every unit must map 4 KiB pages.
std::optional<std::string> capabilities_problem(const UnitCapabilities& caps);

// `most` (an architecture's limits) narrowed by `reported` (what one unit's
// ID registers or configuration say): each size and count the smaller, the
// page sizes both support, and the holding table of `most` (a unit cannot
// hold permissions its format cannot express).
UnitCapabilities narrowed(const UnitCapabilities& most, const UnitCapabilities& reported);

// "4K 2M 1G", for messages and summaries.
std::string page_sizes_to_string(uint64_t page_sizes);

}  // namespace smmuman::core
