// Client operations: validate fully, then perform without failure.
#include "smmuman/core/manager.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smmuman::core {

Manager::Manager(Deployment deployment, bool check_invariants)
    : deployment_(std::move(deployment)), check_invariants_(check_invariants) {
  deployment_.finalize();
  state_.device_object.assign(deployment_.devices.size(), std::nullopt);
  after_operation("start");
}

void Manager::after_operation(const char* what) const {
  if (!check_invariants_) return;
  const auto violations = check_invariants(deployment_, state_);
  if (violations.empty()) return;
  std::string text = fmt::format("invariant violated after {}:", what);
  for (const auto& v : violations) text += "\n  " + v;
  throw InvariantViolation(text);
}

Result<ClientId> Manager::connect(const ClientSpec& spec) {
  if (spec.vm) {
    if (deployment_.role == Role::guest) {
      return make_error(Errc::invalid_argument, "a guest deployment has no VMs to serve");
    }
    if (*spec.vm >= deployment_.vms.size()) {
      return make_error(Errc::invalid_argument, fmt::format("client '{}': no VM with index {}", spec.name, *spec.vm));
    }
  }
  if (state_.next_client == 0 || state_.clients.contains(state_.next_client)) {
    return make_error(Errc::invalid_argument, "client identifiers are exhausted");
  }
  const ClientId id = state_.next_client++;
  state_.clients.emplace(id, Client{spec, {}});
  after_operation("connect");
  return id;
}

Status Manager::disconnect(ClientId client) {
  auto it = state_.clients.find(client);
  if (it == state_.clients.end()) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  for (ObjectId object : it->second.objects) {
    for (DeviceIndex dev : state_.objects.at(object).devices) state_.device_object[dev].reset();
    state_.objects.erase(object);
  }
  state_.clients.erase(it);
  after_operation("disconnect");
  return Ok{};
}

Result<ObjectId> Manager::create_object(ClientId client) {
  auto it = state_.clients.find(client);
  if (it == state_.clients.end()) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  if (state_.next_object == 0 || state_.objects.contains(state_.next_object)) {
    return make_error(Errc::invalid_argument, "object identifiers are exhausted");
  }
  const ObjectId id = state_.next_object++;
  state_.objects.emplace(id, Object{client, {}, {}});
  it->second.objects.insert(id);
  after_operation("create_object");
  return id;
}

Result<const Object*> Manager::owned_object(ClientId client, ObjectId object) const {
  if (!state_.clients.contains(client)) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  auto it = state_.objects.find(object);
  if (it == state_.objects.end() || it->second.owner != client) {
    return make_error(Errc::no_such_object, fmt::format("client {} has no object {}", client, object));
  }
  return &it->second;
}

Status Manager::destroy_object(ClientId client, ObjectId object) {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  for (DeviceIndex dev : owned.value()->devices) state_.device_object[dev].reset();
  state_.clients.at(client).objects.erase(object);
  state_.objects.erase(object);
  after_operation("destroy_object");
  return Ok{};
}

std::vector<DeviceIndex> Manager::resolve(const DeviceSelector& sel) const {
  std::vector<DeviceIndex> out;
  for (DeviceIndex i = 0; i < deployment_.devices.size(); ++i) {
    const DeviceIdent& ident = deployment_.devices[i].ident;
    if (const auto* mmio = std::get_if<MmioSelector>(&sel)) {
      // QNX names an MMIO device by its register base (smmu_device_add_mmio).
      const auto* id = std::get_if<MmioId>(&ident);
      if (id && id->registers.first() == mmio->phys) out.push_back(i);
    } else {
      const auto& pci = std::get<PciSelector>(sel);
      const auto* id = std::get_if<PciAddress>(&ident);
      auto match = [](uint32_t want, uint32_t have) { return want == kAnyPciField || want == have; };
      if (id && match(pci.bus, id->bus) && match(pci.dev, id->dev) && match(pci.func, id->func)) out.push_back(i);
    }
  }
  return out;
}

namespace {
// The devices a client can name: a VM's client sees only its VM's devices.
std::vector<DeviceIndex> visible_to(const Deployment& d, const ClientSpec& spec, std::vector<DeviceIndex> devices) {
  if (!spec.vm) return devices;
  std::erase_if(devices, [&](DeviceIndex dev) { return d.device_vm[dev] != spec.vm; });
  return devices;
}
}  // namespace

