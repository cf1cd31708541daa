// The properties every deployment reader must keep for any input whatever,
// checked by fuzz_yaml_config and fuzz_qnx_smmu (see tests/README.md).
#pragma once

#include <string>
#include <string_view>

#include "smmuman/config/diagnostic.hpp"

namespace smmuman::fuzz {

using ConfigReader = config::LoadResult (*)(std::string_view text, const std::string& file_name);

struct ConfigReaderFacts {
  const char* file_name;       // what the reader is told the input is called
  bool errors_sorted_by_line;  // the reader's documentation promises line order
};

// Loads text twice with read and aborts, naming the property, if any fails.
void check_config_reader(std::string_view text, ConfigReader read, const ConfigReaderFacts& facts);

}  // namespace smmuman::fuzz
