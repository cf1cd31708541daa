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

#include "smmuman/core/admission_logic.hpp"
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

// The memory a client's mapping names: host-physical for a host client,
// guest-physical for a VM's client, whose requests the manager translates
// through its VM's ranges.
using ClientMemory = std::variant<Hpa, Gpa>;

// One translation as a client asks for it: device addresses `iova` onto the
// client's memory from `memory` on, with `perms`. Both granule-aligned; a
// client's rounding and request rules belong to its API layer (api/).
struct MappingSpec {
  IovaRange iova;
  ClientMemory memory;
  Perms perms;
};

// What a device reaches at one device address.
struct AccessResult {
  bool allowed = false;
  Hpa hpa;  // where the access lands, when allowed
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
  // Maps each spec (pairwise disjoint) where nothing is mapped yet.
  Result<Plan> decide_map(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs) const;
  // The same, replacing whatever is mapped there.
  Result<Plan> decide_replace(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs) const;
  // Removes every device address of the ranges (granule-aligned; they may
  // overlap, and removing what is not mapped changes nothing).
  Result<Plan> decide_unmap(ClientId client, ObjectId object, const std::vector<IovaRange>& ranges) const;
  // Prepares, then commits, a plan decided on the current state, and empties
  // it: a plan is executed once. Executing a plan decided on an older state
  // is the caller's bug; the invariant check, when on, stops those that
  // break the invariant before the hardware commit.
  Status execute(Plan& plan);

  // Executes a decision: its refusal, or the executed plan, which still
  // carries what the caller is told (new ids, QNX's reissue).
  Result<Plan> perform(Result<Plan> decided);

  // The operations: decide, then execute.
  Result<ClientId> connect(const ClientSpec& spec);
  // Destroys the client's objects; their devices fail closed.
  Status disconnect(ClientId client);

  Result<ObjectId> create_object(ClientId client);
  Status destroy_object(ClientId client, ObjectId object);

  Result<AttachOutcome> attach(ClientId client, ObjectId object, const DeviceSelector& device);
  // Removes the selected devices from whichever of the caller's objects holds them.
  Status detach(ClientId client, const DeviceSelector& device);

  Status map(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs);
  Status replace(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs);
  Status unmap(ClientId client, ObjectId object, const std::vector<IovaRange>& ranges);

  // Succeeds when `client` exists and owns `object`.
  Status check_owner(ClientId client, ObjectId object) const;

  // The reference semantics every backend is tested against.
  AccessResult access(DeviceIndex device, Iova iova, AccessKind kind) const;
  // The same, for a raw stream as the hardware sees it: a stream no device
  // owns is denied unless its unit bypasses unconfigured streams.
  AccessResult access_stream(UnitIndex unit, uint32_t stream_id, Iova iova, AccessKind kind) const;

  // Devices a selector names (empty when none).
  std::vector<DeviceIndex> resolve(const DeviceSelector& sel) const;

#ifdef SMMUMAN_CHECK_INVARIANTS
  static constexpr bool kCheckInvariantsByDefault = true;
#else
  static constexpr bool kCheckInvariantsByDefault = false;
#endif

 private:
  Result<const Object*> owned_object(ClientId client, ObjectId object) const;
  // The host-physical pieces of one spec, or why it cannot be granted.
  Result<std::vector<MappingTable::Entry>> admit(const Client& client, const MappingSpec& spec) const;
  Result<std::vector<MappingTable::Entry>> admit_host(IovaRange iova, Hpa memory, Perms perms, bool host_client) const;
  Result<std::vector<MappingTable::Entry>> admit_guest(VmIndex vm,
                                                       const admission_logic::Request<uint64_t>& request) const;
  // The plan that clears `cleared` (sorted, disjoint) and adds `added` in one object.
  Plan plan_table_update(const char* operation, ObjectId id, const Object& object, const std::vector<IovaRange>& cleared,
                         std::vector<MappingTable::Entry> added) const;
  Result<Plan> decide_mapping(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs,
                              bool replace) const;
  // Steps and edits that move `devices` out of their objects, to `object`
  // (or to abort when unset), with the domains this creates and empties.
  void plan_moves(Plan& plan, const std::vector<DeviceIndex>& devices, std::optional<ObjectId> object) const;
  // Steps that tear down a whole object: its streams abort, its domains go.
  void plan_object_teardown(Plan& plan, ObjectId id, const Object& object) const;
  // What a unit holds, and so grants, for requested permissions; the one rule
  // behind access() and every Map and Unmap step.
  Perms held_perms(UnitIndex unit, Perms perms) const;
  // The hardware's view of a core mapping on one unit.
  DomainEntry held_by(UnitIndex unit, const MappingTable::Entry& entry) const;
  // Whether `unit` can hold a mapping of an object `owner` holds: its input
  // and output addresses fit the unit's address sizes, and for a VM's client
  // what the unit holds stays within the VM's permissions for that memory.
  Status check_holdable(UnitIndex unit, const Client& owner, const MappingTable::Entry& entry) const;
  // Translation contexts of `unit`'s pool in use: one per object with a
  // device on a unit of the pool, one per such device with startup mappings.
  uint64_t contexts_in_use(UnitIndex unit) const;
  // The units an object's devices sit on: one domain each.
  std::set<UnitIndex> units_of(const Object& object) const;
  // Creates a domain of `object` and fills it with the object's mappings.
  void plan_domain_creation(Plan& plan, DomainId domain, const Object& object) const;
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
