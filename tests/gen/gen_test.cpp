// smmu-gen: every malformed description is refused with the line and reason
// its file states; the golden description generates exactly its expected
// header; generation is deterministic; every shipped description is valid;
// no name a standard header defines as a macro is accepted; the command line
// explains itself, detects stale committed headers and exits with documented
// codes. (What validation costs is measured by `smmuman-bench gen`.)
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
  EXPECT_NE(out.find("field-too-wide.yaml:16: R.TOP"), std::string::npos) << out;
  fs::remove_all(dir);
}

// Exit codes, as gen/README.md documents them: 0 success (and --help,
// --version), 1 a description with errors or a file that cannot be read, 2 a
// usage error (never CLI11's own codes, such as 105, 106 or 109).
TEST(SmmuGenCli, ExitCodes) {
  const std::string gen = SMMU_GEN;
  const std::string valid = (kSource / "tests/backends/common/test-iommu.yaml").string();
  const std::string invalid = (kSource / "tests/gen/errors/field-too-wide.yaml").string();
  std::string out;
  EXPECT_EQ(run(gen + " " + valid + " --validate"), 0);
  EXPECT_EQ(run(gen + " --version", &out), 0);
  EXPECT_NE(out.find("smmu-gen"), std::string::npos) << out;
  EXPECT_EQ(run(gen + " " + invalid + " --validate"), 1);
  EXPECT_EQ(run(gen + " /nonexistent/description.yaml --validate", &out), 1);
  EXPECT_NE(out.find("cannot read"), std::string::npos) << out;
  for (const std::string& usage : {" --no-such-option " + valid, std::string(""), " " + valid + " -o", " " + valid + " extra.yaml",
                                  " " + valid + " -o out.hpp --check out.hpp", " " + valid + " --check out.hpp --validate"}) {
    EXPECT_EQ(run(gen + usage, &out), 2) << "smmu-gen" << usage << "\n" << out;
    EXPECT_FALSE(out.empty()) << "smmu-gen" << usage << " says nothing";
  }
}

// A directory says so; a terminal escape in a description (here a key written
// with YAML's \e escape) comes back shown, never raw.
TEST(SmmuGenCli, UnreadableAndHostileInputIsReportedCleanly) {
  const std::string gen = SMMU_GEN;
  std::string out;
  EXPECT_EQ(run(gen + " " + kSource.string() + " --validate", &out), 1);
  EXPECT_NE(out.find(kSource.string() + ": cannot read the file: it is a directory\n"), std::string::npos) << out;

  const fs::path file = fs::temp_directory_path() / ("smmu-gen-hostile-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << "architecture: x\ntitle: t\nsources: { T: \"d\" }\n\"\\e[2J\\u202e\": 1\n";
  EXPECT_EQ(run(gen + " " + file.string() + " --validate", &out), 1);
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << "raw ESC in: " << out;
  EXPECT_NE(out.find("unknown key '\\x1B[2J\\u{202E}'"), std::string::npos) << out;
  fs::remove(file);

  // Output paths that are directories say why, and leave nothing behind.
  const std::string valid = (kSource / "tests/backends/common/test-iommu.yaml").string();
  const std::string dir = fs::temp_directory_path().string();
  EXPECT_EQ(run(gen + " " + valid + " --check " + dir, &out), 1);
  EXPECT_NE(out.find("cannot be read (it is a directory)"), std::string::npos) << out;
  EXPECT_EQ(run(gen + " " + valid + " -o " + dir, &out), 1);
  EXPECT_NE(out.find(dir + ": cannot write: Is a directory"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + ".partial"));
}

// [A-Z][A-Z0-9_]* or [a-z][a-z0-9_]*: the two shapes of name a description
// gives (page-table and architecture names with '-' already made '_').
bool is_description_name(const std::string& s) {
  if (s.empty()) return false;
  const bool upper = s[0] >= 'A' && s[0] <= 'Z';
  const bool lower = s[0] >= 'a' && s[0] <= 'z';
  return (upper || lower) && std::all_of(s.begin(), s.end(), [&](char c) {
           return (c >= '0' && c <= '9') || c == '_' || (upper ? c >= 'A' && c <= 'Z' : c >= 'a' && c <= 'z');
         });
}

// Every macro the build's compiler defines for the standard headers a backend
// includes beside a generated header, upper case (as register, field, value
// or structure names) or lower case (as architecture or page-table names), is
// refused as a name, as is Boost's prefix; names merely shaped like macros are not.
TEST(StandardMacroNames, EveryMacroOfTheIncludedHeadersIsRefused) {
  const auto r = test::run_command(
      "printf '#include <%s>\\n' cstdint climits cstddef cstdio cstdlib cerrno csignal | " SMMUMAN_CXX " -std=c++20 -dM -E -x c++ -");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line, missing;
  size_t checked = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("#define ", 0) != 0) continue;
    const std::string name = line.substr(8, line.find_first_of(" (", 8) - 8);
    if (!is_description_name(name)) continue;
    ++checked;
    if (!is_standard_macro_name(name)) missing += " " + name;
  }
  EXPECT_GT(checked, 300u) << "the compiler printed too few macros:\n" << r.output;
  EXPECT_EQ(missing, "") << "macros accepted as names (add them to gen/src/standard_macros.cpp)";
  for (const char* macro : {"NULL", "EOF", "PATH_MAX", "SIGRTMIN", "SA_RESTART", "SEGV_MAPERR", "ENOTRECOVERABLE", "BOOST_PP_CAT",
                            "errno", "stdout", "si_pid"}) {
    EXPECT_TRUE(is_standard_macro_name(macro)) << macro;
  }
  for (const char* name : {"ECAP", "EVTQ_BASE", "SMMU_CR0", "SIGNAL", "INT_STATUS_MAX", "BOOST", "E", "sv39", "arm_smmuv3"}) {
    EXPECT_FALSE(is_standard_macro_name(name)) << name;
  }
}

}  // namespace
}  // namespace smmuman::gen
