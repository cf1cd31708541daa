// The native deployment configuration (YAML), documented in docs/config-schema.md.
#pragma once

#include <string>
#include <string_view>

#include "smmuman/config/diagnostic.hpp"

namespace smmuman::config {

LoadResult load_yaml_config(std::string_view text, const std::string& file_name);
// Reads the file; an unreadable file is one diagnostic naming the path.
LoadResult load_yaml_config_file(const std::string& path);

}  // namespace smmuman::config
