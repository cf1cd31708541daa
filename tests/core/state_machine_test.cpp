// State-machine property: random sequences of valid and invalid operations
// from several host and VM clients (mappings through the QNX smmu_mapping_add
// layer of api/), run against the manager and against a
// deliberately naive page-granular reference model, on a host deployment and
// on a guest deployment whose unit grants read with every write and exec. The
// host's unit u1 holds one translation context and 32-bit input addresses,
// so attaches that need a free context or map too high are refused. After every
// step:
//   - the manager's invariant checker finds nothing,
//   - the manager succeeded exactly when the model says it should,
//   - a failed operation left the manager's state exactly as it was,
//   - the manager drives a hardware model that holds only what its plans
//     programmed and refuses plans that do not fit (programmed_model.hpp);
//     now and then the model refuses at a random step of prepare, which must
//     leave core and hardware exactly as they were,
//   - effective access agrees with the model, by device and by stream, at the
//     first and last byte of each page, over every page the step touched and
//     the page on either side of each range, over every page any device's
//     object maps before or after the step, and at random probe addresses
//     (where streams no device owns are checked too); the hardware model
//     must agree on every one of these.
// The model shares no code with core/: it walks pages one by one.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <cstdio>
#include <map>
#include <set>

#include "fixtures.hpp"
#include "programmed_model.hpp"
#include "smmuman/api/qnx_mapping.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::core {
namespace {

using namespace test;
using api::qnx::MapEntry;
using api::qnx::MapRequest;

constexpr uint64_t kPage = 0x1000;

struct Facts;
extern const Facts* g_facts;

// Facts about the deployment under test, restated page by page.
struct Facts {
  struct VmPage {
    uint64_t hpa_page;
    uint32_t perms;
  };
  Deployment d;
  std::vector<std::map<uint64_t, VmPage>> vm_pages;  // per VM: gpa page -> host page
  std::set<uint64_t> vm_host_pages;
  std::map<uint64_t, uint32_t> vm_host_page_perms;  // host page -> the VM's permissions for it
  std::vector<std::map<uint64_t, VmPage>> startup_pages;  // per device: iova page -> (hpa page, perms)

  explicit Facts(Deployment deployment) : d(std::move(deployment)) {
    vm_pages.resize(d.vms.size());
    for (size_t v = 0; v < d.vms.size(); ++v) {
      for (const auto& r : d.vms[v].memory) {
        for (uint64_t g = r.guest.first(); g <= r.guest.last(); g += kPage) {
          const uint64_t h = r.host_first + (g - r.guest.first());
          vm_pages[v][g] = VmPage{h, r.perms.bits()};
          vm_host_pages.insert(h);
          vm_host_page_perms[h] = r.perms.bits();
        }
      }
    }
    startup_pages.resize(d.devices.size());
    for (const auto& m : d.startup_mappings) {
      for (uint64_t i = m.iova.first(); i <= m.iova.last(); i += kPage) {
        startup_pages[m.device][i] = VmPage{m.hpa_first + (i - m.iova.first()), m.perms.bits()};
      }
    }
  }
  std::optional<VmIndex> device_vm(DeviceIndex dev) const {
    for (VmIndex v{0}; v < d.vms.size(); ++v) {
      for (DeviceIndex p : d.vms[v].passthrough) {
        if (p == dev) return v;
      }
    }
    return std::nullopt;
  }
  // What a unit grants for requested permissions, restated from the fixture's
  // comments rather than read from its holding table: the Arm stage-1 units
  // add read to write and to exec; the others hold exactly what was asked.
  static uint32_t held(UnitIndex unit, uint32_t perms) {
    const bool arm_stage1 = g_facts->d.units[unit].capabilities.architecture == "fixture-arm-s1";
    return arm_stage1 && (perms & 6u) != 0 ? perms | 1u : perms;
  }
  // Whether a unit translates this page of input, or reaches this page of output.
  static bool input_page_fits(UnitIndex unit, uint64_t page) {
    return fits(page + (kPage - 1), g_facts->d.units[unit].capabilities.input_address_bits);
  }
  static bool output_page_fits(UnitIndex unit, uint64_t page) {
    return fits(page + (kPage - 1), g_facts->d.units[unit].capabilities.output_address_bits);
  }
  // Whether the VM's permissions for a host page cover what the unit holds for `perms`.
  static bool vm_perms_cover(UnitIndex unit, uint64_t hpa_page, uint32_t perms) {
    return (held(unit, perms) & ~g_facts->vm_host_page_perms.at(hpa_page)) == 0;
  }
  static bool fits(uint64_t last, unsigned bits) { return bits >= 64 || last < (uint64_t{1} << bits); }
  static bool memory_page(uint64_t page) { return page >= kMemFirst && page + kPage - 1 <= kMemLast; }
  static bool reserved_page(uint64_t page) { return page == (kReservedMsi & ~(kPage - 1)); }
};
// The deployment the running property uses (each property sets it first).
const Facts* g_facts = nullptr;
const Facts& facts() { return *g_facts; }

struct RefObject {
  ClientId owner;
  std::map<uint64_t, std::pair<uint64_t, uint32_t>> pages;  // iova page -> (hpa page, perms)
  std::set<DeviceIndex> devices;
};
struct RefClient {
  std::optional<VmIndex> vm;
  bool may_target;
};
struct Model {
  std::map<ClientId, RefClient> clients;
  std::map<ObjectId, RefObject> objects;
  std::vector<std::optional<ObjectId>> device_object = std::vector<std::optional<ObjectId>>(kDeviceCount);
  ClientId next_client{1};
  ObjectId next_object{1};

