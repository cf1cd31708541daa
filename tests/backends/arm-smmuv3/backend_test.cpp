// The SMMUv3 backend against the independent model (smmuv3_model.hpp):
// random histories of core operations from several clients and VMs through
// prepare/commit, checked after every step against Manager::access_stream,
// with one fault record per denial; sabotage switches that must be noticed;
// bring-up on unusual ID values.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include "backend_rig.hpp"
#include "fixtures.hpp"
#include "smmuman/hw/arm_smmuv3_backend.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuman/models/smmuv3_model.hpp"

namespace {

using namespace smmuman;
using smmuv3_model::Ids;
using smmuv3_model::Model;
using smmuv3_model::SimDma;
namespace v3 = hw::arm_smmuv3;

// One SMMUv3 unit: the model of the manual and the backend driving it.
using Sabotage = backend_rig::Sabotage<v3::Sabotage>;

// The fixture's two units as models with `ids`, sabotaged as asked.
class Rig : public backend_rig::TypedRig<Model, smmuv3_model::Access, v3::Backend> {
 public:
  explicit Rig(Ids ids, const Sabotage& sabotage = {}) : TypedRig("arm-smmuv3", ids, sabotage) {}
};

using backend_rig::Counts;
using backend_rig::env_number;
using backend_rig::run_history;
using backend_rig::scripted_history;
using backend_rig::page;
using backend_rig::selector_of;

struct ModelCase {
  const char* name;
  Ids ids;
};

Ids without(Ids ids, unsigned reg, uint32_t mask) {
  (reg == 0 ? ids.idr0 : reg == 1 ? ids.idr1 : reg == 3 ? ids.idr3 : ids.idr5) &= ~mask;
  return ids;
}

std::vector<ModelCase> model_cases() {
  const Ids t = Ids::typical();
  Ids oas40 = t;
  oas40.idr5 = (oas40.idr5 & ~7u) | 2u;  // 40-bit OAS
  Ids vmid8 = without(t, 0, 1u << 18);
  Ids tiny = t;
  tiny.idr1 = (tiny.idr1 & ~((31u << 21) | (31u << 16))) | (2u << 21) | (1u << 16);  // 4 commands, 2 events
  return {
      {"typical", t},
      {"no_range_invalidation", without(t, 3, 1u << 10)},
      {"linear_stream_table_only", without(t, 0, 3u << 27)},
      {"oas_40_bits", oas40},
      {"vmid_8_bits", vmid8},
      {"tiny_queues", tiny},
  };
}

class Differential : public testing::TestWithParam<ModelCase> {};

TEST_P(Differential, ModelAgreesWithTheCoreAfterEveryStep) {
  Counts counts;
  const Ids ids = GetParam().ids;
  EXPECT_EQ(backend_rig::run_differential([ids] { return std::make_unique<Rig>(ids); }, GetParam().name,
                                          "SMMUMAN_SMMUV3_SEED", counts),
            "");
  EXPECT_GT(counts.maps, 0u);
  EXPECT_GT(counts.unmaps, 0u);
}

INSTANTIATE_TEST_SUITE_P(Models, Differential, testing::ValuesIn(model_cases()),
                         [](const testing::TestParamInfo<ModelCase>& info) { return std::string(info.param.name); });

TEST(Smmuv3Sabotage, TheScriptedHistoryPassesUnsabotaged) {
  Rig rig(Ids::typical());
  ASSERT_EQ(rig.problem, "");
  EXPECT_EQ(scripted_history(rig), "");
}

struct SabotageCase {
  const char* name;
  Sabotage sabotage;
  const char* expected;  // a part of the disagreement it must cause
};

class SabotageTest : public testing::TestWithParam<SabotageCase> {};

TEST_P(SabotageTest, IsNoticed) {
  for (const Ids& ids : {Ids::typical(), without(Ids::typical(), 3, 1u << 10)}) {
    Rig rig(ids, GetParam().sabotage);
    ASSERT_EQ(rig.problem, "");
    const std::string e = scripted_history(rig);
    std::printf("%s: %s\n", GetParam().name, e.c_str());
    EXPECT_NE(e.find(GetParam().expected), std::string::npos) << e;
  }
}

SabotageCase sabotage(const char* name, const char* expected, auto&& set) {
  SabotageCase c{name, {}, expected};
  set(c.sabotage);
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Switches, SabotageTest,
    testing::Values(sabotage("omitted_tlbi", "unmapped: ", [](Sabotage& s) { s.driver.skip_tlbi = true; }),
                    sabotage("omitted_cfgi_ste", "attached", [](Sabotage& s) { s.driver.skip_cfgi = true; }),
                    sabotage("missing_cmd_sync", "model allows", [](Sabotage& s) { s.driver.skip_sync = true; }),
                    sabotage("wrong_permission_bit", "write at", [](Sabotage& s) { s.extra_perms = hw::kLeafWrite; }),
                    sabotage("block_overshoots_its_range", "mapped: ", [](Sabotage& s) { s.block_overshoot = true; }),
                    sabotage("ste_valid_before_its_words", "live STE", [](Sabotage& s) { s.driver.ste_valid_first = true; })),
    [](const testing::TestParamInfo<SabotageCase>& info) { return std::string(info.param.name); });

// The rig sabotages a backend after its bring-up; this switch acts during it.
TEST(Smmuv3Sabotage, GbpaLeftBypassingIsTheModelsFailOpenHazard) {
  for (const bool sabotaged : {false, true}) {
    SimDma dma;
    Model model(dma, Ids::typical());
    v3::Driver<hw::Mmio, hw::Dma> driver(model, dma);
    driver.sabotage.skip_gbpa_abort = sabotaged;
    ASSERT_EQ(driver.probe(), v3::Error::none);
    hw::Geometry g;
    ASSERT_EQ(hw::derive_geometry(v3::page_tables::aarch64_s2_4k, g, 40, 40), hw::GeometryProblem::none);
    ASSERT_EQ(driver.bring_up(v3::Options{}, dma.allocate(g.root_bytes), g), v3::Error::none);
    const bool noticed = !model.hazards().empty() && model.hazards().front().find("fail-open") != std::string::npos;
    EXPECT_EQ(noticed, sabotaged) << (model.hazards().empty() ? "no hazard" : model.hazards().front());
  }
}

// ---- Bring-up on unusual ID values ---------------------------------------------------------------

// Brings one unit with the described capabilities up on a model with `ids`.
std::string bring_up_error(Ids ids) {
  SimDma dma;
  Model model(dma, ids);
  core::Unit unit{"u0", *hw::described_capabilities("arm-smmuv3"), "", std::nullopt, false, {}};
  auto b = v3::Backend::create(model, dma, unit, 0);
  return b.ok() ? "" : b.error().message;
}

TEST(Smmuv3BringUp, RefusesUnitsItCannotDriveWithAClearError) {
  EXPECT_NE(bring_up_error(without(Ids::typical(), 0, 1u)).find("S2P"), std::string::npos);
  Ids only16k = without(Ids::typical(), 5, (1u << 4) | (1u << 6));
  only16k.idr5 |= 1u << 5;
  const std::string e = bring_up_error(only16k);
  EXPECT_NE(e.find("unit u0"), std::string::npos) << e;
  EXPECT_NE(e.find("4 KiB"), std::string::npos) << e;
  EXPECT_NE(bring_up_error(without(Ids::typical(), 0, 3u << 2)).find("TTF"), std::string::npos);
}

TEST(Smmuv3BringUp, StartsFailClosedAndProgramsTheManualsOrder) {
  Rig rig(Ids::typical());
  ASSERT_EQ(rig.problem, "");
  const auto& f = rig.backend(0).driver().features();
  EXPECT_TRUE(f.two_level_stream_table);
  EXPECT_TRUE(rig.backend(0).driver().two_level());
  EXPECT_TRUE(rig.model(0).enabled());
  EXPECT_EQ(rig.model(0).read32(0x44) & (1u << 20), 1u << 20) << "GBPA.ABORT set before SMMUEN could be cleared";
  EXPECT_EQ(rig.model(0).read32(0x24), rig.model(0).read32(0x20)) << "CR0ACK shows CR0";
  // An undeclared stream on u0 faults; on u1 (bypass_unconfigured) it passes.
  EXPECT_FALSE(rig.model(0).access(7, 0x1000, smmuv3_model::Access::read).allowed);
  EXPECT_TRUE(rig.model(1).access(7, 0x1000, smmuv3_model::Access::read).allowed);
  EXPECT_TRUE(rig.model(0).hazards().empty());
}

TEST(Smmuv3BringUp, LinearTableWithoutTwoLevelSupport) {
  Rig rig(without(Ids::typical(), 0, 3u << 27));
  ASSERT_EQ(rig.problem, "");
  EXPECT_FALSE(rig.backend(0).driver().two_level());
  EXPECT_EQ(rig.compare_all(), "");
}

TEST(Smmuv3Events, QueueOverflowIsReportedAsSuch) {
  Ids tiny = Ids::typical();
  tiny.idr1 = (tiny.idr1 & ~(31u << 16)) | (1u << 16);  // two event records
  Rig rig(tiny);
  ASSERT_EQ(rig.problem, "");
  for (int i = 0; i < 5; ++i) rig.model(0).access(1, 0x1000 * i, smmuv3_model::Access::read);
  const auto faults = rig.system().collect_faults();
  ASSERT_FALSE(faults.empty());
  size_t overflows = 0, streams = 0;
  for (const auto& f : faults) {
    if (f.record.reason == hw::FaultReason::overflow) ++overflows;
    if (f.record.stream_known && f.record.stream == 1) {
      ++streams;
      EXPECT_EQ(f.record.reason, hw::FaultReason::stream_aborted);
      EXPECT_EQ(f.device, core::test::kDevHost);
    }
  }
  EXPECT_EQ(overflows, 1u);
  EXPECT_EQ(streams, 2u) << "a queue of two holds two records: the wrap flags tell full from empty";
  // Acknowledged: the next fault is recorded again, with no second overflow.
  rig.model(0).access(1, 0x9000, smmuv3_model::Access::write);
  const auto again = rig.system().collect_faults();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].record.access, hw::FaultAccess::write);
}

