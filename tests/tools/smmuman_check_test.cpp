// `smmuman check` end to end: the shipped examples print a summary and exit 0;
// broken configurations print file:line errors on stderr and exit 1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/run_command.hpp"

namespace {

using CheckRun = smmuman::test::CommandResult;

CheckRun run_check(const std::string& args) {
  return smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " check " + args);
}

std::string src(const std::string& path) { return std::string(SMMUMAN_SOURCE_DIR) + "/" + path; }

// The host example passes and its summary names units, devices, VMs and mappings.
TEST(SmmumanCheck, HostExamplePrintsSummary) {
  const CheckRun r = run_check(src("examples/arm-smmuv3-two-vms/host.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("units (2):"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("vm-net (pass-through: eth0, crypto0)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("guest 0x60000000-0x7fffffff (512 MiB) -> host 0x100000000-0x11fffffff rwx"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("startup mappings (2):"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OK, every invariant holds"), std::string::npos) << r.output;
}

// A QNX .smmu file is recognised by its extension and checked the same way.
TEST(SmmumanCheck, QnxExamplePasses) {
  const CheckRun r = run_check(src("examples/qnx/imx8-mmu500.smmu"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("arm-smmuv2"), std::string::npos) << r.output;
}

// Each broken configuration exits 1 and names the file and line of its error.
TEST(SmmumanCheck, BrokenConfigsExitOneWithPreciseErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {"tests/config/data/bad-overlapping-vm-ranges.yaml", "bad-overlapping-vm-ranges.yaml:21: VM 'vm2': host range"},
      {"tests/config/data/bad-guest-mapping-outside-memory.yaml",
       "bad-guest-mapping-outside-memory.yaml:12: startup mapping for device 'eth0'"},
      {"tests/config/data/bad-host-startup-passthrough.yaml",
       "bad-host-startup-passthrough.yaml:20: startup mapping for device 'eth0' is not allowed in a host configuration"},
      {"tests/config/data/bad-malformed-number.yaml", "bad-malformed-number.yaml:19: VM 'vm1' memory size: '256Q'"},
  };
  for (const auto& [file, message] : cases) {
    const CheckRun r = run_check(src(file));
    EXPECT_EQ(r.exit_code, 1) << file << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << file << "\n" << r.output;
    EXPECT_EQ(r.output.find("OK, every invariant holds"), std::string::npos) << r.output;
  }
}

// A file that cannot be read exits 1 and says why; a wrong command line exits 2
// (README.md, "Exit codes"), whatever CLI11 would choose.
TEST(SmmumanCheck, ExitCodes) {
  const CheckRun missing = run_check("/nonexistent.yaml");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("/nonexistent.yaml: cannot read the file: No such file or directory"), std::string::npos)
      << missing.output;
  const CheckRun directory = run_check(src("examples"));
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_NE(directory.output.find("it is a directory"), std::string::npos) << directory.output;
  const CheckRun forced = run_check("--format qnx " + src("examples/arm-smmuv3-two-vms/host.yaml"));
  EXPECT_EQ(forced.exit_code, 1) << "a YAML file read as .smmu must not pass";

  EXPECT_EQ(run_check("--format xml " + src("examples/arm-smmuv3-two-vms/host.yaml")).exit_code, 2);
  EXPECT_EQ(run_check("").exit_code, 2) << "check without a file";
  EXPECT_EQ(run_check("--bogus x.yaml").exit_code, 2);
  EXPECT_EQ(run_check("a.yaml b.yaml").exit_code, 2);
  EXPECT_EQ(smmuman::test::run_command(std::string(SMMUMAN_BINARY)).exit_code, 2) << "no subcommand";
  const CheckRun escape = run_check("--format \"$(printf '\\033]0;pwned\\007')\" x.yaml");
  EXPECT_EQ(escape.exit_code, 2);
  EXPECT_EQ(escape.output.find('\x1b'), std::string::npos) << "a usage error echoed a raw ESC: " << escape.output;
  EXPECT_NE(escape.output.find("\\x1B]0;pwned\\x07"), std::string::npos) << escape.output;
  EXPECT_EQ(smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " --help").exit_code, 0);
  EXPECT_EQ(smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " --version").exit_code, 0);
}

// A scratch directory for files whose names or contents are hostile.
class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("smmuman-check-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
  std::filesystem::path dir_;
};

// Bytes that are not UTF-8, in the file or in its name, give valid JSON (escaped) and exit 0 or 1, never a crash.
TEST_F(HostileInput, JsonStaysValidUtf8) {
  const std::string bad_content = write("bad.yaml", "role: host\xff\n");
  const CheckRun a = run_check("--json '" + bad_content + "'");
  EXPECT_EQ(a.exit_code, 1) << a.output;
  const auto ja = nlohmann::json::parse(a.output);
  EXPECT_EQ(ja["errors"][0]["message"], "byte 0xff is not UTF-8; a YAML file must be UTF-8 text");

  const std::string good = "role: host\nplatform:\n  memory:\n    - { base: 0x80000000, size: 1G }\n";
  const std::string bad_name = write("name-\xff\x1b.yaml", good);
  const CheckRun b = run_check("--json '" + bad_name + "'");
  EXPECT_EQ(b.exit_code, 0) << b.output;
  const auto jb = nlohmann::json::parse(b.output);
  EXPECT_EQ(jb["file"], (dir_ / "name-\\xFF\\x1B.yaml").string());
  EXPECT_EQ(jb["deployment"]["name"], (dir_ / "name-\\xFF\\x1B.yaml").string());

  // A QNX file may hold any bytes in its words: they come back escaped.
  const std::string qnx = write("weird.smmu", "smmu armsmmu\nunit u\xc3\x28 0x51400000,64,66,0\nfoo\x07\n");
  const CheckRun c = run_check("--json '" + qnx + "'");
  EXPECT_EQ(c.exit_code, 1) << c.output;
  const auto jc = nlohmann::json::parse(c.output);
  ASSERT_EQ(jc["errors"].size(), 2u) << c.output;
  EXPECT_EQ(jc["errors"][0]["message"],
            "unit 'u\\xC3(': a name is printable ASCII: letters, digits, punctuation and inner blanks");
  EXPECT_EQ(jc["errors"][1]["message"], "unknown statement 'foo\\x07'");
}

// Text mode never echoes a control byte: a terminal escape in the input is shown, not obeyed.
TEST_F(HostileInput, TextModeEscapesControlBytes) {
  const std::string qnx = write("esc.smmu", "smmu armsmmu\n\x1b[2J\x1b]0;owned\x07\n");
  const CheckRun r = run_check("'" + qnx + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << "raw ESC in output";
  EXPECT_EQ(r.output.find('\x07'), std::string::npos) << "raw BEL in output";
  EXPECT_NE(r.output.find("unknown statement '\\x1B[2J\\x1B]0;owned\\x07'"), std::string::npos) << r.output;
}

// --json carries the same facts for tools: addresses as hex strings, errors with file and line.
TEST(SmmumanCheck, JsonOutput) {
  const CheckRun good = run_check("--json " + src("examples/arm-smmuv3-two-vms/host.yaml"));
  ASSERT_EQ(good.exit_code, 0) << good.output;
  const auto j = nlohmann::json::parse(good.output);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["deployment"]["role"], "host");
  EXPECT_EQ(j["deployment"]["vms"][0]["memory"][1]["host"]["first"], "0x100000000");
  EXPECT_EQ(j["deployment"]["devices"][0]["vm"], "vm-net");

  const CheckRun bad = run_check("--json " + src("tests/config/data/bad-host-startup-passthrough.yaml"));
  ASSERT_EQ(bad.exit_code, 1) << bad.output;
  const auto e = nlohmann::json::parse(bad.output);
  EXPECT_FALSE(e["ok"].get<bool>());
  ASSERT_EQ(e["errors"].size(), 1u);
  EXPECT_EQ(e["errors"][0]["line"], 20);
  EXPECT_FALSE(e.contains("deployment"));
}

}  // namespace
