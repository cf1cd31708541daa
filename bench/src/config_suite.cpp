// The config suite: what `smmuman check` does (read the file, then start a
// core::Manager with every invariant checked), on generated deployments, and
// reading files full of errors.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "config_inputs.hpp"
#include "measure.hpp"
#include "smmuman/config/qnx_smmu.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::bench {
namespace {

using LoadFunction = config::LoadResult (*)(std::string_view, const std::string&);

// Load, then construct the manager as tools/smmuman/main.cpp does (from a
// copy of the loaded deployment, invariants on); then check that the file
// gave the deployment it describes.
Operation check_operation(LoadFunction load, const ConfigInput& input, std::string file) {
  return [load, &input, file = std::move(file)](Probe& probe) -> std::string {
    probe.start();
    config::LoadResult loaded = load(input.text, file);
    std::optional<core::Manager> manager;
    std::string violation;
    if (loaded.deployment) {
      try {
        manager.emplace(*loaded.deployment, /*check_invariants=*/true);
      } catch (const core::InvariantViolation& e) {
        violation = e.what();
      }
    }
    probe.stop();
    if (!loaded.errors.empty()) {
      return fmt::format("{} diagnostic(s), the first: {}", loaded.errors.size(),
                         config::to_string(loaded.errors.front()));
    }
    if (!violation.empty()) return "the manager refused the deployment: " + violation;
    if (!manager) return "no deployment and no diagnostic";
    const core::Deployment& d = manager->deployment();
    if (d.devices.size() != input.device_count || d.vms.size() != input.vm_count ||
        d.startup_mappings.size() != input.startup_mapping_count) {
      return fmt::format("loaded {} devices, {} VMs, {} startup mappings; expected {}, {}, {}", d.devices.size(),
                         d.vms.size(), d.startup_mappings.size(), input.device_count, input.vm_count,
                         input.startup_mapping_count);
    }
    return "";
  };
}

// Load a file that must fail with exactly input.error_count diagnostics.
Operation errors_operation(LoadFunction load, const ConfigInput& input, std::string file) {
  return [load, &input, file = std::move(file)](Probe& probe) -> std::string {
    probe.start();
    const config::LoadResult loaded = load(input.text, file);
    probe.stop();
    if (loaded.deployment) return "the file loaded, but every item in it is bad";
    if (loaded.errors.size() != input.error_count) {
      return fmt::format("{} diagnostics, expected {}; the first: {}", loaded.errors.size(), input.error_count,
                         loaded.errors.empty() ? std::string("none") : config::to_string(loaded.errors.front()));
    }
    return "";
  };
}

// A case whose operation reads one generated ConfigInput; the input lives in
// a shared_ptr so the prepared operation can keep referring to it.
Case config_case(std::string name, std::string item, std::string what, ConfigInput (*make)(std::size_t), bool yaml,
                 bool must_fail) {
  auto prepare = [make, yaml, must_fail](std::size_t n) {
    auto input = std::make_shared<ConfigInput>(make(n));
    const LoadFunction load = yaml ? &config::load_yaml_config : &config::load_qnx_smmu;
    const std::string file = yaml ? "bench.yaml" : "bench.smmu";
    Operation inner = must_fail ? errors_operation(load, *input, file) : check_operation(load, *input, file);
    PreparedInput prepared;
    prepared.text = input->text;
    prepared.yaml_floor = yaml;
    prepared.run = [input, inner = std::move(inner)](Probe& probe) { return inner(probe); };
    return prepared;
  };
  return Case{std::move(name), std::move(item), std::move(what), std::move(prepare)};
}

}  // namespace

Suite config_suite() {
  Suite suite;
  suite.name = "config";
  suite.what = "reading deployments as `smmuman check` does: load, then core::Manager with invariants on";
  suite.cases = {
      config_case("yaml-check", "device",
                  "YAML host deployment: devices on 8 units, a VM per 100 devices, startup mappings, reserved regions",
                  &yaml_deployment, true, false),
      config_case("yaml-vm-memory", "VM region", "YAML host deployment whose size is VM memory regions, 16 per VM",
                  &yaml_vm_memory, true, false),
      config_case("yaml-errors", "bad item", "YAML devices list of empty items and unknown keys, one diagnostic each",
                  &yaml_errors, true, true),
      config_case("qnx-check", "device",
                  "the yaml-check devices as a QNX .smmu file, allow sets, one shared set of n/4 lines",
                  &qnx_deployment, false, false),
      config_case("qnx-allow-merge", "allow line",
                  "QNX .smmu file: one device, one allow set of n lines merging in pairs", &qnx_allow_lines, false,
                  false),
      config_case("qnx-errors", "bad line", "QNX .smmu file of bad lines, one diagnostic each", &qnx_errors, false,
                  true),
  };
  suite.full_sizes = {1'000, 10'000, 100'000};
  suite.quick_sizes = {1'000, 4'000, 16'000};
  suite.smoke_sizes = {8, 32};
  return suite;
}

}  // namespace smmuman::bench
