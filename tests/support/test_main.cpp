// Test entry point: sets the rapidcheck case count before any property runs.
//
// SMMUMAN_PROPERTY_CASES (the environment) sets how many cases, i.e. how many
// operation sequences for state-machine tests, each property tries. ctest
// passes the CMake default as SMMUMAN_PROPERTY_CASES_DEFAULT. rapidcheck's own
// RC_PARAMS is kept and extended: giving only `seed=…` to replay a failure
// keeps the case count, which only an explicit `max_success=…` there changes.
// rapidcheck prints the configuration it uses ("Using configuration: …").
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  const char* cases = std::getenv("SMMUMAN_PROPERTY_CASES");
  if (cases == nullptr || *cases == '\0') cases = std::getenv("SMMUMAN_PROPERTY_CASES_DEFAULT");
  const char* given = std::getenv("RC_PARAMS");
  std::string params = given != nullptr ? given : "";
  if (cases != nullptr && *cases != '\0' && params.find("max_success=") == std::string::npos) {
    params += std::string(params.empty() ? "" : " ") + "max_success=" + cases;
    setenv("RC_PARAMS", params.c_str(), 1);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
