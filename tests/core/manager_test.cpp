// Every client operation: its success path, each of its error paths, and that
// a failed operation leaves the whole state exactly as it was.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "smmuman/api/qnx_mapping.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::core {
namespace {

using namespace test;
using api::qnx::MapRequest;

class ManagerTest : public ::testing::Test {
 protected:
  Manager m{make_deployment(), /*check_invariants=*/true};

  ClientId connect_host(bool may_target = false) { return m.connect({"host", std::nullopt, may_target}).value(); }
  ClientId connect_vm(VmIndex vm) { return m.connect({vm == 0 ? "vm-a" : "vm-b", vm, true}).value(); }

  // Runs op, expects it to fail with `code`, and checks the state did not move.
  template <class Op>
  void expect_rejected(Errc code, Op op) {
    const State before = m.state();
    auto result = op();
    ASSERT_FALSE(result.ok()) << "expected " << to_string(code);
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_FALSE(result.error().message.empty());
    EXPECT_EQ(m.state(), before) << "a failed operation changed the state";
  }

  static MapRequest identity(uint64_t addr, uint64_t len, Perms perms) { return MapRequest{perms, std::nullopt, {{addr, len}}}; }
  // Mappings go through QNX smmu_mapping_add (api/), as a client's would.
  Status map(ClientId c, ObjectId o, const MapRequest& request) { return api::qnx::mapping_add(m, c, o, request); }
};

// Connecting a VM client for a VM that does not exist is refused, including
// the index just past the last VM.
TEST_F(ManagerTest, ConnectRejectsUnknownVm) {
  expect_rejected(Errc::invalid_argument, [&] { return m.connect({"ghost", VmIndex{7}, false}); });
  const auto vm_count = static_cast<VmIndex>(m.deployment().vms.size());
  expect_rejected(Errc::invalid_argument, [&] { return m.connect({"one past", vm_count, false}); });
  EXPECT_TRUE(m.connect({"last", VmIndex{vm_count - 1}, false}).ok());
}

// Objects belong to a live client; destroying someone else's object is refused.
TEST_F(ManagerTest, ObjectLifecycleAndOwnership) {
  expect_rejected(Errc::no_such_object, [&] { return m.create_object(ClientId{99}); });
  const ClientId c1 = connect_host();
  const ClientId c2 = connect_host();
  const ObjectId o = m.create_object(c1).value();
  expect_rejected(Errc::no_such_object, [&] { return m.destroy_object(c2, o); });
  expect_rejected(Errc::no_such_object, [&] { return m.destroy_object(c1, o.next()); });
  EXPECT_TRUE(m.destroy_object(c1, o).ok());
  expect_rejected(Errc::no_such_object, [&] { return m.destroy_object(c1, o); });
}

// A device no unit controls cannot be attached or detached (ENOENT).
TEST_F(ManagerTest, AttachUnknownDeviceIsNotFound) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  expect_rejected(Errc::not_found, [&] { return m.attach(c, o, MmioSelector{0x9990000, 0x1000}); });
  expect_rejected(Errc::not_found, [&] { return m.attach(c, o, PciSelector{7, 0, 0}); });
  expect_rejected(Errc::not_found, [&] { return m.detach(c, PciSelector{7, 0, 0}); });
}

// A device owned by another client is busy; moving between one's own objects is fine.
TEST_F(ManagerTest, OneOwnerPerDevice) {
  const ClientId c1 = connect_host();
  const ClientId c2 = connect_host();
  const ObjectId o1 = m.create_object(c1).value();
  const ObjectId o1b = m.create_object(c1).value();
  const ObjectId o2 = m.create_object(c2).value();
  ASSERT_TRUE(m.attach(c1, o1, PciSelector{0, 3, 0}).ok());
  expect_rejected(Errc::busy, [&] { return m.attach(c2, o2, PciSelector{0, 3, 0}); });
  ASSERT_TRUE(m.attach(c1, o1b, PciSelector{0, 3, 0}).ok());
  EXPECT_EQ(m.state().device_object[kDevHostPci], o1b);
  EXPECT_TRUE(m.state().objects.at(o1).devices.empty());
}

