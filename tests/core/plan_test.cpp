// Plans: each operation says exactly what to program, in programming order,
// and a hardware layer that refuses in prepare leaves core and hardware
// exactly as they were. The hardware here is ProgrammedModel, which applies
// only the plans and checks each against what it already holds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include <set>

#include "fixtures.hpp"
#include "programmed_model.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::core {
namespace {

using namespace test;

constexpr uint64_t kPage = 0x1000;

// The kind of each step, for comparing a plan's shape.
std::vector<std::string> kinds(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) {
    out.push_back(std::visit(
        [](const auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, step::CreateDomain>) return "create";
          if constexpr (std::is_same_v<T, step::Map>) return "map";
          if constexpr (std::is_same_v<T, step::BindStreams>) return "bind";
          if constexpr (std::is_same_v<T, step::Unmap>) return "unmap";
          return "destroy";
        },
        s));
  }
  return out;
}

using Kinds = std::vector<std::string>;

// Host memory mapped at the same device addresses.
std::vector<MappingSpec> identity(uint64_t addr, uint64_t pages, Perms perms) {
  return {MappingSpec{IovaRange::from_first_last(addr, addr + pages * kPage - 1), Hpa{addr}, perms}};
}
// A VM's memory mapped at the same device addresses.
std::vector<MappingSpec> guest_identity(uint64_t addr, uint64_t pages, Perms perms) {
  return {MappingSpec{IovaRange::from_first_last(addr, addr + pages * kPage - 1), Gpa{addr}, perms}};
}

class PlanTest : public ::testing::Test {
 protected:
  Manager m{make_deployment(), /*check_invariants=*/true};
  ProgrammedModel hw{m.deployment()};

  void SetUp() override { ASSERT_TRUE(m.attach_hardware(hw).ok()); }


  // The programmed hardware does what the manager says, for every device
  // stream and a stream nobody owns, at both ends of every page given.
  void expect_hardware_agrees(const std::vector<uint64_t>& pages) {
    const Deployment& d = m.deployment();
    for (uint64_t page : pages) {
      for (uint64_t addr : {page, page + kPage - 1}) {
        for (AccessKind k : {AccessKind::read, AccessKind::write, AccessKind::exec}) {
          for (DeviceIndex dev{0}; dev < d.devices.size(); ++dev) {
            for (uint32_t sid : d.devices[dev].stream_ids) {
              ASSERT_EQ(hw.access_stream(d.devices[dev].unit, sid, Iova{addr}, k), m.access(dev, Iova{addr}, k))
                  << "device " << d.devices[dev].name << " at " << format_hex(addr) << " " << to_string(k);
            }
          }
          for (UnitIndex u{0}; u < d.units.size(); ++u) {
            ASSERT_EQ(hw.access_stream(u, 0xff, Iova{addr}, k), m.access_stream(u, 0xff, Iova{addr}, k));
          }
        }
      }
    }
  }
};

// The pages the scenarios below use, with a page on either side.
std::vector<uint64_t> scenario_pages() {
  std::vector<uint64_t> pages;
  for (uint64_t p = 0x1ef000; p <= 0x1fa000; p += kPage) pages.push_back(p);
  for (uint64_t p = 0x2ff000; p <= 0x310000; p += kPage) pages.push_back(p);          // startup mapping
  for (uint64_t p = 0x5fd000; p <= 0x602000; p += kPage) pages.push_back(p);          // VM a's discontinuity
  for (uint64_t p = 0x1000ff000; p <= 0x100002000; p += kPage) pages.push_back(p);  // a targeted IOVA
  return pages;
}

