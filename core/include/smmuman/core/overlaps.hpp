// Overlap queries over many ranges in O(n log n), for the deployment rules:
// a deployment of 100,000 devices must not cost a comparison of every pair.
#pragma once

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "smmuman/core/range.hpp"

namespace smmuman::core {

// Among ranges given in declaration order (ranges[i] declared i-th): for
// every range that overlaps an earlier-declared one, the pair (later,
// earlier), naming one such earlier range. So each overlap is reported at the
// later declaration, as a compiler reports a redefinition. O(n log n).
template <class Space>
std::vector<std::pair<size_t, size_t>> overlapping_pairs(const std::vector<Range<Space>>& ranges) {
  const size_t n = ranges.size();
  std::vector<size_t> by_first(n);
  std::iota(by_first.begin(), by_first.end(), size_t{0});
  std::stable_sort(by_first.begin(), by_first.end(),
                   [&](size_t a, size_t b) { return ranges[a].first() < ranges[b].first(); });
  std::vector<size_t> position(n);
  std::vector<uint64_t> sorted_first(n);
  for (size_t p = 0; p < n; ++p) {
    position[by_first[p]] = p;
    sorted_first[p] = ranges[by_first[p]].first();
  }
  // A Fenwick tree over positions in first-address order holding, for the
  // ranges declared so far, the one that ends last in each prefix.
  constexpr size_t kNone = ~size_t{0};
  std::vector<size_t> furthest(n + 1, kNone);
  const auto better = [&](size_t a, size_t b) { return b == kNone || (a != kNone && ranges[a].last() > ranges[b].last()); };
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i = 0; i < n; ++i) {
    // Earlier ranges starting at or before this one's end; one of them
    // overlaps it exactly when the furthest-reaching does.
    const size_t prefix = static_cast<size_t>(std::upper_bound(sorted_first.begin(), sorted_first.end(), ranges[i].last()) -
                                              sorted_first.begin());
    size_t reach = kNone;
    for (size_t k = prefix; k > 0; k &= k - 1) {
      if (better(furthest[k], reach)) reach = furthest[k];
    }
    if (reach != kNone && ranges[reach].last() >= ranges[i].first()) pairs.emplace_back(i, reach);
    for (size_t k = position[i] + 1; k <= n; k += k & (~k + 1)) {
      if (better(i, furthest[k])) furthest[k] = i;
    }
  }
  return pairs;
}

// A fixed set of labelled ranges, possibly overlapping one another, that
// answers "which range overlaps r?" in O(log n).
template <class Space, class Label>
class RangeIndex {
 public:
  RangeIndex() = default;
  explicit RangeIndex(std::vector<std::pair<Range<Space>, Label>> entries) : entries_(std::move(entries)) {
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const auto& a, const auto& b) { return a.first.first() < b.first.first(); });
    reach_.resize(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) {
      reach_[i] = (i > 0 && entries_[reach_[i - 1]].first.last() >= entries_[i].first.last()) ? reach_[i - 1] : i;
    }
  }

  // A range that overlaps r, if any. Among the ranges starting at or before
  // r's end, the one reaching furthest overlaps r exactly when any does.
  const std::pair<Range<Space>, Label>* find_overlap(const Range<Space>& r) const {
    const auto after = std::upper_bound(entries_.begin(), entries_.end(), r.last(),
                                        [](uint64_t last, const auto& e) { return last < e.first.first(); });
    if (after == entries_.begin()) return nullptr;
    const auto& candidate = entries_[reach_[static_cast<size_t>(after - entries_.begin()) - 1]];
    return candidate.first.last() >= r.first() ? &candidate : nullptr;
  }

 private:
  std::vector<std::pair<Range<Space>, Label>> entries_;  // sorted by first address
  std::vector<size_t> reach_;  // reach_[i]: among entries_[0..i], the one whose last address is highest
};

}  // namespace smmuman::core
