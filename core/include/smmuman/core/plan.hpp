// What one operation changes, in the order hardware must be programmed, and
// the interface through which a hardware layer may refuse it.
//
// Every manager operation is a pure decision that yields a Plan; a hardware
// layer prepares it (and may refuse, changing nothing), then the core and the
// hardware commit it, and neither commit can fail (docs/core-semantics.md).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "smmuman/core/result.hpp"
#include "smmuman/core/state.hpp"

namespace smmuman::core {

// The translation context of one object on one unit: an SMMUv3 stream-table
// context descriptor set, an SMMUv2 context bank, a VT-d domain. An object
// holding devices on two units has two domains with the same mappings.
struct DomainId {
  ObjectId object;
  UnitIndex unit;
  auto operator<=>(const DomainId&) const = default;
};

// Where a stream's transactions go.
struct AbortTarget {  // every transaction faults: the fail-closed default
  bool operator==(const AbortTarget&) const = default;
};
struct StartupTarget {  // the device's configuration-time mappings
  DeviceIndex device;
  bool operator==(const StartupTarget&) const = default;
};
using StreamTarget = std::variant<AbortTarget, StartupTarget, DomainId>;
std::string to_string(const StreamTarget& target);

// One mapping as a domain holds it: permissions as the unit will grant them
// (a unit whose writes imply reads holds write as read+write).
using DomainEntry = MappingTable::Entry;

namespace step {
// A domain comes into being before any stream is bound to it.
struct CreateDomain {
  DomainId domain;
};
// Adds one translation; its range is unmapped in the domain at that point.
struct Map {
  DomainId domain;
  DomainEntry entry;
};
// Moves every stream of a device from one target to another. When `to` is a
// StartupTarget, `startup` holds the mappings that target translates with.
struct BindStreams {
  DeviceIndex device;
  UnitIndex unit;
  std::vector<uint32_t> stream_ids;
  StreamTarget from;
  StreamTarget to;
  std::vector<DomainEntry> startup;
};
// Removes everything the domain maps in `range`: `removed` is exactly that,
// clipped to the range, so a backend knows what to break and invalidate
// before a following Map makes the replacement.
struct Unmap {
  DomainId domain;
  IovaRange range;
  std::vector<DomainEntry> removed;
};
// A domain goes away after the last stream left it.
struct DestroyDomain {
  DomainId domain;
};
}  // namespace step

using PlanStep = std::variant<step::CreateDomain, step::Map, step::BindStreams, step::Unmap, step::DestroyDomain>;
std::string to_string(const PlanStep& step);

// The change set of one operation.
struct Plan {
  const char* operation = "";
  // Hardware work, in programming order: domains created and filled, streams
  // rebound, unmaps (break) before maps (make), domains destroyed.
  std::vector<PlanStep> steps;
  // Appends a step; the one place steps are added.
  PlanStep& add(PlanStep step);
  // The core's own change, applied by commit.
  StateEdit edit;
  // What the caller is told once the plan is committed.
  std::optional<ClientId> new_client;
  std::optional<ObjectId> new_object;
  bool reissue_mappings = false;
};

// The hardware side of an operation. The core calls prepare once per plan; if
// it refuses, nothing may have changed in hardware and the core changes
// nothing either. After a successful prepare the core commits its own state
// and then calls commit, which must program the plan and cannot fail: prepare
// reserves whatever commit needs (page-table memory, context banks, command
// queue space).
class HardwareLayer {
 public:
  virtual ~HardwareLayer() = default;
  virtual Status prepare(const Plan& plan) = 0;
  virtual void commit(const Plan& plan) noexcept = 0;
};

}  // namespace smmuman::core
