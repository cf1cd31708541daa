// `smmuman check` end to end: the shipped examples print a summary and exit 0;
// broken configurations print file:line errors on stderr and exit 1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  EXPECT_NE(r.output.find("vm-net (pass-through: eth0)"), std::string::npos) << r.output;
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

// A missing file and a bad --format are errors too.
TEST(SmmumanCheck, UsageErrors) {
  EXPECT_EQ(run_check("/nonexistent.yaml").exit_code, 1);
  EXPECT_NE(run_check("--format xml " + src("examples/arm-smmuv3-two-vms/host.yaml")).exit_code, 0);
  const CheckRun forced = run_check("--format qnx " + src("examples/arm-smmuv3-two-vms/host.yaml"));
  EXPECT_EQ(forced.exit_code, 1) << "a YAML file read as .smmu must not pass";
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
