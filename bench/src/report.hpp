// Printing results: an aligned table per suite, or one JSON object per line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "measure.hpp"

namespace smmuman::bench {

struct Row {
  std::string suite;
  std::string case_name;
  std::string item;
  std::size_t n = 0;
  std::size_t input_bytes = 0;
  Sample sample;
  // The relative baseline: this case's per-item figures at its smallest size, this run.
  std::size_t baseline_n = 0;
  double baseline_ns_per_item = 0;
  double baseline_bytes_per_item = 0;
  // The absolute baseline, for YAML inputs: yaml-cpp's YAML::Load of the same text.
  std::optional<Sample> yaml_floor;

  double ns_per_item() const { return static_cast<double>(sample.best_ns) / static_cast<double>(n); }
  double bytes_per_item() const { return static_cast<double>(sample.peak_bytes) / static_cast<double>(n); }
};

class Reporter {
 public:
  explicit Reporter(bool json) : json_(json) {}
  void begin_suite(const Suite& suite, const std::string& mode, const std::vector<std::size_t>& sizes);
  void row(const Row& row);
  void skipped(const Suite& suite, const Case& c, std::size_t n, const std::string& reason);
  void failed(const Suite& suite, const Case& c, std::size_t n, const std::string& problem);
  // Table only: a closing line.
  void note(const std::string& text);

 private:
  bool json_;
  std::string last_case_;
};

}  // namespace smmuman::bench
