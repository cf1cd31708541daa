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
    s.device_object.assign(d.devices.size(), std::nullopt);
    s.clients[1] = Client{{"host", std::nullopt, false}, {10}};
    s.clients[2] = Client{{"vm-a", 0, true}, {20}};
    s.objects[10] = Object{1, {}, {kDevHostPci}};
    s.objects[20] = Object{2, {}, {kDevVmA}};
    s.device_object[kDevHostPci] = 10;
    s.device_object[kDevVmA] = 20;
    s.objects[20].mappings.assign(IovaRange::from_first_last(0x400000, 0x400fff), 0x800000,
                                  TranslationAttr{Perms::rw(), 0x400000});
  }
  bool holds() const { return check_invariants(d, s).empty(); }
};

// The hand-built state satisfies every invariant.
TEST_F(InvariantCheckerTest, SoundStateHolds) { EXPECT_TRUE(holds()) << check_invariants(d, s).front(); }

// A guest mapping that does not match its VM's translation is caught.
TEST_F(InvariantCheckerTest, CatchesMistranslatedGuestMapping) {
  s.objects[20].mappings.assign(IovaRange::from_first_last(0x400000, 0x400fff), 0x801000,
                                TranslationAttr{Perms::rw(), 0x400000});
  EXPECT_FALSE(holds());
}

// A host mapping into VM memory or a reserved page is caught.
TEST_F(InvariantCheckerTest, CatchesHostMappingIntoVmOrReserved) {
  s.objects[10].mappings.assign(IovaRange::from_first_last(0x0, 0xfff), 0x800000, TranslationAttr{Perms::rw(), {}});
  EXPECT_FALSE(holds());
  SetUp();
  s.objects[10].mappings.assign(IovaRange::from_first_last(0x0, 0xfff), 0x200000, TranslationAttr{Perms::rw(), {}});
  EXPECT_FALSE(holds());
}

// A device in two objects, or a pass-through device with a host client, is caught.
TEST_F(InvariantCheckerTest, CatchesOwnershipViolations) {
  s.objects[10].devices.insert(kDevVmA);
  EXPECT_FALSE(holds());
  SetUp();
  s.objects[10].devices.insert(kDevStartup);
  s.device_object[kDevStartup] = 10;
  EXPECT_FALSE(holds());
  SetUp();
  s.clients.erase(1);
  EXPECT_FALSE(holds());
}

// Guest mapping permissions beyond the VM's are caught.
TEST_F(InvariantCheckerTest, CatchesGuestPermissionEscalation) {
  s.clients[3] = Client{{"vm-b", 1, true}, {30}};
  s.objects[30] = Object{3, {}, {}};
  s.objects[30].mappings.assign(IovaRange::from_first_last(0x500000, 0x500fff), 0xf00000,
                                TranslationAttr{Perms::rw(), 0x500000});
  EXPECT_FALSE(holds());
}

}  // namespace
}  // namespace smmuman::core
