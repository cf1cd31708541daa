// The core invariant, recomputed over deployment and state. It shares no
// admission code with the manager and none of the lookups Deployment::finalize
// derives: it builds its own from the items as declared, once per deployment,
// so a bug in one is caught by the other and a check stays O(n log n).
#include <fmt/format.h>

#include <map>
#include <set>

#include "smmuman/core/manager.hpp"
#include "smmuman/core/overlaps.hpp"

namespace smmuman::core {

struct InvariantChecker::Tables {
  std::vector<std::string> deployment_problems;
  std::vector<std::optional<VmIndex>> passthrough_vm;  // per device
  std::vector<bool> has_startup;                       // per device
  RangeSet<HpaSpace> reserved;                         // regions, unit frames, device registers
  // Host ranges of every VM, labelled with their VM.
  RangeIndex<HpaSpace, VmIndex> vm_host;
  // Per VM, its regions by first guest address.
  std::vector<std::map<uint64_t, const VmMemoryRegion*>> vm_regions;

  explicit Tables(const Deployment& d) {
    for (const auto& e : validate_deployment(d)) deployment_problems.push_back(to_string(e.origin) + ": " + e.message);
    passthrough_vm.assign(d.devices.size(), std::nullopt);
    has_startup.assign(d.devices.size(), false);
    for (const auto& r : d.platform.reserved) reserved.insert(r.range);
    for (const auto& u : d.units) {
      if (u.registers) reserved.insert(*u.registers);
    }
    for (const auto& dev : d.devices) {
      if (const auto* mmio = std::get_if<MmioId>(&dev.ident)) reserved.insert(mmio->registers);
    }
    vm_regions.resize(d.vms.size());
    std::vector<std::pair<HpaRange, VmIndex>> host_ranges;
    for (VmIndex v{0}; v < d.vms.size(); ++v) {
      for (DeviceIndex p : d.vms[v].passthrough) {
        if (p < passthrough_vm.size() && !passthrough_vm[p]) passthrough_vm[p] = v;
      }
      for (const auto& region : d.vms[v].memory) {
        host_ranges.emplace_back(region.host(), v);
        vm_regions[v].emplace(region.guest.first(), &region);
      }
    }
    vm_host = RangeIndex<HpaSpace, VmIndex>(std::move(host_ranges));
    for (const auto& m : d.startup_mappings) {
      if (m.device < has_startup.size()) has_startup[m.device] = true;
    }
  }
};

InvariantChecker::InvariantChecker(const Deployment& deployment)
    : d_(deployment), tables_(std::make_unique<const Tables>(deployment)) {}
InvariantChecker::~InvariantChecker() = default;

namespace {

class StateCheck {
 public:
  StateCheck(const Deployment& d, const State& s, const InvariantChecker::Tables& t) : d_(d), s_(s), t_(t) {}

  std::vector<std::string> run(std::vector<std::string> violations) {
    violations_ = std::move(violations);
    if (s_.device_object.size() != d_.devices.size()) {
      violations_.push_back("device table has the wrong size");
      return std::move(violations_);
    }
    check_ownership();
    for (const auto& [id, object] : s_.objects) check_mappings(id, object);
    check_contexts();
    return std::move(violations_);
  }

 private:
  std::optional<VmIndex> passthrough_vm(DeviceIndex dev) const { return t_.passthrough_vm[dev]; }

  template <class... Args>
  void fail(fmt::format_string<Args...> format, Args&&... args) {
    violations_.push_back(fmt::format(format, std::forward<Args>(args)...));
  }

  void check_ownership() {
    for (const auto& [cid, client] : s_.clients) {
      for (ObjectId oid : client.objects) {
        auto it = s_.objects.find(oid);
        if (it == s_.objects.end() || it->second.owner != cid) fail("client {} lists object {} it does not own", cid, oid);
      }
    }
    for (const auto& [oid, object] : s_.objects) {
      auto owner = s_.clients.find(object.owner);
      if (owner == s_.clients.end()) {
        fail("object {} is owned by client {}, which is gone", oid, object.owner);
        continue;
      }
      if (!owner->second.objects.contains(oid)) fail("object {} is missing from its owner's list", oid);
      for (DeviceIndex dev : object.devices) {
        if (dev >= d_.devices.size()) {
          fail("object {} holds unknown device {}", oid, dev);
          continue;
        }
        const std::string& name = d_.devices[dev].name;
        if (s_.device_object[dev] != oid) fail("device '{}' is in object {} but recorded elsewhere", name, oid);
        if (t_.has_startup[dev]) fail("device '{}' has startup mappings yet is attached", name);
        if (passthrough_vm(dev) != owner->second.spec.vm) {
          fail("device '{}' is attached by client '{}', which is not its VM's client", name, owner->second.spec.name);
        }
      }
    }
    for (DeviceIndex dev{0}; dev < d_.devices.size(); ++dev) {
      const auto oid = s_.device_object[dev];
      if (!oid) continue;
      auto it = s_.objects.find(*oid);
      if (it == s_.objects.end() || !it->second.devices.contains(dev)) {
        fail("device '{}' records object {}, which does not hold it", d_.devices[dev].name, *oid);
      }
    }
  }

