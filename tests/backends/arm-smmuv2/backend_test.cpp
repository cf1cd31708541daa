// The SMMUv2 / MMU-500 backend against the independent model
// (models/smmuv2_model.hpp): random histories checked after every step
// against Manager::access_stream with one fault record per denial,
// sabotage switches that must be noticed, stream match groups, and
// bring-up on unusual ID values.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "backend_rig.hpp"
#include "fixtures.hpp"
#include "smmuman/hw/arm_smmuv2_backend.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuman/models/smmuv2_model.hpp"

namespace {

using namespace smmuman;
using sim::SimDma;
using smmuv2_model::Ids;
using smmuv2_model::Model;
namespace v2 = hw::arm_smmuv2;
using backend_rig::Counts;
using backend_rig::env_number;
using backend_rig::run_history;
using backend_rig::scripted_history;
using backend_rig::selector_of;

using Sabotage = backend_rig::Sabotage<v2::Sabotage>;

// The fixture's two units as models with `ids`, sabotaged as asked.
class Rig : public backend_rig::TypedRig<Model, smmuv2_model::Access, v2::Backend> {
 public:
  explicit Rig(Ids ids, const Sabotage& sabotage = {}) : TypedRig("arm-smmuv2", ids, sabotage) {}
};

struct ModelCase {
  const char* name;
  Ids ids;
};

std::vector<ModelCase> model_cases() {
  return {
      {"mmu500_16_banks", Ids::mmu500(16, 48)},
      {"mmu500_8_banks", Ids::mmu500(8, 48)},
      {"mmu500_3_banks_12_groups", Ids::mmu500(3, 12)},
  };
}

class Differential : public testing::TestWithParam<ModelCase> {};

TEST_P(Differential, ModelAgreesWithTheCoreAfterEveryStep) {
  Counts counts;
  const Ids ids = GetParam().ids;
  EXPECT_EQ(backend_rig::run_differential([ids] { return std::make_unique<Rig>(ids); }, GetParam().name,
                                          "SMMUMAN_SMMUV2_SEED", counts),
            "");
  EXPECT_GT(counts.maps, 0u);
  EXPECT_GT(counts.unmaps, 0u);
}

INSTANTIATE_TEST_SUITE_P(Models, Differential, testing::ValuesIn(model_cases()),
                         [](const testing::TestParamInfo<ModelCase>& info) { return std::string(info.param.name); });

TEST(Smmuv2Sabotage, TheScriptedHistoryPassesUnsabotaged) {
  Rig rig(Ids::mmu500(8, 48));
  ASSERT_EQ(rig.problem, "");
  EXPECT_EQ(scripted_history(rig), "");
}

struct SabotageCase {
  const char* name;
  Sabotage sabotage;
  const char* expected;
};

class SabotageTest : public testing::TestWithParam<SabotageCase> {};

TEST_P(SabotageTest, IsNoticed) {
  Rig rig(Ids::mmu500(8, 48), GetParam().sabotage);
  ASSERT_EQ(rig.problem, "");
  const std::string e = scripted_history(rig);
  std::printf("%s: %s\n", GetParam().name, e.c_str());
  EXPECT_NE(e.find(GetParam().expected), std::string::npos) << e;
}

SabotageCase sabotage(const char* name, const char* expected, auto&& set) {
  SabotageCase c{name, {}, expected};
  set(c.sabotage);
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Switches, SabotageTest,
    testing::Values(sabotage("omitted_tlbi", "unmapped: ", [](Sabotage& s) { s.driver.skip_tlbi = true; }),
                    sabotage("missing_tlbsync", "unmapped: ", [](Sabotage& s) { s.driver.skip_sync = true; }),
                    sabotage("wrong_permission_bit", "write at", [](Sabotage& s) { s.extra_perms = hw::kLeafWrite; }),
                    sabotage("block_overshoots_its_range", "mapped: ", [](Sabotage& s) { s.block_overshoot = true; }),
                    sabotage("smr_enabled_before_its_s2cr", "S2CR", [](Sabotage& s) { s.driver.smr_before_s2cr = true; })),
    [](const testing::TestParamInfo<SabotageCase>& info) { return std::string(info.param.name); });

// ---- Stream match groups -------------------------------------------------------------------------

TEST(Smmuv2Groups, MasksCoverOnlyTheDevicesOwnStreams) {
  using G = std::vector<std::pair<uint32_t, uint32_t>>;
  EXPECT_EQ(v2::match_groups({0x4c0, 0x4c1, 0x4c2, 0x4c3}), (G{{0x4c0, 3}}));
  EXPECT_EQ(v2::match_groups({0x868, 0x869, 0x86a, 0x86b, 0x86c, 0x86d, 0x86e, 0x86f}), (G{{0x868, 7}}));
  EXPECT_EQ(v2::match_groups({0x10, 0x11, 0x13}), (G{{0x10, 1}, {0x13, 0}}));
  EXPECT_EQ(v2::match_groups({0x11, 0x12}), (G{{0x11, 0}, {0x12, 0}})) << "0x10-0x13 would take in 0x10 and 0x13";
  EXPECT_EQ(v2::match_groups({7, 7, 8}), (G{{7, 0}, {8, 0}}));
}

// ---- Bring-up, faults, refusals ------------------------------------------------------------------

std::string bring_up_error(Ids ids) {
  SimDma dma;
  Model model(dma, ids);
  core::Unit unit{"u0", *hw::described_capabilities("arm-smmuv2"), "", std::nullopt, false, {}};
  auto b = v2::Backend::create(model, dma, unit, 0);
  return b.ok() ? "" : b.error().message;
}

TEST(Smmuv2BringUp, RefusesUnitsItCannotDriveWithAClearError) {
  Ids no_s2 = Ids::mmu500();
  no_s2.idr0 &= ~(1u << 29);  // IHI0062 9 SMMU_IDR0.S2TS
  EXPECT_NE(bring_up_error(no_s2).find("S2TS"), std::string::npos);
  Ids indexing = Ids::mmu500();
  indexing.idr0 &= ~(1u << 27);  // SMS
  EXPECT_NE(bring_up_error(indexing).find("SMS"), std::string::npos);
  Ids no4k = Ids::mmu500();
  no4k.idr2 &= ~(1u << 12);  // PTFSV8_4KB
  const std::string e = bring_up_error(no4k);
  EXPECT_NE(e.find("unit u0 (arm-smmuv2)"), std::string::npos) << e;
  EXPECT_NE(e.find("4 KiB"), std::string::npos) << e;
  EXPECT_EQ(bring_up_error(Ids::mmu500(8, 48)), "");
}

TEST(Smmuv2BringUp, FailsClosedAndUnmatchedStreamsFaultWithARecord) {
  Rig rig(Ids::mmu500(8, 48));
  ASSERT_EQ(rig.problem, "");
  // u0 faults a stream no device owns (USFCFG = 1); u1 passes it through.
  EXPECT_FALSE(rig.model(0).access(0x7ff, 0x1000, smmuv2_model::Access::read).allowed);
  EXPECT_TRUE(rig.model(1).access(0x7ff, 0x1000, smmuv2_model::Access::read).allowed);
  const auto faults = rig.system().collect_faults();
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].record.stream, 0x7ffu);
  EXPECT_EQ(faults[0].record.address, 0x1000u);
  EXPECT_FALSE(faults[0].device.has_value());
  EXPECT_TRUE(rig.model(0).hazards().empty());
}

