// Expected diagnostics written in a test input's own header, so input and
// expectation live in one file (as LLVM's TableGen tests do):
//   # expect: ok
//   # expect-error: LINE: message prefix
#pragma once

#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace smmuman::test {

struct Expectation {
  bool ok = false;
  std::vector<std::pair<int, std::string>> errors;  // line, message prefix
};

inline Expectation read_expectation(const std::string& path) {
  std::ifstream in(path);
  Expectation e;
  const std::string prefix = "# expect-error: ";
  std::string line;
  while (std::getline(in, line)) {
    if (line == "# expect: ok") e.ok = true;
    if (line.rfind(prefix, 0) != 0) continue;
    const size_t colon = line.find(": ", prefix.size());  // "LINE: text"
    if (colon == std::string::npos) continue;
    e.errors.emplace_back(std::stoi(line.substr(prefix.size(), colon - prefix.size())), line.substr(colon + 2));
  }
  return e;
}

// True when one of `found` (line, message) is at `line` and starts with `prefix`.
template <class Found>
bool has_diagnostic(const Found& found, int line, const std::string& prefix) {
  for (const auto& [l, message] : found) {
    if (l == line && message.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace smmuman::test
