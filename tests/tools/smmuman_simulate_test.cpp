// `smmuman simulate` end to end: the shipped host examples come up on the
// hardware models, print what each unit was programmed with, and every
// programmed stream answers as the core decides.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "support/run_command.hpp"

namespace {

smmuman::test::CommandResult run_simulate(const std::string& args) {
  return smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " simulate " + args);
}

std::string src(const std::string& path) { return std::string(SMMUMAN_SOURCE_DIR) + "/" + path; }

TEST(SmmumanSimulate, SmmuV3ExampleProgramsStreamTableEntries) {
  const auto r = run_simulate(src("examples/arm-smmuv3-two-vms/host.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Pass-through devices abort until their VM starts; the startup mappings have a domain.
  EXPECT_NE(r.output.find("stream 0x100: abort (empty stage-2 table, VMID 0); STE "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stream 0x11: stage 2, VMID 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("all as the core decides"), std::string::npos) << r.output;
}

TEST(SmmumanSimulate, Mmu500ExampleWithItsVmProgramsGroupsAndBanks) {
  const auto r = run_simulate("--vms " + src("examples/zynqmp-mmu500/host.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The four SATA ports share one group (MASK 0x3) with the VM's Ethernet MAC's bank.
  EXPECT_NE(r.output.find("ID 0x4c0 MASK 0x3 -> S2CR translate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ID 0x877 MASK 0x0 -> S2CR translate"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ID 0x868 MASK 0x7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("all as the core decides"), std::string::npos) << r.output;
}

TEST(SmmumanSimulate, JsonNamesEachUnitAndWhatItHolds) {
  const auto r = run_simulate("--json --vms " + src("examples/arm-smmuv3-two-vms/host.yaml"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_TRUE(j.at("ok").get<bool>());
  EXPECT_GT(j.at("checked").get<uint64_t>(), 0u);
  ASSERT_EQ(j.at("units").size(), 2u);
  EXPECT_EQ(j.at("units")[0].at("name"), "smmu-pcie");
  EXPECT_EQ(j.at("units")[0].at("architecture"), "arm-smmuv3");
  const std::string first = j.at("units")[0].at("programmed")[1].get<std::string>();
  EXPECT_NE(first.find("stream 0x100: stage 2"), std::string::npos) << first;
}

TEST(SmmumanSimulate, AUnitWithoutABackendIsAClearError) {
  const std::string path = ::testing::TempDir() + "simulate-vtd.yaml";
  std::ofstream(path) << "deployment: vtd\nrole: host\nplatform: { memory: [{ base: 0x100000000, size: 1G }] }\n"
                         "units: [{ name: dmar0, type: intel-vtd, registers: { base: 0xfed90000, size: 4K } }]\n";
  const auto r = run_simulate(path);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no register-level backend for intel-vtd yet"), std::string::npos) << r.output;
}

}  // namespace