TEST(Smmuv3Commands, AnIllegalCommandIsRecoveredNotWaitedOn) {
  Rig rig(Ids::typical());
  ASSERT_EQ(rig.problem, "");
  rig.model(0).reject_opcode_once = 0x03;  // the next CMD_CFGI_STE
  core::Manager& m = rig.manager();
  auto c = m.connect({"host", std::nullopt, true});
  ASSERT_TRUE(c.ok());
  auto o = m.create_object(c.value());
  ASSERT_TRUE(o.ok());
  ASSERT_TRUE(m.map(c.value(), o.value(), {{core::IovaRange::from_first_last(0x10000, 0x10fff), core::Hpa{0x500000}, core::Perm::read}}).ok());
  ASSERT_TRUE(m.attach(c.value(), o.value(), selector_of(m.deployment(), core::test::kDevHost)).ok());
  EXPECT_EQ(rig.model(0).command_errors(), 1u);
  EXPECT_EQ(rig.backend(0).driver().stats().command_errors, 1u);
  EXPECT_EQ(rig.compare_all(), "") << "the lost CFGI_STE was made good by invalidating everything";
}

// A unit that stops consuming commands costs one bounded wait; then every
// prepare refuses, naming why, and nothing changes.
TEST(Smmuv3Commands, AUnitThatStopsConsumingIsRefusedNotWaitedOnForever) {
  Rig rig(Ids::typical());
  ASSERT_EQ(rig.problem, "");
  core::Manager& m = rig.manager();
  const auto h = backend_rig::host_object(m, core::test::kDevHost);
  ASSERT_TRUE(h);
  ASSERT_TRUE(m.map(h->client, h->object, {page(0x10000, 0x500000, core::Perm::read)}).ok());
  rig.model(0).stalled = true;
  // The commit cannot fail: the unmap is the core's, the unit's sync times out (bounded).
  EXPECT_TRUE(m.unmap(h->client, h->object, {core::IovaRange::from_first_last(0x10000, 0x10fff)}).ok());
  EXPECT_FALSE(rig.backend(0).driver().healthy());
  const auto before = m.state().objects.at(h->object).mappings.entries();
  const auto refused = m.map(h->client, h->object, {page(0x20000, 0x500000, core::Perm::read)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::Errc::no_resources);
  EXPECT_NE(refused.error().message.find("unit u0: the command queue stopped consuming"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(m.state().objects.at(h->object).mappings.entries(), before);
  // The other unit is unaffected.
  EXPECT_TRUE(rig.backend(1).driver().healthy());
}

TEST(Smmuv3Prepare, RefusalLeavesHardwareAndMemoryUnchanged) {
  Rig rig(Ids::typical());
  ASSERT_EQ(rig.problem, "");
  core::Manager& m = rig.manager();
  const auto h = backend_rig::host_object(m, core::test::kDevHost);
  ASSERT_TRUE(h);
  const uint64_t live = rig.dma().live_bytes();
  rig.dma().allocations_left = 0;
  const auto s = m.map(h->client, h->object, {page(0x10000, 0x500000, core::Perm::read)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::Errc::no_resources);
  EXPECT_NE(s.error().message.find("unit u0"), std::string::npos) << s.error().message;
  EXPECT_EQ(rig.dma().live_bytes(), live);
  rig.dma().allocations_left.reset();
  EXPECT_EQ(rig.compare_all({0x10000}), "");
  EXPECT_EQ(rig.dma().bad_releases(), 0u);
}

TEST(Smmuv3Invalidation, OneGibibyteUnmapIsAtMostTwoRangeCommandsOrTheMinimalCover) {
  struct Case {
    bool ril;
    uint64_t first, last, leaf;
    uint64_t most;
  };
  const uint64_t gib = uint64_t{1} << 30;
  for (const Case& k : {Case{true, gib, 2 * gib - 1, 4096, 2}, Case{true, gib + 0x5000, 2 * gib + 0x2fff, 4096, 2},
                        Case{true, 0x3000, 0x3fff, 4096, 1}, Case{false, gib, 2 * gib - 1, gib, 1},
                        Case{false, 0x200000, 0x5fffff, 0x200000, 2}, Case{false, gib, 2 * gib - 1, 4096, 1}}) {
    Rig rig(k.ril ? Ids::typical() : without(Ids::typical(), 3, 1u << 10));
    ASSERT_EQ(rig.problem, "");
    auto& driver = rig.backend(0).driver();
    const uint64_t before = driver.stats().tlbi;
    driver.invalidate_s2(1, hw::Invalidation{true, k.first, k.last, false, k.leaf, k.leaf});
    EXPECT_EQ(driver.sync(), v3::Error::none);
    EXPECT_LE(driver.stats().tlbi - before, k.most) << std::hex << k.first << ".." << k.last << " leaf " << k.leaf;
    EXPECT_GE(driver.stats().tlbi - before, 1u);
    EXPECT_EQ(rig.model(0).command_errors(), 0u);
  }
}

}  // namespace