  void add_client(RefClient c) {
    clients[next_client] = c;
    next_client = next_client.next();
  }
  void add_object(ClientId owner) {
    objects[next_object] = RefObject{owner, {}, {}};
    next_object = next_object.next();
  }

  std::set<UnitIndex> units_of(ObjectId o) const {
    std::set<UnitIndex> units;
    for (DeviceIndex dev : objects.at(o).devices) units.insert(facts().d.devices[dev].unit);
    return units;
  }
  // One context per object with a device on the unit, one per startup device.
  uint64_t contexts_in_use(UnitIndex unit) const {
    std::set<ObjectId> holding;
    uint64_t startup = 0;
    for (DeviceIndex dev{0}; dev < kDeviceCount; ++dev) {
      if (facts().d.devices[dev].unit != unit) continue;
      if (device_object[dev]) holding.insert(*device_object[dev]);
      if (!facts().startup_pages[dev].empty()) ++startup;
    }
    return holding.size() + startup;
  }

  bool owns(ClientId c, ObjectId o) const {
    return clients.contains(c) && objects.contains(o) && objects.at(o).owner == c;
  }

  // Devices a selector names, as a client sees them.
  std::vector<DeviceIndex> resolve(const DeviceSelector& sel, std::optional<VmIndex> vm) const {
    std::vector<DeviceIndex> out;
    const auto& devices = facts().d.devices;
    for (DeviceIndex i{0}; i < devices.size(); ++i) {
      bool match = false;
      if (const auto* m = std::get_if<MmioSelector>(&sel)) {
        const auto* id = std::get_if<MmioId>(&devices[i].ident);
        match = id && id->registers.first() == m->phys;
      } else {
        const auto& p = std::get<PciSelector>(sel);
        const auto* id = std::get_if<PciAddress>(&devices[i].ident);
        match = id && (p.bus == kAnyPciField || p.bus == id->bus) && (p.dev == kAnyPciField || p.dev == id->dev) &&
                (p.func == kAnyPciField || p.func == id->func);
      }
      if (match && (!vm || facts().device_vm(i) == vm)) out.push_back(i);
    }
    return out;
  }

