// Client operations: each decides a plan from the current state without
// changing it; execute prepares the plan in hardware and commits it.
#include "smmuman/core/manager.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "smmuman/core/admission_logic.hpp"
#include "smmuman/core/ownership_logic.hpp"
#include "smmuman/core/range_set.hpp"

namespace smmuman::core {

void apply(State& state, StateEdit&& edit) noexcept {
  for (auto& [id, objects] : edit.client_objects) {
    if (auto it = state.clients.find(id); it != state.clients.end()) objects.apply(it->second.objects);
  }
  for (auto& [id, devices] : edit.object_devices) {
    if (auto it = state.objects.find(id); it != state.objects.end()) devices.apply(it->second.devices);
  }
  for (auto& [id, mappings] : edit.object_mappings) {
    if (auto it = state.objects.find(id); it != state.objects.end()) it->second.mappings.apply(std::move(mappings));
  }
  for (const auto& [device, object] : edit.device_object) state.device_object[device] = object;
  edit.clients.apply(state.clients);
  edit.objects.apply(state.objects);
  if (edit.next_client) state.next_client = *edit.next_client;
  if (edit.next_object) state.next_object = *edit.next_object;
  edit = StateEdit{};  // consumed: applying it again changes nothing
}

Manager::Manager(Deployment deployment, bool check_invariants) : deployment_(std::move(deployment)) {
  deployment_.finalize();
  state_.device_object.assign(deployment_.devices.size(), std::nullopt);
  if (!check_invariants) return;
  checker_ = std::make_unique<InvariantChecker>(deployment_);
  // Nothing is published yet, so a bad deployment is an exception, not a stop.
  const auto violations = checker_->check(state_);
  if (violations.empty()) return;
  std::string text = "invariant violated at start:";
  for (const auto& v : violations) text += "\n  " + v;
  throw InvariantViolation(text);
}

Manager::~Manager() = default;

void Manager::check_or_stop(const char* operation) const {
  if (!checker_) return;
  try {
    const auto violations = checker_->check(state_);
    if (violations.empty()) return;
    std::fprintf(stderr, "smmuman: invariant violated after %s; stopping before the hardware is programmed:\n",
                 operation);
    for (const auto& v : violations) std::fprintf(stderr, "  %s\n", v.c_str());
  } catch (...) {
    std::fprintf(stderr, "smmuman: the invariant check after %s failed; stopping\n", operation);
  }
  // Fail-stop: hardware still holds the last checked state.
  std::abort();
}

Status Manager::execute(Plan& plan) {
  if (hardware_) {
    auto prepared = hardware_->prepare(plan);
    if (!prepared) return prepared.error();
  }
  apply(state_, std::move(plan.edit));
  check_or_stop(plan.operation);
  if (hardware_) hardware_->commit(plan);
  plan.steps.clear();  // consumed: a plan is executed once
  return Ok{};
}

StreamTarget Manager::target_of(DeviceIndex device) const {
  if (const auto object = state_.device_object[device]) return DomainId{*object, deployment_.devices[device].unit};
  if (!deployment_.device_startup[device].empty()) return StartupTarget{device};
  return AbortTarget{};
}

Perms Manager::held_perms(UnitIndex unit, Perms perms) const {
  return deployment_.units[unit].capabilities.permissions.held(perms);
}

Status Manager::check_holdable(UnitIndex unit_index, const Client& owner, const MappingTable::Entry& entry) const {
  namespace al = admission_logic;
  const Unit& unit = deployment_.units[unit_index];
  const UnitCapabilities& caps = unit.capabilities;
  // A guest's mapping always records its guest-physical source; one without,
  // or outside the VM, is refused rather than let through unchecked.
  std::optional<TranslationMap<GpaSpace, HpaSpace>::Entry> region;
  if (owner.spec.vm) {
    region = entry.attr.source_first ? deployment_.vm_memory[*owner.spec.vm].find(*entry.attr.source_first)
                                     : std::nullopt;
    if (!region) {
      return make_error(Errc::permission_denied, fmt::format("{} has no guest-physical source in VM '{}'",
                                                             to_string(entry.in), deployment_.vms[*owner.spec.vm].name));
    }
  }
  std::array<uint64_t, 8> holding{};
  for (size_t i = 0; i < holding.size(); ++i) holding[i] = caps.permissions.table()[i];
  const uint64_t held = al::held_perms<uint64_t>(holding, entry.attr.perms.bits());
  const auto checks = al::hold_checks<uint64_t>(
      entry.in.last(), entry.out().last(), al::address_limit(caps.input_address_bits),
      al::address_limit(caps.output_address_bits), held, owner.spec.vm.has_value(), region ? region->attr.perms.bits() : 0);
  switch (al::first_failed(checks)) {
    case al::kInputFits:
      return make_error(Errc::invalid_argument, fmt::format("{} lies beyond the {}-bit input addresses of unit '{}'",
                                                            to_string(entry.in), caps.input_address_bits, unit.name));
    case al::kOutputFits:
      return make_error(Errc::out_of_range, fmt::format("{} lies beyond the {}-bit output addresses of unit '{}'",
                                                        to_string(entry.out()), caps.output_address_bits, unit.name));
    case al::kHeldWithinVm:
      return make_error(Errc::permission_denied,
                        fmt::format("unit '{}' can hold {} only as {}, beyond VM '{}' permissions {} for {}", unit.name,
                                    to_string(entry.attr.perms), to_string(held_perms(unit_index, entry.attr.perms)),
                                    deployment_.vms[*owner.spec.vm].name, to_string(region->attr.perms),
                                    to_string(region->in)));
    default:
      return Ok{};
  }
}

uint64_t Manager::contexts_in_use(UnitIndex unit) const {
  // Per pool, an object's domains on its units share one context.
  const std::string pool = context_pool_key(deployment_.units[unit], unit);
  uint64_t startup = 0;
  std::set<ObjectId> domains;
  for (DeviceIndex dev{0}; dev < deployment_.devices.size(); ++dev) {
    const UnitIndex on = deployment_.devices[dev].unit;
    if (context_pool_key(deployment_.units[on], on) != pool) continue;
    if (!deployment_.device_startup[dev].empty()) ++startup;
    if (const auto object = state_.device_object[dev]) domains.insert(*object);
  }
  return startup + domains.size();
}

DomainEntry Manager::held_by(UnitIndex unit, const MappingTable::Entry& entry) const {
  DomainEntry held = entry;
  held.attr.perms = held_perms(unit, entry.attr.perms);
  return held;
}

std::set<UnitIndex> Manager::units_of(const Object& object) const {
  std::set<UnitIndex> units;
  for (DeviceIndex dev : object.devices) units.insert(deployment_.devices[dev].unit);
  return units;
}

void Manager::plan_domain_creation(Plan& plan, DomainId domain, const Object& object) const {
  plan.add(step::CreateDomain{domain});
  for (const auto& e : object.mappings.entries()) plan.add(step::Map{domain, held_by(domain.unit, e)});
}

Plan Manager::boot_plan() const {
  Plan plan;
  plan.operation = "boot";
  for (const auto& [id, object] : state_.objects) {
    for (UnitIndex unit : units_of(object)) plan_domain_creation(plan, DomainId{id, unit}, object);
  }
  for (DeviceIndex dev{0}; dev < deployment_.devices.size(); ++dev) {
    const Device& device = deployment_.devices[dev];
    auto& bind = std::get<step::BindStreams>(
        plan.add(step::BindStreams{dev, device.unit, device.stream_ids, AbortTarget{}, target_of(dev), {}}));
    if (std::holds_alternative<StartupTarget>(bind.to)) {
      for (size_t i : deployment_.device_startup[dev]) {
        const StartupMapping& m = deployment_.startup_mappings[i];
        bind.startup.push_back(held_by(device.unit, DomainEntry{m.iova, m.hpa_first, TranslationAttr{m.perms, std::nullopt}}));
      }
    }
  }
  return plan;
}

Status Manager::attach_hardware(HardwareLayer& hardware) {
  Plan plan = boot_plan();
  auto prepared = hardware.prepare(plan);
  if (!prepared) return prepared.error();
  hardware.commit(plan);
  hardware_ = &hardware;
  return Ok{};
}

Result<Plan> Manager::decide_connect(const ClientSpec& spec) const {
  if (spec.vm) {
    if (deployment_.role == Role::guest) {
      return make_error(Errc::invalid_argument, "a guest deployment has no VMs to serve");
    }
    if (*spec.vm >= deployment_.vms.size()) {
      return make_error(Errc::invalid_argument, fmt::format("client '{}': no VM with index {}", spec.name, *spec.vm));
    }
  }
  if (state_.next_client == ClientId{} || state_.clients.contains(state_.next_client)) {
    return make_error(Errc::invalid_argument, "client identifiers are exhausted");
  }
  Plan plan;
  plan.operation = "connect";
  const ClientId id = state_.next_client;
  plan.edit.clients.insert(id, Client{spec, {}});
  plan.edit.next_client = id.next();
  plan.new_client = id;
  return plan;
}

Result<Plan> Manager::perform(Result<Plan> decided) {
  if (!decided) return decided.error();
  if (auto done = execute(decided.value()); !done) return done.error();
  return decided;
}

Result<ClientId> Manager::connect(const ClientSpec& spec) {
  auto done = perform(decide_connect(spec));
  if (!done) return done.error();
  return *done.value().new_client;
}

void Manager::plan_object_teardown(Plan& plan, ObjectId id, const Object& object) const {
  for (DeviceIndex dev : object.devices) {
    const Device& device = deployment_.devices[dev];
    plan.add(
        step::BindStreams{dev, device.unit, device.stream_ids, DomainId{id, device.unit}, AbortTarget{}, {}});
    plan.edit.device_object.emplace_back(dev, std::nullopt);
  }
  for (UnitIndex unit : units_of(object)) plan.add(step::DestroyDomain{DomainId{id, unit}});
  plan.edit.objects.erase(id);
}

Result<Plan> Manager::decide_disconnect(ClientId client) const {
  auto it = state_.clients.find(client);
  if (it == state_.clients.end()) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  Plan plan;
  plan.operation = "disconnect";
  for (ObjectId object : it->second.objects) plan_object_teardown(plan, object, state_.objects.at(object));
  plan.edit.clients.erase(client);
  return plan;
}

Status Manager::disconnect(ClientId client) {
  return status_of(perform(decide_disconnect(client)));
}

Result<Plan> Manager::decide_create_object(ClientId client) const {
  if (!state_.clients.contains(client)) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  if (state_.next_object == ObjectId{} || state_.objects.contains(state_.next_object)) {
    return make_error(Errc::invalid_argument, "object identifiers are exhausted");
  }
  Plan plan;
  plan.operation = "create_object";
  const ObjectId id = state_.next_object;
  plan.edit.objects.insert(id, Object{client, {}, {}});
  plan.edit.client_objects.emplace_back(client, ContainerEdit<std::set<ObjectId>>{});
  plan.edit.client_objects.back().second.insert(id);
  plan.edit.next_object = id.next();
  plan.new_object = id;
  return plan;
}

Result<ObjectId> Manager::create_object(ClientId client) {
  auto done = perform(decide_create_object(client));
  if (!done) return done.error();
  return *done.value().new_object;
}

Result<const Object*> Manager::owned_object(ClientId client, ObjectId object) const {
  if (!state_.clients.contains(client)) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  auto it = state_.objects.find(object);
  const bool exists = it != state_.objects.end();
  const ownership_logic::Asker<uint64_t> asker{client.value(), false, 0};  // ownership does not depend on the VM
  if (!ownership_logic::owns<uint64_t>(asker, {exists, exists ? uint64_t{it->second.owner.value()} : 0})) {
    return make_error(Errc::no_such_object, fmt::format("client {} has no object {}", client, object));
  }
  return &it->second;
}

Result<Plan> Manager::decide_destroy_object(ClientId client, ObjectId object) const {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  Plan plan;
  plan.operation = "destroy_object";
  plan_object_teardown(plan, object, *owned.value());
  plan.edit.client_objects.emplace_back(client, ContainerEdit<std::set<ObjectId>>{});
  plan.edit.client_objects.back().second.erase(object);
  return plan;
}

Status Manager::destroy_object(ClientId client, ObjectId object) {
  return status_of(perform(decide_destroy_object(client, object)));
}

std::vector<DeviceIndex> Manager::resolve(const DeviceSelector& sel) const {
  std::vector<DeviceIndex> out;
  for (DeviceIndex i{0}; i < deployment_.devices.size(); ++i) {
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
namespace ol = ownership_logic;

ol::Asker<uint64_t> asker_of(ClientId client, const ClientSpec& spec) {
  return {client.value(), spec.vm.has_value(), spec.vm ? uint64_t{*spec.vm} : 0};
}

// A device as the ownership decisions see it.
ol::DeviceState<uint64_t> device_state(const Deployment& d, const State& state, DeviceIndex dev) {
  const auto vm = d.device_vm[dev];
  const auto object = state.device_object[dev];
  return {vm.has_value(), vm ? uint64_t{*vm} : 0, !d.device_startup[dev].empty(), object.has_value(),
          object ? uint64_t{state.objects.at(*object).owner.value()} : 0};
}

// The devices a client can name: a VM's client sees only its VM's devices.
std::vector<DeviceIndex> visible_to(const Deployment& d, const ClientSpec& spec, std::vector<DeviceIndex> devices) {
  const auto asker = asker_of(ClientId{}, spec);  // visibility does not depend on the client's ID
  std::erase_if(devices, [&](DeviceIndex dev) {
    const auto vm = d.device_vm[dev];
    return !ol::visible<uint64_t>(asker, {vm.has_value(), vm ? uint64_t{*vm} : 0, false, false, 0});
  });
  return devices;
}
}  // namespace

void Manager::plan_moves(Plan& plan, const std::vector<DeviceIndex>& devices, std::optional<ObjectId> object) const {
  // Devices each affected object holds per unit, before and after the move.
  std::map<DomainId, std::pair<size_t, size_t>> counts;
  std::set<ObjectId> counted;
  auto count_object = [&](ObjectId id) {
    if (!counted.insert(id).second) return;
    for (DeviceIndex dev : state_.objects.at(id).devices) {
      auto& c = counts[DomainId{id, deployment_.devices[dev].unit}];
      ++c.first;
      ++c.second;
    }
  };
  if (object) count_object(*object);
  std::vector<DeviceIndex> moving;
  for (DeviceIndex dev : devices) {
    const auto current = state_.device_object[dev];
    if (current == object) continue;  // already there
    moving.push_back(dev);
    const UnitIndex unit = deployment_.devices[dev].unit;
    if (current) {
      count_object(*current);
      --counts[DomainId{*current, unit}].second;
    }
    if (object) ++counts[DomainId{*object, unit}].second;
  }
  // Domains that gain their first device are created and filled first, so a
  // stream bound to one sees every mapping at once.
  for (const auto& [domain, count] : counts) {
    if (count.first != 0 || count.second == 0) continue;
    plan_domain_creation(plan, domain, state_.objects.at(domain.object));
  }
  std::map<ObjectId, ContainerEdit<std::set<DeviceIndex>>> device_sets;
  for (DeviceIndex dev : moving) {
    const Device& device = deployment_.devices[dev];
    const auto current = state_.device_object[dev];
    const StreamTarget to = object ? StreamTarget{DomainId{*object, device.unit}} : StreamTarget{AbortTarget{}};
    plan.add(step::BindStreams{dev, device.unit, device.stream_ids, target_of(dev), to, {}});
    if (current) device_sets[*current].erase(dev);
    if (object) device_sets[*object].insert(dev);
    plan.edit.device_object.emplace_back(dev, object);
  }
  for (const auto& [domain, count] : counts) {
    if (count.first != 0 && count.second == 0) plan.add(step::DestroyDomain{domain});
  }
  for (auto& [id, edit] : device_sets) plan.edit.object_devices.emplace_back(id, std::move(edit));
}

Result<Plan> Manager::decide_attach(ClientId client, ObjectId object, const DeviceSelector& sel) const {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  const ClientSpec& spec = state_.clients.at(client).spec;
  const auto devices = visible_to(deployment_, spec, resolve(sel));
  if (devices.empty()) {
    return make_error(Errc::not_found, fmt::format("no SMMU unit controls device {}", to_string(sel)));
  }
  const auto asker = asker_of(client, spec);
  const ol::NamedObject<uint64_t> named{true, owned.value()->owner.value()};
  for (DeviceIndex dev : devices) {
    const Device& device = deployment_.devices[dev];
    switch (admission_logic::first_failed(ol::attach_checks<uint64_t>(asker, named, device_state(deployment_, state_, dev)))) {
      case ol::kObjectOwned:  // owned_object() found it the asker's; kept for the proof
        return make_error(Errc::no_such_object, fmt::format("client {} has no object {}", client, object));
      case ol::kVisible:  // visible_to() kept only visible devices; kept for the proof
        return make_error(Errc::not_found, fmt::format("no SMMU unit controls device {}", to_string(sel)));
      case ol::kNotConfigured:
        return make_error(Errc::busy, fmt::format("device '{}' is owned by the configuration (it has startup mappings)",
                                                  device.name));
      case ol::kHostKeepsOff:
        return make_error(Errc::permission_denied,
                          fmt::format("device '{}' is passed through to VM '{}'; only that VM's clients may attach it",
                                      device.name, deployment_.vms[*deployment_.device_vm[dev]].name));
      case ol::kNotHeldByAnother:
        return make_error(Errc::busy,
                          fmt::format("device '{}' belongs to client '{}'", device.name,
                                      state_.clients.at(state_.objects.at(*state_.device_object[dev]).owner).spec.name));
      default:
        break;
    }
  }
  // A unit new to the object needs a free context, and must hold every
  // mapping the object already has. Domains are made before any is emptied,
  // so a move needs a free context even when it empties another domain.
  const Object& target = *owned.value();
  const std::set<UnitIndex> present = units_of(target);
  std::set<std::string> present_pools;  // the object already holds a context in these
  for (UnitIndex unit : present) present_pools.insert(context_pool_key(deployment_.units[unit], unit));
  std::set<UnitIndex> added_units;
  for (DeviceIndex dev : devices) {
    const UnitIndex unit = deployment_.devices[dev].unit;
    if (present.contains(unit) || !added_units.insert(unit).second) continue;
    const Unit& u = deployment_.units[unit];
    const bool needs_context = present_pools.insert(context_pool_key(u, unit)).second;
    if (const uint64_t used = contexts_in_use(unit); needs_context && used >= u.capabilities.contexts) {
      return make_error(Errc::no_resources, fmt::format("unit '{}' has no free translation context for device '{}' "
                                                        "({} of {} in use)",
                                                        u.name, deployment_.devices[dev].name, used,
                                                        u.capabilities.contexts));
    }
    for (const auto& e : target.mappings.entries()) {
      if (auto holdable = check_holdable(unit, state_.clients.at(client), e); !holdable) {
        Error error = holdable.error();
        error.message = fmt::format("device '{}' cannot join object {}: {}", deployment_.devices[dev].name, object,
                                    error.message);
        return error;
      }
    }
  }
  Plan plan;
  plan.operation = "attach";
  plan_moves(plan, devices, object);
  plan.reissue_mappings = !owned.value()->mappings.empty();
  return plan;
}

Result<AttachOutcome> Manager::attach(ClientId client, ObjectId object, const DeviceSelector& sel) {
  auto done = perform(decide_attach(client, object, sel));
  if (!done) return done.error();
  return AttachOutcome{done.value().reissue_mappings};
}

Result<Plan> Manager::decide_detach(ClientId client, const DeviceSelector& sel) const {
  auto it = state_.clients.find(client);
  if (it == state_.clients.end()) {
    return make_error(Errc::no_such_object, fmt::format("no client {}", client));
  }
  const auto devices = visible_to(deployment_, it->second.spec, resolve(sel));
  if (devices.empty()) {
    return make_error(Errc::not_found, fmt::format("no SMMU unit controls device {}", to_string(sel)));
  }
  const auto asker = asker_of(client, it->second.spec);
  for (DeviceIndex dev : devices) {
    if (admission_logic::first_failed(ol::detach_checks<uint64_t>(asker, device_state(deployment_, state_, dev))) != ol::kDetachChecks) {
      return make_error(Errc::not_found, fmt::format("device '{}' is not in any object of client '{}'",
                                                     deployment_.devices[dev].name, it->second.spec.name));
    }
  }
  Plan plan;
  plan.operation = "detach";
  plan_moves(plan, devices, std::nullopt);
  return plan;
}

Status Manager::detach(ClientId client, const DeviceSelector& sel) {
  return status_of(perform(decide_detach(client, sel)));
}

Status Manager::check_owner(ClientId client, ObjectId object) const {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  return Ok{};
}

namespace {

admission_logic::Found<uint64_t> found(const std::optional<HpaRange>& r) {
  if (!r) return {false, 0, 0};
  return {true, r->first(), r->last()};
}

}  // namespace

// Host-physical memory a client may grant: permitted, not reserved, and for
// a host client not a VM's.
Result<std::vector<MappingTable::Entry>> Manager::admit_host(IovaRange iova, Hpa memory, Perms perms,
                                                             bool host_client) const {
  namespace al = admission_logic;
  const HpaRange hpa = HpaRange::from_first_last(memory.value(), memory.value() + (iova.last() - iova.first()));
  const auto checks =
      al::host_checks<uint64_t>(hpa.first(), hpa.last(), found(deployment_.platform.memory.floor(hpa.first())),
                                found(deployment_.reserved_set.floor(hpa.last())),
                                found(deployment_.vm_host_memory.floor(hpa.last())), host_client);
  switch (al::first_failed(checks)) {
    case al::kPermitted:
      return make_error(Errc::out_of_range, fmt::format("{} is not inside permitted memory", to_string(hpa)));
    case al::kNotReserved:
      return make_error(Errc::reserved_region, fmt::format("{} overlaps a reserved region", to_string(hpa)));
    case al::kNotVmMemory:
      return make_error(Errc::out_of_range, fmt::format("{} belongs to a VM", to_string(hpa)));
    default:
      break;
  }
  return std::vector<MappingTable::Entry>{MappingTable::Entry{iova, memory.value(), TranslationAttr{perms, std::nullopt}}};
}

// The GPA -> HPA step of a VM client's mapping: the guest-physical range lies
// in the VM's memory with at least these permissions, and becomes one piece
// per VM region it crosses, each checked as host-physical memory.
Result<std::vector<MappingTable::Entry>> Manager::admit_guest(VmIndex vm_index,
                                                              const admission_logic::Request<uint64_t>& request) const {
  namespace al = admission_logic;
  const Vm& vm = deployment_.vms[vm_index];
  const auto& vm_memory = deployment_.vm_memory[vm_index];
  const GpaRange gpa = GpaRange::from_first_last(request.memory_first, al::memory_last(request));
  if (!vm_memory.covers(gpa)) {
    return make_error(Errc::out_of_range, fmt::format("{} is not inside the memory of VM '{}'", to_string(gpa), vm.name));
  }
  const Perms perms = Perms::from_bits(static_cast<uint32_t>(request.perms));
  std::vector<MappingTable::Entry> pieces;
  for (const auto& entry : vm_memory.overlapping(gpa)) {
    const al::VmRegion<uint64_t> region{entry.in.first(), entry.in.last(), entry.out_first, entry.attr.perms.bits()};
    switch (al::first_failed(al::guest_checks<uint64_t>(request, region))) {
      case al::kInRegion:  // the lookup returns only overlapping regions
        return make_error(Errc::out_of_range, fmt::format("{} is not inside {} of VM '{}'", to_string(gpa),
                                                          to_string(entry.in), vm.name));
      case al::kRegionPerms:
        return make_error(Errc::permission_denied, fmt::format("VM '{}' holds {} as {}, not {}", vm.name,
                                                               to_string(entry.in), to_string(entry.attr.perms),
                                                               to_string(perms)));
      default:
        break;
    }
    const auto piece = al::guest_piece<uint64_t>(request, region);
    const IovaRange part = IovaRange::from_first_last(piece.iova_first, piece.iova_last);
    auto admitted = admit_host(part, Hpa{piece.host_first}, perms, /*host_client=*/false);
    if (!admitted) return admitted.error();
    pieces.push_back(MappingTable::Entry{part, piece.host_first, TranslationAttr{perms, piece.guest_first}});
  }
  return pieces;
}

Result<std::vector<MappingTable::Entry>> Manager::admit(const Client& client, const MappingSpec& spec) const {
  namespace al = admission_logic;
  const uint64_t memory_first = std::visit([](const auto& a) { return a.value(); }, spec.memory);
  const al::Request<uint64_t> request{spec.iova.first(), spec.iova.last(), memory_first, spec.perms.bits()};
  switch (al::first_failed(al::request_checks<uint64_t>(request, client.spec.may_target))) {
    case al::kPermsValid:
      return make_error(Errc::invalid_argument, fmt::format("permission bits {:#x}: a mapping takes one or more of "
                                                            "read, write and exec, and nothing else",
                                                            spec.perms.bits()));
    case al::kIovaAligned:
      return make_error(Errc::invalid_argument,
                        fmt::format("{} is not aligned to {} bytes", to_string(spec.iova), kGranule));
    case al::kMemoryAligned:
      return make_error(Errc::invalid_argument,
                        fmt::format("memory {} is not aligned to {} bytes", format_hex(memory_first), kGranule));
    case al::kMemoryNoWrap:
      return make_error(Errc::invalid_argument, fmt::format("memory {} + {} wraps past 2^64", format_hex(memory_first),
                                                            format_size(spec.iova.size())));
    case al::kTargetAllowed:
      // A client maps device addresses onto other memory only with the ability to.
      return make_error(Errc::permission_denied,
                        fmt::format("client '{}' may not map {} onto other memory (needs the smmu/target ability)",
                                    client.spec.name, to_string(spec.iova)));
    default:
      break;
  }
  if (client.spec.vm) {
    if (!std::holds_alternative<Gpa>(spec.memory)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("client '{}' serves a VM: its mappings name guest-physical memory", client.spec.name));
    }
    return admit_guest(*client.spec.vm, request);
  }
  const auto* hpa = std::get_if<Hpa>(&spec.memory);
  if (!hpa) {
    return make_error(Errc::invalid_argument,
                      fmt::format("client '{}' is a host client: its mappings name host-physical memory", client.spec.name));
  }
  return admit_host(spec.iova, *hpa, spec.perms, /*host_client=*/true);
}

Plan Manager::plan_table_update(const char* operation, ObjectId id, const Object& object,
                                const std::vector<IovaRange>& cleared, std::vector<MappingTable::Entry> added) const {
  std::sort(added.begin(), added.end(), [](const auto& a, const auto& b) { return a.in.first() < b.in.first(); });
  Plan plan;
  plan.operation = operation;
  std::vector<std::vector<MappingTable::Entry>> removed;
  plan.edit.object_mappings.emplace_back(id, object.mappings.plan_update(cleared, added, removed));
  const std::set<UnitIndex> units = units_of(object);
  for (UnitIndex unit : units) {
    for (size_t i = 0; i < cleared.size(); ++i) {
      if (removed[i].empty()) continue;
      step::Unmap step{DomainId{id, unit}, cleared[i], {}};
      for (const auto& e : removed[i]) step.removed.push_back(held_by(unit, e));
      plan.add(std::move(step));
    }
  }
  for (UnitIndex unit : units) {
    for (const auto& e : added) plan.add(step::Map{DomainId{id, unit}, held_by(unit, e)});
  }
  return plan;
}

Result<Plan> Manager::decide_mapping(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs,
                                     bool replace) const {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  if (specs.empty()) return make_error(Errc::invalid_argument, "no mappings");
  const Client& caller = state_.clients.at(client);
  std::vector<MappingTable::Entry> added;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto admitted = admit(caller, specs[i]);
    if (!admitted) {
      Error error = admitted.error();
      error.message = fmt::format("mapping of {}: {}", to_string(specs[i].iova), error.message);
      return error;
    }
    added.insert(added.end(), admitted.value().begin(), admitted.value().end());
  }
  std::vector<IovaRange> cleared;
  for (const auto& spec : specs) cleared.push_back(spec.iova);
  std::sort(cleared.begin(), cleared.end(), [](const auto& a, const auto& b) { return a.first() < b.first(); });
  for (size_t i = 1; i < cleared.size(); ++i) {
    if (cleared[i].overlaps(cleared[i - 1])) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} and {} overlap", to_string(cleared[i - 1]), to_string(cleared[i])));
    }
  }
  const Object& target = *owned.value();
  for (UnitIndex unit : units_of(target)) {
    for (const auto& e : added) {
      if (auto holdable = check_holdable(unit, caller, e); !holdable) return holdable.error();
    }
  }
  if (!replace) {
    for (const auto& r : cleared) {
      const auto present = target.mappings.overlap_with(r);
      if (!present.empty()) {
        return make_error(Errc::busy, fmt::format("{} is already mapped", to_string(present.front().in)));
      }
    }
  }
  return plan_table_update(replace ? "replace" : "map", object, target, cleared, std::move(added));
}