  void check_mappings(ObjectId oid, const Object& object) {
    auto owner = s_.clients.find(object.owner);
    if (owner == s_.clients.end()) return;
    const auto& vm = owner->second.spec.vm;
    std::set<UnitIndex> units;
    for (DeviceIndex dev : object.devices) {
      if (dev < d_.devices.size() && d_.devices[dev].unit < d_.units.size()) units.insert(d_.devices[dev].unit);
    }
    for (const auto& e : object.mappings.entries()) {
      const uint64_t span = e.in.last() - e.in.first();
      if (!span_fits(e.out_first, span)) {
        fail("object {}: mapping {} -> {} wraps past 2^64", oid, to_string(e.in), format_hex(e.out_first));
        continue;
      }
      const HpaRange hpa = e.out();
      if (!is_granule_aligned(e.in) || (e.out_first & kGranuleMask) != 0) {
        fail("object {}: mapping {} is not granule-aligned", oid, to_string(e.in));
      }
      if (e.attr.perms.none() || !e.attr.perms.known()) {
        fail("object {}: mapping {} has permission bits {:#x}", oid, to_string(e.in), e.attr.perms.bits());
      }
      // What the hardware grants is what each unit holds, and it must reach no further.
      Perms granted = e.attr.perms;
      for (UnitIndex u : units) {
        const UnitCapabilities& caps = d_.units[u].capabilities;
        granted = granted | caps.permissions.held(e.attr.perms);
        if (!caps.holds_input(e.in.last()) || !caps.holds_output(hpa.last())) {
          fail("object {}: mapping {} -> {} does not fit the address sizes of unit '{}'", oid, to_string(e.in),
               to_string(hpa), d_.units[u].name);
        }
      }
      if (!d_.platform.memory.contains(hpa)) fail("object {}: {} is outside permitted memory", oid, to_string(hpa));
      if (t_.reserved.overlaps(hpa)) fail("object {}: {} touches a reserved region", oid, to_string(hpa));
      if (!vm) {
        if (const auto* other = t_.vm_host.find_overlap(hpa)) {
          fail("object {}: host mapping {} reaches the memory of VM '{}'", oid, to_string(hpa),
               d_.vms[other->second].name);
        }
        continue;
      }
      check_guest_mapping(oid, e, granted, *vm);
    }
  }

  // One context per object on the units of a pool, and per startup device.
  void check_contexts() {
    std::map<std::string, std::set<ObjectId>> objects;
    std::map<std::string, uint64_t> startup;
    std::map<std::string, UnitIndex> unit_of_pool;
    for (DeviceIndex dev{0}; dev < d_.devices.size(); ++dev) {
      const UnitIndex u = d_.devices[dev].unit;
      if (u >= d_.units.size()) continue;
      const std::string pool = context_pool_key(d_.units[u], u);
      unit_of_pool.emplace(pool, u);
      if (t_.has_startup[dev]) ++startup[pool];
      if (const auto oid = s_.device_object[dev]) objects[pool].insert(*oid);
    }
    for (const auto& [pool, u] : unit_of_pool) {
      const uint64_t used = objects[pool].size() + startup[pool];
      if (used > d_.units[u].capabilities.contexts) {
        fail("unit '{}' has {} translation contexts in use, more than its {}", d_.units[u].name, used,
             d_.units[u].capabilities.contexts);
      }
    }
  }

  // A guest mapping: the guest-physical range it was made for lies in the VM's
  // declared regions and translates region by region to exactly this output.
  // Walks the VM's regions as declared, not the manager's lookup tables.
  void check_guest_mapping(ObjectId oid, const MappingTable::Entry& e, Perms granted, VmIndex v) {
    const Vm& vm = d_.vms[v];
    if (!e.attr.source_first) {
      fail("object {}: guest mapping {} has no guest-physical source", oid, to_string(e.in));
      return;
    }
    const uint64_t span = e.in.last() - e.in.first();
    if (!span_fits(*e.attr.source_first, span)) {
      fail("object {}: guest source of {} wraps past 2^64", oid, to_string(e.in));
      return;
    }
    const GpaRange gpa = GpaRange::from_first_last(*e.attr.source_first, *e.attr.source_first + span);
    u128 covered = 0;
    const auto& regions = t_.vm_regions[v];
    auto it = regions.upper_bound(gpa.first());
    if (it != regions.begin()) --it;
    for (; it != regions.end() && it->first <= gpa.last(); ++it) {
      const VmMemoryRegion& region = *it->second;
      const auto part = region.guest.intersect(gpa);
      if (!part) continue;
      covered += part->size();
      const uint64_t expected = region.host_first + (part->first() - region.guest.first());
      const uint64_t actual = e.out_first + (part->first() - gpa.first());
      if (expected != actual) {
        fail("object {}: guest {} translates to {} instead of {}", oid, to_string(*part), format_hex(actual),
             format_hex(expected));
      }
      if (!region.perms.covers(granted)) {
        fail("object {}: guest mapping {} exceeds VM '{}' permissions", oid, to_string(*part), vm.name);
      }
    }
    // Guest regions are disjoint (a deployment rule), so full coverage is a size match.
    if (covered != gpa.size()) {
      fail("object {}: guest mapping {} lies outside VM '{}'", oid, to_string(gpa), vm.name);
    }
  }

  const Deployment& d_;
  const State& s_;
  const InvariantChecker::Tables& t_;
  std::vector<std::string> violations_;
};

}  // namespace

std::vector<std::string> InvariantChecker::check(const State& state) const {
  return StateCheck(d_, state, *tables_).run(tables_->deployment_problems);
}

std::vector<std::string> check_invariants(const Deployment& d, const State& s) {
  return InvariantChecker(d).check(s);
}

}  // namespace smmuman::core