  AccessResult access(DeviceIndex dev, uint64_t addr, AccessKind kind) const {
    const uint32_t want = kind == AccessKind::read ? 1u : kind == AccessKind::write ? 2u : 4u;
    auto grants = [&](uint32_t perms) { return (Facts::held(facts().d.devices[dev].unit, perms) & want) != 0; };
    const uint64_t page = addr & ~(kPage - 1);
    if (device_object[dev]) {
      const auto& pages = objects.at(*device_object[dev]).pages;
      auto it = pages.find(page);
      if (it == pages.end() || !grants(it->second.second)) return {};
      return {true, Hpa{it->second.first + (addr - page)}};
    }
    // Unattached: its startup mappings, or nothing; a declared device never
    // bypasses, even on a bypass unit.
    const auto& startup = facts().startup_pages[dev];
    auto it = startup.find(page);
    if (it == startup.end() || !grants(it->second.perms)) return {};
    return {true, Hpa{it->second.hpa_page + (addr - page)}};
  }
};

// The manager, driving a hardware model that holds only what the plans
// programmed (programmed_model.hpp).
struct Sut {
  Manager m{facts().d, /*check_invariants=*/true};
  test::ProgrammedModel hw{m.deployment()};
  Sut() {
    if (!m.attach_hardware(hw).ok()) throw std::logic_error("the hardware model refused the boot plan");
  }
};
using Cmd = rc::state::Command<Model, Sut>;

// Picks an existing id most of the time, sometimes one that does not exist.
template <class Map, class Id>
Id pick_id(const Map& map, Id next) {
  if (map.empty() || *rc::gen::inRange(0, 8) == 0) return Id{*rc::gen::inRange<uint32_t>(0, next.value() + 2)};
  auto it = map.begin();
  std::advance(it, *rc::gen::inRange<size_t>(0, map.size()));
  return it->first;
}

DeviceSelector gen_selector() {
  switch (*rc::gen::inRange(0, 10)) {
    case 0: return MmioSelector{0x3000000, 0x1000};
    case 1: return MmioSelector{0x3001000, 0x1000};
    case 2: return MmioSelector{0x3002000, 0x1000};
    case 3: return MmioSelector{0x3003000, 0x1000};  // no such device
    case 4: return PciSelector{0, 1, 0};
    case 5: return PciSelector{0, 2, 0};
    case 6: return PciSelector{0, 3, 0};
    case 7: return PciSelector{0, 3, 1};
    case 8: return PciSelector{0, 3, kAnyPciField};
    default: return PciSelector{kAnyPciField, kAnyPciField, kAnyPciField};
  }
}

// Addresses around everything interesting, plus the top of the 64-bit space.
uint64_t gen_addr() {
  if (*rc::gen::inRange(0, 16) == 0) return kU64Max - *rc::gen::inRange<uint64_t>(0, 3 * kPage);
  return *rc::gen::inRange<uint64_t>(0, 0x1100) * kPage + *rc::gen::inRange<uint64_t>(0, kPage);
}

// Mostly an address the client may well be allowed to map (host memory for a
// host client, guest memory for a VM's), so that sequences build real state.
uint64_t gen_addr_for(const Model& m, ClientId client) {
  if (*rc::gen::inRange(0, 3) == 0) return gen_addr();
  auto it = m.clients.find(client);
  // -1 for a host client (a plain int: GCC 12 misreports optionals here at -O2).
  const int vm = it == m.clients.end() || !it->second.vm ? -1 : static_cast<int>(*it->second.vm);
  // Small hot windows make requests overlap (splits, replacements); the VM
  // windows straddle the host discontinuity of VM a and the read-only part of VM b.
  const bool hot = *rc::gen::inRange(0, 4) != 0;
  uint64_t first_page = 0x100, page_count = 0x700;  // host memory, reserved page 0x200 inside
  if (vm == 0) {
    first_page = hot ? 0x5f0 : 0x400;
    page_count = hot ? 0x20 : 0x300;
  } else if (vm == 1) {
    first_page = hot ? 0x4f8 : 0x400;
    page_count = hot ? 0x10 : 0x110;
  } else if (hot) {
    first_page = 0x1f0;
    page_count = 0x20;
  }
  return (first_page + *rc::gen::inRange<uint64_t>(0, page_count)) * kPage + *rc::gen::inRange<uint64_t>(0, kPage);
}

// An object of the given client most of the time.
ObjectId pick_object(const Model& m, ClientId client) {
  std::vector<ObjectId> own;
  for (const auto& [id, o] : m.objects) {
    if (o.owner == client) own.push_back(id);
  }
  if (own.empty() || *rc::gen::inRange(0, 6) == 0) return pick_id(m.objects, m.next_object);
  return own[*rc::gen::inRange<size_t>(0, own.size())];
}

// How many steps compared access over state that mapped something: a page
// the step touched, or the object a device left or joined, held a mapping
// before or after the step (tests/README.md reports the share).
struct Depth {
  uint64_t steps = 0;
  uint64_t steps_comparing_a_mapped_page = 0;  // some compared address is mapped, for the device compared
  uint64_t steps_over_mappings = 0;            // stricter: the step's own request met mapped state
  uint64_t refusals = 0;                       // operations the hardware refused in prepare
  uint64_t no_free_context = 0;                // attaches refused: the unit had no free context
  uint64_t unfit_mappings = 0;                 // attaches refused: a new unit could not hold the mappings
};
Depth g_depth;

// The pages an IOVA range covers, with the page on either side.
void add_pages_around(std::set<uint64_t>& pages, uint64_t first, uint64_t last) {
  const uint64_t first_page = first & ~(kPage - 1);
  const uint64_t last_page = last & ~(kPage - 1);
  if (first_page >= kPage) pages.insert(first_page - kPage);
  for (uint64_t p = first_page;; p += kPage) {
    pages.insert(p);
    if (p == last_page) break;
  }
  if (last_page <= kU64Max - 2 * kPage + 1) pages.insert(last_page + kPage);
}

const std::map<uint64_t, std::pair<uint64_t, uint32_t>>* object_pages(const Model& m, DeviceIndex dev) {
  const auto o = m.device_object[dev];
  return o && m.objects.contains(*o) ? &m.objects.at(*o).pages : nullptr;
}

// Compares both ends of a page for every access kind, by device and by each
// of its streams as the hardware sees them; true when the model grants some
// access there.
bool compare_page(const Model& model, const Sut& sut, DeviceIndex dev, uint64_t page) {
  const Device& device = facts().d.devices[dev];
  bool mapped = false;
  for (const uint64_t addr : {page, page + (kPage - 1)}) {
    for (AccessKind k : {AccessKind::read, AccessKind::write, AccessKind::exec}) {
      const AccessResult want = model.access(dev, addr, k);
      RC_ASSERT(sut.m.access(dev, Iova{addr}, k) == want);
      for (uint32_t sid : device.stream_ids) {
        RC_ASSERT(sut.m.access_stream(device.unit, sid, Iova{addr}, k) == want);
        RC_ASSERT(sut.hw.access_stream(device.unit, sid, Iova{addr}, k) == want);
      }
      mapped = mapped || want.allowed;
    }
  }
  return mapped;
}

// A stream no device owns: denied, unless its unit bypasses such streams.
void compare_unowned_stream(const Sut& sut, uint64_t addr) {
  for (UnitIndex u{0}; u < facts().d.units.size(); ++u) {
    const AccessResult want = facts().d.units[u].bypass_unconfigured ? AccessResult{true, Hpa{addr}} : AccessResult{};
    for (AccessKind k : {AccessKind::read, AccessKind::write, AccessKind::exec}) {
      RC_ASSERT(sut.m.access_stream(u, 0xff, Iova{addr}, k) == want);  // the fixture gives no device stream 0xff
      RC_ASSERT(sut.hw.access_stream(u, 0xff, Iova{addr}, k) == want);
    }
  }
}

// `touched`: the IOVA pages the step's request named (with their
// neighbours), compared for every device.
void check_after_step(const Model& before, const Model& after, const Sut& sut, const std::set<uint64_t>& touched,
                      const std::vector<std::pair<DeviceIndex, uint64_t>>& probes) {
  const auto violations = check_invariants(sut.m.deployment(), sut.m.state());
  RC_ASSERT(violations.empty());
  if (!sut.hw.inconsistency.empty()) RC_FAIL(sut.hw.inconsistency);
  bool over_mappings = false;
  bool compared_mapped = false;
  for (DeviceIndex dev{0}; dev < kDeviceCount; ++dev) {
    const auto* now = object_pages(after, dev);
    const auto* then = object_pages(before, dev);
    std::set<uint64_t> pages = touched;
    if (now) {
      for (const auto& [page, target] : *now) pages.insert(page);
    }
    // A device that left or changed its object must no longer reach the old object's pages.
    if (then && before.device_object[dev] != after.device_object[dev]) {
      for (const auto& [page, target] : *then) pages.insert(page);
      over_mappings = over_mappings || !then->empty() || (now && !now->empty());
    }
    for (uint64_t page : pages) compared_mapped = compare_page(after, sut, dev, page) || compared_mapped;
    for (uint64_t page : touched) {
      over_mappings = over_mappings || (now && now->contains(page)) || (then && then->contains(page));
    }
  }
  for (const auto& [dev, addr] : probes) {
    compared_mapped = compare_page(after, sut, dev, addr & ~(kPage - 1)) || compared_mapped;
    compare_unowned_stream(sut, addr);
  }
  ++g_depth.steps;
  if (compared_mapped) ++g_depth.steps_comparing_a_mapped_page;
  if (over_mappings) ++g_depth.steps_over_mappings;
}

std::vector<std::pair<DeviceIndex, uint64_t>> gen_probes() {
  std::vector<std::pair<DeviceIndex, uint64_t>> probes;
  for (int i = 0; i < 4; ++i) probes.emplace_back(DeviceIndex{*rc::gen::inRange<uint32_t>(0, kDeviceCount)}, gen_addr());
  return probes;
}

// Now and then a step at which the hardware refuses the plan's first attempt.
std::optional<size_t> gen_refusal() {
  if (*rc::gen::inRange(0, 3) != 0) return std::nullopt;
  // Most plans have a few steps; now and then one further in.
  return *rc::gen::weightedElement<size_t>({{4, 0}, {2, 1}, {1, 2}, {1, 5}});
}

// Runs a manager operation. With `refuse_at`, it first runs with the hardware
// refusing at that step; a refusal must leave core and hardware exactly as
// they were, and the operation is then run again. Any failure must too.
template <class F>
auto run_checked(Sut& sut, std::optional<size_t> refuse_at, F&& op) {
  const State before = sut.m.state();
  const test::ProgrammedModel programmed_before = sut.hw;
  auto unchanged = [&] {
    RC_ASSERT(sut.m.state() == before);
    RC_ASSERT(sut.hw.same_programming(programmed_before));
  };
  if (refuse_at) {
    sut.hw.fail_at_step = refuse_at;
    const size_t refusals_before = sut.hw.refusals;
    auto first = op();
    sut.hw.fail_at_step.reset();
    // Not refused by the hardware: the plan was shorter, or the decision itself refused.
    if (sut.hw.refusals == refusals_before) {
      if (!first.ok()) unchanged();
      return first;
    }
    RC_ASSERT(!first.ok() && first.error().code == Errc::no_resources);
    ++g_depth.refusals;
    unchanged();
  }
  auto result = op();
  if (!result.ok()) unchanged();
  return result;
}

struct Connect : Cmd {
  // Now and then a VM index past the last VM, which must be refused.
  std::optional<VmIndex> vm = *rc::gen::weightedElement<std::optional<VmIndex>>(
      {{4, std::nullopt}, {3, VmIndex{0}}, {3, VmIndex{1}}, {1, VmIndex{2}}, {1, VmIndex{3}}});
  bool may_target = *rc::gen::arbitrary<bool>();
  bool allowed() const {
    return !vm || (facts().d.role == Role::host && *vm < facts().d.vms.size());
  }
  void apply(Model& m) const override {
    if (allowed()) m.add_client(RefClient{vm, may_target});
  }
  void run(const Model& m, Sut& sut) const override {
    const auto id = run_checked(sut, std::nullopt, [&] { return sut.m.connect({"c", vm, may_target}); });
    RC_ASSERT(id.ok() == allowed());
    if (id.ok()) RC_ASSERT(id.value() == m.next_client);
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, {}, {});
  }
  void show(std::ostream& os) const override { os << "connect vm=" << (vm ? int(*vm) : -1) << " target=" << may_target; }
};

