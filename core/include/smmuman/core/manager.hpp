// The operations clients perform on smmuman's runtime state.
//
// Every operation is a pure decision that yields a Plan (plan.hpp); a hardware
// layer, when attached, prepares it and may refuse; then the core commits its
// state and the hardware commits the plan, neither of which can fail (as
// seL4's decode/perform split). A refused operation changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/plan.hpp"
#include "smmuman/core/result.hpp"
#include "smmuman/core/state.hpp"

namespace smmuman::core {

// Names devices the way clients do: by MMIO register base, or by PCI
// bus:dev.func where any field may be kAnyPciField (QNX SMMU_PCI_FIELD_ANY).
inline constexpr uint32_t kAnyPciField = ~0u;
struct MmioSelector {
  uint64_t phys = 0;
  uint64_t len = 0;
};
struct PciSelector {
  uint32_t bus = kAnyPciField;
  uint32_t dev = kAnyPciField;
  uint32_t func = kAnyPciField;
};
using DeviceSelector = std::variant<MmioSelector, PciSelector>;
std::string to_string(const DeviceSelector& sel);

struct AttachOutcome {
  // The object already had mappings when the device joined. The device gets
  // them at once; QNX clients are told (smmu_device_add_* returns 1) so they
  // can reissue their mappings.
  bool reissue_mappings = false;
};

struct MapEntry {
  uint64_t addr = 0;  // device address with a target, else the memory address
  uint64_t len = 0;
};

struct MapRequest {
  // No permission bits means remove these entries (QNX smmu_mapping_add).
  Perms perms;
  // QNX SMF_TARGET: entries name device addresses mapped to `target`. Only one
  // entry is accepted with a target, since one target cannot serve several.
  std::optional<uint64_t> target;
  std::vector<MapEntry> entries;
};

// What a device reaches at one device address.
struct AccessResult {
  bool allowed = false;
  uint64_t hpa = 0;
  bool operator==(const AccessResult&) const = default;
};

class InvariantChecker;

class Manager {
 public:
  // The deployment must have passed validate_deployment; it is finalized here.
  explicit Manager(Deployment deployment, bool check_invariants = kCheckInvariantsByDefault);
  ~Manager();
  // The invariant checker refers to the deployment held here.
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  const Deployment& deployment() const { return deployment_; }
  const State& state() const { return state_; }

  // Routes every later operation through `hardware` (which must outlive the
  // manager), after programming it with boot_plan(). Fails, changing nothing,
  // when the hardware refuses that plan.
  Status attach_hardware(HardwareLayer& hardware);
  // Programs the whole current state into hardware whose every stream aborts:
  // each domain created and filled, each declared stream bound (to its
  // domain, its startup mappings, or explicitly to abort).
  Plan boot_plan() const;

  // The decisions: pure, they change nothing. Each returns the plan that
  // performs the operation, or why it is refused.
  Result<Plan> decide_connect(const ClientSpec& spec) const;
  Result<Plan> decide_disconnect(ClientId client) const;
  Result<Plan> decide_create_object(ClientId client) const;
  Result<Plan> decide_destroy_object(ClientId client, ObjectId object) const;
  Result<Plan> decide_attach(ClientId client, ObjectId object, const DeviceSelector& device) const;
  Result<Plan> decide_detach(ClientId client, const DeviceSelector& device) const;
  Result<Plan> decide_map(ClientId client, ObjectId object, const MapRequest& request) const;
  // Prepares, then commits, a plan decided on the current state.
  Status execute(Plan& plan);

  // The operations: decide, then execute.
  Result<ClientId> connect(const ClientSpec& spec);
  // Destroys the client's objects; their devices fail closed.
  Status disconnect(ClientId client);

  Result<ObjectId> create_object(ClientId client);
  Status destroy_object(ClientId client, ObjectId object);

  Result<AttachOutcome> attach(ClientId client, ObjectId object, const DeviceSelector& device);
  // Removes the selected devices from whichever of the caller's objects holds them.
  Status detach(ClientId client, const DeviceSelector& device);

  Status map(ClientId client, ObjectId object, const MapRequest& request);

  // The reference semantics every backend is tested against.
  AccessResult access(DeviceIndex device, uint64_t iova, AccessKind kind) const;
  // The same, for a raw stream as the hardware sees it: a stream no device
  // owns is denied unless its unit bypasses unconfigured streams.
  AccessResult access_stream(UnitIndex unit, uint32_t stream_id, uint64_t iova, AccessKind kind) const;

  // Devices a selector names (empty when none).
  std::vector<DeviceIndex> resolve(const DeviceSelector& sel) const;

#ifdef SMMUMAN_CHECK_INVARIANTS
  static constexpr bool kCheckInvariantsByDefault = true;
#else
  static constexpr bool kCheckInvariantsByDefault = false;
#endif

 private:
  struct Placement {  // one admitted piece of a map request
    IovaRange iova;
    uint64_t hpa_first;
    TranslationAttr attr;
  };
  Result<const Object*> owned_object(ClientId client, ObjectId object) const;
  Result<std::vector<Placement>> admit_mapping(const Client& client, IovaRange iova, uint64_t out_first,
                                               Perms perms) const;
  // Steps and edits that move `devices` out of their objects, to `object`
  // (or to abort when unset), with the domains this creates and empties.
  void plan_moves(Plan& plan, const std::vector<DeviceIndex>& devices, std::optional<ObjectId> object) const;
  // Steps that tear down a whole object: its streams abort, its domains go.
  void plan_object_teardown(Plan& plan, ObjectId id, const Object& object) const;
  // The hardware's view of a core mapping on one unit.
  DomainEntry held_by(UnitIndex unit, const MappingTable::Entry& entry) const;
  StreamTarget target_of(DeviceIndex device) const;
  // Stops the process when the committed state breaks the invariant, before
  // hardware is programmed with it.
  void check_or_stop(const char* operation) const;

  Deployment deployment_;
  State state_;
  std::unique_ptr<InvariantChecker> checker_;
  HardwareLayer* hardware_ = nullptr;
};

// Every invariant over a deployment and a runtime state, recomputed from the
// declared deployment: guest mappings inside their VM's ranges, every mapping
// inside permitted memory and clear of reserved regions, one object per device
// and one client per object, pass-through devices only with their VM's
// clients, startup-owned devices never attached. Its lookups are its own,
// built once per deployment, so checking a state costs O(n log n) in its size
// and shares nothing with the manager's admission tables.
class InvariantChecker {
 public:
  explicit InvariantChecker(const Deployment& deployment);
  ~InvariantChecker();
  InvariantChecker(const InvariantChecker&) = delete;
  InvariantChecker& operator=(const InvariantChecker&) = delete;
  // Empty when all hold.
  std::vector<std::string> check(const State& state) const;

  struct Tables;  // the checker's own lookups (invariants.cpp)

 private:
  const Deployment& d_;
  std::unique_ptr<const Tables> tables_;
};

// InvariantChecker(d).check(s), for a single check.
std::vector<std::string> check_invariants(const Deployment& d, const State& s);

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace smmuman::core