Result<Plan> Manager::decide_map(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs) const {
  return decide_mapping(client, object, specs, /*replace=*/false);
}

Result<Plan> Manager::decide_replace(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs) const {
  return decide_mapping(client, object, specs, /*replace=*/true);
}

Result<Plan> Manager::decide_unmap(ClientId client, ObjectId object, const std::vector<IovaRange>& ranges) const {
  auto owned = owned_object(client, object);
  if (!owned) return owned.error();
  if (ranges.empty()) return make_error(Errc::invalid_argument, "no ranges");
  RangeSet<IovaSpace> cleared;
  for (const auto& r : ranges) {
    if (!is_granule_aligned(r)) {
      return make_error(Errc::invalid_argument, fmt::format("{} is not aligned to {} bytes", to_string(r), kGranule));
    }
    cleared.insert(r);
  }
  return plan_table_update("unmap", object, *owned.value(), cleared.ranges(), {});
}

Status Manager::map(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs) {
  return status_of(perform(decide_map(client, object, specs)));
}

Status Manager::replace(ClientId client, ObjectId object, const std::vector<MappingSpec>& specs) {
  return status_of(perform(decide_replace(client, object, specs)));
}

Status Manager::unmap(ClientId client, ObjectId object, const std::vector<IovaRange>& ranges) {
  return status_of(perform(decide_unmap(client, object, ranges)));
}

