// The readable summary `smmuman check` prints for a valid deployment.
#pragma once

#include <string>

#include "smmuman/core/deployment.hpp"

namespace smmuman::config {

std::string summarize(const core::Deployment& d);

}  // namespace smmuman::config
