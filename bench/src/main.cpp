// smmuman-bench: shows that the config readers and smmu-gen scale linearly in
// time and memory. Each case is measured at growing sizes, and every per-item
// figure is printed next to the same case's figure at its smallest size (and,
// for YAML inputs, next to yaml-cpp's own parse of the same text), both taken
// in this run, so the ratios mean the same on any machine. See bench/README.md.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "measure.hpp"
#include "backend_suite.hpp"
#include "proofs_suite.hpp"
#include "service_suite.hpp"
#include "pagetable_suite.hpp"
#include "report.hpp"

namespace smmuman::bench {
namespace {

enum class Mode { full, quick, smoke };

struct RunSettings {
  Mode mode = Mode::full;
  RepeatPolicy repeat;
  double cap_seconds = 0;            // skip a size whose single run is predicted to take longer
  std::set<std::string> only_cases;  // empty: every case
  std::vector<std::size_t> sizes;    // empty: the suite's sizes for the mode
  // --quick promises to finish in 30 s even on slow or quadratic code: skip a
  // size whose predicted run would end past this budget (0: no budget).
  double total_budget_seconds = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::quick: return "quick";
    case Mode::smoke: return "smoke";
    case Mode::full: break;
  }
  return "full";
}

const std::vector<std::size_t>& sizes_of(const Suite& suite, Mode mode) {
  switch (mode) {
    case Mode::quick: return suite.quick_sizes;
    case Mode::smoke: return suite.smoke_sizes;
    case Mode::full: break;
  }
  return suite.full_sizes;
}

struct Measured {
  std::size_t n;
  double first_seconds;
};

// A single run at size n, predicted from the sizes measured so far: the growth
// exponent of the last two (1 to 2.5), or 2 after just one, since a case may
// well be quadratic today.
double predicted_seconds(const std::vector<Measured>& measured, std::size_t n) {
  const Measured& last = measured.back();
  double exponent = 2;
  if (measured.size() >= 2) {
    const Measured& before = measured[measured.size() - 2];
    if (before.first_seconds > 0 && last.first_seconds > 0) {
      exponent = std::clamp(std::log(last.first_seconds / before.first_seconds) /
                                std::log(static_cast<double>(last.n) / static_cast<double>(before.n)),
                            1.0, 2.5);
    }
  }
  return last.first_seconds * std::pow(static_cast<double>(n) / static_cast<double>(last.n), exponent);
}

// Runs every selected case of the suite at every size; returns how many failed.
int run_suite(const Suite& suite, const RunSettings& settings, Reporter& reporter) {
  const auto& sizes = settings.sizes.empty() ? sizes_of(suite, settings.mode) : settings.sizes;
  reporter.begin_suite(suite, to_string(settings.mode), sizes);
  int failures = 0;
  for (const Case& c : suite.cases) {
    if (!settings.only_cases.empty() && !settings.only_cases.contains(c.name)) continue;
    std::vector<Measured> measured;
    std::optional<Row> baseline;
    for (std::size_t n : sizes) {
      if (!measured.empty()) {
        const double predicted = predicted_seconds(measured, n);
        if (predicted > settings.cap_seconds) {
          reporter.skipped(suite, c, n,
                           fmt::format("one run predicted to take {:.0f} s, over the {:.0f} s cap (--cap-seconds)",
                                       predicted, settings.cap_seconds));
          continue;
        }
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - settings.started).count();
        if (settings.total_budget_seconds > 0 && elapsed + 2 * predicted > settings.total_budget_seconds) {
          reporter.skipped(suite, c, n,
                           fmt::format("one run predicted to take {:.1f} s; after {:.1f} s so far that could pass "
                                       "the {:.0f} s budget of this mode",
                                       predicted, elapsed, settings.total_budget_seconds));
          continue;
        }
      }
      const PreparedInput input = c.prepare(n);
      Row row;
      row.suite = suite.name;
      row.case_name = c.name;
      row.item = c.item;
      row.n = n;
      row.input_bytes = input.text.size();
      row.sample = measure(input.run, settings.repeat);
      if (!row.sample.problem.empty()) {
        reporter.failed(suite, c, n, row.sample.problem);
        ++failures;
        break;
      }
      if (input.yaml_floor) {
        row.yaml_floor = measure(yaml_load_operation(input.text), settings.repeat);
        if (!row.yaml_floor->problem.empty()) {
          reporter.failed(suite, c, n, "yaml-cpp floor: " + row.yaml_floor->problem);
          ++failures;
          break;
        }
      }
      if (!baseline) baseline = row;
      row.baseline_n = baseline->n;
      row.baseline_ns_per_item = baseline->ns_per_item();
      row.baseline_bytes_per_item = baseline->bytes_per_item();
      reporter.row(row);
      measured.push_back(Measured{n, static_cast<double>(row.sample.first_ns) * 1e-9});
    }
  }
  return failures;
}

}  // namespace
}  // namespace smmuman::bench