// A wildcard selector attaches every match, or none of them when one is busy.
TEST_F(ManagerTest, WildcardAttachIsAllOrNothing) {
  const ClientId c1 = connect_host();
  const ClientId c2 = connect_host();
  const ObjectId o1 = m.create_object(c1).value();
  const ObjectId o2 = m.create_object(c2).value();
  ASSERT_TRUE(m.attach(c2, o2, PciSelector{0, 3, 1}).ok());
  expect_rejected(Errc::busy, [&] { return m.attach(c1, o1, PciSelector{0, 3, kAnyPciField}); });
  ASSERT_TRUE(m.detach(c2, PciSelector{0, 3, 1}).ok());
  ASSERT_TRUE(m.attach(c1, o1, PciSelector{0, 3, kAnyPciField}).ok());
  EXPECT_EQ(m.state().objects.at(o1).devices.size(), 2u);
}

// Configuration-owned devices (with startup mappings) are busy for every client.
TEST_F(ManagerTest, StartupOwnedDeviceIsBusy) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  expect_rejected(Errc::busy, [&] { return m.attach(c, o, MmioSelector{0x3001000, 0x1000}); });
}

// A VM's pass-through device is refused to host clients and invisible to other VMs.
TEST_F(ManagerTest, PassThroughDevicesOnlyForTheirVm) {
  const ClientId host = connect_host();
  const ClientId a = connect_vm(VmIndex{0});
  const ClientId b = connect_vm(VmIndex{1});
  const ObjectId oh = m.create_object(host).value();
  const ObjectId oa = m.create_object(a).value();
  const ObjectId ob = m.create_object(b).value();
  expect_rejected(Errc::permission_denied, [&] { return m.attach(host, oh, PciSelector{0, 1, 0}); });
  expect_rejected(Errc::not_found, [&] { return m.attach(b, ob, PciSelector{0, 1, 0}); });
  expect_rejected(Errc::not_found, [&] { return m.attach(a, oa, PciSelector{0, 3, 0}); });
  EXPECT_TRUE(m.attach(a, oa, PciSelector{0, 1, 0}).ok());
}

// Detaching needs the device to sit in one of the caller's objects.
TEST_F(ManagerTest, DetachRequiresOwnership) {
  const ClientId c1 = connect_host();
  const ClientId c2 = connect_host();
  const ObjectId o1 = m.create_object(c1).value();
  expect_rejected(Errc::not_found, [&] { return m.detach(c1, PciSelector{0, 3, 0}); });
  ASSERT_TRUE(m.attach(c1, o1, PciSelector{0, 3, 0}).ok());
  expect_rejected(Errc::not_found, [&] { return m.detach(c2, PciSelector{0, 3, 0}); });
  expect_rejected(Errc::no_such_object, [&] { return m.detach(ClientId{77}, PciSelector{0, 3, 0}); });
  EXPECT_TRUE(m.detach(c1, PciSelector{0, 3, 0}).ok());
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read).allowed);
}

// Attaching to an object that already has mappings is reported (QNX returns 1),
// and the device gets those mappings at once.
TEST_F(ManagerTest, AttachReportsExistingMappings) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  EXPECT_FALSE(m.attach(c, o, PciSelector{0, 3, 0}).value().reissue_mappings);
  ASSERT_TRUE(map(c, o, identity(0x100000, 0x1000, Perms::rw())).ok());
  EXPECT_TRUE(m.attach(c, o, PciSelector{0, 3, 1}).value().reissue_mappings);
  EXPECT_TRUE(m.access(kDevHostPci2, Iova{0x100800}, AccessKind::write).allowed);
}

// An identity mapping is rounded out to 4 KiB and grants exactly its permissions.
TEST_F(ManagerTest, IdentityMapRoundsToGranule) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, 0}).ok());
  ASSERT_TRUE(map(c, o, identity(0x100ffc, 8, Perm::read)).ok());
  EXPECT_EQ(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read), (AccessResult{true, Hpa{0x100000}}));
  EXPECT_EQ(m.access(kDevHostPci, Iova{0x101fff}, AccessKind::read), (AccessResult{true, Hpa{0x101fff}}));
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x102000}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::write).allowed);
}

