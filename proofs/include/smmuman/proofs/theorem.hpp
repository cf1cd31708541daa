// A theorem as smmuman proves it: premises (facts assumed, which must be
// satisfiable: no vacuous theorem) and a claim that must hold wherever they
// do. Z3 looks for a counterexample; none means proved. Every query can be
// written out as SMT-LIB2 and re-run with cvc5.
//
// A mutant is a theorem built on deliberately broken code or data: it expects
// a counterexample, and the run fails if Z3 proves it.
#pragma once

#include <z3++.h>

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace smmuman::proofs {

enum class Expect { proof, counterexample };

struct Theorem {
  std::string id;       // "admission.guest", "deployment.vm_ranges_disjoint", ...
  std::string meaning;  // one sentence an assessor reads
  z3::expr premises;
  z3::expr claim;
  // A counterexample in the user's terms: names, addresses, file:line.
  std::function<std::string(const z3::model&)> explain;
  Expect expect = Expect::proof;
  // Facts about concrete data the claim rests on, checked before the solver
  // runs, by the same template the premises describe (proof by reflection,
  // for data too large for one query): nullopt when all hold, else the first
  // that fails, in the user's terms — a counterexample.
  std::function<std::optional<std::string>()> ground;
};

enum class Verdict { proved, counterexample, vacuous, unknown };
const char* to_string(Verdict v);

struct Outcome {
  std::string id;
  std::string meaning;
  Expect expect = Expect::proof;
  Verdict verdict = Verdict::unknown;
  bool as_expected = false;     // proved, or a counterexample for a mutant
  bool ground_checked = false;  // the solver proved the lemma; the concrete facts were checked outside it
  double seconds = 0;
  std::string counterexample;  // explain(model), when there is one
  // cvc5's verdict on the same SMT-LIB2 queries, when cross-checked.
  std::optional<Verdict> cross_check;
  bool solvers_agree = true;
  std::string cross_check_error;
};

struct RunOptions {
  std::string smtlib_dir;  // write each query here as <id>.smt2 (and <id>.premises.smt2)
  bool cross_check = false;
  std::string cvc5 = "cvc5";
  unsigned timeout_ms = 120000;
};

// "z3 4.8.12"
std::string z3_version();
// "cvc5 1.0.3", or an empty string when it cannot be run.
std::string cvc5_version(const std::string& program);

Outcome run(const Theorem& theorem, const RunOptions& options);

// Runs the theorems `build` makes on `jobs` threads. Z3 contexts are not
// shared between threads, so each thread builds them all in its own context
// (building is cheap next to solving) and runs the next theorem no thread
// has taken. Outcomes come back in `build`'s order; an exception in any
// thread is rethrown once all have stopped.
std::vector<Outcome> run_in_parallel(const std::function<std::vector<Theorem>(z3::context&)>& build,
                                     const RunOptions& options, unsigned jobs);

nlohmann::json to_json(const Outcome& outcome, const std::string& solver);

// A whole run: one line per theorem, then a summary; true when every outcome
// is as expected and, when cross-checked, the solvers agree.
bool all_as_expected(const std::vector<Outcome>& outcomes);
std::string render_table(const std::vector<Outcome>& outcomes);

// The model's value of a 64-bit constant, as 0x... (or "any" when the model
// leaves it free).
std::string hex_value(const z3::model& model, const z3::expr& constant);
uint64_t value_of(const z3::model& model, const z3::expr& constant);

}  // namespace smmuman::proofs
