// Fuzz target: the YAML deployment reader keeps the properties of
// config_properties.hpp for any bytes whatever (tests/README.md, "Fuzzing").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config_properties.hpp"
#include "smmuman/config/yaml_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  smmuman::fuzz::check_config_reader(text, &smmuman::config::load_yaml_config,
                                     {.file_name = "fuzz.yaml", .errors_sorted_by_line = true});
  return 0;
}
