// Static deployment rules, and the invariant checker's ability to see a
// corrupted state (a checker that cannot fail proves nothing).
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::core {
namespace {

using namespace test;

// Returns the messages validate_deployment finds, joined for matching.
std::string findings(const Deployment& d) {
  std::string out;
  for (const auto& e : validate_deployment(d)) out += e.message + "\n";
  return out;
}

// The fixture itself is sound.
TEST(Deployment, FixtureIsValid) { EXPECT_EQ(findings(make_deployment()), ""); }

// Two VMs may not share host memory.
TEST(Deployment, OverlappingVmHostRanges) {
  Deployment d = make_deployment();
  d.vms[1].memory[0].host_first = 0x9ff000 & ~kGranuleMask;
  EXPECT_NE(findings(d).find("overlaps host range"), std::string::npos) << findings(d);
}

// A VM's memory must lie in permitted memory and clear of reserved regions.
TEST(Deployment, VmRangeOutsideMemoryOrReserved) {
  Deployment d = make_deployment();
  d.vms[0].memory[1].host_first = 0x1000000;
  EXPECT_NE(findings(d).find("not inside permitted platform memory"), std::string::npos);
  d = make_deployment();
  d.vms[0].memory[1].host_first = 0x200000;
  EXPECT_NE(findings(d).find("reserved region 'msi'"), std::string::npos) << findings(d);
}

// Overlapping guest ranges inside one VM are refused.
TEST(Deployment, OverlappingGuestRanges) {
  Deployment d = make_deployment();
  d.vms[0].memory[1].guest = GpaRange::from_first_last(0x5ff000, 0x6fefff);
  EXPECT_NE(findings(d).find("overlaps another range of the same VM"), std::string::npos) << findings(d);
}

// A host configuration may not grant startup mappings to a pass-through device.
TEST(Deployment, HostStartupMappingForPassThroughDevice) {
  Deployment d = make_deployment();
  d.startup_mappings.push_back(
      StartupMapping{kDevVmA, IovaRange::from_first_last(0x100000, 0x100fff), 0x100000, Perms::rw(), {"host.yaml", 42}});
  const auto errors = validate_deployment(d);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].origin.line, 42);
  EXPECT_NE(errors[0].message.find("not allowed in a host configuration"), std::string::npos);
  EXPECT_NE(errors[0].message.find("VM 'a'"), std::string::npos);
}

// The same startup mapping is fine in a guest configuration (which has no VMs).
TEST(Deployment, GuestStartupMappingAllowed) {
  Deployment d = make_deployment();
  d.role = Role::guest;
  d.vms.clear();
  d.startup_mappings.push_back(
      StartupMapping{kDevVmA, IovaRange::from_first_last(0x100000, 0x100fff), 0x100000, Perms::rw(), {}});
  EXPECT_EQ(findings(d), "");
}

// Stream IDs are unique per unit and fit the unit's width; a bypass unit may not carry a pass-through device.
TEST(Deployment, StreamAndBypassRules) {
  Deployment d = make_deployment();
  d.devices[kDevHostPci].stream_ids = {8};
  EXPECT_NE(findings(d).find("already belongs to device 'dev1-vm-a'"), std::string::npos) << findings(d);
  d = make_deployment();
  d.devices[kDevHostPci].stream_ids = {0x100};
  EXPECT_NE(findings(d).find("does not fit unit 'u0' (8 bits)"), std::string::npos) << findings(d);
  d = make_deployment();
  d.units[0].bypass_unconfigured = true;
  EXPECT_NE(findings(d).find("bypasses unconfigured streams"), std::string::npos) << findings(d);
}

// Startup mappings obey the same memory rules as client mappings.
TEST(Deployment, StartupMappingMemoryRules) {
  Deployment d = make_deployment();
  d.startup_mappings[0].hpa_first = 0x800000;
  EXPECT_NE(findings(d).find("overlaps a VM's memory"), std::string::npos) << findings(d);
  d = make_deployment();
  d.startup_mappings[0].hpa_first = 0x200000;
  EXPECT_NE(findings(d).find("reserved region 'msi'"), std::string::npos) << findings(d);
}

