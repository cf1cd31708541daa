#include "prove.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/theorem.hpp"

namespace smmuman::tools {

int prove(const config::LoadResult& loaded, const std::string& shown_path, const ProveOptions& options) {
  const core::Deployment* deployment = loaded.deployment ? &*loaded.deployment
                                       : loaded.unvalidated ? &*loaded.unvalidated
                                                            : nullptr;
  if (!deployment) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "error: {}\n", config::to_string(e));
    fmt::print(stderr, "{}: cannot be read whole, so there is nothing to prove\n", shown_path);
    return 1;
  }
  // A deployment the configuration checks refuse is still proved: the
  // theorems are an independent second look, and their counterexamples say
  // what is wrong in the same terms.
  if (!loaded.deployment && !options.json) {
    fmt::print(stderr, "{}: the configuration checks refuse this deployment ({} error{}); proving it anyway:\n",
               shown_path, loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    for (const auto& e : loaded.errors) fmt::print(stderr, "  {}\n", config::to_string(e));
  }

  z3::context ctx;
  std::vector<proofs::Theorem> theorems = proofs::deployment_theorems(ctx, *deployment);
  if (options.all) {
    auto admission = proofs::admission_theorems(ctx);
    theorems.insert(theorems.end(), std::make_move_iterator(admission.begin()), std::make_move_iterator(admission.end()));
  }
  proofs::RunOptions run_options;
  run_options.smtlib_dir = options.smtlib_dir;
  run_options.cross_check = options.cross_check;
  run_options.cvc5 = options.cvc5;
  run_options.timeout_ms = options.timeout_seconds * 1000;
  const std::string solver = proofs::z3_version();
  std::string checker;
  if (options.cross_check) {
    checker = proofs::cvc5_version(options.cvc5);
    if (checker.empty()) {
      fmt::print(stderr, "error: --cross-check: cannot run '{}' (Debian package cvc5)\n", options.cvc5);
      return 1;
    }
  }
  std::vector<proofs::Outcome> outcomes;
  for (const auto& t : theorems) {
    outcomes.push_back(proofs::run(t, run_options));
    if (options.json) {
      auto line = proofs::to_json(outcomes.back(), solver);
      if (options.cross_check) line["cross_check_solver"] = checker;
      fmt::print("{}\n", line.dump());
    }
  }
  const bool ok = proofs::all_as_expected(outcomes) && loaded.deployment.has_value();
  if (options.json) {
    nlohmann::json summary = {{"file", shown_path}, {"ok", ok}, {"solver", solver}, {"queries", outcomes.size()},
                              {"configuration_checks_pass", loaded.deployment.has_value()}};
    if (options.cross_check) summary["cross_check_solver"] = checker;
    fmt::print("{}\n", summary.dump());
    return ok ? 0 : 1;
  }
  fmt::print("{}: {}{}\n", shown_path, solver, options.cross_check ? ", cross-checked with " + checker : "");
  fmt::print("{}", proofs::render_table(outcomes));
  if (!options.smtlib_dir.empty()) fmt::print("SMT-LIB2 queries written to {}\n", options.smtlib_dir);
  fmt::print("{}: {}\n", shown_path, ok ? "PROVED" : "NOT PROVED");
  return ok ? 0 : 1;
}

}  // namespace smmuman::tools
