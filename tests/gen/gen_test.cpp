// smmu-gen: every malformed description is refused with the line and reason
// its file states; the golden description generates exactly its expected
// header; generation is deterministic; every shipped description is valid;
// the command line explains itself and detects stale committed headers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "description.hpp"
#include "support/expectations.hpp"
#include "support/run_command.hpp"

namespace smmuman::gen {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = SMMUMAN_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == extension) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

class MalformedDescription : public ::testing::TestWithParam<fs::path> {};

// Each malformed description fails with exactly the errors, at the lines, that it lists.
TEST_P(MalformedDescription, ReportsLineAndReason) {
  const auto want = test::read_expectation(GetParam().string());
  ASSERT_FALSE(want.errors.empty()) << GetParam() << " lists no expected error";
  const auto got = load_description_file(GetParam().string());
  EXPECT_FALSE(got.description.has_value());
  std::string all;
  std::vector<std::pair<int, std::string>> found;
  for (const auto& e : got.errors) {
    all += to_string(e) + "\n";
    found.emplace_back(e.line, e.message);
    EXPECT_EQ(e.file, GetParam().string());
  }
  EXPECT_EQ(got.errors.size(), want.errors.size()) << all;
  for (const auto& [line, prefix] : want.errors) {
    EXPECT_TRUE(test::has_diagnostic(found, line, prefix)) << "expected " << line << ": " << prefix << "\ngot:\n" << all;
  }
}
INSTANTIATE_TEST_SUITE_P(Errors, MalformedDescription, ::testing::ValuesIn(files_in(kSource / "tests/gen/errors", ".yaml")),
                         test_name);

// A golden file holds a description, a separator line, and the exact header it must generate.
class GoldenDescription : public ::testing::TestWithParam<fs::path> {};
TEST_P(GoldenDescription, GeneratesExactlyTheExpectedHeader) {
  const std::string text = read(GetParam());
  const std::string separator = "#### expected output ####\n";
  const size_t at = text.find(separator);
  ASSERT_NE(at, std::string::npos);
  const auto got = load_description(text.substr(0, at), GetParam().stem().string() + ".yaml");
  ASSERT_TRUE(got.description) << (got.errors.empty() ? "" : to_string(got.errors[0]));
  EXPECT_EQ(emit_cpp_header(*got.description), text.substr(at + separator.size()));
}
INSTANTIATE_TEST_SUITE_P(Golden, GoldenDescription, ::testing::ValuesIn(files_in(kSource / "tests/gen/golden", ".test")),
                         test_name);

// Every description shipped in spec/hw is valid, and generating it twice, from
// two different paths, gives the same bytes.
TEST(ShippedDescriptions, ValidAndDeterministic) {
  const auto descriptions = files_in(kSource / "spec/hw", ".yaml");
  for (const auto& path : descriptions) {
    const auto a = load_description_file(path.string());
    ASSERT_TRUE(a.description) << path << ": " << (a.errors.empty() ? "" : to_string(a.errors[0]));
    const auto b = load_description(read(path), "/elsewhere/spec/hw/" + path.filename().string());
    ASSERT_TRUE(b.description);
    EXPECT_EQ(emit_cpp_header(*a.description), emit_cpp_header(*b.description)) << path;
  }
}

int run(const std::string& command, std::string* output = nullptr) {
  const auto r = test::run_command(command);
  if (output) *output = r.output;
  return r.exit_code;
}

// --help explains usage with examples; --check passes on a fresh header and fails on a stale one.
TEST(SmmuGenCli, HelpAndStalenessCheck) {
  std::string out;
  EXPECT_EQ(run(std::string(SMMU_GEN) + " --help", &out), 0);
  EXPECT_NE(out.find("--check"), std::string::npos) << out;
  EXPECT_NE(out.find("Examples"), std::string::npos) << out;

  const fs::path dir = fs::temp_directory_path() / ("smmu-gen-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string description = (kSource / "tests/backends/common/test-iommu.yaml").string();
  const fs::path header = dir / "test_iommu.hpp";
  ASSERT_EQ(run(std::string(SMMU_GEN) + " " + description + " -o " + header.string()), 0);
  EXPECT_EQ(run(std::string(SMMU_GEN) + " " + description + " --check " + header.string()), 0);
  std::ofstream(header, std::ios::app) << "// edited by hand\n";
  EXPECT_EQ(run(std::string(SMMU_GEN) + " " + description + " --check " + header.string(), &out), 1);
  EXPECT_NE(out.find("stale"), std::string::npos) << out;
  EXPECT_EQ(run(std::string(SMMU_GEN) + " " + (kSource / "tests/gen/errors/field-too-wide.yaml").string(), &out), 1);
  EXPECT_NE(out.find("field-too-wide.yaml:14: R.TOP"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smmuman::gen
