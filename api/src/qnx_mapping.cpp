// smmu_mapping_add's rules, ahead of the core's exact operations.
#include "smmuman/api/qnx_mapping.hpp"

#include <fmt/format.h>

#include "smmuman/core/range_set.hpp"

namespace smmuman::api::qnx {

using core::Errc;
using core::IovaRange;
using core::make_error;

core::Result<core::Plan> decide_mapping_add(const core::Manager& manager, core::ClientId client,
                                            core::ObjectId object, const MapRequest& request) {
  if (auto owned = manager.check_owner(client, object); !owned) return owned.error();
  const core::ClientSpec& spec = manager.state().clients.at(client).spec;
  if (request.entries.empty()) return make_error(Errc::invalid_argument, "no entries");
  if (!request.perms.known()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("unknown permission bits {:#x} (read, write and exec only)", request.perms.bits()));
  }
  if (request.target && !spec.may_target) {
    return make_error(Errc::permission_denied,
                      fmt::format("client '{}' may not name a target (needs the smmu/target ability)", spec.name));
  }
  if (request.target && request.entries.size() != 1) {
    return make_error(Errc::invalid_argument,
                      fmt::format("a request with a target takes one entry, not {}", request.entries.size()));
  }
  std::vector<IovaRange> rounded;
  for (size_t i = 0; i < request.entries.size(); ++i) {
    const MapEntry& e = request.entries[i];
    auto exact = IovaRange::from_base_len(e.addr, e.len);
    if (!exact) {
      return make_error(Errc::invalid_argument, fmt::format("entry {}: {} + {} is empty or wraps past 2^64", i,
                                                            core::format_hex(e.addr), e.len));
    }
    // QNX's hardware libraries map whole 4 KiB pages: start down, end up.
    rounded.push_back(core::round_to_granule(*exact));
  }
  if (request.perms.none()) return manager.decide_unmap(client, object, rounded);

  uint64_t memory_first = rounded[0].first();
  if (request.target) {
    // Rounding moves both ends by the same offset, so it must be the same.
    if ((*request.target & core::kGranuleMask) != (request.entries[0].addr & core::kGranuleMask)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("entry 0: device address {} and target {} differ in their offset within a "
                                    "{}-byte page", core::format_hex(request.entries[0].addr),
                                    core::format_hex(*request.target), core::kGranule));
    }
    memory_first = *request.target & ~core::kGranuleMask;
    if (!core::span_fits(memory_first, rounded[0].last() - rounded[0].first())) {
      return make_error(Errc::invalid_argument, fmt::format("target {} + {} wraps past 2^64",
                                                            core::format_hex(*request.target),
                                                            core::format_size(rounded[0].size())));
    }
  }
  // One request's entries share their permissions and, without a target, map
  // their own addresses, so overlapping entries mean their union; with a
  // target there is one entry. Either way the core gets disjoint ranges, in
  // O(n log n) for n entries.
  core::RangeSet<core::IovaSpace> named;
  for (const IovaRange& r : rounded) named.insert(r);
  std::vector<core::MappingSpec> specs;
  for (const IovaRange& part : named.ranges()) {
    const uint64_t first = request.target ? memory_first : part.first();
    const core::ClientMemory memory =
        spec.vm ? core::ClientMemory{core::Gpa{first}} : core::ClientMemory{core::Hpa{first}};
    specs.push_back(core::MappingSpec{part, memory, request.perms});
  }
  return manager.decide_replace(client, object, specs);
}

core::Status mapping_add(core::Manager& manager, core::ClientId client, core::ObjectId object,
                         const MapRequest& request) {
  return core::status_of(manager.perform(decide_mapping_add(manager, client, object, request)));
}

}  // namespace smmuman::api::qnx
