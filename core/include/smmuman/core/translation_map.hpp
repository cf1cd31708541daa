// A map from disjoint input ranges to output addresses with attributes.
//
// Used for an object's mappings (IOVA -> HPA) and a VM's memory (GPA -> HPA).
// Invariant: stored input ranges are pairwise disjoint. Entries are not merged,
// so the table keeps the granularity in which mappings were made; erasing part
// of an entry splits it, and the split-off piece translates consistently.
//
// A change can also be planned first and applied later: plan_update allocates
// every node the change needs, so apply allocates nothing and cannot fail (the
// commit half of the manager's decide/commit split).
#pragma once

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <vector>

#include "smmuman/core/perms.hpp"
#include "smmuman/core/range.hpp"

namespace smmuman::core {

// Attributes of a translation entry. source_first is the address the client
// named in its own physical space when that differs from the output (a guest
// names a GPA, the entry outputs an HPA); it moves with the entry when split.
struct TranslationAttr {
  Perms perms;
  std::optional<uint64_t> source_first;
  bool operator==(const TranslationAttr&) const = default;
};

template <class InSpace, class OutSpace>
class TranslationMap {
 public:
  using InRange = Range<InSpace>;
  using OutRange = Range<OutSpace>;

  struct Entry {
    InRange in;
    uint64_t out_first;
    TranslationAttr attr;

    OutRange out() const { return OutRange::from_first_last(out_first, out_first + (in.last() - in.first())); }
    // Output address for an input address inside `in`.
    uint64_t translate(uint64_t in_addr) const { return out_first + (in_addr - in.first()); }
    bool operator==(const Entry&) const = default;
  };

  bool empty() const { return entries_.empty(); }
  size_t entry_count() const { return entries_.size(); }
  void clear() { entries_.clear(); }

  // Replaces whatever was mapped in `in` with in -> out_first.
  void assign(const InRange& in, uint64_t out_first, const TranslationAttr& attr) {
    erase(in);
    entries_.emplace(in.first(), Stored{in.last(), out_first, attr});
  }

  // Removes every input address of r, splitting entries that straddle its ends.
  void erase(const InRange& r) {
    auto it = entries_.upper_bound(r.first());
    if (it != entries_.begin()) --it;
    while (it != entries_.end() && it->first <= r.last()) {
      if (it->second.last < r.first()) {
        ++it;
        continue;
      }
      const Entry whole = to_entry(*it);
      it = entries_.erase(it);
      if (whole.in.first() < r.first()) {
        entries_.emplace(whole.in.first(), Stored{r.first() - 1, whole.out_first, whole.attr});
      }
      if (whole.in.last() > r.last()) {
        const uint64_t delta = r.last() + 1 - whole.in.first();
        TranslationAttr tail_attr = whole.attr;
        if (tail_attr.source_first) *tail_attr.source_first += delta;
        it = entries_.emplace(r.last() + 1, Stored{whole.in.last(), whole.out_first + delta, tail_attr}).first;
        break;
      }
    }
  }

  std::optional<Entry> find(uint64_t in_addr) const {
    auto it = entries_.upper_bound(in_addr);
    if (it == entries_.begin()) return std::nullopt;
    --it;
    if (it->second.last < in_addr) return std::nullopt;
    return to_entry(*it);
  }

  // Entries overlapping r, whole.
  std::vector<Entry> overlapping(const InRange& r) const {
    std::vector<Entry> out;
    auto it = entries_.upper_bound(r.first());
    if (it != entries_.begin()) --it;
    for (; it != entries_.end() && it->first <= r.last(); ++it) {
      if (it->second.last >= r.first()) out.push_back(to_entry(*it));
    }
    return out;
  }

  // Entries overlapping r, clipped to r (outputs adjusted to match).
  std::vector<Entry> overlap_with(const InRange& r) const {
    std::vector<Entry> out;
    auto it = entries_.upper_bound(r.first());
    if (it != entries_.begin()) --it;
    for (; it != entries_.end() && it->first <= r.last(); ++it) {
      const Entry e = to_entry(*it);
      auto clipped = e.in.intersect(r);
      if (!clipped) continue;
      const uint64_t delta = clipped->first() - e.in.first();
      TranslationAttr attr = e.attr;
      if (attr.source_first) *attr.source_first += delta;
      out.push_back(Entry{*clipped, e.out_first + delta, attr});
    }
    return out;
  }

