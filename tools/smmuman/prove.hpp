// `smmuman prove`: runs the Z3 theorems (proofs/) on one deployment.
#pragma once

#include <string>

#include "smmuman/config/diagnostic.hpp"

namespace smmuman::tools {

struct ProveOptions {
  bool all = false;          // add the admission theorems (and their mutants)
  bool json = false;         // one JSON object per theorem, then a summary object
  std::string smtlib_dir;    // write every query here as SMT-LIB2
  bool cross_check = false;  // re-run every query with cvc5; any disagreement fails
  std::string cvc5 = "cvc5";
  unsigned timeout_seconds = 120;  // per query and solver
  unsigned jobs = 2;               // threads for --all's configuration-free theorems
};

// Exit status: 0 when every theorem is proved, every mutant has its
// counterexample, and the solvers agree; 1 otherwise.
int prove(const config::LoadResult& loaded, const std::string& shown_path, const ProveOptions& options);

}  // namespace smmuman::tools