Result<AttachOutcome> Manager::attach(ClientId client, ObjectId object, const DeviceSelector& sel) {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  const ClientSpec& spec = state_.clients.at(client).spec;
  const auto devices = visible_to(deployment_, spec, resolve(sel));
  if (devices.empty()) {
    return make_error(Errc::not_found, fmt::format("no SMMU unit controls device {}", to_string(sel)));
  }
  for (DeviceIndex dev : devices) {
    const Device& device = deployment_.devices[dev];
    if (!deployment_.device_startup[dev].empty()) {
      return make_error(Errc::busy,
                        fmt::format("device '{}' is owned by the configuration (it has startup mappings)", device.name));
    }
    if (deployment_.device_vm[dev] && !spec.vm) {
      return make_error(Errc::permission_denied,
                        fmt::format("device '{}' is passed through to VM '{}'; only that VM's clients may attach it",
                                    device.name, deployment_.vms[*deployment_.device_vm[dev]].name));
    }
    if (const auto current = state_.device_object[dev]) {
      const ClientId holder = state_.objects.at(*current).owner;
      if (holder != client) {
        return make_error(Errc::busy, fmt::format("device '{}' belongs to client '{}'", device.name,
                                                  state_.clients.at(holder).spec.name));
      }
    }
  }
  // Perform: cannot fail from here on.
  Object& target = state_.objects.at(object);
  for (DeviceIndex dev : devices) {
    if (const auto current = state_.device_object[dev]) state_.objects.at(*current).devices.erase(dev);
    state_.device_object[dev] = object;
    target.devices.insert(dev);
  }
  const AttachOutcome outcome{!target.mappings.empty()};
  after_operation("attach");
  return outcome;
}

Status Manager::detach(ClientId client, const DeviceSelector& sel) {
  auto it = state_.clients.find(client);
  if (it == state_.clients.end()) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  const auto devices = visible_to(deployment_, it->second.spec, resolve(sel));
  if (devices.empty()) {
    return make_error(Errc::not_found, fmt::format("no SMMU unit controls device {}", to_string(sel)));
  }
  for (DeviceIndex dev : devices) {
    const auto current = state_.device_object[dev];
    if (!current || state_.objects.at(*current).owner != client) {
      return make_error(Errc::not_found, fmt::format("device '{}' is not in any object of client '{}'",
                                                     deployment_.devices[dev].name, it->second.spec.name));
    }
  }
  for (DeviceIndex dev : devices) {
    state_.objects.at(*state_.device_object[dev]).devices.erase(dev);
    state_.device_object[dev].reset();
  }
  after_operation("detach");
  return Ok{};
}

Result<std::vector<Manager::Placement>> Manager::admit_mapping(const Client& client, IovaRange iova,
                                                                uint64_t out_first, Perms perms) const {
  const uint64_t span = iova.last() - iova.first();
  if (!span_fits(out_first, span)) {
    return make_error(Errc::invalid_argument, fmt::format("target {} + {} wraps past 2^64", format_hex(out_first),
                                                          format_size(iova.size())));
  }
  // Each piece: where the device address range lands in host memory.
  std::vector<Placement> pieces;
  if (!client.spec.vm) {
    pieces.push_back(Placement{iova, out_first, TranslationAttr{perms, std::nullopt}});
  } else {
    const Vm& vm = deployment_.vms[*client.spec.vm];
    const auto& memory = deployment_.vm_memory[*client.spec.vm];
    const GpaRange gpa = GpaRange::from_first_last(out_first, out_first + span);
    if (!memory.covers(gpa)) {
      return make_error(Errc::out_of_range,
                        fmt::format("{} is not inside the memory of VM '{}'", to_string(gpa), vm.name));
    }
    for (const auto& region : memory.overlap_with(gpa)) {
      if (!region.attr.perms.covers(perms)) {
        return make_error(Errc::permission_denied,
                          fmt::format("VM '{}' holds {} as {}, not {}", vm.name, to_string(region.in),
                                      to_string(region.attr.perms), to_string(perms)));
      }
      const uint64_t offset = region.in.first() - gpa.first();
      pieces.push_back(Placement{IovaRange::from_first_last(iova.first() + offset, iova.first() + offset +
                                                                                       (region.in.last() - region.in.first())),
                                 region.out_first, TranslationAttr{perms, region.in.first()}});
    }
  }
  for (const auto& piece : pieces) {
    const HpaRange hpa = HpaRange::from_first_last(piece.hpa_first, piece.hpa_first + (piece.iova.last() - piece.iova.first()));
    if (!deployment_.platform.memory.contains(hpa)) {
      return make_error(Errc::out_of_range, fmt::format("{} is not inside permitted memory", to_string(hpa)));
    }
    if (deployment_.reserved_set.overlaps(hpa)) {
      return make_error(Errc::reserved_region, fmt::format("{} overlaps a reserved region", to_string(hpa)));
    }
    if (!client.spec.vm && deployment_.vm_host_memory.overlaps(hpa)) {
      return make_error(Errc::out_of_range, fmt::format("{} belongs to a VM", to_string(hpa)));
    }
  }
  return pieces;
}