struct Disconnect : Cmd {
  explicit Disconnect(const Model& m) : client(pick_id(m.clients, m.next_client)) {}
  ClientId client;
  std::vector<std::pair<DeviceIndex, uint64_t>> probes = gen_probes();
  std::optional<size_t> refuse_at = gen_refusal();
  void apply(Model& m) const override {
    if (!m.clients.contains(client)) return;
    for (auto it = m.objects.begin(); it != m.objects.end();) {
      if (it->second.owner == client) {
        for (auto dev : it->second.devices) m.device_object[dev].reset();
        it = m.objects.erase(it);
      } else {
        ++it;
      }
    }
    m.clients.erase(client);
  }
  void run(const Model& m, Sut& sut) const override {
    RC_ASSERT(run_checked(sut, refuse_at, [&] { return sut.m.disconnect(client); }).ok() == m.clients.contains(client));
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, {}, probes);
  }
  void show(std::ostream& os) const override { os << "disconnect " << client; }
};

struct CreateObject : Cmd {
  explicit CreateObject(const Model& m) : client(pick_id(m.clients, m.next_client)) {}
  ClientId client;
  void apply(Model& m) const override {
    if (!m.clients.contains(client)) return;
    m.add_object(client);
  }
  void run(const Model& m, Sut& sut) const override {
    const auto r = run_checked(sut, std::nullopt, [&] { return sut.m.create_object(client); });
    RC_ASSERT(r.ok() == m.clients.contains(client));
    if (r.ok()) RC_ASSERT(r.value() == m.next_object);
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, {}, {});
  }
  void show(std::ostream& os) const override { os << "create_object client=" << client; }
};

