#include "backend_rig.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "fixtures.hpp"
#include "random_operations.hpp"
#include "smmuman/hw/unit_registry.hpp"

namespace backend_rig {

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

namespace {

// The registry reads a model's ID registers.
struct ModelReader : hw::UnitRegisterReader {
  explicit ModelReader(hw::Mmio& m) : model(m) {}
  uint32_t read32(uint64_t offset) override { return model.read32(offset); }
  uint64_t read64(uint64_t offset) override { return model.read64(offset); }
  hw::Mmio& model;
};

}  // namespace

Rig::Rig(const std::string& architecture, const HarnessFactory& make) {
  for (int u = 0; u < 2; ++u) harnesses_.push_back(make(dma_));
  core::Deployment d = core::test::make_deployment();
  for (size_t u = 0; u < d.units.size(); ++u) {
    ModelReader reader(harnesses_[u]->mmio());
    d.units[u].capabilities = *hw::probed_capabilities(architecture, reader);
    d.units[u].registers.reset();
  }
  d.finalize();
  if (!core::validate_deployment(d).empty()) {
    problem = "the probed units cannot hold the fixture: " + core::validate_deployment(d).front().message;
    return;
  }
  manager_ = std::make_unique<core::Manager>(std::move(d), /*check_invariants=*/true);
  std::vector<std::unique_ptr<hw::UnitBackend>> units;
  for (size_t u = 0; u < 2; ++u) {
    auto b = harnesses_[u]->create_backend(dma_, manager_->deployment().units[u], static_cast<uint32_t>(u));
    if (!b) {
      problem = b.error().message;
      return;
    }
    backends_.push_back(b.value().get());
    units.push_back(std::move(b.value()));
  }
  system_ = std::make_unique<hw::HardwareSystem>(manager_->deployment(), std::move(units));
  if (auto s = manager_->attach_hardware(*system_); !s) problem = s.error().message;
}

std::string Rig::compare(core::UnitIndex unit, uint32_t sid, uint64_t addr, core::AccessKind kind) {
  const core::AccessResult want = manager_->access_stream(unit, sid, core::Iova{addr}, kind);
  const ModelAccess got = harnesses_[unit]->access(sid, addr, kind);
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
std::string Rig::compare_all(const std::set<uint64_t>& extra) {
  for (const auto& h : harnesses_) {
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

core::DeviceSelector selector_of(const core::Deployment& d, core::DeviceIndex dev) {
  return core::test::selector_of(d, dev);
}

std::string run_history(Rig& rig, std::mt19937_64& rng, Counts& counts, int steps) {
  core::Manager& m = rig.manager();
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  constexpr uint64_t kPage = 0x1000;
  core::test::RandomClients clients;
  for (int step = 0; step < steps; ++step) {
    ++counts.operations;
    const core::test::RandomOutcome op = core::test::random_operation(m, rng, clients, step, /*vm_clients=*/true);
    if (op.accepted) ++counts.accepted;
    if (op.accepted && op.op == core::test::RandomOp::map) ++counts.maps;
    if (op.accepted && op.op == core::test::RandomOp::unmap) ++counts.unmaps;
    std::set<uint64_t> probes;
    for (int i = 0; i < 4; ++i) probes.insert(below(0x1000) * kPage + below(kPage));
    if (std::string e = rig.compare_all(probes); !e.empty()) return fmt::format("step {}: {}", step, e);
  }
  counts.compared += rig.compared;
  return "";
}

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

std::optional<HostObject> host_object(core::Manager& m, core::DeviceIndex device) {
  auto c = m.connect({"host", std::nullopt, true});
  if (!c) return std::nullopt;
  auto o = m.create_object(c.value());
  if (!o || !m.attach(c.value(), o.value(), selector_of(m.deployment(), device))) return std::nullopt;
  return HostObject{c.value(), o.value()};
}

std::string run_differential(const std::function<std::unique_ptr<Rig>()>& make, const std::string& name,
                             const char* seed_variable, Counts& counts) {
  const uint64_t histories = std::max<uint64_t>(2, env_number("SMMUMAN_PROPERTY_CASES", 100) / 25);
  const uint64_t seed = env_number(seed_variable, std::random_device{}());
  std::printf("%s: %llu histories, seed %llu (replay with %s)\n", name.c_str(), static_cast<unsigned long long>(histories),
              static_cast<unsigned long long>(seed), seed_variable);
  std::mt19937_64 rng(seed);
  for (uint64_t h = 0; h < histories; ++h) {
    const std::unique_ptr<Rig> rig = make();
    if (!rig->problem.empty()) return "bring-up: " + rig->problem;
    if (std::string e = rig->compare_all(); !e.empty()) return "after bring-up: " + e;
    if (std::string e = run_history(*rig, rng, counts, 60); !e.empty()) {
      return fmt::format("history {} of seed {}: {}", h, seed, e);
    }
  }
  std::printf("%s: %llu operations, %llu accepted, %llu maps, %llu unmaps, %llu comparisons\n", name.c_str(),
              static_cast<unsigned long long>(counts.operations), static_cast<unsigned long long>(counts.accepted),
              static_cast<unsigned long long>(counts.maps), static_cast<unsigned long long>(counts.unmaps),
              static_cast<unsigned long long>(counts.compared));
  return "";
}

}  // namespace backend_rig