// The core counts context banks itself; stream match groups are the
// backend's to count, and running out of them is a refusal in prepare.
TEST(Smmuv2Groups, NoFreeGroupIsARefusalThatChangesNothing) {
  Rig rig(Ids::mmu500(8, 3));  // three groups; the fixture's startup device takes one
  ASSERT_EQ(rig.problem, "");
  core::Manager& m = rig.manager();
  const core::Deployment& d = m.deployment();
  auto c = m.connect({"host", std::nullopt, true});
  ASSERT_TRUE(c.ok());
  std::vector<core::ObjectId> objects;
  for (int i = 0; i < 3; ++i) objects.push_back(m.create_object(c.value()).value());
  ASSERT_TRUE(m.attach(c.value(), objects[0], selector_of(d, core::test::kDevHost)).ok());
  ASSERT_TRUE(m.attach(c.value(), objects[1], selector_of(d, core::test::kDevHostPci)).ok());
  const uint64_t live = rig.dma().live_bytes();
  const unsigned groups = rig.backend(0).groups_in_use();
  const auto refused = m.attach(c.value(), objects[2], selector_of(d, core::test::kDevHostPci2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::Errc::no_resources);
  EXPECT_NE(refused.error().message.find("unit u0: no free stream match group"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(rig.dma().live_bytes(), live);
  EXPECT_EQ(rig.backend(0).groups_in_use(), groups);
  EXPECT_EQ(rig.compare_all(), "");
  // Freeing a group makes room.
  ASSERT_TRUE(m.detach(c.value(), selector_of(d, core::test::kDevHost)).ok());
  EXPECT_TRUE(m.attach(c.value(), objects[2], selector_of(d, core::test::kDevHostPci2)).ok());
  EXPECT_EQ(rig.compare_all(), "");
}

TEST(Smmuv2Contexts, EightBanksServeSevenObjectsAndTheStartupDevice) {
  Rig rig(Ids::mmu500(8, 48));
  ASSERT_EQ(rig.problem, "");
  core::Manager& m = rig.manager();
  const core::Deployment& d = m.deployment();
  auto c = m.connect({"host", std::nullopt, true});
  ASSERT_TRUE(c.ok());
  // The fixture's u0 has dev0, dev3 and dev6 for the host: three banks, plus the startup one.
  for (core::DeviceIndex dev : {core::test::kDevHost, core::test::kDevHostPci, core::test::kDevHostPci2}) {
    auto o = m.create_object(c.value());
    ASSERT_TRUE(o.ok());
    ASSERT_TRUE(m.attach(c.value(), o.value(), selector_of(d, dev)).ok());
    ASSERT_TRUE(m.map(c.value(), o.value(), {{core::IovaRange::from_first_last(0x10000, 0x1ffff), core::Hpa{0x500000}, core::Perms::rw()}}).ok());
  }
  EXPECT_EQ(rig.backend(0).domains().size(), 3u);
  EXPECT_EQ(rig.backend(0).startup_domains().size(), 1u);
  EXPECT_EQ(rig.compare_all(), "");
}

// A bank no domain uses any more keeps translating, through an empty table:
// SCTLR.M = 0 would let a stream still pointing at it bypass (IHI0062 17.3.3).
TEST(Smmuv2Contexts, ARetiredBankStaysEnabledAndTranslatesNothing) {
  Rig rig(Ids::mmu500(8, 48));
  ASSERT_EQ(rig.problem, "");
  core::Manager& m = rig.manager();
  const auto h = backend_rig::host_object(m, core::test::kDevHost);
  ASSERT_TRUE(h);
  ASSERT_TRUE(m.map(h->client, h->object, {backend_rig::page(0x10000, 0x500000, core::Perms::rw())}).ok());
  ASSERT_EQ(rig.backend(0).domains().size(), 1u);
  const unsigned bank = rig.backend(0).domains().begin()->second.context.bank;
  const uint64_t base = rig.backend(0).driver().layout().GLOBAL_SIZE + bank * rig.backend(0).driver().layout().PAGESIZE;
  const uint64_t ttbr_in_use = rig.model(0).read64(base + 0x20);  // IHI0062 17.3.9 CBn_TTBR0
  ASSERT_TRUE(m.destroy_object(h->client, h->object).ok());
  EXPECT_EQ(rig.model(0).read32(base) & 1u, 1u) << "SCTLR.M";
  EXPECT_NE(rig.model(0).read64(base + 0x20), ttbr_in_use) << "TTBR0 still names the freed tables";
  EXPECT_EQ(rig.compare_all(), "");
}

}  // namespace