// At boot every declared stream is bound explicitly: startup mappings for the
// device that has them, abort for the rest; streams nobody declared are left
// to the unit (u1 bypasses them).
TEST_F(PlanTest, BootBindsEveryDeclaredStream) {
  const Plan boot = m.boot_plan();
  EXPECT_EQ(kinds(boot), Kinds(m.deployment().devices.size(), "bind"));
  const auto& startup = std::get<step::BindStreams>(boot.steps[kDevStartup]);
  EXPECT_EQ(startup.to, StreamTarget{StartupTarget{kDevStartup}});
  ASSERT_EQ(startup.startup.size(), 1u);
  EXPECT_EQ(startup.startup[0].attr.perms, Perms::rw());
  EXPECT_EQ(std::get<step::BindStreams>(boot.steps[kDevHost]).to, StreamTarget{AbortTarget{}});
  EXPECT_TRUE(hw.access_stream(kUnit0, 2, Iova{0x300000}, AccessKind::write).allowed);
  EXPECT_FALSE(hw.access_stream(kUnit0, 1, Iova{0x300000}, AccessKind::read).allowed);
  EXPECT_TRUE(hw.access_stream(kUnit1, 0xff, Iova{0x300000}, AccessKind::read).allowed);
  expect_hardware_agrees(scenario_pages());
}

// A device joining an object that already maps memory gets a new domain,
// filled before its streams are bound to it, so it never sees a partial set.
TEST_F(PlanTest, AttachCreatesAndFillsTheDomainBeforeBinding) {
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  auto map = m.decide_map(c, o, identity(0x1f0000, 2, Perms::rw()));
  ASSERT_TRUE(map.ok());
  EXPECT_TRUE(map.value().steps.empty()) << "an object without devices has no domain to program";
  ASSERT_TRUE(m.execute(map.value()).ok());

  auto attach = m.decide_attach(c, o, MmioSelector{0x3000000, 0x1000});
  ASSERT_TRUE(attach.ok());
  EXPECT_EQ(kinds(attach.value()), (Kinds{"create", "map", "bind"}));
  EXPECT_TRUE(attach.value().reissue_mappings);
  const auto& bind = std::get<step::BindStreams>(attach.value().steps[2]);
  EXPECT_EQ(bind.from, StreamTarget{AbortTarget{}});
  EXPECT_EQ(bind.to, StreamTarget{(DomainId{o, kUnit0})});
  EXPECT_EQ(bind.stream_ids, std::vector<uint32_t>{1});
  ASSERT_TRUE(m.execute(attach.value()).ok());
  expect_hardware_agrees(scenario_pages());
}

// Moving a device between two objects of its client rebinds its streams from
// one domain to the other in one step and destroys the domain it emptied.
TEST_F(PlanTest, MoveRebindsDirectlyAndDestroysTheEmptiedDomain) {
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o1 = m.create_object(c).value();
  const ObjectId o2 = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o1, PciSelector{0, 3, 0}).ok());
  ASSERT_TRUE(m.map(c, o2, identity(0x1f0000, 1, Perms::rw())).ok());
  auto move = m.decide_attach(c, o2, PciSelector{0, 3, 0});
  ASSERT_TRUE(move.ok());
  EXPECT_EQ(kinds(move.value()), (Kinds{"create", "map", "bind", "destroy"}));
  const auto& bind = std::get<step::BindStreams>(move.value().steps[2]);
  EXPECT_EQ(bind.from, StreamTarget{(DomainId{o1, kUnit0})});
  EXPECT_EQ(bind.to, StreamTarget{(DomainId{o2, kUnit0})});
  EXPECT_EQ(std::get<step::DestroyDomain>(move.value().steps[3]).domain, (DomainId{o1, kUnit0}));
  ASSERT_TRUE(m.execute(move.value()).ok());
  EXPECT_EQ(hw.domain_count(), 1u);
  expect_hardware_agrees(scenario_pages());
}

// A map over mapped memory first unmaps, carrying exactly the entries it
// removes (so a backend knows what to invalidate), then maps.
TEST_F(PlanTest, ReplacingUnmapsWhatItReplacesFirst) {
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3000000, 0x1000}).ok());
  ASSERT_TRUE(m.map(c, o, identity(0x1f0000, 4, Perms::rw())).ok());
  auto replace = m.decide_replace(c, o, identity(0x1f1000, 1, Perms(Perm::read)));
  ASSERT_TRUE(replace.ok());
  ASSERT_EQ(kinds(replace.value()), (Kinds{"unmap", "map"}));
  const auto& unmap = std::get<step::Unmap>(replace.value().steps[0]);
  EXPECT_EQ(unmap.range, IovaRange::from_first_last(0x1f1000, 0x1f1fff));
  ASSERT_EQ(unmap.removed.size(), 1u);
  EXPECT_EQ(unmap.removed[0].in, unmap.range);
  EXPECT_EQ(unmap.removed[0].out_first, 0x1f1000u);
  EXPECT_EQ(unmap.removed[0].attr.perms, Perms::rw());
  EXPECT_EQ(std::get<step::Map>(replace.value().steps[1]).entry.attr.perms, Perms(Perm::read));
  ASSERT_TRUE(m.execute(replace.value()).ok());
  expect_hardware_agrees(scenario_pages());
}

