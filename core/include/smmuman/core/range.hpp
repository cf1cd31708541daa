// Address spaces and overflow-safe address ranges.
//
// A range is stored as [first, last] (both inclusive) so that a range ending at
// 2^64 - 1 needs no 65-bit end; the API speaks [base, base+len) at its edges.
#pragma once

#include <cassert>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "smmuman/core/ids.hpp"
#include "smmuman/core/range_logic.hpp"

namespace smmuman::core {

// Distinct address spaces (as Hafnium's addr.h): a device address (IOVA), a
// guest-physical address (GPA) and a host-physical address (HPA) never mix
// silently. A guest's smmuman calls its own physical space "HPA" too: to it,
// that is the permitted memory it hands out.
struct IovaSpace { static constexpr const char* name = "iova"; };
struct GpaSpace { static constexpr const char* name = "gpa"; };
struct HpaSpace { static constexpr const char* name = "hpa"; };

// One address of one space: the space an address belongs to is visible
// where it is made.
template <class Space>
using Addr = Tagged<Space, uint64_t>;
using Iova = Addr<IovaSpace>;
using Gpa = Addr<GpaSpace>;
using Hpa = Addr<HpaSpace>;

__extension__ using u128 = unsigned __int128;

inline constexpr uint64_t kU64Max = ~uint64_t{0};

// True when [base, base+len) is non-empty and does not wrap past 2^64.
constexpr bool base_len_is_valid(uint64_t base, uint64_t len) { return range_logic::base_len_valid(base, len); }

// True when first + span does not wrap past 2^64 - 1.
constexpr bool span_fits(uint64_t first, uint64_t span) { return range_logic::span_fits(first, span); }

template <class Space>
class Range {
 public:
  // [base, base+len); nullopt when len is 0 or the range would wrap.
  static constexpr std::optional<Range> from_base_len(uint64_t base, uint64_t len) {
    if (!base_len_is_valid(base, len)) return std::nullopt;
    return Range(base, base + (len - 1));
  }
  // Precondition: first <= last (checked in debug builds).
  static constexpr Range from_first_last(uint64_t first, uint64_t last) {
    assert(first <= last);
    return Range(first, last);
  }
  static constexpr Range whole() { return Range(0, kU64Max); }

  constexpr uint64_t first() const { return first_; }
  constexpr uint64_t last() const { return last_; }
  // Up to 2^64, hence 128 bits.
  constexpr u128 size() const { return u128{last_ - first_} + 1; }

  // The predicates are range_logic's, which proofs/ checks for all 64-bit inputs.
  constexpr bool contains(uint64_t addr) const { return range_logic::contains_point(first_, last_, addr); }
  constexpr bool contains(const Range& other) const {
    return range_logic::contains_range(first_, last_, other.first_, other.last_);
  }
  constexpr bool overlaps(const Range& other) const {
    return range_logic::overlaps(first_, last_, other.first_, other.last_);
  }
  constexpr std::optional<Range> intersect(const Range& other) const {
    if (!overlaps(other)) return std::nullopt;
    return Range(first_ > other.first_ ? first_ : other.first_,
                 last_ < other.last_ ? last_ : other.last_);
  }

  constexpr auto operator<=>(const Range&) const = default;

 private:
  constexpr Range(uint64_t first, uint64_t last) : first_(first), last_(last) {}
  uint64_t first_;
  uint64_t last_;
};

using IovaRange = Range<IovaSpace>;
using GpaRange = Range<GpaSpace>;
using HpaRange = Range<HpaSpace>;

// The translation granule every supported IOMMU maps at. QNX smmuman rounds a
// mapping's start down and its length up to 4 KiB (smmu_mapping_add docs), so
// the core admits exactly what the hardware will grant.
inline constexpr unsigned kGranuleLg2 = 12;
inline constexpr uint64_t kGranule = uint64_t{1} << kGranuleLg2;
inline constexpr uint64_t kGranuleMask = kGranule - 1;
static_assert(kGranuleMask == range_logic::kGranuleMaskWord);

// The granule-aligned range that covers [first, last].
template <class Space>
constexpr Range<Space> round_to_granule(const Range<Space>& r) {
  return Range<Space>::from_first_last(range_logic::round_first(r.first()), range_logic::round_last(r.last()));
}

template <class Space>
constexpr bool is_granule_aligned(const Range<Space>& r) {
  return (r.first() & kGranuleMask) == 0 && (r.last() & kGranuleMask) == kGranuleMask;
}

// "0x1000-0x1fff" style, used by every message that names a range.
std::string format_hex(uint64_t value);
std::string format_size(u128 size);
template <class Space>
std::string to_string(const Range<Space>& r) {
  return std::string(Space::name) + " [" + format_hex(r.first()) + ", " + format_hex(r.last()) + "]";
}

}  // namespace smmuman::core
