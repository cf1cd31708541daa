// The backend suite: the register-level backends on their hardware models
// (models/), operation by operation through the core, next to the page-table
// engine alone in the same run (see backend_suite.cpp, README.md).
#pragma once

namespace smmuman::bench {

struct BackendSettings {
  bool json = false;
  bool quick = false;
  bool smoke = false;
};

// Prints one row (or JSON object) per workload and backend; returns how many
// workloads did not do what they must.
int run_backend_suite(const BackendSettings& settings);

}  // namespace smmuman::bench
