// smmuman command line. `check` is the main job until the daemon lands.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
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

int check(const std::string& path, Format format) {
  auto loaded = load(path, format);
  if (!loaded.deployment) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "error: {}\n", smmuman::config::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", path, loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return 1;
  }
  // Starting a manager on the deployment runs the full invariant check once more,
  // through the same code every operation is checked with.
  try {
    smmuman::core::Manager manager(*loaded.deployment, /*check_invariants=*/true);
    fmt::print("{}", smmuman::config::summarize(manager.deployment()));
  } catch (const smmuman::core::InvariantViolation& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
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
  check_cmd->add_option("--format", format, "auto (by extension: .smmu is QNX), yaml or qnx")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));

  CLI11_PARSE(app, argc, argv);
  if (check_cmd->parsed()) return check(config_path, format);
  return 1;
}
