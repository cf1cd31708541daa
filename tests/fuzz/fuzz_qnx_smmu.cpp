// Fuzz target: the QNX .smmu reader keeps the properties of
// config_properties.hpp for any bytes whatever, and reports its errors in
// line order as docs/qnx-smmu-format.md promises (tests/README.md, "Fuzzing").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config_properties.hpp"
#include "smmuman/config/qnx_smmu.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  smmuman::fuzz::check_config_reader(text, &smmuman::config::load_qnx_smmu,
                                     {.file_name = "fuzz.smmu", .errors_sorted_by_line = true});
  return 0;
}
