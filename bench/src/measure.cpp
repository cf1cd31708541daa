#include "measure.hpp"

#include <malloc.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>

#include "heap_counter.hpp"

namespace smmuman::bench {

void Probe::start() {
  // Start from a consolidated heap, so an operation never pays for sorting out
  // the garbage of what ran before it (glibc consolidates lazily, on some
  // later allocation, which made one case's time depend on the previous one).
  malloc_trim(0);
  live_at_start_ = heap_live_bytes();
  heap_reset_peak();
  started_ = std::chrono::steady_clock::now();
}

void Probe::stop() {
  const auto stopped = std::chrono::steady_clock::now();
  ns_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(stopped - started_).count());
  peak_bytes_ = heap_peak_bytes() - live_at_start_;
}

Sample measure(const Operation& operation, const RepeatPolicy& policy) {
  Sample sample;
  double spent_seconds = 0;
  while (sample.repetitions < std::max(1, policy.max_repetitions) &&
         (sample.repetitions == 0 || spent_seconds < policy.budget_seconds)) {
    Probe probe;
    try {
      sample.problem = operation(probe);
    } catch (const std::exception& e) {
      sample.problem = std::string("threw: ") + e.what();
    }
    if (!sample.problem.empty()) return sample;
    if (sample.repetitions == 0) {
      sample.best_ns = probe.ns();
      sample.first_ns = probe.ns();
    }
    sample.best_ns = std::min(sample.best_ns, probe.ns());
    sample.peak_bytes = std::max(sample.peak_bytes, probe.peak_bytes());
    spent_seconds += static_cast<double>(probe.ns()) * 1e-9;
    ++sample.repetitions;
  }
  return sample;
}

Operation yaml_load_operation(const std::string& text) {
  return [&text](Probe& probe) -> std::string {
    probe.start();
    const YAML::Node root = YAML::Load(text);
    probe.stop();
    return root.IsMap() ? "" : "yaml-cpp did not read a mapping";
  };
}

}  // namespace smmuman::bench
