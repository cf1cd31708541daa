#include "smmuman/config/diagnostic.hpp"

namespace smmuman::config {

std::string to_string(const Diagnostic& d) { return core::to_string(d.origin) + ": " + d.message; }

void validate_into(LoadResult& result, core::Deployment deployment) {
  for (auto& e : core::validate_deployment(deployment)) result.errors.push_back(Diagnostic{e.origin, e.message});
  if (result.errors.empty()) {
    deployment.finalize();
    result.deployment = std::move(deployment);
  }
}

}  // namespace smmuman::config
