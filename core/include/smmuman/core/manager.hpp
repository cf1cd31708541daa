// The runtime state of smmuman and the operations clients perform on it.
//
// Every operation is validated completely before it changes anything and then
// performed by code that cannot fail (as seL4's decode/perform split), so a
// failed operation leaves the state exactly as it was.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/result.hpp"
#include "smmuman/core/translation_map.hpp"

namespace smmuman::core {

using ClientId = uint32_t;
using ObjectId = uint32_t;

struct ClientSpec {
  std::string name;
  // Set for a VM's client (its requests name guest-physical memory); unset
  // for a host client, whose requests name physical memory directly.
  std::optional<VmIndex> vm;
  // QNX SMMU_ABILITY_TARGET_NAME ("smmu/target"): may map IOVA -> address.
  bool may_target = false;
  bool operator==(const ClientSpec&) const = default;
};

struct Client {
  ClientSpec spec;
  std::set<ObjectId> objects;
  bool operator==(const Client&) const = default;
};

using MappingTable = TranslationMap<IovaSpace, HpaSpace>;

// A group of devices sharing one set of mappings (QNX smmu_obj_create).
struct Object {
  ClientId owner = 0;
  MappingTable mappings;
  std::set<DeviceIndex> devices;
  bool operator==(const Object&) const = default;
};

struct State {
  std::map<ClientId, Client> clients;
  std::map<ObjectId, Object> objects;
  std::vector<std::optional<ObjectId>> device_object;  // per device
  ClientId next_client = 1;
  ObjectId next_object = 1;
  bool operator==(const State&) const = default;
};

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

class Manager {
 public:
  // The deployment must have passed validate_deployment; it is finalized here.
  explicit Manager(Deployment deployment, bool check_invariants = kCheckInvariantsByDefault);

  const Deployment& deployment() const { return deployment_; }
  const State& state() const { return state_; }

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
  void after_operation(const char* what) const;

  Deployment deployment_;
  State state_;
  bool check_invariants_;
};

// Every invariant over a deployment and a runtime state, recomputed from
// scratch: guest mappings inside their VM's ranges, every mapping inside
// permitted memory and clear of reserved regions, one object per device and
// one client per object, pass-through devices only with their VM's clients,
// startup-owned devices never attached. Empty when all hold.
std::vector<std::string> check_invariants(const Deployment& d, const State& s);

struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace smmuman::core
