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

#include "fixtures.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/hw/arm_smmuv3_backend.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuv3_model.hpp"

namespace {

using namespace smmuman;
using smmuv3_model::Ids;
using smmuv3_model::Model;
using smmuv3_model::SimDma;
namespace v3 = hw::arm_smmuv3;

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

// The registry reads the model's ID registers.
struct ModelReader : hw::UnitRegisterReader {
  explicit ModelReader(Model& m) : model(m) {}
  uint32_t read32(uint64_t offset) override { return model.read32(offset); }
  uint64_t read64(uint64_t offset) override { return model.read64(offset); }
  Model& model;
};

struct Sabotage {
  v3::Sabotage driver;
  uint8_t extra_perms = 0;
  bool block_overshoot = false;
};

// Two SMMUv3 units on the core fixture's platform (u1 bypasses streams no
// device owns), each a model sharing one physical memory.
class Rig {
 public:
  explicit Rig(Ids ids, const Sabotage& sabotage = {}) {
    for (int u = 0; u < 2; ++u) models_.push_back(std::make_unique<Model>(dma_, ids));
    core::Deployment d = core::test::make_deployment();
    for (size_t u = 0; u < d.units.size(); ++u) {
      ModelReader reader(*models_[u]);
      d.units[u].capabilities = *hw::probed_capabilities("arm-smmuv3", reader);
      d.units[u].registers.reset();
    }
    d.finalize();
    manager_ = std::make_unique<core::Manager>(std::move(d), /*check_invariants=*/true);
    std::vector<std::unique_ptr<hw::UnitBackend>> units;
    for (size_t u = 0; u < 2; ++u) {
      auto b = v3::Backend::create(*models_[u], dma_, manager_->deployment().units[u], static_cast<uint32_t>(u));
      if (!b) {
        problem = b.error().message;
        return;
      }
      b.value()->driver().sabotage = sabotage.driver;
      b.value()->sabotage_extra_perms = sabotage.extra_perms;
      b.value()->sabotage_block_overshoot = sabotage.block_overshoot;
      backends_.push_back(b.value().get());
      units.push_back(std::move(b.value()));
    }
    system_ = std::make_unique<hw::HardwareSystem>(manager_->deployment(), std::move(units));
    if (auto s = manager_->attach_hardware(*system_); !s) problem = s.error().message;
  }

  core::Manager& manager() { return *manager_; }
  Model& model(size_t u) { return *models_[u]; }
  v3::Backend& backend(size_t u) { return *backends_[u]; }
  hw::HardwareSystem& system() { return *system_; }
  SimDma& dma() { return dma_; }
  std::string problem;

  // Compares one DMA: the model's answer and the core's, and the faults the
  // backend reports for it. Empty when they agree.
  std::string compare(core::UnitIndex unit, uint32_t sid, uint64_t addr, core::AccessKind kind) {
    const core::AccessResult want = manager_->access_stream(unit, sid, core::Iova{addr}, kind);
    static constexpr smmuv3_model::Access kKinds[] = {smmuv3_model::Access::read, smmuv3_model::Access::write,
                                                      smmuv3_model::Access::exec};
    const smmuv3_model::Outcome got = models_[unit]->access(sid, addr, kKinds[static_cast<int>(kind)]);
    const auto faults = system_->collect_faults();
    const std::string where = fmt::format("unit {} stream {:#x} {} at {:#x}", static_cast<uint32_t>(unit), sid,
                                          core::to_string(kind), addr);
    if (got.allowed != want.allowed || (want.allowed && got.pa != want.hpa.value())) {
      return fmt::format("{}: model {} {:#x}, core {} {:#x}", where, got.allowed ? "allows" : "denies", got.pa,
                         want.allowed ? "allows" : "denies", want.hpa.value());
    }
    if (want.allowed) {
      if (!faults.empty()) return fmt::format("{}: allowed, yet {} fault records", where, faults.size());
      return "";
    }
    if (faults.size() != 1) return fmt::format("{}: denied with {} fault records, not 1", where, faults.size());
    const hw::FaultRecord& r = faults[0].record;
    if (!r.stream_known || r.stream != sid || r.unit != unit) return fmt::format("{}: the fault names stream {:#x}", where, r.stream);
    if (r.address_known && r.address != addr) return fmt::format("{}: the fault names address {:#x}", where, r.address);
    static constexpr hw::FaultAccess kAccess[] = {hw::FaultAccess::read, hw::FaultAccess::write, hw::FaultAccess::exec};
    if (r.address_known && r.access != kAccess[static_cast<int>(kind)]) return fmt::format("{}: the fault names a {}", where, hw::to_string(r.access));
    return "";
  }

