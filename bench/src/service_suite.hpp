// The service suite: smmu_mapping_add's round trip through the daemon (on
// the hardware models) next to a bare Unix-socket echo of the same message
// sizes, measured in the same run (see service_suite.cpp, README.md).
#pragma once

namespace smmuman::bench {

struct ServiceSettings {
  bool json = false;
  bool quick = false;
  bool smoke = false;
};

// Prints one row (or JSON object) per workload; returns how many failed.
int run_service_suite(const ServiceSettings& settings);

}  // namespace smmuman::bench
