// Differential: the page tables that the core's plans build agree with the
// core's reference semantics. A core::Manager runs random histories (clients
// connect and go, objects are made, devices attached and detached, ranges
// mapped and unmapped) on the core tests' fixture platform whose units are
// real described architectures (their capabilities from the unit registry),
// using each described page-table format in turn (its address sizes, leaf
// sizes and held permissions become the units').
// Its hardware layer builds one page-table engine per domain, and one per
// device with startup mappings, in the unit's domain format, from the plan
// steps alone. After every operation, a walk of those tables must give what
// Manager::access gives, for every stream of every device, at the first and
// last byte of every mapping, one byte outside each end, and random probes;
// and the tables allocated must be exactly those the engines reach.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "random_operations.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/hw/arena_tables.hpp"
#include "smmuman/hw/page_table_engine.hpp"
#include "smmuman/hw/unit_registry.hpp"

namespace smmuman {
namespace {

using core::AccessKind;
using core::AccessResult;
using Engine = hw::PageTableEngine<hw::ArenaTables>;

uint8_t leaf_bits(core::Perms p) {
  return static_cast<uint8_t>((p.has(core::Perm::read) ? hw::kLeafRead : 0) |
                              (p.has(core::Perm::write) ? hw::kLeafWrite : 0) |
                              (p.has(core::Perm::exec) ? hw::kLeafExec : 0));
}

uint8_t leaf_bit(AccessKind k) {
  switch (k) {
    case AccessKind::read: return hw::kLeafRead;
    case AccessKind::write: return hw::kLeafWrite;
    case AccessKind::exec: return hw::kLeafExec;
  }
  return 0;
}

// A hardware layer that programs page tables, in one format, from plans.
// Prepare accepts (the arena is large); commit applies each step through the
// engine's own prepare and commit, and records any step the engine refuses.
class PageTableHardware final : public core::HardwareLayer {
 public:
  PageTableHardware(const core::Deployment& d, const hw::PageTableFormat& format) : d_(d), memory_(uint64_t{8} << 30) {
    for (const core::Unit& unit : d.units) {
      hw::Geometry g;
      if (hw::derive_geometry(format, g, unit.capabilities.input_address_bits, unit.capabilities.output_address_bits,
                              unit.capabilities.page_sizes) != hw::GeometryProblem::none) {
        problem = "unit " + unit.name + ": its sizes do not fit the format";
      }
      geometry_.push_back(g);
    }
  }

  std::string problem;  // the first step the tables could not take

  core::Status prepare(const core::Plan&) override { return core::Ok{}; }

  void commit(const core::Plan& plan) noexcept override {
    for (const core::PlanStep& step : plan.steps) std::visit([&](const auto& s) { apply(s); }, step);
  }

  AccessResult access_stream(core::UnitIndex unit, uint32_t sid, uint64_t addr, AccessKind kind) const {
    auto it = streams_.find({unit, sid});
    if (it == streams_.end()) return d_.units[unit].bypass_unconfigured ? AccessResult{true, core::Hpa{addr}} : AccessResult{};
    const Engine* engine = nullptr;
    if (const auto* s = std::get_if<core::StartupTarget>(&it->second)) {
      auto found = startup_.find(s->device);
      if (found != startup_.end()) engine = found->second.get();
    } else if (const auto* domain = std::get_if<core::DomainId>(&it->second)) {
      auto found = domains_.find(*domain);
      if (found != domains_.end()) engine = found->second.get();
    }
    if (engine == nullptr) return {};
    const hw::WalkResult w = engine->lookup(addr);
    if (!w.mapped || (w.perms & leaf_bit(kind)) == 0) return {};
    return {true, core::Hpa{w.output}};
  }

  // The tables every engine reaches, against what the arena holds.
  std::string leak() const {
    uint64_t reached = 0;
    for (const auto& [id, e] : domains_) reached += e->census().tables;
    for (const auto& [id, e] : startup_) reached += e->census().tables;
    if (reached != memory_.live_tables()) {
      return std::to_string(memory_.live_tables()) + " tables allocated, " + std::to_string(reached) + " reachable";
    }
    return "";
  }

 private:
  std::unique_ptr<Engine> new_engine(core::UnitIndex unit) {
    auto e = std::make_unique<Engine>(geometry_[unit], memory_);
    if (!e->init()) note("out of table memory");
    return e;
  }
  void note(const std::string& why) {
    if (problem.empty()) problem = why;
  }
  void change(Engine& e, const hw::Change& c, const char* what) {
    auto p = e.prepare(c);
    if (!p.ok()) {
      note(std::string(what) + ": " + hw::to_string(p.refusal()));
      return;
    }
    e.commit(p);
  }
  void map_entry(Engine& e, const core::DomainEntry& entry) {
    change(e, {hw::ChangeKind::map, entry.in.first(), entry.in.last() - entry.in.first() + 1, entry.out_first,
               leaf_bits(entry.attr.perms)},
           "map");
  }

