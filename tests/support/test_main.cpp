// Test entry point: sets the rapidcheck case count before any property runs.
//
// SMMUMAN_PROPERTY_CASES (the environment) sets how many cases, i.e. how many
// operation sequences for state-machine tests, each property tries. ctest
// passes the CMake default as SMMUMAN_PROPERTY_CASES_DEFAULT. An explicit
// RC_PARAMS (rapidcheck's own variable) wins over both.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const char* cases = std::getenv("SMMUMAN_PROPERTY_CASES");
  if (cases == nullptr || *cases == '\0') cases = std::getenv("SMMUMAN_PROPERTY_CASES_DEFAULT");
  if (cases != nullptr && *cases != '\0' && std::getenv("RC_PARAMS") == nullptr) {
    const std::string params = std::string("max_success=") + cases;
    setenv("RC_PARAMS", params.c_str(), 1);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