Status Manager::map(ClientId client, ObjectId object, const MapRequest& request) {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  const Client& caller = state_.clients.at(client);
  if (request.entries.empty()) return make_error(Errc::invalid_argument, "no entries");
  if (!request.perms.known()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("unknown permission bits {:#x} (read, write and exec only)", request.perms.bits()));
  }
  if (request.target && !caller.spec.may_target) {
    return make_error(Errc::permission_denied,
                      fmt::format("client '{}' may not name a target (needs the smmu/target ability)", caller.spec.name));
  }
  if (request.target && request.entries.size() != 1) {
    return make_error(Errc::invalid_argument,
                      fmt::format("a request with a target takes one entry, not {}", request.entries.size()));
  }
  const bool unmap = request.perms.none();
  std::vector<IovaRange> erased;
  std::vector<Placement> placed;
  for (size_t i = 0; i < request.entries.size(); ++i) {
    const MapEntry& e = request.entries[i];
    auto exact = IovaRange::from_base_len(e.addr, e.len);
    if (!exact) {
      return make_error(Errc::invalid_argument,
                        fmt::format("entry {}: {} + {} is empty or wraps past 2^64", i, format_hex(e.addr), e.len));
    }
    const IovaRange iova = round_to_granule(*exact);
    if (unmap) {
      erased.push_back(iova);
      continue;
    }
    uint64_t out_first = iova.first();
    if (request.target) {
      // Rounding moves both ends by the same offset, so it must be the same.
      if ((*request.target & kGranuleMask) != (e.addr & kGranuleMask)) {
        return make_error(Errc::invalid_argument,
                          fmt::format("entry {}: device address {} and target {} differ in their offset within a "
                                      "{}-byte page", i, format_hex(e.addr), format_hex(*request.target), kGranule));
      }
      out_first = *request.target & ~kGranuleMask;
    }
    auto admitted = admit_mapping(caller, iova, out_first, request.perms);
    if (!admitted) {
      Error error = admitted.error();
      error.message = fmt::format("entry {}: {}", i, error.message);
      return error;
    }
    placed.insert(placed.end(), admitted.value().begin(), admitted.value().end());
  }
  MappingTable& table = state_.objects.at(object).mappings;
  for (const auto& r : erased) table.erase(r);
  for (const auto& p : placed) table.assign(p.iova, p.hpa_first, p.attr);
  after_operation(unmap ? "unmap" : "map");
  return Ok{};
}

AccessResult Manager::access(DeviceIndex device, uint64_t iova, AccessKind kind) const {
  if (device >= deployment_.devices.size()) return {};
  const Unit& unit = deployment_.units[deployment_.devices[device].unit];
  // What the hardware grants for these permissions.
  auto grants = [&](Perms perms) {
    if (unit.write_implies_read && perms.has(Perm::write)) perms = perms | Perm::read;
    return perms.allows(kind);
  };
  if (const auto object = state_.device_object[device]) {
    const auto entry = state_.objects.at(*object).mappings.find(iova);
    if (entry && grants(entry->attr.perms)) return {true, entry->translate(iova)};
    return {};
  }
  // Unattached: exactly its startup mappings, or nothing. A declared device
  // never bypasses, whatever its unit does with streams nobody owns.
  for (size_t i : deployment_.device_startup[device]) {
    const StartupMapping& m = deployment_.startup_mappings[i];
    if (m.iova.contains(iova) && grants(m.perms)) return {true, m.hpa_first + (iova - m.iova.first())};
  }
  return {};
}

AccessResult Manager::access_stream(UnitIndex unit, uint32_t stream_id, uint64_t iova, AccessKind kind) const {
  if (unit >= deployment_.units.size()) return {};
  for (DeviceIndex i = 0; i < deployment_.devices.size(); ++i) {
    const Device& dev = deployment_.devices[i];
    if (dev.unit == unit && std::find(dev.stream_ids.begin(), dev.stream_ids.end(), stream_id) != dev.stream_ids.end()) {
      return access(i, iova, kind);
    }
  }
  if (deployment_.units[unit].bypass_unconfigured) return {true, iova};
  return {};
}

}  // namespace smmuman::core