// Map requests with bad arguments are refused whole.
TEST_F(ManagerTest, MapRejectsMalformedRequests) {
  const ClientId c = connect_host();
  const ClientId t = connect_host(/*may_target=*/true);
  const ObjectId o = m.create_object(c).value();
  const ObjectId ot = m.create_object(t).value();
  expect_rejected(Errc::invalid_argument, [&] { return map(c, o, MapRequest{Perms::rw(), std::nullopt, {}}); });
  expect_rejected(Errc::invalid_argument, [&] { return map(c, o, identity(0x100000, 0, Perms::rw())); });
  expect_rejected(Errc::invalid_argument, [&] { return map(c, o, identity(kU64Max, 2, Perms::rw())); });
  expect_rejected(Errc::no_such_object, [&] { return map(c, ot, identity(0x100000, 0x1000, Perms::rw())); });
  expect_rejected(Errc::permission_denied,
                  [&] { return map(c, o, MapRequest{Perms::rw(), 0x100000, {{0x1000, 0x1000}}}); });
  expect_rejected(Errc::invalid_argument,
                  [&] { return map(t, ot, MapRequest{Perms::rw(), 0x100000, {{0x1000, 0x1000}, {0x3000, 0x1000}}}); });
  expect_rejected(Errc::invalid_argument,
                  [&] { return map(t, ot, MapRequest{Perms::rw(), 0x100010, {{0x1000, 0x1000}}}); });
  expect_rejected(Errc::invalid_argument,
                  [&] { return map(t, ot, MapRequest{Perms::rw(), kU64Max - 0xfff, {{0x1000, 0x2000}}}); });
}

// Host mappings stay inside permitted memory, clear of reserved pages and VM memory;
// one bad entry rejects the whole request.
TEST_F(ManagerTest, HostMapAdmission) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  expect_rejected(Errc::out_of_range, [&] { return map(c, o, identity(0xff000, 0x2000, Perms::rw())); });
  expect_rejected(Errc::out_of_range, [&] { return map(c, o, identity(0x1000000, 0x1000, Perms::rw())); });
  // The reserved region is 256 bytes, but its whole page is refused.
  expect_rejected(Errc::reserved_region, [&] { return map(c, o, identity(0x200f00, 0x10, Perms::rw())); });
  expect_rejected(Errc::out_of_range, [&] { return map(c, o, identity(0x9ff000, 0x1000, Perms::rw())); });
  expect_rejected(Errc::out_of_range, [&] {
    return map(c, o, MapRequest{Perms::rw(), std::nullopt, {{0x100000, 0x1000}, {0x800000, 0x1000}}});
  });
  EXPECT_TRUE(map(c, o, identity(0x100000, 0x1000, Perms::rw())).ok());
}

// A guest's mapping is translated through its VM's ranges, even across a host
// discontinuity, and may not leave the VM or exceed the VM's permissions.
TEST_F(ManagerTest, GuestMapTranslatesThroughVmRanges) {
  const ClientId a = connect_vm(VmIndex{0});
  const ObjectId o = m.create_object(a).value();
  ASSERT_TRUE(m.attach(a, o, PciSelector{0, 1, 0}).ok());
  ASSERT_TRUE(map(a, o, identity(0x5ff000, 0x2000, Perms::rw())).ok());
  EXPECT_EQ(m.access(kDevVmA, Iova{0x5ff010}, AccessKind::read), (AccessResult{true, Hpa{0x9ff010}}));
  EXPECT_EQ(m.access(kDevVmA, Iova{0x600010}, AccessKind::write), (AccessResult{true, Hpa{0xc00010}}));
  expect_rejected(Errc::out_of_range, [&] { return map(a, o, identity(0x6ff000, 0x2000, Perms::rw())); });
  expect_rejected(Errc::out_of_range, [&] { return map(a, o, identity(0x100000, 0x1000, Perms::rw())); });

  const ClientId b = connect_vm(VmIndex{1});
  const ObjectId ob = m.create_object(b).value();
  expect_rejected(Errc::permission_denied, [&] { return map(b, ob, identity(0x500000, 0x1000, Perms::rw())); });
  EXPECT_TRUE(map(b, ob, identity(0x500000, 0x1000, Perm::read)).ok());
}

