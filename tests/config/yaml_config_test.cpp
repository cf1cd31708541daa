// The YAML deployment reader: every file in tests/config/data states what it
// expects in its own header (`# expect: ok` or `# expect-error: LINE: text`),
// so input and expected output live together; plus number-notation units.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "smmuman/config/number.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/input/text.hpp"
#include "support/expectations.hpp"

namespace smmuman::config {
namespace {

namespace fs = std::filesystem;

const fs::path kDataDir = fs::path(SMMUMAN_SOURCE_DIR) / "tests/config/data";

std::vector<fs::path> data_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kDataDir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class YamlDataFile : public ::testing::TestWithParam<fs::path> {};

// Each data file loads, or fails with exactly the errors it lists (as printed, escaped), at the lines it lists.
TEST_P(YamlDataFile, ReportsExactlyTheExpectedDiagnostics) {
  const fs::path file = GetParam();
  const test::Expectation want = test::read_expectation(file.string());
  ASSERT_TRUE(want.ok || !want.errors.empty()) << file << " states no expectation";
  const LoadResult got = load_yaml_config_file(file.string());
  std::string all;
  for (const auto& d : got.errors) all += to_string(d) + "\n";
  if (want.ok) {
    EXPECT_TRUE(got.deployment.has_value());
    EXPECT_TRUE(got.errors.empty()) << all;
    return;
  }
  EXPECT_FALSE(got.deployment.has_value()) << "a broken configuration must not yield a deployment";
  ASSERT_EQ(got.errors.size(), want.errors.size()) << all;
  std::vector<std::pair<int, std::string>> found;
  for (const auto& d : got.errors) {
    EXPECT_EQ(d.origin.file(), file.string());
    found.emplace_back(d.origin.line, input::escape_for_display(d.message));  // as smmuman check prints it
  }
  for (const auto& [line, prefix] : want.errors) {
    EXPECT_TRUE(test::has_diagnostic(found, line, prefix)) << "expected at line " << line << ": " << prefix << "\ngot:\n" << all;
  }
}

INSTANTIATE_TEST_SUITE_P(Data, YamlDataFile, ::testing::ValuesIn(data_files()),
                         [](const auto& info) {
                           std::string name = info.param.stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The shipped examples load cleanly.
TEST(YamlExamples, ShippedExamplesLoad) {
  for (const char* example : {"examples/arm-smmuv3-two-vms/host.yaml", "examples/arm-smmuv3-two-vms/guest-vm-net.yaml"}) {
    const auto got = load_yaml_config_file((fs::path(SMMUMAN_SOURCE_DIR) / example).string());
    std::string all;
    for (const auto& d : got.errors) all += to_string(d) + "\n";
    EXPECT_TRUE(got.deployment.has_value()) << example << "\n" << all;
  }
}

// The host example's VM memory and pass-through devices arrive in the model as written.
TEST(YamlExamples, HostExampleContents) {
  const auto got = load_yaml_config_file(std::string(SMMUMAN_SOURCE_DIR) + "/examples/arm-smmuv3-two-vms/host.yaml");
  ASSERT_TRUE(got.deployment);
  const auto& d = *got.deployment;
  EXPECT_EQ(d.role, core::Role::host);
  ASSERT_EQ(d.vms.size(), 2u);
  ASSERT_EQ(d.vms[0].memory.size(), 2u);
  EXPECT_EQ(d.vms[0].memory[1].guest.first(), 0x60000000u);
  EXPECT_EQ(d.vms[0].memory[1].host_first, 0x100000000u);
  EXPECT_EQ(d.vms[0].memory[1].guest.size(), core::u128{512} << 20);
  ASSERT_EQ(d.vms[1].passthrough.size(), 1u);
  EXPECT_EQ(d.devices[d.vms[1].passthrough[0]].name, "nvme0");
  EXPECT_EQ(d.units[0].registers, core::HpaRange::from_base_len(0x09050000, 128 * 1024));
  EXPECT_EQ(d.startup_mappings.size(), 2u);
}

// An unreadable file is one error naming the path.
TEST(YamlConfig, MissingFile) {
  const auto got = load_yaml_config_file("/nonexistent/deployment.yaml");
  ASSERT_EQ(got.errors.size(), 1u);
  EXPECT_EQ(got.errors[0].origin.file(), "/nonexistent/deployment.yaml");
  EXPECT_FALSE(got.deployment);
}

uint64_t num(std::string_view text, DefaultBase base) {
  auto r = parse_number(text, base);
  EXPECT_TRUE(std::holds_alternative<uint64_t>(r)) << text << ": " << std::get<std::string>(r);
  return std::holds_alternative<uint64_t>(r) ? std::get<uint64_t>(r) : 0;
}
std::string num_error(std::string_view text, DefaultBase base) {
  auto r = parse_number(text, base);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

// Prefixes override the default base; K/M/G are powers of 1024 (QNX "Global options").
TEST(Number, PrefixesAndMultipliers) {
  EXPECT_EQ(num("4096", DefaultBase::decimal), 4096u);
  EXPECT_EQ(num("4000", DefaultBase::hex), 0x4000u);
  EXPECT_EQ(num("0x4000", DefaultBase::decimal), 0x4000u);
  EXPECT_EQ(num("0d16384", DefaultBase::hex), 16384u);
  EXPECT_EQ(num("4K", DefaultBase::decimal), 4096u);
  EXPECT_EQ(num("1k", DefaultBase::decimal), 1024u);
  EXPECT_EQ(num("2G", DefaultBase::decimal), uint64_t{2} << 30);
  EXPECT_EQ(num("0x10M", DefaultBase::decimal), uint64_t{16} << 20);
  EXPECT_EQ(num("0xffffffffffffffff", DefaultBase::decimal), UINT64_MAX);
}

// Overflow, empty digits and stray characters are errors that quote the text.
TEST(Number, Errors) {
  EXPECT_NE(num_error("18446744073709551616", DefaultBase::decimal).find("does not fit in 64 bits"), std::string::npos);
  EXPECT_NE(num_error("0x1ffffffffffffffffK", DefaultBase::decimal).find("does not fit"), std::string::npos);
  EXPECT_NE(num_error("17179869184G", DefaultBase::decimal).find("does not fit"), std::string::npos);
  EXPECT_NE(num_error("0x", DefaultBase::decimal).find("'0x'"), std::string::npos);
  EXPECT_NE(num_error("", DefaultBase::decimal).find("is not a number"), std::string::npos);
  EXPECT_NE(num_error("12ab", DefaultBase::decimal).find("not a decimal number"), std::string::npos);
  EXPECT_NE(num_error("-1", DefaultBase::decimal).find("unexpected '-'"), std::string::npos);
}

}  // namespace
}  // namespace smmuman::config