struct DestroyObject : Cmd {
  explicit DestroyObject(const Model& m) : client(pick_id(m.clients, m.next_client)), object(pick_object(m, client)) {}
  ClientId client;
  ObjectId object;
  std::vector<std::pair<DeviceIndex, uint64_t>> probes = gen_probes();
  std::optional<size_t> refuse_at = gen_refusal();
  void apply(Model& m) const override {
    if (!m.owns(client, object)) return;
    for (auto dev : m.objects.at(object).devices) m.device_object[dev].reset();
    m.objects.erase(object);
  }
  void run(const Model& m, Sut& sut) const override {
    RC_ASSERT(run_checked(sut, refuse_at, [&] { return sut.m.destroy_object(client, object); }).ok() ==
              m.owns(client, object));
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, {}, probes);
  }
  void show(std::ostream& os) const override { os << "destroy_object client=" << client << " object=" << object; }
};

struct Attach : Cmd {
  explicit Attach(const Model& m) : client(pick_id(m.clients, m.next_client)), object(pick_object(m, client)) {}
  ClientId client;
  ObjectId object;
  DeviceSelector sel = gen_selector();
  std::vector<std::pair<DeviceIndex, uint64_t>> probes = gen_probes();
  std::optional<size_t> refuse_at = gen_refusal();

  enum class Outcome { refused, no_free_context, unfit_mappings, allowed };
  Outcome outcome(const Model& m) const {
    if (!m.owns(client, object)) return Outcome::refused;
    const auto& c = m.clients.at(client);
    const auto devices = m.resolve(sel, c.vm);
    if (devices.empty()) return Outcome::refused;
    for (auto dev : devices) {
      if (!facts().startup_pages[dev].empty()) return Outcome::refused;
      if (facts().device_vm(dev) && !c.vm) return Outcome::refused;
      if (m.device_object[dev] && m.objects.at(*m.device_object[dev]).owner != client) return Outcome::refused;
    }
    // A unit new to the object needs a free context and must hold every page
    // the object maps, within the VM's permissions for a VM's client.
    const std::set<UnitIndex> present = m.units_of(object);
    for (auto dev : devices) {
      const UnitIndex unit = facts().d.devices[dev].unit;
      if (present.contains(unit)) continue;
      if (m.contexts_in_use(unit) >= facts().d.units[unit].capabilities.contexts) return Outcome::no_free_context;
      for (const auto& [page, target] : m.objects.at(object).pages) {
        if (!Facts::input_page_fits(unit, page) || !Facts::output_page_fits(unit, target.first)) {
          return Outcome::unfit_mappings;
        }
        if (c.vm && !Facts::vm_perms_cover(unit, target.first, target.second)) return Outcome::unfit_mappings;
      }
    }
    return Outcome::allowed;
  }
  bool allowed(const Model& m) const { return outcome(m) == Outcome::allowed; }
  void apply(Model& m) const override {
    if (!allowed(m)) return;
    for (auto dev : m.resolve(sel, m.clients.at(client).vm)) {
      if (m.device_object[dev]) m.objects.at(*m.device_object[dev]).devices.erase(dev);
      m.device_object[dev] = object;
      m.objects.at(object).devices.insert(dev);
    }
  }
  void run(const Model& m, Sut& sut) const override {
    const auto result = run_checked(sut, refuse_at, [&] { return sut.m.attach(client, object, sel); });
    const Outcome expected = outcome(m);
    if (expected == Outcome::no_free_context) ++g_depth.no_free_context;
    if (expected == Outcome::unfit_mappings) ++g_depth.unfit_mappings;
    RC_ASSERT(result.ok() == (expected == Outcome::allowed));
    if (!result.ok()) RC_ASSERT((result.error().code == Errc::no_resources) == (expected == Outcome::no_free_context));
    // QNX's "+1": the object already had mappings when the device joined.
    if (result.ok()) RC_ASSERT(result.value().reissue_mappings == !m.objects.at(object).pages.empty());
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, {}, probes);
  }
  void show(std::ostream& os) const override {
    os << "attach client=" << client << " object=" << object << " " << to_string(sel);
  }
};