// A guest with a target maps its own device address onto guest-physical memory.
TEST_F(ManagerTest, GuestTargetMapping) {
  const ClientId a = connect_vm(VmIndex{0});
  const ObjectId o = m.create_object(a).value();
  ASSERT_TRUE(m.attach(a, o, PciSelector{0, 1, 0}).ok());
  ASSERT_TRUE(map(a, o, MapRequest{Perm::write, 0x400000, {{0x10000000, 0x1000}}}).ok());
  EXPECT_EQ(m.access(kDevVmA, Iova{0x10000004}, AccessKind::write), (AccessResult{true, Hpa{0x800004}}));
  EXPECT_FALSE(m.access(kDevVmA, Iova{0x10000004}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevVmA, Iova{0x400000}, AccessKind::write).allowed);
}

// No permissions means remove; removing part of a mapping splits it.
TEST_F(ManagerTest, UnmapSplitsMappings) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, 0}).ok());
  ASSERT_TRUE(map(c, o, identity(0x100000, 0x4000, Perms::rw())).ok());
  ASSERT_TRUE(map(c, o, identity(0x101000, 0x1000, Perms())).ok());
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x101000}, AccessKind::read).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x102000}, AccessKind::read).allowed);
  EXPECT_EQ(m.state().objects.at(o).mappings.entry_count(), 2u);
}

// A device on a bypass unit fails closed too when its client goes: it is a
// declared stream, not an unconfigured one.
TEST_F(ManagerTest, BypassUnitDeviceFailsClosedAfterDisconnect) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, MmioSelector{0x3002000, 0x1000}).ok());
  ASSERT_TRUE(map(c, o, identity(0x100000, 0x1000, Perms::rw())).ok());
  EXPECT_TRUE(m.access(kDevBypass, Iova{0x100000}, AccessKind::write).allowed);
  EXPECT_FALSE(m.access(kDevBypass, Iova{0x800000}, AccessKind::write).allowed);
  ASSERT_TRUE(m.disconnect(c).ok());
  EXPECT_FALSE(m.access(kDevBypass, Iova{0x100000}, AccessKind::write).allowed);
  EXPECT_FALSE(m.access(kDevBypass, Iova{0x800000}, AccessKind::write).allowed);
  EXPECT_FALSE(m.access(kDevBypass, Iova{kReservedMsi}, AccessKind::write).allowed);
}

// Permission bits beyond read, write and exec (e.g. QNX SMF_VIRT) are refused.
TEST_F(ManagerTest, MapRejectsUnknownPermissionBits) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  expect_rejected(Errc::invalid_argument, [&] { return map(c, o, identity(0x100000, 0x1000, Perms::from_bits(0x8))); });
  expect_rejected(Errc::invalid_argument,
                  [&] { return map(c, o, identity(0x100000, 0x1000, Perms::from_bits(0x9))); });
}

// Requests from a client that does not exist are refused, whatever they ask.
TEST_F(ManagerTest, UnknownClient) {
  expect_rejected(Errc::no_such_object, [&] { return m.attach(ClientId{42}, ObjectId{1}, PciSelector{0, 3, 0}); });
  expect_rejected(Errc::no_such_object, [&] { return map(ClientId{42}, ObjectId{1}, identity(0x100000, 0x1000, Perms::rw())); });
}

// A guest deployment serves no VM clients.
TEST(ManagerGuest, GuestDeploymentRefusesVmClients) {
  Deployment d = make_deployment();
  d.role = Role::guest;
  d.vms.clear();
  Manager guest(std::move(d), true);
  const auto r = guest.connect({"vm", VmIndex{0}, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_TRUE(guest.state().clients.empty());
  // Its own (host-like) clients work: every device is its to grant.
  const ClientId c = guest.connect({"driver", std::nullopt, false}).value();
  const ObjectId o = guest.create_object(c).value();
  EXPECT_TRUE(guest.attach(c, o, PciSelector{0, 1, 0}).ok());
  EXPECT_TRUE(api::qnx::mapping_add(guest, c, o, MapRequest{Perms::rw(), std::nullopt, {{0x800000, 0x1000}}}).ok());
}

// On an Arm stage-1 unit a write-only mapping is readable too, and an exec
// one readable: access() says what the hardware does, not what was asked.
TEST(ManagerCapabilities, AccessReportsWhatTheUnitHolds) {
  Deployment d = make_deployment();
  d.units[0].capabilities.permissions = arm_stage1_holding();
  Manager m(std::move(d), true);
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, 0}).ok());
  ASSERT_TRUE(m.map(c, o, {MappingSpec{IovaRange::from_first_last(0x100000, 0x100fff), Hpa{0x100000}, Perm::write}}).ok());
  ASSERT_TRUE(m.map(c, o, {MappingSpec{IovaRange::from_first_last(0x101000, 0x101fff), Hpa{0x101000}, Perm::exec}}).ok());
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::write).allowed);
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::exec).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x101000}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x101000}, AccessKind::write).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x101000}, AccessKind::exec).allowed);
}

