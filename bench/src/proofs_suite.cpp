// The proofs suite: `smmuman prove`'s deployment theorems and translation
// validation at scale. A generated host deployment — V VMs, 4 pass-through
// devices each on 4 SMMUv3 units, V x 4 devices — is brought up on the models;
// each VM's client maps M/V separate 4 KiB pages (alternately r- and rw-, with
// gaps, so no two coalesce) and attaches its devices; every unit's stream
// table and page tables are read back (65,536 stream IDs per unit) and every
// theorem is run. The baseline, measured in the same run, is the core's own
// invariant checker on the same state: the ratio says what the solver-backed
// proof costs next to a plain check of the same facts.
#include "proofs_suite.hpp"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "smmuman/core/manager.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/hw/unit_registry.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/theorem.hpp"
#include "smmuman/service/model_board.hpp"

namespace smmuman::bench {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kVmBytes = uint64_t{1} << 30;  // each VM's memory
constexpr uint64_t kHostBase = uint64_t{1} << 32;

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

core::Deployment generated(unsigned vms) {
  core::Deployment d;
  d.name = fmt::format("bench {} VMs", vms);
  d.role = core::Role::host;
  d.platform.memory.insert(core::HpaRange::from_first_last(kHostBase, kHostBase + (vms + 1) * kVmBytes - 1));
  for (unsigned u = 0; u < 4; ++u) {
    core::Unit unit{fmt::format("smmu{}", u),
                    *hw::described_capabilities("arm-smmuv3"),
                    "",
                    core::HpaRange::from_first_last(0x0900'0000 + u * 0x2'0000, 0x0900'0000 + u * 0x2'0000 + 0x1'ffff),
                    false,
                    {}};
    unit.capabilities.stream_id_bits = 16;
    d.units.push_back(unit);
  }
  for (unsigned v = 0; v < vms; ++v) {
    core::Vm vm;
    vm.name = fmt::format("vm{}", v);
    vm.memory.push_back(core::VmMemoryRegion{core::GpaRange::from_first_last(0x4000'0000, 0x4000'0000 + kVmBytes - 1),
                                             kHostBase + (v + 1) * kVmBytes,
                                             core::Perms::rwx(),
                                             {}});
    for (unsigned k = 0; k < 4; ++k) {
      const unsigned index = v * 4 + k;
      d.devices.push_back(core::Device{fmt::format("dev{}", index),
                                       core::PciAddress{index / 32 + 1, index % 32, 0},
                                       core::UnitIndex{k},
                                       {0x100 + index},
                                       {}});
      vm.passthrough.push_back(core::DeviceIndex{index});
    }
    d.vms.push_back(vm);
  }
  d.finalize();
  return d;
}

struct Row {
  unsigned vms = 0, devices = 0;
  uint64_t mappings = 0, runs = 0, queries = 0;
  double setup_s = 0, read_back_s = 0, prove_s = 0, baseline_s = 0;
  std::string problem;
};

Row measure(unsigned vms, uint64_t mappings) {
  Row row;
  row.vms = vms;
  row.devices = vms * 4;
  row.mappings = mappings;
  const auto setup = std::chrono::steady_clock::now();
  core::Manager manager(generated(vms), /*check_invariants=*/false);
  auto board = service::ModelBoard::create(manager.deployment());
  if (!board) return row.problem = board.error().message, row;
  auto system = board.value()->bring_up(manager.deployment());
  if (!system) return row.problem = system.error().message, row;
  if (auto s = manager.attach_hardware(*system.value()); !s) return row.problem = s.error().message, row;
  const core::Deployment& d = manager.deployment();
  for (core::VmIndex v{0}; v < vms; ++v) {
    const auto client = manager.connect({d.vms[v].name, v, true}).value();
    const auto object = manager.create_object(client).value();
    std::vector<core::MappingSpec> specs;
    for (uint64_t i = 0; i < mappings / vms; ++i) {
      const uint64_t at = 0x4000'0000 + 2 * i * kPage;  // a gap after each page
      specs.push_back({core::IovaRange::from_first_last(at, at + kPage - 1), core::Gpa{at},
                       i % 2 ? core::Perms::rw() : core::Perms::from_bits(1)});
    }
    if (auto s = manager.map(client, object, specs); !s) return row.problem = s.error().message, row;
    for (core::DeviceIndex dev : d.vms[v].passthrough) {
      const auto& pci = std::get<core::PciAddress>(d.devices[dev].ident);
      if (auto a = manager.attach(client, object, core::PciSelector{pci.bus, pci.dev, pci.func}); !a) {
        return row.problem = a.error().message, row;
      }
    }
  }
  row.setup_s = since(setup);

  const auto read = std::chrono::steady_clock::now();
  std::vector<std::string> notes;
  service::ModelBoard& b = *board.value();
  const auto units =
      proofs::read_back([&b](core::UnitIndex u, uint32_t sid) { return b.programmed(u, sid); }, d, notes);
  row.read_back_s = since(read);

  const auto prove = std::chrono::steady_clock::now();
  z3::context ctx;
  auto theorems = proofs::deployment_theorems(ctx, d);
  auto translation = proofs::translation_theorems(ctx, manager, units);
  theorems.insert(theorems.end(), std::make_move_iterator(translation.begin()),
                  std::make_move_iterator(translation.end()));
  for (const auto& t : theorems) {
    const auto o = proofs::run(t, {});
    if (!o.as_expected) row.problem = fmt::format("{}: {} {}", t.id, proofs::to_string(o.verdict), o.counterexample);
  }
  row.prove_s = since(prove);
  row.queries = theorems.size();
  for (const auto& u : units) {
    for (const auto& s : u.streams) row.runs += s.program.leaves.size();
  }

  const auto baseline = std::chrono::steady_clock::now();
  const auto violations = core::check_invariants(d, manager.state());
  row.baseline_s = since(baseline);
  if (!violations.empty()) row.problem = "the invariant checker disagrees: " + violations.front();
  return row;
}

// The theorems that hold for every configuration (`smmuman prove --all`
// adds them): on two threads, against the same theorems on one thread as
// the baseline. `full` includes the admission theorems and their mutants
// (30-40 s on one core); otherwise the range and generated-code ones, or for a smoke run the range ones.
struct ConfigurationFreeRow {
  size_t queries = 0;
  double two_threads_s = 0, one_thread_s = 0;
  std::string problem;
};

ConfigurationFreeRow measure_configuration_free(bool full, bool smoke) {
  const auto build = [full, smoke](z3::context& ctx) {
    return smoke ? proofs::range_theorems(ctx) : proofs::configuration_free_theorems(ctx, full);
  };
  ConfigurationFreeRow row;
  for (unsigned jobs : {2u, 1u}) {
    const auto start = std::chrono::steady_clock::now();
    const auto outcomes = proofs::run_in_parallel(build, {}, jobs);
    (jobs == 2 ? row.two_threads_s : row.one_thread_s) = since(start);
    row.queries = outcomes.size();
    for (const auto& o : outcomes) {
      if (!o.as_expected) row.problem = fmt::format("{}: {}", o.id, proofs::to_string(o.verdict));
    }
  }
  return row;
}

}  // namespace

int run_proofs_suite(const ProofsSettings& settings) {
  struct Size {
    unsigned vms;
    uint64_t mappings;
  };
  std::vector<Size> sizes{{2, 1000}, {4, 10000}, {16, 100000}};
  if (settings.quick) sizes = {{2, 1000}, {16, 100000}};
  if (settings.smoke) sizes = {{2, 100}};
  if (!settings.json) {
    fmt::print("\nproofs: deployment theorems and translation validation on the models (16 VMs = 64 devices)\n");
    fmt::print("{:>4} {:>8} {:>9} {:>8} {:>8} {:>10} {:>9} {:>11} {:>8}\n", "VMs", "devices", "mappings", "leaves",
               "queries", "read back", "prove", "checker", "ratio");
  }
  int failures = 0;
  for (const Size& s : sizes) {
    const Row r = measure(s.vms, s.mappings);
    const double ratio = r.baseline_s > 0 ? r.prove_s / r.baseline_s : 0;
    if (!r.problem.empty()) ++failures;
    if (settings.json) {
      nlohmann::json j = {{"suite", "proofs"},
                          {"workload", "deployment+translation"},
                          {"baseline", "invariant checker"},
                          {"vms", r.vms},
                          {"devices", r.devices},
                          {"mappings", r.mappings},
                          {"leaves", r.runs},
                          {"queries", r.queries},
                          {"setup_s", r.setup_s},
                          {"read_back_s", r.read_back_s},
                          {"prove_s", r.prove_s},
                          {"baseline_s", r.baseline_s},
                          {"ratio", ratio}};
      if (!r.problem.empty()) j["problem"] = r.problem;
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print("{:>4} {:>8} {:>9} {:>8} {:>8} {:>9.2f}s {:>8.2f}s {:>10.3f}s {:>7.1f}x{}\n", r.vms, r.devices,
                 r.mappings, r.runs, r.queries, r.read_back_s, r.prove_s, r.baseline_s, ratio,
                 r.problem.empty() ? "" : "  FAILED: " + r.problem);
    }
  }
  // Admission proofs take 30-40 s on one core: the full run only.
  const bool full = !settings.quick && !settings.smoke;
  const ConfigurationFreeRow c = measure_configuration_free(full, settings.smoke);
  const std::string workload = full ? "admission+ranges+generated" : settings.smoke ? "ranges" : "ranges+generated";
  const double ratio = c.one_thread_s > 0 ? c.two_threads_s / c.one_thread_s : 0;
  if (!c.problem.empty()) ++failures;
  if (settings.json) {
    nlohmann::json j = {
        {"suite", "proofs"}, {"workload", workload},       {"baseline", "1 thread"},       {"queries", c.queries},
        {"threads", 2},      {"prove_s", c.two_threads_s}, {"baseline_s", c.one_thread_s}, {"ratio", ratio}};
    if (!c.problem.empty()) j["problem"] = c.problem;
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("\nproofs: the theorems that hold for every configuration ({}), 2 threads against 1\n", workload);
    fmt::print("{:>8} {:>10} {:>10} {:>8}\n", "queries", "2 threads", "1 thread", "ratio");
    fmt::print("{:>8} {:>9.2f}s {:>9.2f}s {:>7.2f}x{}\n", c.queries, c.two_threads_s, c.one_thread_s, ratio,
               c.problem.empty() ? "" : "  FAILED: " + c.problem);
  }
  return failures;
}

}  // namespace smmuman::bench
