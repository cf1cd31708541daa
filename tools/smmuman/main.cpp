// smmuman command line. `check` is the main job until the daemon lands.
//
// Exit codes: 0 the deployment is sound; 1 it has errors or cannot be read;
// 2 the command line itself is wrong (README.md, "Exit codes").
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>

#include "smmuman/config/qnx_smmu.hpp"
#include "smmuman/config/summary.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/input/text.hpp"
#include "smmuman/wire/wire.hpp"
#include "prove.hpp"
#include "run.hpp"
#include "simulate.hpp"

namespace {

constexpr int kExitSound = 0;
constexpr int kExitErrors = 1;
constexpr int kExitUsage = 2;

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
  // The path is input too: shown escaped like everything else.
  const std::string shown_path = smmuman::input::escape_for_display(path);
  if (json) {
    nlohmann::json out = {{"file", shown_path}, {"ok", ok}, {"errors", smmuman::config::diagnostics_to_json(errors)}};
    if (ok) out["deployment"] = smmuman::config::deployment_to_json(manager->deployment());
    fmt::print("{}\n", out.dump(2));
    return ok ? kExitSound : kExitErrors;
  }
  if (!ok) {
    for (const auto& e : errors) fmt::print(stderr, "error: {}\n", smmuman::config::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", shown_path, errors.size(), errors.size() == 1 ? "" : "s");
    return kExitErrors;
  }
  fmt::print("{}", smmuman::config::summarize(manager->deployment()));
  fmt::print("{}: OK, every invariant holds\n", shown_path);
  return kExitSound;
}

// Loads and checks like `check`, then brings the deployment up on the models.
int simulate(const std::string& path, Format format, bool vms, bool json) {
  auto loaded = load(path, format);
  const std::string shown_path = smmuman::input::escape_for_display(path);
  if (!loaded.deployment || !loaded.errors.empty()) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "error: {}\n", smmuman::config::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", shown_path, loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return kExitErrors;
  }
  try {
    const auto result = smmuman::tools::simulate(*loaded.deployment, shown_path, vms, json);
    fmt::print(result.ok ? stdout : (json ? stdout : stderr), "{}", result.text);
    return result.ok ? kExitSound : kExitErrors;
  } catch (const smmuman::core::InvariantViolation& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitErrors;
  }
}