  // True when every address of r is mapped (possibly by several entries).
  bool covers(const InRange& r) const {
    uint64_t next = r.first();
    for (const auto& e : overlap_with(r)) {
      if (e.in.first() != next) return false;
      if (e.in.last() == r.last()) return true;
      next = e.in.last() + 1;
    }
    return false;
  }

  std::vector<Entry> entries() const {
    std::vector<Entry> out;
    out.reserve(entries_.size());
    for (const auto& kv : entries_) out.push_back(to_entry(kv));
    return out;
  }

  bool operator==(const TranslationMap&) const = default;

 private:
  struct Stored {
    uint64_t last;
    uint64_t out_first;
    TranslationAttr attr;
    bool operator==(const Stored&) const = default;
  };
  using Storage = std::map<uint64_t, Stored>;

 public:
  // A planned change: the keys it removes and the nodes, already allocated,
  // that it inserts. Valid for the table it was planned on, until that changes.
  class Edit {
   public:
    bool empty() const { return erase_keys_.empty() && nodes_.empty(); }

   private:
    friend class TranslationMap;
    std::vector<uint64_t> erase_keys_;
    std::vector<typename Storage::node_type> nodes_;
  };

  // Plans clearing every range of `cleared` (sorted and pairwise disjoint),
  // then adding `added` (pairwise disjoint, each inside the cleared ranges).
  // removed[i] receives what cleared[i] takes away, clipped to it, in order.
  // Costs O((k + c + a) log n) for k entries met, c cleared and a added.
  Edit plan_update(const std::vector<InRange>& cleared, const std::vector<Entry>& added,
                   std::vector<std::vector<Entry>>& removed) const {
    Edit edit;
    Storage scratch;  // builds nodes without touching the table
    auto add_node = [&](const Entry& e) {
      auto it = scratch.emplace(e.in.first(), Stored{e.in.last(), e.out_first, e.attr}).first;
      edit.nodes_.push_back(scratch.extract(it));
    };
    removed.assign(cleared.size(), {});
    std::optional<uint64_t> last_erased;
    for (size_t i = 0; i < cleared.size(); ++i) {
      const InRange& r = cleared[i];
      auto it = entries_.upper_bound(r.first());
      if (it != entries_.begin()) --it;
      for (; it != entries_.end() && it->first <= r.last(); ++it) {
        if (it->second.last < r.first()) continue;
        const Entry whole = to_entry(*it);
        removed[i].push_back(piece_of(whole, *whole.in.intersect(r)));
        // An entry spanning several cleared ranges is met first at the lowest.
        if (last_erased == it->first) continue;
        last_erased = it->first;
        edit.erase_keys_.push_back(it->first);
        // Keep the parts of the entry that no cleared range covers.
        uint64_t keep_from = whole.in.first();
        bool keep_rest = true;
        for (size_t j = i; j < cleared.size() && cleared[j].first() <= whole.in.last(); ++j) {
          if (cleared[j].first() > keep_from) {
            add_node(piece_of(whole, InRange::from_first_last(keep_from, cleared[j].first() - 1)));
          }
          if (cleared[j].last() >= whole.in.last()) {
            keep_rest = false;
            break;
          }
          keep_from = std::max(keep_from, cleared[j].last() + 1);
        }
        if (keep_rest) add_node(piece_of(whole, InRange::from_first_last(keep_from, whole.in.last())));
      }
    }
    for (const Entry& e : added) add_node(e);
    return edit;
  }

  // Applies a planned edit: no allocation, no failure.
  void apply(Edit&& edit) noexcept {
    for (uint64_t key : edit.erase_keys_) entries_.erase(key);
    for (auto& node : edit.nodes_) entries_.insert(std::move(node));
    edit.erase_keys_.clear();
    edit.nodes_.clear();
  }

 private:
  // The part `part` (inside e.in) of an entry, translating as the entry does.
  static Entry piece_of(const Entry& e, const InRange& part) {
    const uint64_t delta = part.first() - e.in.first();
    TranslationAttr attr = e.attr;
    if (attr.source_first) *attr.source_first += delta;
    return Entry{part, e.out_first + delta, attr};
  }
  static Entry to_entry(const typename std::map<uint64_t, Stored>::value_type& kv) {
    return Entry{InRange::from_first_last(kv.first, kv.second.last), kv.second.out_first, kv.second.attr};
  }
  Storage entries_;
};

}  // namespace smmuman::core
