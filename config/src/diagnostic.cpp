#include "smmuman/config/diagnostic.hpp"

#include <algorithm>

#include "smmuman/input/text.hpp"

namespace smmuman::config {

std::string to_string(const Diagnostic& d) {
  return input::escape_for_display(core::to_string(d.origin) + ": " + d.message);
}

void validate_into(LoadResult& result, core::Deployment deployment) {
  const bool read_whole = result.errors.empty();
  for (auto& e : core::validate_deployment(deployment)) result.errors.push_back(Diagnostic{e.origin, e.message});
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.origin.line < b.origin.line; });
  if (result.errors.empty()) {
    deployment.finalize();
    result.deployment = std::move(deployment);
  } else if (read_whole) {
    result.unvalidated = std::move(deployment);
  }
}

}  // namespace smmuman::config