// The exact unit of the fixture holds write-only as write-only.
TEST(ManagerCapabilities, ExactUnitHoldsWriteOnly) {
  Manager m(make_deployment(), true);
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, 0}).ok());
  ASSERT_TRUE(m.map(c, o, {MappingSpec{IovaRange::from_first_last(0x100000, 0x100fff), Hpa{0x100000}, Perm::write}}).ok());
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::write).allowed);
}

// A guest asking for what its VM grants is still refused when the unit would
// hold more: with VM b's first region made write-only, an Arm stage-1 unit
// would hold a write-only request as read+write, beyond the grant.
TEST(ManagerCapabilities, HeldPermissionsStayWithinTheVmsGrant) {
  Deployment d = make_deployment();
  d.units[0].capabilities.permissions = arm_stage1_holding();
  d.vms[1].memory[0].perms = Perms(Perm::write);  // VM b's 0x400000 region: write-only
  d.finalize();
  Manager m(std::move(d), true);
  const ClientId c = m.connect({"vm-b", VmIndex{1}, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 2, 0}).ok());
  const State before = m.state();
  const auto refused =
      m.map(c, o, {MappingSpec{IovaRange::from_first_last(0x400000, 0x400fff), Gpa{0x400000}, Perm::write}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::permission_denied);
  EXPECT_NE(refused.error().message.find("only as rw-"), std::string::npos) << refused.error().message;
  EXPECT_EQ(m.state(), before);
  EXPECT_TRUE(m.map(c, o, {MappingSpec{IovaRange::from_first_last(0x500000, 0x500fff), Gpa{0x500000}, Perm::read}}).ok());
}

// The same rule when a unit joins later: an object a VM's client filled on an
// exact unit cannot take a device on a unit that would widen its grants.
TEST(ManagerCapabilities, AttachRefusesAUnitThatWouldWidenAGuestMapping) {
  Deployment d = make_deployment();
  d.vms[1].memory[0].perms = Perms(Perm::write);
  d.vms[1].passthrough.push_back(kDevBypass);  // VM b also gets the device on the Arm unit u1
  d.units[1].bypass_unconfigured = false;
  d.finalize();
  ASSERT_TRUE(validate_deployment(d).empty());
  Manager m(std::move(d), true);
  const ClientId c = m.connect({"vm-b", VmIndex{1}, false}).value();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 2, 0}).ok());
  ASSERT_TRUE(m.map(c, o, {MappingSpec{IovaRange::from_first_last(0x400000, 0x400fff), Gpa{0x400000}, Perm::write}}).ok());
  const State before = m.state();
  const auto refused = m.attach(c, o, MmioSelector{0x3002000, 0x1000});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::permission_denied);
  EXPECT_NE(refused.error().message.find("dev5-bypass"), std::string::npos) << refused.error().message;
  EXPECT_EQ(m.state(), before);
}

// One address-size rule of the small unit u1, checked on map and when u1
// joins an object whose mapping it cannot hold.
struct SizeRule {
  const char* what;
  void (*narrow)(Deployment&);
  MappingSpec refused_on_u1;
  MappingSpec fits_on_u1;
  MappingSpec fine_on_u0_only;
  Errc code;
  const char* says;
};

