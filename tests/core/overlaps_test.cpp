// The O(n log n) overlap queries the deployment rules use agree with the
// obvious comparison of every pair, including at the top of the 64-bit space.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "smmuman/core/overlaps.hpp"

namespace smmuman::core {
namespace {

using R = HpaRange;

// Small ranges in a window at the top of the address space, so overlaps are common and edges are hit.
rc::Gen<std::vector<R>> ranges_near_top() {
  return rc::gen::container<std::vector<R>>(rc::gen::map(
      rc::gen::pair(rc::gen::inRange<uint64_t>(0, 40), rc::gen::inRange<uint64_t>(0, 8)), [](std::pair<uint64_t, uint64_t> p) {
        const uint64_t first = kU64Max - 47 + p.first;
        return R::from_first_last(first, std::min(kU64Max, first + p.second));
      }));
}

// overlapping_pairs names every range that overlaps an earlier-declared one,
// exactly once, with an earlier range it really overlaps.
RC_GTEST_PROP(OverlappingPairs, AgreesWithEveryPairComparison, ()) {
  const auto ranges = *ranges_near_top();
  const auto pairs = overlapping_pairs(ranges);
  std::vector<bool> reported(ranges.size(), false);
  for (const auto& [later, earlier] : pairs) {
    RC_ASSERT(earlier < later);
    RC_ASSERT(later < ranges.size());
    RC_ASSERT(!reported[later]);
    RC_ASSERT(ranges[later].overlaps(ranges[earlier]));
    reported[later] = true;
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    bool overlaps_earlier = false;
    for (size_t j = 0; j < i; ++j) overlaps_earlier = overlaps_earlier || ranges[i].overlaps(ranges[j]);
    RC_ASSERT(reported[i] == overlaps_earlier);
  }
}

// RangeIndex finds an overlapping range exactly when one exists, and the one it finds overlaps.
RC_GTEST_PROP(RangeIndex, FindsAnOverlapExactlyWhenOneExists, ()) {
  const auto stored = *ranges_near_top();
  const auto queries = *ranges_near_top();
  std::vector<std::pair<R, size_t>> entries;
  for (size_t i = 0; i < stored.size(); ++i) entries.emplace_back(stored[i], i);
  const RangeIndex<HpaSpace, size_t> index(entries);
  for (const R& q : queries) {
    bool any = false;
    for (const R& s : stored) any = any || s.overlaps(q);
    const auto* hit = index.find_overlap(q);
    RC_ASSERT((hit != nullptr) == any);
    if (hit) {
      RC_ASSERT(hit->first.overlaps(q));
      RC_ASSERT(stored[hit->second] == hit->first);
    }
  }
}

// The three orders of two identical frames: the later one is reported, naming the first.
TEST(OverlappingPairs, ReportsTheLaterDeclaration) {
  const std::vector<R> frames = {R::from_first_last(0x2000, 0x2fff), R::from_first_last(0x0, 0xfff),
                                 R::from_first_last(0x2000, 0x2fff), R::from_first_last(0x0, 0x2000)};
  const auto pairs = overlapping_pairs(frames);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0], (std::pair<size_t, size_t>{2, 0}));
  EXPECT_EQ(pairs[1].first, 3u);
}

}  // namespace
}  // namespace smmuman::core