  // Both ends of every mapping, one byte outside each, the startup mappings
  // and `extra` addresses, for every declared stream and two no device owns.
  std::string compare_all(const std::set<uint64_t>& extra = {}) {
    for (const auto& h : models_) {
      if (!h->hazards().empty()) return "model: " + h->hazards().front();
    }
    const core::Deployment& d = manager_->deployment();
    std::set<uint64_t> addrs = extra;
    for (const auto& [id, object] : manager_->state().objects) {
      for (const auto& e : object.mappings.entries()) {
        addrs.insert(e.in.first());
        addrs.insert(e.in.last());
        if (e.in.first() > 0) addrs.insert(e.in.first() - 1);
        addrs.insert(e.in.last() + 1);
      }
    }
    for (const auto& s : d.startup_mappings) {
      addrs.insert(s.iova.first());
      addrs.insert(s.iova.last());
      addrs.insert(s.iova.last() + 1);
    }
    std::vector<std::pair<core::UnitIndex, uint32_t>> streams;
    for (const auto& dev : d.devices) {
      for (uint32_t sid : dev.stream_ids) streams.emplace_back(dev.unit, sid);
    }
    for (core::UnitIndex u{0}; u < d.units.size(); ++u) {
      streams.emplace_back(u, 5);       // in a level-2 table no device uses
      streams.emplace_back(u, 0x1234);  // beyond every level-2 table made
    }
    for (uint64_t a : addrs) {
      for (const auto& [unit, sid] : streams) {
        for (core::AccessKind k : {core::AccessKind::read, core::AccessKind::write, core::AccessKind::exec}) {
          if (std::string e = compare(unit, sid, a, k); !e.empty()) return e;
          ++compared;
        }
      }
    }
    for (const auto* b : backends_) {
      if (b->pool().unreserved_allocations() != 0) return "a commit took a table prepare had not reserved";
    }
    return "";
  }
  uint64_t compared = 0;

