// Reader for QNX smmuman startup files (`*.smmu`), so QNX users can migrate.
// What is accepted, and how each statement maps to the model, is in
// docs/qnx-smmu-format.md.
#pragma once

#include <string>
#include <string_view>

#include "smmuman/config/diagnostic.hpp"

namespace smmuman::config {

// Reads the statements of one .smmu file into a host deployment named
// file_name. Every error is collected, each naming file_name and its line;
// the deployment is set only when there are none.
LoadResult load_qnx_smmu(std::string_view text, const std::string& file_name);
// Reads the file; an unreadable file is one diagnostic naming the path.
LoadResult load_qnx_smmu_file(const std::string& path);

}  // namespace smmuman::config