void expect_size_rule(const SizeRule& rule) {
  SCOPED_TRACE(rule.what);
  Deployment d = make_deployment();
  rule.narrow(d);
  Manager m(std::move(d), true);
  const ClientId c = m.connect({"host", std::nullopt, /*may_target=*/true}).value();
  const ObjectId small = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, small, MmioSelector{0x3002000, 0x1000}).ok());
  const State before = m.state();
  const auto refused = m.map(c, small, {rule.refused_on_u1});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, rule.code);
  EXPECT_NE(refused.error().message.find(rule.says), std::string::npos) << refused.error().message;
  EXPECT_EQ(m.state(), before);
  EXPECT_TRUE(m.map(c, small, {rule.fits_on_u1}).ok());

  ASSERT_TRUE(m.detach(c, MmioSelector{0x3002000, 0x1000}).ok());
  const ObjectId wide = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, wide, PciSelector{0, 3, 0}).ok());  // u0
  ASSERT_TRUE(m.map(c, wide, {rule.fine_on_u0_only}).ok());
  const State filled = m.state();
  const auto joined = m.attach(c, wide, MmioSelector{0x3002000, 0x1000});
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, rule.code);
  EXPECT_NE(joined.error().message.find("cannot join object"), std::string::npos) << joined.error().message;
  EXPECT_EQ(m.state(), filled);
}

MappingSpec rw_mapping(uint64_t iova, uint64_t hpa) {
  return MappingSpec{IovaRange::from_first_last(iova, iova + 0xfff), Hpa{hpa}, Perms::rw()};
}

// IOVAs beyond a unit's input size (EINVAL) and outputs beyond its output
// size (EFAULT) are refused on map and when a unit with a smaller size joins.
TEST(ManagerCapabilities, AddressSizesBoundMappings) {
  const SizeRule rules[] = {
      {"u1 translates 32-bit IOVAs; u0 all 64 bits", [](Deployment&) {}, rw_mapping(0x100000000, 0x100000),
       rw_mapping(0xfffff000, 0x100000), rw_mapping(0xfffffffffffff000, 0x101000), Errc::invalid_argument,
       "32-bit input addresses of unit 'u1'"},
      {"u1 narrowed to 21-bit outputs (2 MiB)", [](Deployment& d) { d.units[1].capabilities.output_address_bits = 21; },
       rw_mapping(0x201000, 0x201000), rw_mapping(0x1ff000, 0x1ff000), rw_mapping(0x400000, 0x400000),
       Errc::out_of_range, "21-bit output addresses of unit 'u1'"},
  };
  for (const auto& rule : rules) expect_size_rule(rule);
  EXPECT_EQ(to_errno(Errc::out_of_range), EFAULT);
}

// A unit that cannot deny execute holds every read as read+exec, so a VM
// region granted only rw cannot be mapped there, while an rwx one can.
TEST(ManagerCapabilities, UnitsThatCannotDenyExecuteNeedExecutableVmMemory) {
  constexpr uint8_t r = 1, w = 2, x = 4;
  Deployment d = make_deployment();
  d.units[0].capabilities.permissions =
      PermissionHolding::from_table({0, r | x, w, r | w | x, r | x, r | x, r | w | x, r | w | x});  // as VT-d, AMD-Vi
  Manager m(std::move(d), true);
  const ClientId b = m.connect({"vm-b", VmIndex{1}, false}).value();  // VM b's memory is rw and r
  const ObjectId ob = m.create_object(b).value();
  ASSERT_TRUE(m.attach(b, ob, PciSelector{0, 2, 0}).ok());
  const State before = m.state();
  const auto refused = m.map(b, ob, {MappingSpec{IovaRange::from_first_last(0x400000, 0x400fff), Gpa{0x400000}, Perm::read}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::permission_denied);
  EXPECT_EQ(m.state(), before);
  // Write alone is held exactly, and within VM b's rw.
  EXPECT_TRUE(m.map(b, ob, {MappingSpec{IovaRange::from_first_last(0x400000, 0x400fff), Gpa{0x400000}, Perm::write}}).ok());
  const ClientId a = m.connect({"vm-a", VmIndex{0}, false}).value();  // VM a's memory is rwx
  const ObjectId oa = m.create_object(a).value();
  ASSERT_TRUE(m.attach(a, oa, PciSelector{0, 1, 0}).ok());
  EXPECT_TRUE(m.map(a, oa, {MappingSpec{IovaRange::from_first_last(0x400000, 0x400fff), Gpa{0x400000}, Perm::read}}).ok());
  EXPECT_TRUE(m.access(kDevVmA, Iova{0x400000}, AccessKind::exec).allowed);
}

// Units of one context pool share its contexts: an object with a device on
// each uses one, and a second object finds none free.
TEST(ManagerCapabilities, ContextPoolsAreSharedAcrossUnits) {
  Deployment d = make_deployment();
  d.units[0].capabilities.contexts = 1;
  d.units[0].context_pool = "mm";
  d.units[1].context_pool = "mm";
  d.startup_mappings.clear();  // dev4's startup mapping would take u0's one context
  d.finalize();
  ASSERT_TRUE(validate_deployment(d).empty());
  Manager m(std::move(d), true);
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId first = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, first, PciSelector{0, 3, 0}).ok());          // u0
  ASSERT_TRUE(m.attach(c, first, MmioSelector{0x3002000, 0x1000}).ok());  // u1: the same object, the same context
  const ObjectId second = m.create_object(c).value();
  const State before = m.state();
  const auto refused = m.attach(c, second, PciSelector{0, 3, 1});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::no_resources);
  EXPECT_EQ(m.state(), before);
}

