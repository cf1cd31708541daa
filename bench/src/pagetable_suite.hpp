// The pagetable suite: the generic page-table engine per format, against
// baselines measured in the same run (see pagetable_suite.cpp, README.md).
#pragma once

namespace smmuman::bench {

struct PagetableSettings {
  bool json = false;
  bool quick = false;
  bool smoke = false;
};

// Prints one row (or JSON object) per workload and format; returns how many
// workloads did not do what they must.
int run_pagetable_suite(const PagetableSettings& settings);

}  // namespace smmuman::bench