  void apply(const core::step::CreateDomain& s) { domains_[s.domain] = new_engine(s.domain.unit); }
  void apply(const core::step::Map& s) {
    auto it = domains_.find(s.domain);
    if (it == domains_.end()) return note("map into a domain never created");
    map_entry(*it->second, s.entry);
  }
  void apply(const core::step::Unmap& s) {
    auto it = domains_.find(s.domain);
    if (it == domains_.end()) return note("unmap from a domain never created");
    // Nothing lies beyond the input size, so the range is clipped to it (a
    // client may remove up to the top of the 64-bit space).
    const unsigned bits = geometry_[s.domain.unit].input_bits;
    const uint64_t top = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    if (s.range.first() > top) return;
    const uint64_t last = s.range.last() < top ? s.range.last() : top;
    change(*it->second, {hw::ChangeKind::unmap, s.range.first(), last - s.range.first() + 1, 0, 0}, "unmap");
  }
  void apply(const core::step::BindStreams& s) {
    for (uint32_t sid : s.stream_ids) streams_[{s.unit, sid}] = s.to;
    if (std::holds_alternative<core::StartupTarget>(s.to)) {
      auto engine = new_engine(s.unit);
      for (const auto& entry : s.startup) map_entry(*engine, entry);
      startup_[s.device] = std::move(engine);
    }
  }
  void apply(const core::step::DestroyDomain& s) { domains_.erase(s.domain); }