// Unmapping what is not mapped programs nothing.
TEST_F(PlanTest, UnmappingNothingProgramsNothing) {
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3000000, 0x1000}).ok());
  auto unmap = m.decide_unmap(c, o, {IovaRange::from_first_last(0x1f0000, 0x1f3fff)});
  ASSERT_TRUE(unmap.ok());
  EXPECT_TRUE(unmap.value().steps.empty());
}

// An object with devices on two units has a domain on each; a map programs both.
TEST_F(PlanTest, ObjectOnTwoUnitsHasTwoDomains) {
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3000000, 0x1000}).ok());
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3002000, 0x1000}).ok());
  EXPECT_EQ(hw.domain_count(), 2u);
  auto map = m.decide_map(c, o, identity(0x1f0000, 1, Perms::rw()));
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(kinds(map.value()), (Kinds{"map", "map"}));
  EXPECT_EQ(std::get<step::Map>(map.value().steps[0]).domain, (DomainId{o, kUnit0}));
  EXPECT_EQ(std::get<step::Map>(map.value().steps[1]).domain, (DomainId{o, kUnit1}));
  ASSERT_TRUE(m.execute(map.value()).ok());
  expect_hardware_agrees(scenario_pages());
}

// A VM's mapping reaches the hardware as host-physical pieces, split where the
// VM's memory is discontinuous in host memory.
TEST_F(PlanTest, GuestMappingIsProgrammedAsHostPhysicalPieces) {
  const ClientId c = m.connect({"vm-a", VmIndex{0}, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 1, 0}).ok());
  auto map = m.decide_map(c, o, guest_identity(0x5fe000, 4, Perms::rw()));
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(kinds(map.value()), (Kinds{"map", "map"}));
  EXPECT_EQ(std::get<step::Map>(map.value().steps[0]).entry.out_first, 0x9fe000u);
  EXPECT_EQ(std::get<step::Map>(map.value().steps[1]).entry.out_first, 0xc00000u);
  ASSERT_TRUE(m.execute(map.value()).ok());
  expect_hardware_agrees(scenario_pages());
}

// Disconnect aborts every stream of the client's devices, then destroys their domains.
TEST_F(PlanTest, DisconnectAbortsStreamsThenDestroysDomains) {
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, kAnyPciField}).ok());
  ASSERT_TRUE(m.map(c, o, identity(0x1f0000, 1, Perms::rw())).ok());
  auto disconnect = m.decide_disconnect(c);
  ASSERT_TRUE(disconnect.ok());
  EXPECT_EQ(kinds(disconnect.value()), (Kinds{"bind", "bind", "destroy"}));
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(std::get<step::BindStreams>(disconnect.value().steps[i]).to, StreamTarget{AbortTarget{}});
  ASSERT_TRUE(m.execute(disconnect.value()).ok());
  EXPECT_EQ(hw.domain_count(), 0u);
  expect_hardware_agrees(scenario_pages());
}

// A plan is executed once: executing it again programs and changes nothing.
TEST_F(PlanTest, APlanIsExecutedOnce) {
  auto connect = m.decide_connect({"host", std::nullopt, false});
  ASSERT_TRUE(connect.ok());
  ASSERT_TRUE(m.execute(connect.value()).ok());
  ASSERT_TRUE(m.execute(connect.value()).ok());
  EXPECT_EQ(m.state().clients.size(), 1u);
  const ClientId c = *connect.value().new_client;
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3000000, 0x1000}).ok());
  auto map = m.decide_map(c, o, identity(0x1f0000, 1, Perms::rw()));
  ASSERT_TRUE(map.ok());
  ASSERT_TRUE(m.execute(map.value()).ok());
  const State after = m.state();
  const ProgrammedModel programmed = hw;
  EXPECT_TRUE(map.value().steps.empty());
  ASSERT_TRUE(m.execute(map.value()).ok());
  EXPECT_EQ(m.state(), after);
  EXPECT_TRUE(hw.same_programming(programmed));
  EXPECT_TRUE(hw.inconsistency.empty()) << hw.inconsistency;
}