AccessResult Manager::access(DeviceIndex device, Iova iova, AccessKind kind) const {
  if (device >= deployment_.devices.size()) return {};
  // What the hardware grants for these permissions: what it holds, as plans program it.
  auto grants = [&](Perms perms) { return held_perms(deployment_.devices[device].unit, perms).allows(kind); };
  if (const auto object = state_.device_object[device]) {
    const auto entry = state_.objects.at(*object).mappings.find(iova.value());
    if (entry && grants(entry->attr.perms)) return {true, Hpa{entry->translate(iova.value())}};
    return {};
  }
  // Unattached: exactly its startup mappings, or nothing. A declared device
  // never bypasses, whatever its unit does with streams nobody owns.
  for (size_t i : deployment_.device_startup[device]) {
    const StartupMapping& m = deployment_.startup_mappings[i];
    if (m.iova.contains(iova.value()) && grants(m.perms)) return {true, Hpa{m.hpa_first + (iova.value() - m.iova.first())}};
  }
  return {};
}

AccessResult Manager::access_stream(UnitIndex unit, uint32_t stream_id, Iova iova, AccessKind kind) const {
  if (unit >= deployment_.units.size()) return {};
  for (DeviceIndex i{0}; i < deployment_.devices.size(); ++i) {
    const Device& dev = deployment_.devices[i];
    if (dev.unit == unit && std::find(dev.stream_ids.begin(), dev.stream_ids.end(), stream_id) != dev.stream_ids.end()) {
      return access(i, iova, kind);
    }
  }
  // Untranslated: the device's address is the host-physical one.
  if (deployment_.units[unit].bypass_unconfigured) return {true, Hpa{iova.value()}};
  return {};
}

}  // namespace smmuman::core