struct Detach : Cmd {
  explicit Detach(const Model& m) : client(pick_id(m.clients, m.next_client)) {}
  ClientId client;
  DeviceSelector sel = gen_selector();
  std::vector<std::pair<DeviceIndex, uint64_t>> probes = gen_probes();
  std::optional<size_t> refuse_at = gen_refusal();

  bool allowed(const Model& m) const {
    if (!m.clients.contains(client)) return false;
    const auto devices = m.resolve(sel, m.clients.at(client).vm);
    if (devices.empty()) return false;
    for (auto dev : devices) {
      if (!m.device_object[dev] || m.objects.at(*m.device_object[dev]).owner != client) return false;
    }
    return true;
  }
  void apply(Model& m) const override {
    if (!allowed(m)) return;
    for (auto dev : m.resolve(sel, m.clients.at(client).vm)) {
      m.objects.at(*m.device_object[dev]).devices.erase(dev);
      m.device_object[dev].reset();
    }
  }
  void run(const Model& m, Sut& sut) const override {
    RC_ASSERT(run_checked(sut, refuse_at, [&] { return sut.m.detach(client, sel); }).ok() == allowed(m));
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, {}, probes);
  }
  void show(std::ostream& os) const override { os << "detach client=" << client << " " << to_string(sel); }
};

struct Map : Cmd {
  explicit Map(const Model& m) : client(pick_id(m.clients, m.next_client)), object(pick_object(m, client)) {
    const int count = *rc::gen::weightedElement<int>({{1, 0}, {12, 1}, {4, 2}, {2, 3}});  // zero entries is invalid
    for (int i = 0; i < count; ++i) {
      const uint64_t len = *rc::gen::inRange(0, 9) == 0 ? *rc::gen::inRange<uint64_t>(0, 3)
                                                         : *rc::gen::inRange<uint64_t>(1, 6 * kPage);
      entries.push_back(MapEntry{gen_addr_for(m, client), len});
    }
    if (*rc::gen::inRange(0, 3) == 0) {
      // Usually page-consistent with the first entry; sometimes not.
      target = gen_addr_for(m, client);
      if (!entries.empty() && *rc::gen::inRange(0, 5) != 0) {
        *target = (*target & ~(kPage - 1)) | (entries[0].addr & (kPage - 1));
      }
    }
    // Now and then a bit beyond read, write and exec, which must be refused.
    perms = Perms::from_bits(*rc::gen::inRange(0, 12) == 0 ? *rc::gen::inRange<uint32_t>(8, 64)
                                                            : *rc::gen::inRange<uint32_t>(0, 8));
  }
  ClientId client;
  ObjectId object;
  Perms perms;
  std::optional<uint64_t> target;
  std::vector<MapEntry> entries;
  std::vector<std::pair<DeviceIndex, uint64_t>> probes = gen_probes();
  std::optional<size_t> refuse_at = gen_refusal();

