// A set of addresses kept as disjoint, non-adjacent ranges.
//
// Invariant: the map holds first -> last with every range disjoint from and
// not adjacent to its neighbours, so each set has exactly one representation
// and point, containment and overlap queries are one map lookup (O(log n)).
#pragma once

#include <iterator>
#include <map>
#include <optional>
#include <vector>

#include "smmuman/core/range.hpp"

namespace smmuman::core {

template <class Space>
class RangeSet {
 public:
  using RangeT = Range<Space>;

  RangeSet() = default;
  RangeSet(std::initializer_list<RangeT> ranges) {
    for (const auto& r : ranges) insert(r);
  }

  bool empty() const { return ranges_.empty(); }
  size_t range_count() const { return ranges_.size(); }
  void clear() { ranges_.clear(); }

  std::vector<RangeT> ranges() const {
    std::vector<RangeT> out;
    out.reserve(ranges_.size());
    for (const auto& [first, last] : ranges_) out.push_back(RangeT::from_first_last(first, last));
    return out;
  }

  // Adds every address of r, merging with overlapping and adjacent ranges.
  void insert(const RangeT& r) {
    uint64_t first = r.first();
    uint64_t last = r.last();
    auto it = ranges_.upper_bound(first);
    if (it != ranges_.begin()) {
      auto prev = std::prev(it);
      // prev starts at or before first; merge when it reaches first - 1.
      if (prev->second >= first || (first != 0 && prev->second == first - 1)) {
        first = prev->first;
        if (prev->second > last) last = prev->second;
        it = ranges_.erase(prev);
      }
    }
    while (it != ranges_.end() && (last == kU64Max || it->first <= last + 1)) {
      if (it->second > last) last = it->second;
      it = ranges_.erase(it);
    }
    ranges_.emplace(first, last);
  }

  // Removes every address of r.
  void erase(const RangeT& r) {
    auto it = ranges_.upper_bound(r.first());
    if (it != ranges_.begin()) {
      auto prev = std::prev(it);
      if (prev->second >= r.first()) {
        const uint64_t prev_last = prev->second;
        if (prev->first < r.first()) {
          prev->second = r.first() - 1;
        } else {
          ranges_.erase(prev);
        }
        if (prev_last > r.last()) {
          ranges_.emplace(r.last() + 1, prev_last);
          return;
        }
      }
    }
    while (it != ranges_.end() && it->first <= r.last()) {
      if (it->second > r.last()) {
        const uint64_t keep_last = it->second;
        ranges_.erase(it);
        ranges_.emplace(r.last() + 1, keep_last);
        return;
      }
      it = ranges_.erase(it);
    }
  }

  bool contains(uint64_t addr) const {
    auto it = ranges_.upper_bound(addr);
    if (it == ranges_.begin()) return false;
    return std::prev(it)->second >= addr;
  }

  // Every address of r is in the set. Ranges are non-adjacent, so r must sit
  // inside a single stored range.
  bool contains(const RangeT& r) const {
    auto it = ranges_.upper_bound(r.first());
    if (it == ranges_.begin()) return false;
    return std::prev(it)->second >= r.last();
  }

  // The last stored range whose first address is at or below addr: the only
  // one that can contain addr, or overlap a range ending at addr.
  std::optional<RangeT> floor(uint64_t addr) const {
    auto it = ranges_.upper_bound(addr);
    if (it == ranges_.begin()) return std::nullopt;
    --it;
    return RangeT::from_first_last(it->first, it->second);
  }

  bool overlaps(const RangeT& r) const {
    auto it = ranges_.upper_bound(r.last());
    if (it == ranges_.begin()) return false;
    return std::prev(it)->second >= r.first();
  }

  // The stored ranges that overlap r, clipped to r.
  std::vector<RangeT> overlap_with(const RangeT& r) const {
    std::vector<RangeT> out;
    auto it = ranges_.upper_bound(r.first());
    if (it != ranges_.begin()) --it;
    for (; it != ranges_.end() && it->first <= r.last(); ++it) {
      if (auto piece = RangeT::from_first_last(it->first, it->second).intersect(r)) out.push_back(*piece);
    }
    return out;
  }

  bool contains(const RangeSet& other) const {
    for (const auto& [first, last] : other.ranges_) {
      if (!contains(RangeT::from_first_last(first, last))) return false;
    }
    return true;
  }
  bool overlaps(const RangeSet& other) const {
    for (const auto& [first, last] : other.ranges_) {
      if (overlaps(RangeT::from_first_last(first, last))) return true;
    }
    return false;
  }

  RangeSet unite(const RangeSet& other) const {
    RangeSet out = *this;
    for (const auto& [first, last] : other.ranges_) out.insert(RangeT::from_first_last(first, last));
    return out;
  }
  RangeSet subtract(const RangeSet& other) const {
    RangeSet out = *this;
    for (const auto& [first, last] : other.ranges_) out.erase(RangeT::from_first_last(first, last));
    return out;
  }
  RangeSet intersect(const RangeSet& other) const {
    RangeSet out;
    for (const auto& [first, last] : other.ranges_) {
      for (const auto& piece : overlap_with(RangeT::from_first_last(first, last))) out.insert(piece);
    }
    return out;
  }

  // Number of addresses, up to 2^64.
  u128 size() const {
    u128 total = 0;
    for (const auto& [first, last] : ranges_) total += u128{last - first} + 1;
    return total;
  }

  bool operator==(const RangeSet&) const = default;

 private:
  std::map<uint64_t, uint64_t> ranges_;
};

}  // namespace smmuman::core
