#include "report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace smmuman::bench {
namespace {

std::string grouped(uint64_t value) {
  std::string digits = std::to_string(value);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<size_t>(at), ",");
  return digits;
}

std::string per_item(double value) {
  return value < 100 ? fmt::format("{:.1f}", value) : grouped(static_cast<uint64_t>(std::llround(value)));
}

std::string duration(uint64_t ns) {
  const auto v = static_cast<double>(ns);
  if (ns < 1'000) return fmt::format("{} ns", ns);
  if (ns < 1'000'000) return fmt::format("{:.1f} us", v / 1e3);
  if (ns < 1'000'000'000) return fmt::format("{:.1f} ms", v / 1e6);
  return fmt::format("{:.2f} s", v / 1e9);
}

std::string bytes(std::size_t b) {
  const auto v = static_cast<double>(b);
  if (b < 1024) return fmt::format("{} B", b);
  if (b < 1024 * 1024) return fmt::format("{:.1f} KiB", v / 1024);
  if (b < 1024 * 1024 * 1024) return fmt::format("{:.1f} MiB", v / (1024 * 1024));
  return fmt::format("{:.2f} GiB", v / (1024.0 * 1024 * 1024));
}

double ratio(double value, double baseline) { return baseline > 0 ? value / baseline : 0; }

// Three decimals are plenty for a ratio or a per-item figure, and keep lines short.
double rounded(double value) { return std::round(value * 1000) / 1000; }

constexpr const char* kTableHeader =
    "{:<16} {:>10} {:>7} {:>4} {:>9} | {:>8} {:>8} {:>6} {:>8} {:>6} | {:>9} {:>8} {:>8} {:>6} {:>8} {:>6}\n";

// A case that gave no figures: one JSON object with `key` set to `text`, or
// a table row "label: text".
void print_without_figures(bool json, const Suite& suite, const Case& c, std::size_t n, const char* key,
                           const char* label, const std::string& text) {
  if (json) {
    fmt::print("{}\n", nlohmann::ordered_json{{"suite", suite.name}, {"case", c.name}, {"n", n}, {key, text}}.dump());
  } else {
    fmt::print("{:<16} {:>10} {:>7}  {}: {}\n", c.name, c.item, grouped(n), label, text);
  }
  std::fflush(stdout);
}

}  // namespace

void Reporter::begin_suite(const Suite& suite, const std::string& mode, const std::vector<std::size_t>& sizes) {
  last_case_.clear();
  if (json_) return;
  std::string size_list;
  for (std::size_t n : sizes) size_list += (size_list.empty() ? "" : ", ") + grouped(n);
  fmt::print("\n== {} ({}, n = {}): {}\n", suite.name, mode, size_list, suite.what);
  for (const Case& c : suite.cases) fmt::print("   {:<16} n {}s: {}\n", c.name, c.item, c.what);
  fmt::print(
      "   time: best of reps; heap: peak live bytes the operation added. base = the same case's per-item\n"
      "   figure at its smallest n in this run; ratio = per-item / base (1 = linear; grows with n when\n"
      "   superlinear). yaml = yaml-cpp YAML::Load of the same text, per item, in this run; xyaml = per-item /\n"
      "   yaml.\n\n");
  fmt::print(kTableHeader, "case", "item", "n", "reps", "time", "ns/item", "base", "ratio", "yaml", "xyaml",
             "peak heap", "B/item", "base", "ratio", "yaml", "xyaml");
  std::fflush(stdout);
}

void Reporter::row(const Row& r) {
  const double ns_item = r.ns_per_item();
  const double bytes_item = r.bytes_per_item();
  std::optional<double> yaml_ns_item, yaml_bytes_item;
  if (r.yaml_floor) {
    yaml_ns_item = static_cast<double>(r.yaml_floor->best_ns) / static_cast<double>(r.n);
    yaml_bytes_item = static_cast<double>(r.yaml_floor->peak_bytes) / static_cast<double>(r.n);
  }
  if (json_) {
    nlohmann::ordered_json out = {
        {"suite", r.suite},
        {"case", r.case_name},
        {"item", r.item},
        {"n", r.n},
        {"input_bytes", r.input_bytes},
        {"reps", r.sample.repetitions},
        {"ns", r.sample.best_ns},
        {"ns_per_item", rounded(ns_item)},
        {"baseline_n", r.baseline_n},
        {"baseline_ns_per_item", rounded(r.baseline_ns_per_item)},
        {"ratio", rounded(ratio(ns_item, r.baseline_ns_per_item))},
        {"peak_bytes", r.sample.peak_bytes},
        {"bytes_per_item", rounded(bytes_item)},
        {"baseline_bytes_per_item", rounded(r.baseline_bytes_per_item)},
        {"bytes_ratio", rounded(ratio(bytes_item, r.baseline_bytes_per_item))},
        {"yaml_ns_per_item", nullptr},
        {"yaml_ratio", nullptr},
        {"yaml_bytes_per_item", nullptr},
        {"yaml_bytes_ratio", nullptr},
    };
    if (r.yaml_floor) {
      out["yaml_ns_per_item"] = rounded(*yaml_ns_item);
      out["yaml_ratio"] = rounded(ratio(ns_item, *yaml_ns_item));
      out["yaml_bytes_per_item"] = rounded(*yaml_bytes_item);
      out["yaml_bytes_ratio"] = rounded(ratio(bytes_item, *yaml_bytes_item));
    }
    fmt::print("{}\n", out.dump());
    std::fflush(stdout);
    return;
  }
  if (!last_case_.empty() && last_case_ != r.case_name) fmt::print("\n");
  last_case_ = r.case_name;
  const auto optional_figure = [](const std::optional<double>& v) { return v ? per_item(*v) : std::string("-"); };
  const auto optional_ratio = [](const std::optional<double>& v, double figure) {
    return v ? fmt::format("{:.2f}", ratio(figure, *v)) : std::string("-");
  };
  fmt::print(kTableHeader, r.case_name, r.item, grouped(r.n), r.sample.repetitions, duration(r.sample.best_ns),
             per_item(ns_item), per_item(r.baseline_ns_per_item),
             fmt::format("{:.2f}", ratio(ns_item, r.baseline_ns_per_item)), optional_figure(yaml_ns_item),
             optional_ratio(yaml_ns_item, ns_item), bytes(r.sample.peak_bytes), per_item(bytes_item),
             per_item(r.baseline_bytes_per_item), fmt::format("{:.2f}", ratio(bytes_item, r.baseline_bytes_per_item)),
             optional_figure(yaml_bytes_item), optional_ratio(yaml_bytes_item, bytes_item));
  std::fflush(stdout);
}

void Reporter::skipped(const Suite& suite, const Case& c, std::size_t n, const std::string& reason) {
  print_without_figures(json_, suite, c, n, "skipped", "skipped", reason);
}

void Reporter::failed(const Suite& suite, const Case& c, std::size_t n, const std::string& problem) {
  fmt::print(stderr, "smmuman-bench: {} {} n={}: FAILED: {}\n", suite.name, c.name, n, problem);
  print_without_figures(json_, suite, c, n, "failed", "FAILED", problem);
}

void Reporter::note(const std::string& text) {
  if (!json_) fmt::print("{}\n", text);
}

}  // namespace smmuman::bench