// Hardware holds what the unit can grant: on a unit whose writes imply reads
// a write-only mapping is programmed read+write, as access() reports it.
TEST(PlanWriteImpliesRead, WriteOnlyIsHeldAsReadWrite) {
  Manager m{make_guest_deployment(), /*check_invariants=*/true};
  ProgrammedModel hw{m.deployment()};
  ASSERT_TRUE(m.attach_hardware(hw).ok());
  const ClientId c = m.connect({"guest", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3000000, 0x1000}).ok());
  auto map = m.decide_map(c, o, identity(0x1f0000, 1, Perms(Perm::write)));
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(map.value().steps.size(), 1u);
  EXPECT_EQ(std::get<step::Map>(map.value().steps[0]).entry.attr.perms, Perms::rw());
  ASSERT_TRUE(m.execute(map.value()).ok());
  EXPECT_TRUE(hw.access_stream(kUnit0, 1, Iova{0x1f0000}, AccessKind::read).allowed);
  EXPECT_EQ(hw.access_stream(kUnit0, 1, Iova{0x1f0000}, AccessKind::read), m.access(kDevHost, Iova{0x1f0000}, AccessKind::read));
}

// A refused boot plan leaves the manager without hardware: later operations
// never reach the layer that refused.
TEST(PlanBoot, RefusedBootLeavesNoHardwareAttached) {
  Manager m{make_deployment(), /*check_invariants=*/true};
  ProgrammedModel hw{m.deployment()};
  hw.fail_at_step = 0;
  const auto attached = m.attach_hardware(hw);
  ASSERT_FALSE(attached.ok());
  EXPECT_EQ(attached.error().code, Errc::no_resources);
  ASSERT_TRUE(m.connect({"host", std::nullopt, false}).ok());
  EXPECT_EQ(hw.prepares, 1u);
  EXPECT_EQ(hw.commits, 0u);
}

// Hardware attached after clients have built state is programmed with all of it.
TEST(PlanBoot, LateAttachProgramsTheWholeState) {
  Manager m{make_deployment(), /*check_invariants=*/true};
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3000000, 0x1000}).ok());
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3002000, 0x1000}).ok());
  ASSERT_TRUE(m.map(c, o, identity(0x1f0000, 3, Perms::rw())).ok());
  ProgrammedModel hw{m.deployment()};
  ASSERT_TRUE(m.attach_hardware(hw).ok()) << hw.inconsistency;
  EXPECT_EQ(hw.domain_count(), 2u);
  for (uint64_t addr = 0x1ef000; addr < 0x1f4000; addr += kPage) {
    EXPECT_EQ(hw.access_stream(kUnit0, 1, Iova{addr}, AccessKind::write), m.access(kDevHost, Iova{addr}, AccessKind::write));
    EXPECT_EQ(hw.access_stream(kUnit1, 3, Iova{addr}, AccessKind::read), m.access(kDevBypass, Iova{addr}, AccessKind::read));
  }
}

// Runs an operation with prepare refusing at step 0, 1, 2, … until the
// operation gets through: every refusal must leave the core state and the
// programmed hardware exactly as they were, and the operation must succeed
// exactly when no step was refused. Returns the number of refusals.
template <class Op>
size_t with_every_refusal(Manager& m, ProgrammedModel& hw, Op op) {
  for (size_t k = 0;; ++k) {
    const State before = m.state();
    const ProgrammedModel programmed_before = hw;
    hw.fail_at_step = k;
    const auto result = op();
    hw.fail_at_step.reset();
    if (result.ok()) {
      EXPECT_EQ(k, hw.last_plan_steps) << "the operation succeeded although a step was refused";
      return k;
    }
    EXPECT_EQ(result.error().code, Errc::no_resources) << result.error().message;
    EXPECT_EQ(m.state(), before) << "a refused prepare changed the core state";
    EXPECT_TRUE(hw.same_programming(programmed_before)) << "a refused prepare changed the hardware";
    if (k > 64 || ::testing::Test::HasFailure()) return k;
  }
}