 private:
  SimDma dma_;
  std::vector<std::unique_ptr<Model>> models_;
  std::unique_ptr<core::Manager> manager_;
  std::vector<v3::Backend*> backends_;
  std::unique_ptr<hw::HardwareSystem> system_;
};

core::DeviceSelector selector_of(const core::Deployment& d, core::DeviceIndex dev) {
  const core::Device& device = d.devices[dev];
  if (const auto* mmio = std::get_if<core::MmioId>(&device.ident)) {
    return core::MmioSelector{mmio->registers.first(), mmio->registers.last() - mmio->registers.first() + 1};
  }
  const auto& pci = std::get<core::PciAddress>(device.ident);
  return core::PciSelector{pci.bus, pci.dev, pci.func};
}

struct Counts {
  uint64_t operations = 0, accepted = 0, maps = 0, unmaps = 0, compared = 0;
};

// One random history; the first disagreement, or empty.
std::string run_history(Rig& rig, std::mt19937_64& rng, Counts& counts, int steps) {
  core::Manager& m = rig.manager();
  const core::Deployment& d = m.deployment();
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  constexpr uint64_t kPage = 0x1000;
  std::vector<core::ClientId> clients;
  std::vector<std::pair<core::ClientId, core::ObjectId>> objects;
  for (int step = 0; step < steps; ++step) {
    ++counts.operations;
    const uint64_t kind = below(20);
    bool accepted = false;
    if (kind < 2 || clients.empty()) {
      core::ClientSpec spec{"c" + std::to_string(step), std::nullopt, below(4) != 0};
      if (below(2) == 0) spec.vm = core::VmIndex{static_cast<uint32_t>(below(2))};
      auto c = m.connect(spec);
      if (c.ok()) clients.push_back(c.value());
      accepted = c.ok();
    } else if (kind < 4) {
      const core::ClientId c = clients[below(clients.size())];
      auto o = m.create_object(c);
      if (o.ok()) objects.emplace_back(c, o.value());
      accepted = o.ok();
    } else if (kind < 8 && !objects.empty()) {
      const auto [c, o] = objects[below(objects.size())];
      accepted = m.attach(c, o, selector_of(d, core::DeviceIndex{static_cast<uint32_t>(below(d.devices.size()))})).ok();
    } else if (kind < 14 && !objects.empty()) {
      const auto [c, o] = objects[below(objects.size())];
      const bool vm = m.state().clients.at(c).spec.vm.has_value();
      // Mostly small maps, some 2 MiB-aligned to make blocks, some large.
      const bool aligned = below(4) == 0;
      const uint64_t iova = aligned ? below(8) << 21 : below(0x400) * kPage;
      const uint64_t pages = aligned ? 512 * (1 + below(2)) : 1 + below(below(4) == 0 ? 0x200 : 16);
      core::ClientMemory memory = vm ? core::ClientMemory{core::Gpa{aligned ? 0x400000 : 0x400000 + below(0x300) * kPage}}
                                     : core::ClientMemory{core::Hpa{aligned ? 0x400000 : core::test::kMemFirst + below(0xf00) * kPage}};
      const core::Perms perms = core::Perms::from_bits(static_cast<uint32_t>(1 + below(7)));
      core::MappingSpec spec{core::IovaRange::from_first_last(iova, iova + pages * kPage - 1), memory, perms};
      accepted = (below(3) == 0 ? m.replace(c, o, {spec}) : m.map(c, o, {spec})).ok();
      if (accepted) ++counts.maps;
    } else if (kind < 18 && !objects.empty()) {
      const auto [c, o] = objects[below(objects.size())];
      const uint64_t first = below(0x800) * kPage;
      accepted = m.unmap(c, o, {core::IovaRange::from_first_last(first, first + (1 + below(0x200)) * kPage - 1)}).ok();
      if (accepted) ++counts.unmaps;
    } else if (kind == 18 && !objects.empty()) {
      const size_t i = below(objects.size());
      accepted = m.destroy_object(objects[i].first, objects[i].second).ok();
      if (accepted) objects.erase(objects.begin() + static_cast<long>(i));
    } else if (!clients.empty()) {
      const core::ClientId c = clients[below(clients.size())];
      if (below(2) == 0) {
        accepted = m.detach(c, selector_of(d, core::DeviceIndex{static_cast<uint32_t>(below(d.devices.size()))})).ok();
      } else if (m.disconnect(c).ok()) {
        accepted = true;
        std::erase(clients, c);
        std::erase_if(objects, [&](const auto& co) { return co.first == c; });
      }
    }
    if (accepted) ++counts.accepted;
    std::set<uint64_t> probes;
    for (int i = 0; i < 4; ++i) probes.insert(below(0x1000) * kPage + below(kPage));
    if (std::string e = rig.compare_all(probes); !e.empty()) return fmt::format("step {}: {}", step, e);
  }
  counts.compared += rig.compared;
  return "";
}

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
  const uint64_t histories = std::max<uint64_t>(2, env_number("SMMUMAN_PROPERTY_CASES", 100) / 25);
  const uint64_t seed = env_number("SMMUMAN_SMMUV3_SEED", std::random_device{}());
  std::printf("%s: %llu histories, seed %llu (replay with SMMUMAN_SMMUV3_SEED)\n", GetParam().name,
              static_cast<unsigned long long>(histories), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  Counts counts;
  for (uint64_t h = 0; h < histories; ++h) {
    Rig rig(GetParam().ids);
    ASSERT_EQ(rig.problem, "");
    ASSERT_EQ(rig.compare_all(), "") << "after bring-up";
    const std::string e = run_history(rig, rng, counts, 60);
    ASSERT_EQ(e, "") << "history " << h << ", seed " << seed;
  }
  std::printf("%s: %llu operations, %llu accepted, %llu maps, %llu unmaps, %llu comparisons\n", GetParam().name,
              static_cast<unsigned long long>(counts.operations), static_cast<unsigned long long>(counts.accepted),
              static_cast<unsigned long long>(counts.maps), static_cast<unsigned long long>(counts.unmaps),
              static_cast<unsigned long long>(counts.compared));
  EXPECT_GT(counts.maps, 0u);
  EXPECT_GT(counts.unmaps, 0u);
}

INSTANTIATE_TEST_SUITE_P(Models, Differential, testing::ValuesIn(model_cases()),
                         [](const testing::TestParamInfo<ModelCase>& info) { return std::string(info.param.name); });

// A fixed history that exercises every rule a sabotage breaks: a 4 KiB map
// at a 2 MiB boundary, a read-only map, an access that fills the TLB, an
// unmap, a detach and an attach to another object.
std::string scripted_history(Rig& rig) {
  core::Manager& m = rig.manager();
  const core::Deployment& d = m.deployment();
  const auto check = [&](const char* what) -> std::string {
    std::string e = rig.compare_all({0x200000, 0x201000, 0x10000, 0x10fff});
    return e.empty() ? "" : std::string(what) + ": " + e;
  };
  auto c = m.connect({"host", std::nullopt, true});
  if (!c) return "connect: " + c.error().message;
  auto o = m.create_object(c.value());
  if (!o) return "create: " + o.error().message;
  if (!m.attach(c.value(), o.value(), selector_of(d, core::test::kDevHost))) return "attach failed";
  if (std::string e = check("attached, nothing mapped"); !e.empty()) return e;
  core::MappingSpec small{core::IovaRange::from_first_last(0x200000, 0x200fff), core::Hpa{0x400000}, core::Perm::read};
  core::MappingSpec page{core::IovaRange::from_first_last(0x10000, 0x10fff), core::Hpa{0x500000}, core::Perm::read};
  if (!m.map(c.value(), o.value(), {small, page})) return "map failed";
  if (std::string e = check("mapped"); !e.empty()) return e;
  if (!m.unmap(c.value(), o.value(), {core::IovaRange::from_first_last(0x10000, 0x10fff)})) return "unmap failed";
  if (std::string e = check("unmapped"); !e.empty()) return e;
  if (!m.detach(c.value(), selector_of(d, core::test::kDevHost))) return "detach failed";
  if (std::string e = check("detached"); !e.empty()) return e;
  auto o2 = m.create_object(c.value());
  if (!o2) return "create: " + o2.error().message;
  core::MappingSpec other{core::IovaRange::from_first_last(0x10000, 0x10fff), core::Hpa{0x600000}, core::Perms::rw()};
  if (!m.map(c.value(), o2.value(), {other})) return "map failed";
  if (!m.attach(c.value(), o2.value(), selector_of(d, core::test::kDevHost))) return "attach failed";
  return check("attached elsewhere");
}

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

TEST(Smmuv3Prepare, RefusalLeavesHardwareAndMemoryUnchanged) {
  Rig rig(Ids::typical());
  ASSERT_EQ(rig.problem, "");
  core::Manager& m = rig.manager();
  auto c = m.connect({"host", std::nullopt, true});
  auto o = m.create_object(c.value());
  ASSERT_TRUE(m.attach(c.value(), o.value(), selector_of(m.deployment(), core::test::kDevHost)).ok());
  const uint64_t live = rig.dma().live_bytes();
  rig.dma().allocations_left = 0;
  const auto s = m.map(c.value(), o.value(), {{core::IovaRange::from_first_last(0x10000, 0x10fff), core::Hpa{0x500000}, core::Perm::read}});
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
