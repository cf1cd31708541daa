// QNX smmu_mapping_add, as core operations. The wire rules live here, not in
// the core: no permission bits means remove, each entry is rounded out to
// whole 4 KiB pages, a request with a target (SMF_TARGET) takes one entry,
// and overlapping entries map their union (docs/core-semantics.md).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "smmuman/core/manager.hpp"

namespace smmuman::api::qnx {

struct MapEntry {
  uint64_t addr = 0;  // the device address with a target, else the memory address
  uint64_t len = 0;
};

struct MapRequest {
  // No permission bits means remove these entries.
  core::Perms perms;
  // SMF_TARGET: the entries name device addresses, mapped onto memory from
  // `target` on. One target cannot serve several entries, so it takes one.
  std::optional<uint64_t> target;
  std::vector<MapEntry> entries;
};

// The plan smmu_mapping_add makes, or why it is refused; changes nothing.
core::Result<core::Plan> decide_mapping_add(const core::Manager& manager, core::ClientId client,
                                            core::ObjectId object, const MapRequest& request);
// smmu_mapping_add: decides, then has the manager execute the plan.
core::Status mapping_add(core::Manager& manager, core::ClientId client, core::ObjectId object,
                         const MapRequest& request);

}  // namespace smmuman::api::qnx