  const core::Deployment& d_;
  hw::ArenaTables memory_;
  std::vector<hw::Geometry> geometry_;
  std::map<core::DomainId, std::unique_ptr<Engine>> domains_;
  std::map<core::DeviceIndex, std::unique_ptr<Engine>> startup_;
  std::map<std::pair<core::UnitIndex, uint32_t>, core::StreamTarget> streams_;
};

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

struct Counts {
  uint64_t operations = 0, accepted = 0, maps = 0, compared = 0, compared_mapped = 0;
};

// One architecture, and one of its page-table formats (its domain format
// or another it describes).
struct DifferentialCase {
  std::string label;
  std::string arch;
  const hw::PageTableFormat* format;
};

void PrintTo(const DifferentialCase& c, std::ostream* os) { *os << c.label; }

class ManagerDifferential : public testing::TestWithParam<DifferentialCase> {};

// What a unit using `format` holds: the architecture's stream IDs, contexts
// and frame, with the format's address sizes, leaf sizes and held permissions.
core::UnitCapabilities capabilities_for(const std::string& arch, const hw::PageTableFormat& format) {
  core::UnitCapabilities caps = *hw::described_capabilities(arch);
  caps.input_address_bits = format.input_bits_max;
  caps.output_address_bits = format.output_bits_max;
  hw::Geometry full;
  hw::derive_geometry(format, full);
  caps.page_sizes = full.page_sizes();
  caps.permissions = hw::holding_of(format.held);
  return caps;
}

// The fixture platform with every unit of the architecture, using `format`.
core::Deployment deployment_for(const DifferentialCase& c, bool guest) {
  core::Deployment d = guest ? core::test::make_guest_deployment() : core::test::make_deployment();
  for (core::Unit& unit : d.units) unit.capabilities = capabilities_for(c.arch, *c.format);
  for (core::Unit& unit : d.units) unit.registers.reset();
  d.finalize();
  return d;
}

void run_history(const DifferentialCase& c, bool guest, std::mt19937_64& rng, Counts& counts) {
  const std::string& arch = c.label;
  const hw::PageTableFormat* format = c.format;
  ASSERT_NE(format, nullptr);
  core::Manager m(deployment_for(c, guest), /*check_invariants=*/true);
  PageTableHardware hw(m.deployment(), *format);
  ASSERT_EQ(hw.problem, "");
  ASSERT_TRUE(m.attach_hardware(hw).ok());
  const core::Deployment& d = m.deployment();
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  constexpr uint64_t kPage = 0x1000;

  auto compare_at = [&](uint64_t addr) {
    for (core::DeviceIndex dev{0}; dev < d.devices.size(); ++dev) {
      for (AccessKind k : {AccessKind::read, AccessKind::write, AccessKind::exec}) {
        const AccessResult want = m.access(dev, core::Iova{addr}, k);
        for (uint32_t sid : d.devices[dev].stream_ids) {
          ASSERT_EQ(hw.access_stream(d.devices[dev].unit, sid, addr, k), want)
              << arch << ": device " << d.devices[dev].name << " stream " << sid << " at " << std::hex << addr << " "
              << core::to_string(k);
        }
        ++counts.compared;
        if (want.allowed) ++counts.compared_mapped;
      }
    }
  };

  core::test::RandomClients clients;
  for (int step = 0; step < 60; ++step) {
    ++counts.operations;
    const core::test::RandomOutcome op = core::test::random_operation(m, rng, clients, step, /*vm_clients=*/!guest);
    if (op.accepted) ++counts.accepted;
    if (op.accepted && op.op == core::test::RandomOp::map) ++counts.maps;
    ASSERT_EQ(hw.problem, "") << arch << " step " << step;
    ASSERT_EQ(hw.leak(), "") << arch << " step " << step;
    // Both ends of every mapping and one byte outside each, then random probes.
    std::set<uint64_t> addrs;
    for (const auto& [id, object] : m.state().objects) {
      for (const auto& e : object.mappings.entries()) {
        addrs.insert(e.in.first());
        addrs.insert(e.in.last());
        if (e.in.first() > 0) addrs.insert(e.in.first() - 1);
        if (e.in.last() < ~uint64_t{0}) addrs.insert(e.in.last() + 1);
      }
    }
    for (const auto& s : d.startup_mappings) {
      addrs.insert(s.iova.first());
      addrs.insert(s.iova.last());
      addrs.insert(s.iova.last() + 1);
    }
    for (int i = 0; i < 4; ++i) addrs.insert(below(0x500) * kPage + below(kPage));
    for (uint64_t a : addrs) {
      compare_at(a);
      if (testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST_P(ManagerDifferential, TablesBuiltFromPlansAgreeWithAccess) {
  const std::string arch = GetParam().label;
  const uint64_t histories =
      std::max<uint64_t>(2, env_number("SMMUMAN_PROPERTY_CASES", env_number("SMMUMAN_PROPERTY_CASES_DEFAULT", 100)) / 20);
  const uint64_t seed = env_number("SMMUMAN_PAGE_TABLE_SEED", std::random_device{}());
  std::printf("%s: %llu histories per deployment, seed %llu (replay with SMMUMAN_PAGE_TABLE_SEED)\n", arch.c_str(),
              static_cast<unsigned long long>(histories), static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  Counts counts;
  for (uint64_t h = 0; h < histories; ++h) {
    for (bool guest : {false, true}) {
      run_history(GetParam(), guest, rng, counts);
      if (HasFatalFailure()) return;
    }
  }
  std::printf("%s: %llu operations, %llu accepted, %llu maps; %llu comparisons, %llu of them granted\n", arch.c_str(),
              static_cast<unsigned long long>(counts.operations), static_cast<unsigned long long>(counts.accepted),
              static_cast<unsigned long long>(counts.maps), static_cast<unsigned long long>(counts.compared),
              static_cast<unsigned long long>(counts.compared_mapped));
  EXPECT_GT(counts.maps, 0u) << "no history mapped anything";
  EXPECT_GT(counts.compared_mapped, 0u) << "no comparison met a mapped address";
}

// Every described architecture with its domain format, and each other
// format it describes, as the unit's. Not the Arm 16 and 64 KiB granules: the
// core maps in 4 KiB pages (QNX's), and refuses a unit without them, so those
// formats serve no core domain; the law suite covers them.
std::vector<DifferentialCase> differential_cases() {
  std::vector<DifferentialCase> out;
  for (const std::string& arch : hw::described_architectures()) {
    if (const hw::PageTableFormat* domain = hw::domain_page_table(arch)) out.push_back({arch, arch, domain});
  }
  const std::vector<DifferentialCase> others = {
      {"arm-smmuv3/aarch64-s1-4k", "arm-smmuv3", &hw::arm_smmuv3::page_tables::aarch64_s1_4k},
      {"arm-smmuv2/aarch64-s1-4k", "arm-smmuv2", &hw::arm_smmuv2::page_tables::aarch64_s1_4k},
      {"intel-vtd/vtd-ss-3level", "intel-vtd", &hw::intel_vtd::page_tables::vtd_ss_3level},
      {"intel-vtd/vtd-ss-5level", "intel-vtd", &hw::intel_vtd::page_tables::vtd_ss_5level},
      {"intel-vtd/vtd-fs-4level", "intel-vtd", &hw::intel_vtd::page_tables::vtd_fs_4level},
      {"intel-vtd/vtd-fs-5level", "intel-vtd", &hw::intel_vtd::page_tables::vtd_fs_5level},
      {"amd-vi/amd-v1-5level", "amd-vi", &hw::amd_vi::page_tables::amd_v1_5level},
      {"amd-vi/amd-v1-6level", "amd-vi", &hw::amd_vi::page_tables::amd_v1_6level},
      {"amd-vi/amd-v2-4level", "amd-vi", &hw::amd_vi::page_tables::amd_v2_4level},
      {"amd-vi/amd-v2-5level", "amd-vi", &hw::amd_vi::page_tables::amd_v2_5level},
      {"riscv-iommu/sv39", "riscv-iommu", &hw::riscv_iommu::page_tables::sv39},
      {"riscv-iommu/sv57", "riscv-iommu", &hw::riscv_iommu::page_tables::sv57},
      {"riscv-iommu/sv39x4", "riscv-iommu", &hw::riscv_iommu::page_tables::sv39x4},
      {"riscv-iommu/sv48x4", "riscv-iommu", &hw::riscv_iommu::page_tables::sv48x4},
      {"riscv-iommu/sv57x4", "riscv-iommu", &hw::riscv_iommu::page_tables::sv57x4},
  };
  out.insert(out.end(), others.begin(), others.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Formats, ManagerDifferential, testing::ValuesIn(differential_cases()),
                         [](const testing::TestParamInfo<DifferentialCase>& info) {
                           std::string name = info.param.label;
                           for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name;
                         });

}  // namespace
}  // namespace smmuman
