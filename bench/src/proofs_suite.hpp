// The proofs suite: `smmuman prove`'s deployment theorems and translation
// validation at scale, next to the core's invariant checker on the same state
// (see proofs_suite.cpp, README.md).
#pragma once

namespace smmuman::bench {

struct ProofsSettings {
  bool json = false;
  bool quick = false;
  bool smoke = false;
};

// Prints one row (or JSON object) per size; returns how many failed.
int run_proofs_suite(const ProofsSettings& settings);

}  // namespace smmuman::bench