class InvariantCheckerTest : public ::testing::Test {
 protected:
  Deployment d = make_deployment();
  State s;
  void SetUp() override {
    s = State{};
    s.device_object.assign(d.devices.size(), std::nullopt);
    s.clients[ClientId{1}] = Client{{"host", std::nullopt, false}, {ObjectId{10}}};
    s.clients[ClientId{2}] = Client{{"vm-a", VmIndex{0}, true}, {ObjectId{20}}};
    s.objects[ObjectId{10}] = Object{ClientId{1}, {}, {kDevHostPci}};
    s.objects[ObjectId{20}] = Object{ClientId{2}, {}, {kDevVmA}};
    s.device_object[kDevHostPci] = ObjectId{10};
    s.device_object[kDevVmA] = ObjectId{20};
    s.objects[ObjectId{20}].mappings.assign(IovaRange::from_first_last(0x400000, 0x400fff), 0x800000,
                                  TranslationAttr{Perms::rw(), 0x400000});
  }
  // The violations found, joined; the tests match the rule they expect to fire.
  std::string violations() const {
    std::string out;
    for (const auto& v : check_invariants(d, s)) out += v + "\n";
    return out;
  }
  void expect_violation(const std::string& needle) const {
    const std::string found = violations();
    EXPECT_NE(found.find(needle), std::string::npos) << "expected '" << needle << "', found:\n" << found;
  }
};

// The hand-built state satisfies every invariant.
TEST_F(InvariantCheckerTest, SoundStateHolds) { EXPECT_EQ(violations(), ""); }

// A guest mapping that does not match its VM's translation is caught.
TEST_F(InvariantCheckerTest, CatchesMistranslatedGuestMapping) {
  s.objects[ObjectId{20}].mappings.assign(IovaRange::from_first_last(0x400000, 0x400fff), 0x801000,
                                TranslationAttr{Perms::rw(), 0x400000});
  expect_violation("translates to 0x801000 instead of 0x800000");
}

// A guest mapping whose source leaves the VM's guest ranges is caught.
TEST_F(InvariantCheckerTest, CatchesGuestMappingOutsideVm) {
  s.objects[ObjectId{20}].mappings.assign(IovaRange::from_first_last(0x6ff000, 0x700fff), 0xcff000,
                                TranslationAttr{Perms::rw(), 0x6ff000});
  expect_violation("lies outside VM 'a'");
}

// A host mapping into VM memory or a reserved page is caught.
TEST_F(InvariantCheckerTest, CatchesHostMappingIntoVmOrReserved) {
  s.objects[ObjectId{10}].mappings.assign(IovaRange::from_first_last(0x0, 0xfff), 0x800000, TranslationAttr{Perms::rw(), {}});
  expect_violation("reaches the memory of VM 'a'");
  SetUp();
  s.objects[ObjectId{10}].mappings.assign(IovaRange::from_first_last(0x0, 0xfff), 0x200000, TranslationAttr{Perms::rw(), {}});
  expect_violation("touches a reserved region");
}

// A mapping whose output wraps past 2^64 is caught, not misread as a range.
TEST_F(InvariantCheckerTest, CatchesWrappingMapping) {
  s.objects[ObjectId{10}].mappings.assign(IovaRange::from_first_last(0x0, 0x1fff), 0xfffffffffffff000,
                                TranslationAttr{Perms::rw(), {}});
  expect_violation("wraps past 2^64");
}

// A guest mapping within its VM's grant as asked, but held as more by its
// unit, is caught: the hardware would grant what the VM does not.
TEST_F(InvariantCheckerTest, CatchesGuestMappingHeldBeyondTheVmsGrant) {
  d.units[0].capabilities.permissions = arm_stage1_holding();
  d.vms[0].memory[0].perms = Perms(Perm::write);
  d.finalize();
  s.objects[ObjectId{20}].mappings.assign(IovaRange::from_first_last(0x400000, 0x400fff), 0x800000,
                                          TranslationAttr{Perm::write, 0x400000});
  expect_violation("exceeds VM 'a' permissions");
  d.units[0].capabilities.permissions = PermissionHolding::exact();
  EXPECT_EQ(violations(), "");
}