  // The pages this request would write, or nullopt when it must be refused.
  // Each item: iova page -> (hpa page, perms); perms 0 means remove.
  std::optional<std::vector<std::pair<uint64_t, std::pair<uint64_t, uint32_t>>>> plan(const Model& m) const {
    if (!m.owns(client, object) || entries.empty() || !perms.known()) return std::nullopt;
    const RefClient& c = m.clients.at(client);
    if (target && (!c.may_target || entries.size() != 1)) return std::nullopt;
    std::vector<std::pair<uint64_t, std::pair<uint64_t, uint32_t>>> writes;
    for (const auto& e : entries) {
      if (e.len == 0 || e.len - 1 > kU64Max - e.addr) return std::nullopt;
      const uint64_t first_page = e.addr & ~(kPage - 1);
      const uint64_t last_page = (e.addr + (e.len - 1)) & ~(kPage - 1);
      const uint64_t page_count = (last_page - first_page) / kPage + 1;
      if (perms.none()) {
        for (uint64_t i = 0; i < page_count; ++i) writes.push_back({first_page + i * kPage, {0, 0}});
        continue;
      }
      uint64_t out_page = first_page;
      if (target) {
        if ((*target & (kPage - 1)) != (e.addr & (kPage - 1))) return std::nullopt;
        out_page = *target & ~(kPage - 1);
        if (out_page > kU64Max - (page_count * kPage - 1)) return std::nullopt;
      }
      for (uint64_t i = 0; i < page_count; ++i) {
        const uint64_t out = out_page + i * kPage;
        uint64_t hpa = out;
        if (c.vm) {
          const auto& pages = facts().vm_pages[*c.vm];
          auto it = pages.find(out);
          if (it == pages.end() || (perms.bits() & ~it->second.perms) != 0) return std::nullopt;
          hpa = it->second.hpa_page;
        } else if (facts().vm_host_pages.contains(hpa)) {
          return std::nullopt;
        }
        if (!Facts::memory_page(hpa) || Facts::reserved_page(hpa)) return std::nullopt;
        const uint64_t iova = first_page + i * kPage;
        for (UnitIndex unit : m.units_of(object)) {
          if (!Facts::input_page_fits(unit, iova) || !Facts::output_page_fits(unit, hpa)) return std::nullopt;
          if (c.vm && !Facts::vm_perms_cover(unit, hpa, perms.bits())) return std::nullopt;
        }
        writes.push_back({iova, {hpa, perms.bits()}});
      }
    }
    return writes;
  }
  void apply(Model& m) const override {
    const auto writes = plan(m);
    if (!writes) return;
    auto& pages = m.objects.at(object).pages;
    // Removals first, then additions, as one request.
    for (const auto& [iova, target_perms] : *writes) {
      if (target_perms.second == 0) pages.erase(iova);
    }
    for (const auto& [iova, target_perms] : *writes) {
      if (target_perms.second != 0) pages[iova] = target_perms;
    }
  }
  // Every page an entry names, and its neighbours: compared whether the request succeeded or not.
  std::set<uint64_t> touched() const {
    std::set<uint64_t> pages;
    for (const auto& e : entries) {
      if (e.len == 0 || e.len - 1 > kU64Max - e.addr) continue;
      add_pages_around(pages, e.addr, e.addr + (e.len - 1));
    }
    return pages;
  }
  void run(const Model& m, Sut& sut) const override {
    const bool ok =
        run_checked(sut, refuse_at, [&] {
          return api::qnx::mapping_add(sut.m, client, object, MapRequest{perms, target, entries});
        }).ok();
    RC_ASSERT(ok == plan(m).has_value());
    Model after = m;
    apply(after);
    check_after_step(m, after, sut, touched(), probes);
  }
  void show(std::ostream& os) const override {
    os << "map client=" << client << " object=" << object << " perms=" << to_string(perms);
    if (target) os << " target=" << format_hex(*target);
    for (const auto& e : entries) os << " [" << format_hex(e.addr) << "+" << e.len << "]";
  }
};

