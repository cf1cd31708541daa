// Ranges, range sets and translation maps: unit tests at the 64-bit edges and
// rapidcheck laws against a brute-force model on a small universe.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "smmuman/core/range_set.hpp"
#include "smmuman/core/translation_map.hpp"

namespace smmuman::core {
namespace {

using R = HpaRange;

// A range reaching the last address exists; one past it does not.
TEST(Range, FromBaseLenRejectsEmptyAndWrapping) {
  EXPECT_FALSE(R::from_base_len(0x1000, 0));
  EXPECT_FALSE(R::from_base_len(kU64Max, 2));
  EXPECT_FALSE(R::from_base_len(0x1000, kU64Max));
  auto top = R::from_base_len(kU64Max - 0xfff, 0x1000);
  ASSERT_TRUE(top);
  EXPECT_EQ(top->last(), kU64Max);
  auto all = R::from_base_len(0, kU64Max);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->last(), kU64Max - 1);
  EXPECT_EQ(R::whole().size(), u128{1} << 64);
}

// Containment and overlap are inclusive at both ends and exact at the top of the space.
TEST(Range, ContainsAndOverlapsAtEdges) {
  const R a = R::from_first_last(0x1000, 0x1fff);
  EXPECT_TRUE(a.contains(0x1000));
  EXPECT_TRUE(a.contains(0x1fff));
  EXPECT_FALSE(a.contains(0x2000));
  EXPECT_FALSE(a.contains(0xfff));
  EXPECT_TRUE(a.overlaps(R::from_first_last(0x1fff, 0x3000)));
  EXPECT_FALSE(a.overlaps(R::from_first_last(0x2000, 0x3000)));
  EXPECT_TRUE(R::whole().contains(R::from_first_last(kU64Max, kU64Max)));
  EXPECT_EQ(a.intersect(R::from_first_last(0x1800, 0x5000)), R::from_first_last(0x1800, 0x1fff));
}

// Rounding out to the 4 KiB granule covers the original and is aligned, also at 2^64 - 1.
TEST(Range, RoundToGranule) {
  EXPECT_EQ(round_to_granule(R::from_first_last(0x1234, 0x1234)), R::from_first_last(0x1000, 0x1fff));
  EXPECT_EQ(round_to_granule(R::from_first_last(kU64Max, kU64Max)), R::from_first_last(kU64Max - 0xfff, kU64Max));
  EXPECT_TRUE(is_granule_aligned(R::from_first_last(0x2000, 0x3fff)));
  EXPECT_FALSE(is_granule_aligned(R::from_first_last(0x2000, 0x3ffe)));
}

// Inserting adjacent ranges coalesces them, so each set has one representation.
TEST(RangeSet, InsertCoalescesAdjacentAndOverlapping) {
  RangeSet<HpaSpace> s;
  s.insert(R::from_first_last(0x1000, 0x1fff));
  s.insert(R::from_first_last(0x3000, 0x3fff));
  EXPECT_EQ(s.range_count(), 2u);
  s.insert(R::from_first_last(0x2000, 0x2fff));
  EXPECT_EQ(s.range_count(), 1u);
  EXPECT_TRUE(s.contains(R::from_first_last(0x1000, 0x3fff)));
  s.insert(R::from_first_last(kU64Max - 1, kU64Max));
  s.insert(R::from_first_last(0, 0));
  EXPECT_EQ(s.range_count(), 3u);
  EXPECT_TRUE(s.contains(kU64Max));
  EXPECT_TRUE(s.contains(0));
}

// Erasing the middle of a range splits it; erasing across ranges trims both.
TEST(RangeSet, EraseSplitsAndTrims) {
  RangeSet<HpaSpace> s{R::from_first_last(0x0, 0xffff), R::from_first_last(0x20000, 0x2ffff)};
  s.erase(R::from_first_last(0x1000, 0x1fff));
  EXPECT_EQ(s.range_count(), 3u);
  EXPECT_FALSE(s.contains(0x1000));
  EXPECT_TRUE(s.contains(0xfff));
  EXPECT_TRUE(s.contains(0x2000));
  s.erase(R::from_first_last(0x8000, 0x20fff));
  EXPECT_FALSE(s.contains(0x8000));
  EXPECT_FALSE(s.contains(0x20fff));
  EXPECT_TRUE(s.contains(0x21000));
  EXPECT_TRUE(s.contains(0x7fff));
  s.erase(R::whole());
  EXPECT_TRUE(s.empty());
}

// A universe of 64 addresses at the bottom or the top of the space, so that
// both edges (0 and 2^64 - 1) are exercised. Each property draws which.
uint64_t kUniverseBase = 0;

void pick_universe() { kUniverseBase = *rc::gen::arbitrary<bool>() ? kU64Max - 63 : 0; }

R small_range(uint8_t a, uint8_t b) {
  const uint64_t x = a & 63u, y = b & 63u;
  const uint64_t lo = kUniverseBase + std::min(x, y);
  const uint64_t hi = kUniverseBase + std::max(x, y);
  return R::from_first_last(lo, hi);
}

using Op = std::tuple<bool, uint8_t, uint8_t>;  // insert?, ends

void apply(RangeSet<HpaSpace>& s, std::set<uint64_t>& model, const Op& op) {
  const R r = small_range(std::get<1>(op), std::get<2>(op));
  for (uint64_t a = r.first();; ++a) {
    if (std::get<0>(op)) model.insert(a); else model.erase(a);
    if (a == r.last()) break;
  }
  if (std::get<0>(op)) s.insert(r); else s.erase(r);
}

// After any insert/erase sequence, membership, size, containment and overlap
// agree with a plain set of addresses, and the stored ranges are canonical.
RC_GTEST_PROP(RangeSetLaws, AgreesWithAddressSet, (const std::vector<Op>& ops, uint8_t qa, uint8_t qb)) {
  pick_universe();
  RangeSet<HpaSpace> s;
  std::set<uint64_t> model;
  for (const auto& op : ops) apply(s, model, op);
  for (uint64_t i = 0; i < 64; ++i) RC_ASSERT(s.contains(kUniverseBase + i) == model.contains(kUniverseBase + i));
  RC_ASSERT(s.size() == model.size());
  const R q = small_range(qa, qb);
  bool all = true, any = false;
  for (uint64_t a = q.first();; ++a) {
    all = all && model.contains(a);
    any = any || model.contains(a);
    if (a == q.last()) break;
  }
  RC_ASSERT(s.contains(q) == all);
  RC_ASSERT(s.overlaps(q) == any);
  const auto ranges = s.ranges();
  for (size_t i = 1; i < ranges.size(); ++i) RC_ASSERT(ranges[i - 1].last() + 1 < ranges[i].first());
}

// Union, intersection and difference match the same operations on address sets.
RC_GTEST_PROP(RangeSetLaws, SetAlgebra, (const std::vector<Op>& a_ops, const std::vector<Op>& b_ops)) {
  pick_universe();
  RangeSet<HpaSpace> a, b;
  std::set<uint64_t> ma, mb;
  for (const auto& op : a_ops) apply(a, ma, op);
  for (const auto& op : b_ops) apply(b, mb, op);
  const auto u = a.unite(b), i = a.intersect(b), d = a.subtract(b);
  for (uint64_t k = 0; k < 64; ++k) {
    const uint64_t x = kUniverseBase + k;
    RC_ASSERT(u.contains(x) == (ma.contains(x) || mb.contains(x)));
    RC_ASSERT(i.contains(x) == (ma.contains(x) && mb.contains(x)));
    RC_ASSERT(d.contains(x) == (ma.contains(x) && !mb.contains(x)));
  }
  RC_ASSERT(a.contains(b) == std::includes(ma.begin(), ma.end(), mb.begin(), mb.end()));
  RC_ASSERT(a.overlaps(b) == !i.empty());
}

// Assign and erase on a translation map agree with a per-address model, and a
// split entry keeps translating every remaining address to the same output.
RC_GTEST_PROP(TranslationMapLaws, AgreesWithPerAddressModel, (const std::vector<std::tuple<bool, uint8_t, uint8_t, uint16_t>>& ops)) {
  pick_universe();
  TranslationMap<IovaSpace, HpaSpace> map;
  std::map<uint64_t, uint64_t> model;  // address -> output
  for (const auto& [assign, x, y, out] : ops) {
    const auto r = IovaRange::from_first_last(small_range(x, y).first(), small_range(x, y).last());
    const uint64_t out_first = uint64_t{out} << 8;
    for (uint64_t a = r.first();; ++a) {
      if (assign) model[a] = out_first + (a - r.first()); else model.erase(a);
      if (a == r.last()) break;
    }
    if (assign) map.assign(r, out_first, TranslationAttr{Perms::rw(), out_first}); else map.erase(r);
  }
  for (uint64_t k = 0; k < 64; ++k) {
    const uint64_t a = kUniverseBase + k;
    const auto e = map.find(a);
    RC_ASSERT(e.has_value() == model.contains(a));
    if (e) {
      RC_ASSERT(e->translate(a) == model[a]);
      RC_ASSERT(*e->attr.source_first == e->out_first);  // the source moves with the entry
    }
  }
}

// A planned update, applied, equals erasing each cleared range and then
// assigning each added entry one by one, and it reports exactly what each
// cleared range held before; the table is untouched until apply.
RC_GTEST_PROP(TranslationMapLaws, PlannedUpdateEqualsStepByStep,
              (const std::vector<std::tuple<uint8_t, uint8_t, uint16_t>>& before_ops,
               const std::vector<std::pair<uint8_t, uint8_t>>& cleared_ops,
               const std::vector<std::tuple<uint8_t, uint8_t, uint16_t>>& added_ops)) {
  pick_universe();
  using Map = TranslationMap<IovaSpace, HpaSpace>;
  auto small_iova = [](uint8_t x, uint8_t y) {
    const R r = small_range(x, y);
    return IovaRange::from_first_last(r.first(), r.last());
  };
  Map map;
  for (const auto& [x, y, out] : before_ops) {
    const uint64_t out_first = uint64_t{out} << 8;
    map.assign(small_iova(x, y), out_first, TranslationAttr{Perms::rw(), out_first});
  }
  RangeSet<IovaSpace> cleared_set;
  for (const auto& [x, y] : cleared_ops) cleared_set.insert(small_iova(x, y));
  const std::vector<IovaRange> cleared = cleared_set.ranges();
  // Added entries: disjoint pieces of the cleared ranges.
  std::vector<Map::Entry> added;
  RangeSet<IovaSpace> taken;
  for (const auto& [x, y, out] : added_ops) {
    RangeSet<IovaSpace> piece{small_iova(x, y)};
    for (const auto& part : piece.intersect(cleared_set).subtract(taken).ranges()) {
      added.push_back(Map::Entry{part, uint64_t{out} << 12, TranslationAttr{Perms(Perm::read), std::nullopt}});
      taken.insert(part);
    }
  }
  std::sort(added.begin(), added.end(), [](const auto& a, const auto& b) { return a.in.first() < b.in.first(); });

  Map expected = map;
  std::vector<std::vector<Map::Entry>> expected_removed;
  for (const auto& r : cleared) {
    expected_removed.push_back(map.overlap_with(r));
    expected.erase(r);
  }
  for (const auto& e : added) expected.assign(e.in, e.out_first, e.attr);

  const Map untouched = map;
  std::vector<std::vector<Map::Entry>> removed;
  auto edit = map.plan_update(cleared, added, removed);
  RC_ASSERT(map == untouched);
  RC_ASSERT(removed == expected_removed);
  map.apply(std::move(edit));
  RC_ASSERT(map == expected);
}

}  // namespace
}  // namespace smmuman::core