// u1 holds one context: a device moves between objects only through a detach,
// because a move makes the new domain before it empties the old one.
TEST(ManagerCapabilities, ContextsRunOut) {
  Manager m(make_deployment(), true);
  const ClientId c = m.connect({"host", std::nullopt, false}).value();
  const ObjectId first = m.create_object(c).value();
  const ObjectId second = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, first, MmioSelector{0x3002000, 0x1000}).ok());
  const State before = m.state();
  const auto moved = m.attach(c, second, MmioSelector{0x3002000, 0x1000});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, Errc::no_resources);
  EXPECT_EQ(to_errno(moved.error().code), ENOMEM);
  EXPECT_NE(moved.error().message.find("1 of 1 in use"), std::string::npos) << moved.error().message;
  EXPECT_EQ(m.state(), before);
  ASSERT_TRUE(m.detach(c, MmioSelector{0x3002000, 0x1000}).ok());
  EXPECT_TRUE(m.attach(c, second, MmioSelector{0x3002000, 0x1000}).ok());
}

// The core's own operations take exact requests: aligned ranges, memory of
// the client's own kind, disjoint ranges, real permissions. What a client API
// would round or reinterpret is refused here, whole.
TEST_F(ManagerTest, CoreMapTakesExactRequestsOnly) {
  const ClientId c = connect_host();
  const ClientId a = connect_vm(VmIndex{0});
  const ObjectId o = m.create_object(c).value();
  const ObjectId oa = m.create_object(a).value();
  auto spec = [](uint64_t first, uint64_t last, ClientMemory memory, Perms perms = Perms::rw()) {
    return MappingSpec{IovaRange::from_first_last(first, last), memory, perms};
  };
  expect_rejected(Errc::invalid_argument, [&] { return m.map(c, o, {}); });
  expect_rejected(Errc::invalid_argument, [&] { return m.map(c, o, {spec(0x100000, 0x100ffe, Hpa{0x100000})}); });
  expect_rejected(Errc::invalid_argument, [&] { return m.map(c, o, {spec(0x100800, 0x1017ff, Hpa{0x100800})}); });
  expect_rejected(Errc::invalid_argument, [&] { return m.map(c, o, {spec(0x100000, 0x100fff, Hpa{0x100000}, Perms{})}); });
  expect_rejected(Errc::invalid_argument,
                  [&] { return m.map(c, o, {spec(0x100000, 0x100fff, Hpa{0x100000}, Perms::from_bits(9))}); });
  // Memory of the wrong kind: a host client names host-physical memory, a VM's client guest-physical.
  expect_rejected(Errc::invalid_argument, [&] { return m.map(c, o, {spec(0x100000, 0x100fff, Gpa{0x100000})}); });
  expect_rejected(Errc::invalid_argument, [&] { return m.map(a, oa, {spec(0x400000, 0x400fff, Hpa{0x400000})}); });
  // Overlapping ranges in one request say two things about the same addresses.
  expect_rejected(Errc::invalid_argument, [&] {
    return m.map(c, o, {spec(0x100000, 0x101fff, Hpa{0x100000}), spec(0x101000, 0x101fff, Hpa{0x101000})});
  });
  // Device addresses onto other memory need the target ability.
  expect_rejected(Errc::permission_denied, [&] { return m.map(c, o, {spec(0x1000, 0x1fff, Hpa{0x100000})}); });
  EXPECT_TRUE(m.map(c, o, {spec(0x100000, 0x100fff, Hpa{0x100000}), spec(0x102000, 0x102fff, Hpa{0x102000})}).ok());
}

