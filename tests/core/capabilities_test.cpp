// Unit capabilities as data: the holding-table rules, narrowing, and the
// deployment checks that use them.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "smmuman/core/capabilities.hpp"
#include "smmuman/core/deployment.hpp"

namespace smmuman::core {
namespace {

using namespace test;
constexpr uint8_t r = 1, w = 2, x = 4;

TEST(PermissionHolding, ExactAndArmStage1Tables) {
  EXPECT_FALSE(holding_problem(PermissionHolding::exact()));
  EXPECT_FALSE(holding_problem(arm_stage1_holding()));
  EXPECT_EQ(arm_stage1_holding().held(Perm::write), Perms::rw());
  EXPECT_EQ(arm_stage1_holding().held(Perm::exec), Perms(Perm::read) | Perm::exec);
  EXPECT_EQ(arm_stage1_holding().held(Perms::rw()), Perms::rw());
  EXPECT_TRUE(PermissionHolding::exact().is_exact());
  EXPECT_FALSE(arm_stage1_holding().is_exact());
}

// Each rule a table must obey, broken once.
TEST(PermissionHolding, BrokenTablesAreNamed) {
  struct Case {
    PermissionHolding::Table table;
    const char* says;
  };
  const Case cases[] = {
      {{r, r, w, r | w, x, r | x, w | x, r | w | x}, "nothing requested must hold nothing"},
      {{0, 0, w, r | w, x, r | x, w | x, r | w | x}, "grants less than was asked"},             // r held as nothing
      {{0, r, r | w, r | w, x, r | x, w | x, r | w | x}, "asking for more may not hold less"},  // w -> rw but wx -> wx
      {{0, r | w, w, r | w, x, r | x, w | x, r | w | x}, "asking for more may not hold less"},  // r -> rw but rx -> rx
      {{0, r, r | w, r | w | x, x, r | x, w | x, r | w | x}, "what is held must hold as itself"},  // w -> rw -> rwx
      {{0, r, w | 8, r | w, x, r | x, w | x, r | w | x}, "unknown bits"},
  };
  for (const auto& c : cases) {
    const auto problem = holding_problem(PermissionHolding::from_table(c.table));
    ASSERT_TRUE(problem) << c.says;
    EXPECT_NE(problem->find(c.says), std::string::npos) << *problem;
  }
  // Widening further than needed is allowed, as long as the rules hold.
  EXPECT_FALSE(holding_problem(PermissionHolding::from_table({0, r, w, r | w | x, x, r | x, w | x, r | w | x})));
}

TEST(UnitCapabilities, ProblemsAreNamed) {
  EXPECT_FALSE(capabilities_problem(exact_unit_capabilities()));
  EXPECT_FALSE(capabilities_problem(small_arm_unit_capabilities()));
  auto broken = [](auto change) {
    UnitCapabilities caps = exact_unit_capabilities();
    change(caps);
    const auto problem = capabilities_problem(caps);
    return problem ? *problem : std::string("(none)");
  };
  EXPECT_EQ(broken([](auto& c) { c.architecture.clear(); }), "no architecture");
  EXPECT_EQ(broken([](auto& c) { c.input_address_bits = 65; }), "input_address_bits must be 13..64, not 65");
  EXPECT_EQ(broken([](auto& c) { c.output_address_bits = 12; }), "output_address_bits must be 13..64, not 12");
  EXPECT_EQ(broken([](auto& c) { c.page_sizes = 0x10000; }),
            "page sizes 64K do not include 4K, the granule of every mapping");
  EXPECT_EQ(broken([](auto& c) { c.page_sizes = 0x1800; }), "page sizes 2K 4K include sizes below 4K");
  EXPECT_EQ(broken([](auto& c) { c.stream_id_bits = 33; }), "stream_id_bits must be 1..32, not 33");
  EXPECT_EQ(broken([](auto& c) { c.contexts = 0; }), "contexts must be at least 1");
  EXPECT_NE(broken([](auto& c) { c.permissions = PermissionHolding::from_table({0, 0, 2, 3, 4, 5, 6, 7}); })
                .find("permissions: "),
            std::string::npos);
}

TEST(UnitCapabilities, AddressAndStreamLimits) {
  const UnitCapabilities caps = small_arm_unit_capabilities();
  EXPECT_TRUE(caps.holds_input(0xffffffff));
  EXPECT_FALSE(caps.holds_input(0x100000000));
  EXPECT_TRUE(caps.holds_output(0xffffffffff));
  EXPECT_FALSE(caps.holds_output(0x10000000000));
  EXPECT_TRUE(caps.holds_stream_id(0xff));
  EXPECT_FALSE(caps.holds_stream_id(0x100));
  EXPECT_TRUE(exact_unit_capabilities().holds_input(kU64Max));
  UnitCapabilities counted = caps;
  counted.stream_id_count = 48;  // an R-Car Gen3 IPMMU: 48 micro-TLBs in 6 bits
  counted.stream_id_bits = 6;
  EXPECT_TRUE(counted.holds_stream_id(47));
  EXPECT_FALSE(counted.holds_stream_id(48));
  EXPECT_FALSE(capabilities_problem(counted));
  counted.stream_id_count = 65;
  EXPECT_EQ(capabilities_problem(counted).value_or(""), "65 stream IDs do not fit 6 bits");
}

// What a unit reports can only narrow its architecture's limits.
TEST(UnitCapabilities, NarrowingTakesTheSmallerOfEach) {
  UnitCapabilities most = exact_unit_capabilities();
  UnitCapabilities reported = most;
  reported.input_address_bits = 39;
  reported.output_address_bits = 52;  // more than the architecture: ignored
  reported.page_sizes = 0x1000 | 0x10000;
  reported.stream_id_bits = 6;
  reported.contexts = 8;
  reported.permissions = PermissionHolding::from_table({0, 1, 3, 3, 5, 5, 7, 7});
  const UnitCapabilities out = narrowed(most, reported);
  EXPECT_EQ(out.input_address_bits, 39u);
  EXPECT_EQ(out.output_address_bits, 48u);
  EXPECT_EQ(out.page_sizes, 0x1000u);
  EXPECT_EQ(out.stream_id_bits, 6u);
  EXPECT_EQ(out.contexts, 8u);
  EXPECT_TRUE(out.permissions.is_exact());
  EXPECT_EQ(out.architecture, most.architecture);
}

TEST(UnitCapabilities, PageSizesPrint) {
  EXPECT_EQ(page_sizes_to_string(0x1000 | 0x200000 | 0x40000000), "4K 2M 1G");
  EXPECT_EQ(page_sizes_to_string(uint64_t{1} << 39), "512G");
  EXPECT_EQ(page_sizes_to_string(0), "none");
}

std::vector<std::string> messages(const Deployment& d) {
  std::vector<std::string> out;
  for (const auto& e : validate_deployment(d)) out.push_back(e.message);
  return out;
}
bool mentions(const std::vector<std::string>& list, const std::string& text) {
  for (const auto& m : list) {
    if (m.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(DeploymentCapabilities, BadCapabilitiesNameTheUnit) {
  Deployment d = make_deployment();
  d.units[1].capabilities.contexts = 0;
  EXPECT_TRUE(mentions(messages(d), "unit 'u1' (fixture-arm-s1): contexts must be at least 1"));
}

TEST(DeploymentCapabilities, StartupMappingsFitTheirUnit) {
  Deployment d = make_deployment();
  d.units[0].capabilities.input_address_bits = 20;   // the startup mapping sits at 0x300000
  d.units[0].capabilities.output_address_bits = 21;  // and targets 0x300000
  d.finalize();
  const auto list = messages(d);
  EXPECT_TRUE(mentions(list, "beyond the 20-bit input addresses of unit 'u0'"));
  EXPECT_TRUE(mentions(list, "beyond the 21-bit output addresses of unit 'u0'"));
}

TEST(DeploymentCapabilities, StartupDevicesUseContexts) {
  Deployment d = make_deployment();
  d.devices[kDevStartup].unit = kUnit1;  // u1 holds one context
  d.devices[kDevStartup].stream_ids = {4};
  d.devices.push_back(Device{"dev7-startup", DeviceIdent{MmioId{HpaRange::from_first_last(0x3004000, 0x3004fff)}},
                             kUnit1, {5}, {}});
  d.startup_mappings.push_back(StartupMapping{DeviceIndex{7}, IovaRange::from_first_last(0x0, 0xfff), 0x310000,
                                              Perm::read, {}});
  d.finalize();
  EXPECT_TRUE(mentions(messages(d), "unit 'u1': 2 devices have startup mappings, but the unit holds 1 translation contexts"));
}

TEST(DeploymentCapabilities, ContextPools) {
  Deployment d = make_deployment();
  d.units[0].context_pool = "mm";
  d.units[1].context_pool = "mm";
  EXPECT_TRUE(mentions(messages(d), "unit 'u1' shares context pool 'mm' with unit 'u0' but has 1 contexts, not 65536"));
  d.units[1].capabilities.contexts = 65536;
  EXPECT_TRUE(messages(d).empty());
  d.units[1].context_pool = "bad\tname";
  EXPECT_TRUE(mentions(messages(d), "unit 'u1': context pool"));
}

TEST(DeploymentCapabilities, PassThroughUnitsReachTheirVmsMemory) {
  Deployment d = make_deployment();
  d.units[0].capabilities.output_address_bits = 23;  // VM a's 0xc00000 region lies beyond 8 MiB
  d.finalize();
  EXPECT_TRUE(mentions(messages(d), "beyond the 23-bit output addresses of unit 'u0', which translates its device "
                                    "'dev1-vm-a'"));
}

TEST(DeploymentCapabilities, StreamIdsFitTheUnit) {
  Deployment d = make_deployment();
  d.units[0].capabilities.stream_id_bits = 4;  // dev1 uses stream 8... fits; dev2 uses 16
  EXPECT_TRUE(mentions(messages(d), "stream ID 0x10 does not fit unit 'u0' (4 bits)"));
}

}  // namespace
}  // namespace smmuman::core