// One run of the state machine from a populated state, so that short
// sequences already reach deep states: four clients (on a host deployment the
// last two are VM a's and VM b's), an object each with a device attached and
// a few pages mapped in the clients' hot windows (gen_addr_for).
void run_state_machine() {
  Model model;
  Sut sut;
  const bool host = facts().d.role == Role::host;
  const std::optional<VmIndex> vm_a = host ? std::optional<VmIndex>(VmIndex{0}) : std::nullopt;
  const std::optional<VmIndex> vm_b = host ? std::optional<VmIndex>(VmIndex{1}) : std::nullopt;
  const std::pair<std::optional<VmIndex>, bool> starters[] = {{std::nullopt, true}, {std::nullopt, false}, {vm_a, true}, {vm_b, false}};
  ClientId clients[4];
  ObjectId objects[4];
  for (size_t i = 0; i < 4; ++i) {
    const auto& [vm, may_target] = starters[i];
    clients[i] = sut.m.connect({"starter", vm, may_target}).value();
    RC_ASSERT(clients[i] == model.next_client);
    model.add_client(RefClient{vm, may_target});
    objects[i] = sut.m.create_object(clients[i]).value();
    RC_ASSERT(objects[i] == model.next_object);
    model.add_object(clients[i]);
  }
  // Client 2 also holds dev5, the one device of the one-context unit u1: a
  // move of it to another object needs a detach first.
  const std::pair<DeviceSelector, DeviceIndex> attached[] = {{MmioSelector{0x3000000, 0x1000}, kDevHost},
                                                             {PciSelector{0, 3, 0}, kDevHostPci},
                                                             {PciSelector{0, 1, 0}, kDevVmA},
                                                             {PciSelector{0, 2, 0}, kDevVmB},
                                                             {MmioSelector{0x3002000, 0x1000}, kDevBypass}};
  const size_t attached_by[] = {0, 1, 2, 3, 1};
  for (size_t i = 0; i < std::size(attached); ++i) {
    const auto& [sel, dev] = attached[i];
    const size_t c = attached_by[i];
    RC_ASSERT(sut.m.attach(clients[c], objects[c], sel).ok());
    model.device_object[dev] = objects[c];
    model.objects.at(objects[c]).devices.insert(dev);
  }
  // Object 2 maps write-only: its Arm stage-1 unit u1 (and, on the guest
  // deployment, u0) grants read too. On a host deployment VM a maps across
  // its host discontinuity and VM b up to its read-only region; on a guest
  // one, clients 3 and 4 map host memory around the reserved page. Client 1
  // also maps above 4 GiB, which u1's 32-bit input cannot hold: dev5 joining
  // its object is refused.
  struct FirstMap {
    uint64_t iova;
    uint64_t pages;
    Perms perms;
    std::optional<uint64_t> target;
  };
  const FirstMap first_maps[] = {{0x1f0000, 4, Perms::rw(), std::nullopt},
                                 {0x1f8000, 4, Perms(Perm::write), std::nullopt},
                                 {host ? 0x5fe000u : 0x1fc000u, 4, Perms::rw(), std::nullopt},
                                 {host ? 0x4fe000u : 0x208000u, 2, Perms::rw(), std::nullopt},
                                 {0xffffe000, 4, Perms(Perm::read), uint64_t{0x1f4000}}};
  const size_t mapped_by[] = {0, 1, 2, 3, 0};
  for (size_t i = 0; i < std::size(first_maps); ++i) {
    const FirstMap& m = first_maps[i];
    const size_t c = mapped_by[i];
    RC_ASSERT(api::qnx::mapping_add(sut.m, clients[c], objects[c],
                                    MapRequest{m.perms, m.target, {MapEntry{m.iova, m.pages * kPage}}})
                  .ok());
    const auto vm = model.clients.at(clients[c]).vm;
    for (uint64_t p = 0; p < m.pages; ++p) {
      const uint64_t page = m.iova + p * kPage;
      const uint64_t out = m.target ? *m.target + p * kPage : page;
      const uint64_t hpa = vm ? facts().vm_pages[*vm].at(out).hpa_page : out;
      model.objects.at(objects[c]).pages[page] = {hpa, m.perms.bits()};
    }
  }
  // Maps and attaches outnumber teardowns, so sequences keep building state.
  rc::state::check(model, sut,
                   rc::state::gen::execOneOfWithArgs<Connect, Disconnect, CreateObject, DestroyObject, Attach, Attach,
                                                     Attach, Detach, Map, Map, Map, Map, Map, Map, Map, Map>());
}

// Runs the property on one deployment and reports how deep its steps went.
void check_on(const char* name, Deployment deployment) {
  const Facts deployment_facts(std::move(deployment));
  g_facts = &deployment_facts;
  g_depth = {};
  const bool ok = rc::check(name, [] { run_state_machine(); });
  g_facts = nullptr;
  const auto percent = [](uint64_t part) { return g_depth.steps ? 100.0 * double(part) / double(g_depth.steps) : 0.0; };
  const double compared = percent(g_depth.steps_comparing_a_mapped_page);
  const double over = percent(g_depth.steps_over_mappings);
  std::printf("%s: %llu steps; %.1f%% compared at least one mapped page, %.1f%% made a request that met mapped "
              "state; %llu refused by the hardware in prepare; attaches refused for want of a context %llu, "
              "for mappings the unit cannot hold %llu\n",
              name, static_cast<unsigned long long>(g_depth.steps), compared, over,
              static_cast<unsigned long long>(g_depth.refusals), static_cast<unsigned long long>(g_depth.no_free_context),
              static_cast<unsigned long long>(g_depth.unfit_mappings));
  EXPECT_TRUE(ok);
  // At CI's case count the runs are long enough for the shares to be stable.
  if (g_depth.steps >= 20000) {
    EXPECT_GE(compared, 75.0) << "the state machine no longer compares mapped pages";
    EXPECT_GE(over, 12.0) << "the state machine's requests no longer meet mapped state";
    EXPECT_GE(percent(g_depth.refusals), 2.0) << "the hardware model hardly ever refuses a plan";
    EXPECT_GT(g_depth.no_free_context, 0u) << "no attach met a unit without a free context";
    EXPECT_GT(g_depth.unfit_mappings, 0u) << "no attach met a unit that could not hold the mappings";
  }
}

// The property the whole core rests on; see the file comment.
TEST(ManagerStateMachine, AgreesWithPageModelAndKeepsInvariants) {
  check_on("host deployment", make_deployment());
}

// The same on a guest deployment: no VM clients (connecting as one is
// refused), and an Arm stage-1 unit that grants read with every write and exec.
TEST(ManagerStateMachine, GuestDeploymentWithWriteImpliesRead) {
  check_on("guest deployment", make_guest_deployment());
}

}  // namespace
}  // namespace smmuman::core