// Loads and checks like `check`, then serves as the daemon.
int run(const std::string& path, Format format, smmuman::tools::RunOptions options) {
  auto loaded = load(path, format);
  const std::string shown_path = smmuman::input::escape_for_display(path);
  if (!loaded.deployment || !loaded.errors.empty()) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "error: {}\n", smmuman::config::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", shown_path, loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return kExitErrors;
  }
  if (options.socket_path.empty()) options.socket_path = smmuman::wire::socket_path_from_environment();
  try {
    return smmuman::tools::run_daemon(loaded, shown_path, options);
  } catch (const smmuman::core::InvariantViolation& e) {
    // Design safe state, as QNX's: stop; the hardware keeps failing closed.
    fmt::print(stderr, "error: {}\n", e.what());
    return kExitErrors;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smmuman: an open, formally-checked SMMU/IOMMU manager"};
  app.set_version_flag("--version", "smmuman 0.1.0");
  app.require_subcommand(1);
  app.footer("Exit codes: 0 sound, 1 the configuration has errors or cannot be read, 2 usage error.");

  std::string config_path;
  std::string format_name = "auto";
  const std::map<std::string, Format> formats{{"auto", Format::automatic}, {"yaml", Format::yaml}, {"qnx", Format::qnx}};
  auto* check_cmd = app.add_subcommand(
      "check", "Load a deployment (YAML, or a QNX .smmu file), validate every invariant, print a summary");
  check_cmd->add_option("config", config_path, "deployment configuration file")->required();
  bool json = false;
  check_cmd->add_flag("--json", json, "print the result (summary or errors) as JSON on stdout");
  check_cmd->add_option("--format", format_name, "auto (by extension: .smmu is QNX), yaml or qnx")
      ->check(CLI::IsMember({"auto", "yaml", "qnx"}));

  auto* simulate_cmd = app.add_subcommand(
      "simulate", "Bring a deployment up on the hardware models through the register-level backends and print "
                  "what each unit was programmed with (stream table entries, stream match groups, context banks)");
  simulate_cmd->add_option("config", config_path, "deployment configuration file")->required();
  simulate_cmd->add_flag("--json", json, "print the result as JSON on stdout");
  bool vms = false;
  simulate_cmd->add_flag("--vms", vms, "also start each VM: attach its pass-through devices to a domain of its memory");
  simulate_cmd->add_option("--format", format_name, "auto (by extension: .smmu is QNX), yaml or qnx")
      ->check(CLI::IsMember({"auto", "yaml", "qnx"}));

  auto* run_cmd = app.add_subcommand(
      "run", "Run the daemon: bring the deployment's units up (on the hardware models on this machine) and serve "
             "clients on the socket (SMMUMAN_SOCKET, default /run/smmuman/smmuman.sock) until SIGTERM");
  run_cmd->add_option("config", config_path, "deployment configuration file")->required();
  run_cmd->add_option("--format", format_name, "auto (by extension: .smmu is QNX), yaml or qnx")
      ->check(CLI::IsMember({"auto", "yaml", "qnx"}));
  smmuman::tools::RunOptions run_options;
  run_cmd->add_flag("-f,--foreground", run_options.foreground, "stay in the foreground (for systemd and tests)");
  run_cmd->add_option("--socket", run_options.socket_path, "listen here instead of SMMUMAN_SOCKET or the default");
  run_cmd->add_option("--vm-sockets", run_options.vm_socket_dir,
                      "host: put each VM's vdev-smmu channel socket here as <vm>.sock (default: vm/ beside the socket)");
  run_cmd->add_option("--pid-file", run_options.pid_file, "write the daemon's pid here once it listens");
  run_cmd->add_option("--vdev", run_options.vdev, "guest: the host's channel socket for this VM (its vdev-smmu)");
  run_cmd->add_option("--debug", run_options.debug, "log level as QNX `debug N`: 0 info, 1 debug, 2 trace")
      ->check(CLI::Range(0, 2));

#ifdef SMMUMAN_WITH_PROOFS
  auto* prove_cmd = app.add_subcommand(
      "prove", "Prove the deployment's rules with Z3 (proofs/README.md); with --all also the core's admission "
               "decision for all 64-bit inputs, and every mutant's counterexample");
  prove_cmd->add_option("config", config_path, "deployment configuration file")->required();
  prove_cmd->add_option("--format", format_name, "auto (by extension: .smmu is QNX), yaml or qnx")
      ->check(CLI::IsMember({"auto", "yaml", "qnx"}));
  smmuman::tools::ProveOptions prove_options;
  prove_cmd->add_flag("--all", prove_options.all, "also prove the admission theorems and check their mutants");
  prove_cmd->add_flag("--json", prove_options.json, "one JSON object per query, then a summary object");
  prove_cmd->add_option("--smtlib", prove_options.smtlib_dir, "write every query to this directory as SMT-LIB2");
  prove_cmd->add_flag("--cross-check", prove_options.cross_check,
                      "re-run every query with cvc5 and fail on any disagreement");
  prove_cmd->add_option("--cvc5", prove_options.cvc5, "the cvc5 program (default: cvc5 on PATH)");
  prove_cmd->add_option("--timeout", prove_options.timeout_seconds,
                        "seconds each solver may spend on one query before it counts as unknown (default 120)")
      ->check(CLI::Range(1, 86400));
  prove_cmd->add_option("--jobs", prove_options.jobs,
                        "threads proving --all's theorems that hold for every configuration (default 2)")
      ->check(CLI::Range(1, 64));
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 to CLI11.
    if (e.get_exit_code() == 0) return app.exit(e);
    // CLI11's message quotes the arguments: shown escaped, as all input is.
    fmt::print(stderr, "{}\nRun with --help for more information.\n", smmuman::input::escape_for_display(e.what()));
    return kExitUsage;
  }
  if (check_cmd->parsed()) return check(config_path, formats.at(format_name), json);
  if (simulate_cmd->parsed()) return simulate(config_path, formats.at(format_name), vms, json);
  if (run_cmd->parsed()) return run(config_path, formats.at(format_name), run_options);
#ifdef SMMUMAN_WITH_PROOFS
  if (prove_cmd->parsed()) {
    return smmuman::tools::prove(load(config_path, formats.at(format_name)),
                                 smmuman::input::escape_for_display(config_path), prove_options);
  }
#endif
  return kExitUsage;
}
