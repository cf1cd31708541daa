// smmuman command line. `check` is the main job until the daemon lands.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>

#include "smmuman/config/qnx_smmu.hpp"
#include "smmuman/config/summary.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/core/manager.hpp"

namespace {

enum class Format { automatic, yaml, qnx };

smmuman::config::LoadResult load(const std::string& path, Format format) {
  const bool qnx = format == Format::qnx ||
                   (format == Format::automatic && path.size() >= 5 && path.compare(path.size() - 5, 5, ".smmu") == 0);
  return qnx ? smmuman::config::load_qnx_smmu_file(path) : smmuman::config::load_yaml_config_file(path);
}

int check(const std::string& path, Format format, bool json) {
  auto loaded = load(path, format);
  std::vector<smmuman::config::Diagnostic> errors = loaded.errors;
  std::optional<smmuman::core::Manager> manager;
  if (loaded.deployment) {
    // Starting a manager runs the full invariant check once more, through the
    // same code that checks every later operation.
    try {
      manager.emplace(*loaded.deployment, /*check_invariants=*/true);
    } catch (const smmuman::core::InvariantViolation& e) {
      errors.push_back({smmuman::core::Origin{path, 0}, e.what()});
    }
  }
  const bool ok = manager.has_value() && errors.empty();
  if (json) {
    nlohmann::json out = {{"file", path}, {"ok", ok}, {"errors", smmuman::config::diagnostics_to_json(errors)}};
    if (ok) out["deployment"] = smmuman::config::deployment_to_json(manager->deployment());
    fmt::print("{}\n", out.dump(2));
    return ok ? 0 : 1;
  }
  if (!ok) {
    for (const auto& e : errors) fmt::print(stderr, "error: {}\n", smmuman::config::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", path, errors.size(), errors.size() == 1 ? "" : "s");
    return 1;
  }
  fmt::print("{}", smmuman::config::summarize(manager->deployment()));
  fmt::print("{}: OK, every invariant holds\n", path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smmuman: an open, formally-checked SMMU/IOMMU manager"};
  app.set_version_flag("--version", "smmuman 0.1.0");
  app.require_subcommand(1);

  std::string config_path;
  Format format = Format::automatic;
  const std::map<std::string, Format> formats{{"auto", Format::automatic}, {"yaml", Format::yaml}, {"qnx", Format::qnx}};
  auto* check_cmd = app.add_subcommand(
      "check", "Load a deployment (YAML, or a QNX .smmu file), validate every invariant, print a summary");
  check_cmd->add_option("config", config_path, "deployment configuration file")->required();
  bool json = false;
  check_cmd->add_flag("--json", json, "print the result (summary or errors) as JSON on stdout");
  check_cmd->add_option("--format", format, "auto (by extension: .smmu is QNX), yaml or qnx")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));

  CLI11_PARSE(app, argc, argv);
  if (check_cmd->parsed()) return check(config_path, format, json);
  return 1;
}