// map refuses addresses already mapped; replace replaces them; unmap removes
// exactly its ranges, may name unmapped ones, and refuses unaligned ones.
TEST_F(ManagerTest, CoreMapReplaceUnmap) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, 0}).ok());
  const auto r = IovaRange::from_first_last(0x100000, 0x103fff);
  ASSERT_TRUE(m.map(c, o, {MappingSpec{r, Hpa{0x100000}, Perms::rw()}}).ok());
  const auto inner = IovaRange::from_first_last(0x101000, 0x101fff);
  expect_rejected(Errc::busy, [&] { return m.map(c, o, {MappingSpec{inner, Hpa{0x101000}, Perm::read}}); });
  ASSERT_TRUE(m.replace(c, o, {MappingSpec{inner, Hpa{0x101000}, Perm::read}}).ok());
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x101000}, AccessKind::write).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x102000}, AccessKind::write).allowed);
  expect_rejected(Errc::invalid_argument, [&] { return m.unmap(c, o, {IovaRange::from_first_last(0x100000, 0x100ffe)}); });
  expect_rejected(Errc::invalid_argument, [&] { return m.unmap(c, o, {}); });
  ASSERT_TRUE(m.unmap(c, o, {IovaRange::from_first_last(0x102000, 0x102fff), IovaRange::from_first_last(0x102000, 0x108fff)}).ok());
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_TRUE(m.access(kDevHostPci, Iova{0x101000}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x102000}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x103000}, AccessKind::read).allowed);
}

// When a client goes, its objects go and its devices fail closed.
TEST_F(ManagerTest, DisconnectFailsClosed) {
  const ClientId c = connect_host();
  const ObjectId o = m.create_object(c).value();
  ASSERT_TRUE(m.attach(c, o, PciSelector{0, 3, 0}).ok());
  ASSERT_TRUE(map(c, o, identity(0x100000, 0x1000, Perms::rw())).ok());
  ASSERT_TRUE(m.disconnect(c).ok());
  EXPECT_FALSE(m.access(kDevHostPci, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_TRUE(m.state().objects.empty());
  EXPECT_FALSE(m.state().device_object[kDevHostPci].has_value());
  expect_rejected(Errc::no_such_object, [&] { return m.disconnect(c); });
  // The device is free for another client now.
  const ClientId c2 = connect_host();
  EXPECT_TRUE(m.attach(c2, m.create_object(c2).value(), PciSelector{0, 3, 0}).ok());
}

// Unattached devices have no access but their startup mappings; a bypass unit
// lets through only streams that no device owns.
TEST_F(ManagerTest, EffectiveAccessWhenUnattached) {
  EXPECT_FALSE(m.access(kDevHost, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access(kDevVmA, Iova{0x400000}, AccessKind::read).allowed);
  EXPECT_EQ(m.access(kDevStartup, Iova{0x300010}, AccessKind::write), (AccessResult{true, Hpa{0x300010}}));
  EXPECT_FALSE(m.access(kDevStartup, Iova{0x310000}, AccessKind::write).allowed);
  EXPECT_FALSE(m.access(kDevStartup, Iova{0x300010}, AccessKind::exec).allowed);
  EXPECT_FALSE(m.access(kDevBypass, Iova{0x123}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access_stream(kUnit1, 3, Iova{0x123}, AccessKind::read).allowed);
  EXPECT_FALSE(m.access_stream(kUnit0, 0x77, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_TRUE(m.access_stream(kUnit1, 0x77, Iova{0x100000}, AccessKind::read).allowed);
  EXPECT_EQ(m.access_stream(kUnit0, 2, Iova{0x300000}, AccessKind::read), (AccessResult{true, Hpa{0x300000}}));
}

}  // namespace
}  // namespace smmuman::core
