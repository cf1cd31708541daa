// What `smmuman check` prints: a readable summary, or the same facts as JSON
// for tools (CI, certification evidence).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "smmuman/config/diagnostic.hpp"
#include "smmuman/core/deployment.hpp"

namespace smmuman::config {

std::string summarize(const core::Deployment& d);

// Addresses and sizes are "0x…" strings: JSON numbers lose precision past 2^53.
// Every string is escaped (input::escape_for_display): JSON is UTF-8 only.
nlohmann::json deployment_to_json(const core::Deployment& d);
nlohmann::json diagnostics_to_json(const std::vector<Diagnostic>& errors);

}  // namespace smmuman::config
