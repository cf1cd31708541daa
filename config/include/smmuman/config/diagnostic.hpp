// Errors found while loading a configuration, each naming file and line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "smmuman/config/access.hpp"
#include "smmuman/core/deployment.hpp"

namespace smmuman::config {

struct Diagnostic {
  core::Origin origin;
  std::string message;
};
// "file:line: message", the form compilers use, so editors can jump to it;
// escaped (input::escape_for_display), since file name and message may quote
// input bytes.
std::string to_string(const Diagnostic& d);

struct LoadResult {
  std::optional<core::Deployment> deployment;  // set only when there are no errors
  // The deployment as declared when it was read whole but broke the core's
  // rules: `smmuman prove` proves the rules again, independently, and shows
  // where they fail. Not finalized; nothing else may use it.
  std::optional<core::Deployment> unvalidated;
  std::vector<Diagnostic> errors;
  int debug_level = 0;                          // QNX `debug N`; 0 when absent
  std::vector<AccessRule> access;               // the `access` section; empty when absent
};

// Runs the core's static validation and turns its findings into diagnostics,
// all sorted by line;
// the deployment is kept only when nothing was found.
void validate_into(LoadResult& result, core::Deployment deployment);

}  // namespace smmuman::config
