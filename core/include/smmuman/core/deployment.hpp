// The static model of one deployment: platform memory, SMMU units, devices,
// VMs and startup mappings. Loaded from configuration, validated once, then
// read-only for the life of the manager.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "smmuman/core/capabilities.hpp"
#include "smmuman/core/ids.hpp"
#include "smmuman/core/perms.hpp"
#include "smmuman/core/range.hpp"
#include "smmuman/core/range_set.hpp"
#include "smmuman/core/translation_map.hpp"

namespace smmuman::core {

// Where an item was declared, so every error can name file and line. Every
// origin of one file shares one copy of its name: a deployment of 100,000
// items read from a long path must not hold 100,000 copies of the path.
class Origin {
 public:
  Origin() = default;
  Origin(std::shared_ptr<const std::string> file, int line) : line(line), file_(std::move(file)) {}
  Origin(const std::string& file, int line) : Origin(std::make_shared<const std::string>(file), line) {}

  const std::string& file() const;
  int line = 0;  // 1-based; 0 when unknown or the whole file

 private:
  std::shared_ptr<const std::string> file_;
};
std::string to_string(const Origin& origin);

// Which kind of smmuman this deployment configures. A host programs the SMMUs
// for itself and for its VMs; a guest sees only its own guest-physical memory
// and forwards requests to the host through vdev-smmu.
enum class Role { host, guest };
const char* to_string(Role role);

struct ReservedRegion {
  std::string name;
  HpaRange range;
  Origin origin;
};

struct Platform {
  RangeSet<HpaSpace> memory;             // memory that may be granted to devices at all
  std::vector<ReservedRegion> reserved;  // never mapped, whatever else is said
  Origin origin;
};


struct Unit {
  std::string name;
  // What the unit can hold; its architecture names the hardware description
  // it came from. The core admits by these numbers, never by the name.
  UnitCapabilities capabilities;
  // Units naming one pool share its translation contexts (R-Car cache IPMMUs
  // all use the contexts of their main IPMMU). Empty: the unit's own.
  std::string context_pool;
  std::optional<HpaRange> registers;  // the unit's own MMIO frame: implicitly reserved
  // Streams of this unit with no translation set up pass through untranslated.
  // Never the default; rejected on a host for a unit with pass-through devices.
  bool bypass_unconfigured = false;
  Origin origin;
};

// The key of a unit's context pool: its pool's name, or the unit itself.
std::string context_pool_key(const Unit& unit, UnitIndex index);

struct PciAddress {
  uint32_t bus = 0;   // 0..255
  uint32_t dev = 0;   // 0..31
  uint32_t func = 0;  // 0..7
  bool operator==(const PciAddress&) const = default;
};
// PCI requester ID (bus[15:8] dev[7:3] func[2:0]), the stream ID a PCI
// function presents on VT-d, AMD-Vi and Arm SMMUs with an identity RID map.
constexpr uint32_t pci_requester_id(const PciAddress& a) { return (a.bus << 8) | (a.dev << 3) | a.func; }

struct MmioId {
  HpaRange registers;
  bool operator==(const MmioId&) const = default;
};
using DeviceIdent = std::variant<PciAddress, MmioId>;
std::string to_string(const DeviceIdent& ident);

struct Device {
  std::string name;
  DeviceIdent ident;
  UnitIndex unit;
  std::vector<uint32_t> stream_ids;
  Origin origin;
};

struct VmMemoryRegion {
  GpaRange guest;
  uint64_t host_first = 0;
  Perms perms = Perms::rwx();
  Origin origin;
  HpaRange host() const { return HpaRange::from_first_last(host_first, host_first + (guest.last() - guest.first())); }
};

struct Vm {
  std::string name;
  std::vector<VmMemoryRegion> memory;
  std::vector<DeviceIndex> passthrough;
  Origin origin;
};

// A mapping granted by configuration rather than by a client (QNX `allow`).
struct StartupMapping {
  DeviceIndex device;
  IovaRange iova;
  uint64_t hpa_first = 0;
  Perms perms;
  Origin origin;
  HpaRange hpa() const { return HpaRange::from_first_last(hpa_first, hpa_first + (iova.last() - iova.first())); }
};

struct Deployment {
  std::string name;
  Role role = Role::host;
  Platform platform;
  std::vector<Unit> units;
  std::vector<Device> devices;
  std::vector<Vm> vms;
  std::vector<StartupMapping> startup_mappings;

  // Derived by finalize(): lookups the manager needs on every request.
  RangeSet<HpaSpace> reserved_set;                 // reserved regions and unit register frames
  std::vector<TranslationMap<GpaSpace, HpaSpace>> vm_memory;  // per VM
  RangeSet<HpaSpace> vm_host_memory;               // union of every VM's host ranges
  std::vector<std::optional<VmIndex>> device_vm;   // pass-through owner per device
  std::vector<std::vector<size_t>> device_startup; // startup mapping indexes per device

  // Recomputes the derived lookups from the declared items.
  void finalize();
};

struct DeploymentError {
  Origin origin;
  std::string message;
};

// Names are 1 to kMaxNameBytes bytes of printable ASCII, not beginning or
// ending with a blank: two names must not look alike (no invisible, control
// or look-alike characters), and no message quoting a name can grow large.
inline constexpr size_t kMaxNameBytes = 128;
// Why a name cannot be used, or nullopt when it can.
std::optional<std::string> name_problem(const std::string& name);
// The whole message for a bad name of an item of `kind` ("unit", "VM"), or
// nullopt; a long name is quoted shortened.
std::optional<std::string> name_error(const char* kind, const std::string& name);
// A name or other input text as a message quotes it: at most 64 bytes, then "…".
std::string brief(const std::string& text);

// Every rule a deployment must satisfy on its own, before any client arrives:
// VM ranges inside permitted memory and disjoint, nothing reserved granted,
// stream IDs unique and within their unit's width, startup mappings only where
// the role allows them. Empty when the deployment is sound.
std::vector<DeploymentError> validate_deployment(const Deployment& d);

}  // namespace smmuman::core