// Every operation kind, on host and VM clients, one and two units, moves,
// replacements, multi-entry unmaps and teardowns, each refused at every step.
TEST_F(PlanTest, RefusalAtEveryStepOfEveryOperationChangesNothing) {
  size_t refusals = 0;
  auto run = [&](const char* what, auto op) {
    SCOPED_TRACE(what);
    refusals += with_every_refusal(m, hw, op);
    EXPECT_TRUE(hw.inconsistency.empty()) << hw.inconsistency;
    expect_hardware_agrees(scenario_pages());
  };
  const ClientId host = m.connect({"host", std::nullopt, true}).value();
  const ClientId vm = m.connect({"vm-a", VmIndex{0}, false}).value();
  const ObjectId o1 = m.create_object(host).value();
  const ObjectId o2 = m.create_object(host).value();
  const ObjectId o3 = m.create_object(vm).value();
  run("map without devices", [&] { return m.map(host, o1, identity(0x1f0000, 4, Perms::rw())); });
  run("first device", [&] { return m.attach(host, o1, MmioSelector{0x3000000, 0x1000}); });
  run("second unit", [&] { return m.attach(host, o1, MmioSelector{0x3002000, 0x1000}); });
  run("replace on two units", [&] { return m.replace(host, o1, identity(0x1f1000, 1, Perms(Perm::read))); });
  run("wildcard attach", [&] { return m.attach(host, o2, PciSelector{0, 3, kAnyPciField}); });
  run("move one device", [&] { return m.attach(host, o1, PciSelector{0, 3, 0}); });
  run("targeted map", [&] {
    return m.map(host, o2, {MappingSpec{IovaRange::from_first_last(0x100000000, 0x100001fff), Hpa{0x1f8000}, Perms::rw()}});
  });
  run("VM attach", [&] { return m.attach(vm, o3, PciSelector{0, 1, 0}); });
  run("VM map across a discontinuity", [&] { return m.map(vm, o3, guest_identity(0x5fe000, 4, Perms::rw())); });
  run("multi-entry unmap", [&] {
    return m.unmap(host, o1, {IovaRange::from_first_last(0x1f0000, 0x1f0fff), IovaRange::from_first_last(0x1f2000, 0x1f3fff)});
  });
  run("detach", [&] { return m.detach(host, PciSelector{0, 3, 1}); });
  run("destroy object", [&] { return m.destroy_object(host, o1); });
  run("disconnect", [&] { return m.disconnect(host); });
  run("disconnect VM", [&] { return m.disconnect(vm); });
  EXPECT_GE(refusals, 30u) << "the scenario no longer reaches many steps";
  EXPECT_EQ(hw.domain_count(), 0u);
}

// A hardware layer that says on stderr when it is committed.
struct LoudHardware final : HardwareLayer {
  Status prepare(const Plan&) override { return Ok{}; }
  void commit(const Plan& plan) noexcept override { std::fprintf(stderr, "hardware commit of %s\n", plan.operation); }
};

// A committed state that breaks the invariant stops the process before the
// hardware is programmed with it. The plan here is forged (a device with
// startup mappings put in an object that does not exist); no decision makes it.
TEST(PlanDeathTest, InvariantViolationStopsBeforeTheHardwareCommit) {
  auto run = [] {
    Manager m{make_deployment(), /*check_invariants=*/true};
    LoudHardware hw;
    if (!m.attach_hardware(hw).ok()) return;
    Plan forged;
    forged.operation = "forged";
    forged.edit.device_object.emplace_back(kDevStartup, ObjectId{42});
    (void)m.execute(forged);
  };
  EXPECT_DEATH(run(), "invariant violated after forged");
  EXPECT_DEATH(run(), ::testing::Not(::testing::HasSubstr("hardware commit of forged")));
}

}  // namespace
}  // namespace smmuman::core