// A mapping beyond an address size of a unit its object is on, and more
// domains on a unit than it has contexts, are caught.
TEST_F(InvariantCheckerTest, CatchesWhatUnitsCannotHold) {
  s.objects[ObjectId{10}].mappings.assign(IovaRange::from_first_last(0x100000000, 0x100000fff), 0x100000,
                                          TranslationAttr{Perms::rw(), {}});
  EXPECT_EQ(violations(), "");  // u0 translates 64-bit IOVAs
  s.objects[ObjectId{10}].devices.insert(kDevBypass);  // u1: 32-bit input
  s.device_object[kDevBypass] = ObjectId{10};
  expect_violation("does not fit the address sizes of unit 'u1'");
  SetUp();
  s.objects[ObjectId{10}].devices.insert(kDevBypass);
  s.device_object[kDevBypass] = ObjectId{10};
  EXPECT_EQ(violations(), "");
  s.objects[ObjectId{11}] = Object{ClientId{1}, {}, {}};
  s.clients[ClientId{1}].objects.insert(ObjectId{11});
  s.objects[ObjectId{10}].devices.erase(kDevBypass);
  s.objects[ObjectId{11}].devices.insert(kDevBypass);
  s.device_object[kDevBypass] = ObjectId{11};
  EXPECT_EQ(violations(), "");
  d.units[1].capabilities.contexts = 0;  // not a valid deployment either, but the state check still runs
  expect_violation("unit 'u1' has 1 translation contexts in use, more than its 0");
}

// Unknown permission bits in a stored mapping are caught.
TEST_F(InvariantCheckerTest, CatchesUnknownPermissionBits) {
  s.objects[ObjectId{10}].mappings.assign(IovaRange::from_first_last(0x0, 0xfff), 0x100000,
                                TranslationAttr{Perms::from_bits(0x8), {}});
  expect_violation("has permission bits 0x8");
}

// A device in two objects, a configuration-owned device attached, or an object
// whose owner is gone, is caught.
TEST_F(InvariantCheckerTest, CatchesOwnershipViolations) {
  s.objects[ObjectId{10}].devices.insert(kDevVmA);
  expect_violation("is in object 10 but recorded elsewhere");
  SetUp();
  s.objects[ObjectId{10}].devices.insert(kDevStartup);
  s.device_object[kDevStartup] = ObjectId{10};
  expect_violation("has startup mappings yet is attached");
  SetUp();
  s.clients.erase(ClientId{1});
  expect_violation("owned by client 1, which is gone");
}

// A pass-through device in a host client's object is caught.
TEST_F(InvariantCheckerTest, CatchesPassThroughDeviceWithHostClient) {
  s.objects[ObjectId{20}].devices.erase(kDevVmA);
  s.objects[ObjectId{10}].devices.insert(kDevVmA);
  s.device_object[kDevVmA] = ObjectId{10};
  expect_violation("is attached by client 'host', which is not its VM's client");
}

// Guest mapping permissions beyond the VM's are caught.
TEST_F(InvariantCheckerTest, CatchesGuestPermissionEscalation) {
  s.clients[ClientId{3}] = Client{{"vm-b", VmIndex{1}, true}, {ObjectId{30}}};
  s.objects[ObjectId{30}] = Object{ClientId{3}, {}, {}};
  s.objects[ObjectId{30}].mappings.assign(IovaRange::from_first_last(0x500000, 0x500fff), 0xf00000,
                                TranslationAttr{Perms::rw(), 0x500000});
  expect_violation("exceeds VM 'b' permissions");
}

// A stream ID listed twice by one device, and overlapping MMIO registers, are refused.
TEST(Deployment, DuplicateStreamAndOverlappingRegisters) {
  Deployment d = make_deployment();
  d.devices[kDevHost].stream_ids = {1, 1};
  EXPECT_NE(findings(d).find("stream ID 0x1 is listed twice"), std::string::npos) << findings(d);
  d = make_deployment();
  d.devices[kDevStartup].ident = MmioId{HpaRange::from_first_last(0x3000800, 0x30017ff)};
  EXPECT_NE(findings(d).find("overlap those of device 'dev0-host'"), std::string::npos) << findings(d);
}

}  // namespace
}  // namespace smmuman::core
