// Measuring one operation: best wall time over a few repetitions and the peak
// heap it needed, and the benchmark cases built on that.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace smmuman::bench {

// The measured window inside an operation: the operation starts it once its
// inputs are ready and stops it before checking and dropping its results, so
// neither is counted.
class Probe {
 public:
  void start();
  void stop();
  uint64_t ns() const { return ns_; }
  std::size_t peak_bytes() const { return peak_bytes_; }

 private:
  std::chrono::steady_clock::time_point started_;
  std::size_t live_at_start_ = 0;
  uint64_t ns_ = 0;
  std::size_t peak_bytes_ = 0;
};

// An operation to measure: returns "" when it did what it must, otherwise
// what went wrong (a measurement of a failure is worthless).
using Operation = std::function<std::string(Probe&)>;

struct RepeatPolicy {
  int max_repetitions = 5;
  // Stop repeating once this much time went into the repetitions; at least one always runs.
  double budget_seconds = 2.0;
};

struct Sample {
  uint64_t best_ns = 0;        // the fastest repetition
  uint64_t first_ns = 0;       // the first repetition, to predict the next size
  std::size_t peak_bytes = 0;  // heap above the live bytes at start, highest over the repetitions
  int repetitions = 0;
  std::string problem;  // set when a repetition failed; the sample is then void
};

Sample measure(const Operation& operation, const RepeatPolicy& policy);

// One input of one case at one size.
struct PreparedInput {
  std::string text;         // the file the operation reads
  bool yaml_floor = false;  // measure yaml-cpp's YAML::Load of text as an absolute baseline
  Operation run;
};

struct Case {
  std::string name;
  std::string item;  // what one of the n items is
  std::string what;  // one line: what is measured
  std::function<PreparedInput(std::size_t n)> prepare;
};

struct Suite {
  std::string name;
  std::string what;
  std::vector<Case> cases;
  std::vector<std::size_t> full_sizes, quick_sizes, smoke_sizes;
};

Suite config_suite();
Suite gen_suite();

// The yaml-cpp floor: YAML::Load of the text, which any YAML reader pays.
Operation yaml_load_operation(const std::string& text);

}  // namespace smmuman::bench