int main(int argc, char** argv) {
  using namespace smmuman::bench;
  CLI::App app{
      "smmuman-bench: measures the config readers (load + core::Manager, as `smmuman check`) and smmu-gen at "
      "growing sizes and prints each per-item time and peak-heap figure next to baselines measured in the same run "
      "(the case at its smallest size; yaml-cpp's YAML::Load of the same text). Not a test: it judges nothing, "
      "but exits 1 if any measured operation did not do what it must.\n\n"
      "Examples:\n"
      "  smmuman-bench all --quick            # under 30 s\n"
      "  smmuman-bench config --json          # one JSON object per line\n"
      "  smmuman-bench config --case yaml-errors --case qnx-errors\n"};
  std::string suite_name = "all";
  bool quick = false, smoke = false, json = false, list = false;
  std::vector<std::string> only_cases;
  double cap_seconds = -1;
  app.add_option("suite", suite_name, "config, gen, pagetable, backend, service, proofs or all (default)")
      ->check(CLI::IsMember({"config", "gen", "pagetable", "backend", "service", "proofs", "all"}));
  auto* quick_flag = app.add_flag("--quick", quick, "smaller sizes and fewer repetitions: under 30 s in all");
  app.add_flag("--smoke", smoke, "tiny sizes, one repetition: checks that everything runs (ctest uses it)")
      ->excludes(quick_flag);
  app.add_flag("--json", json, "print one JSON object per measurement, per line");
  app.add_option("--case", only_cases, "run only this case (repeatable)");
  app.add_option("--cap-seconds", cap_seconds,
                 "skip a size whose single run is predicted to exceed this (default 300; --quick 6; --smoke 5)");
  std::vector<std::size_t> sizes;
  app.add_option("--sizes", sizes,
                 "measure these sizes instead of the mode's (comma-separated; the smallest is the baseline)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_flag("--list", list, "list the suites and cases, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a ParseError too, with exit code 0
  }

  const std::vector<Suite> suites = {config_suite(), gen_suite()};
  if (list) {
    for (const Suite& suite : suites) {
      fmt::print("{}: {}\n", suite.name, suite.what);
      for (const Case& c : suite.cases) fmt::print("  {:<16} n {}s: {}\n", c.name, c.item, c.what);
    }
    fmt::print("pagetable: the page-table engine per format (arm-s2-4k, vtd-ss-4level, amd-v1-4level, riscv-sv48x4)\n"
               "  random-4k-64g, random-4k-1t, contiguous-4k-1g, contiguous-4k-1g-fresh, map-2m-1g, unmap-2m-1g\n");
    fmt::print("backend: the register-level backends on their models (smmuv3-ril, smmuv3, mmu500)\n"
               "  map-4k, unmap-4k, map-2m, unmap-2m, unmap-1g-4k-leaves, unmap-1g-2m-blocks, unmap-1g-1g-block\n");
    fmt::print("service: smmu_mapping_add through the daemon against a Unix-socket echo (1 and 8 clients)\n"
               "  mapping_add-4k\n");
    fmt::print("proofs: smmuman prove's deployment theorems and translation validation against the invariant checker\n"
               "  deployment+translation (2 VMs/1,000 mappings to 16 VMs/100,000)\n");
    return 0;
  }
  for (const std::string& name : only_cases) {
    bool known = false;
    for (const Suite& suite : suites) {
      for (const Case& c : suite.cases) known = known || c.name == name;
    }
    if (!known) {
      fmt::print(stderr, "smmuman-bench: no case named '{}' (see --list)\n", name);
      return 2;
    }
  }

  RunSettings settings;
  settings.mode = smoke ? Mode::smoke : quick ? Mode::quick : Mode::full;
  switch (settings.mode) {
    case Mode::full:
      settings.repeat = {10, 2.0};
      settings.cap_seconds = 300;
      break;
    case Mode::quick:
      settings.repeat = {10, 0.3};
      settings.cap_seconds = 6;
      settings.total_budget_seconds = 25;
      break;
    case Mode::smoke:
      settings.repeat = {1, 0};
      settings.cap_seconds = 5;
      break;
  }
  if (cap_seconds >= 0) settings.cap_seconds = cap_seconds;
  std::sort(sizes.begin(), sizes.end());
  settings.sizes = sizes;
  settings.only_cases.insert(only_cases.begin(), only_cases.end());

  Reporter reporter(json);
  settings.started = std::chrono::steady_clock::now();
  int failures = 0;
  for (const Suite& suite : suites) {
    if (suite_name == "all" || suite_name == suite.name) failures += run_suite(suite, settings, reporter);
  }
  if ((suite_name == "all" || suite_name == "pagetable") && only_cases.empty()) {
    failures += run_pagetable_suite(PagetableSettings{json, quick, smoke});
  }
  if ((suite_name == "all" || suite_name == "backend") && only_cases.empty()) {
    failures += run_backend_suite(BackendSettings{json, quick, smoke});
  }
  if ((suite_name == "all" || suite_name == "service") && only_cases.empty()) {
    failures += run_service_suite(ServiceSettings{json, quick, smoke});
  }
  if ((suite_name == "all" || suite_name == "proofs") && only_cases.empty()) {
    failures += run_proofs_suite(ProofsSettings{json, quick, smoke});
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - settings.started).count();
  reporter.note(fmt::format("\n{} mode, {:.2f} s in all{}", to_string(settings.mode), seconds,
                            failures ? fmt::format(", {} case(s) FAILED", failures) : ""));
  return failures == 0 ? 0 : 1;
}
