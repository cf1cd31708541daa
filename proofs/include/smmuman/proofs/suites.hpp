// The theorems smmuman proves, by group. Each returns theorems and their
// mutants; proofs/README.md says what each means and how it is encoded.
#pragma once

#include <z3++.h>

#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/proofs/theorem.hpp"

namespace smmuman::proofs {

// The core's mapping admission (core/admission_logic.hpp) on Z3 bit-vectors:
// for all 64-bit inputs, what it admits keeps the invariant.
std::vector<Theorem> admission_theorems(z3::context& ctx);

// One concrete deployment's static rules, with counterexamples in the
// configuration's terms (names, addresses, file:line).
std::vector<Theorem> deployment_theorems(z3::context& ctx, const core::Deployment& deployment);

}  // namespace smmuman::proofs
