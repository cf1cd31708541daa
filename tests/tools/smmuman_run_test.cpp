// `smmuman run` as a process: what it refuses before touching anything, and
// the start-up contract scripts rely on (the command returns once the daemon
// listens; a second daemon on the same socket is refused; SIGTERM removes it).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/run_command.hpp"

namespace {

namespace fs = std::filesystem;

std::string src(const std::string& path) { return std::string(SMMUMAN_SOURCE_DIR) + "/" + path; }

class SmmumanRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("smmuman-run-" + std::to_string(getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override {
    if (fs::exists(dir / "pid")) {
      std::ifstream in(dir / "pid");
      pid_t pid = 0;
      in >> pid;
      if (pid > 0) kill(pid, SIGTERM);
    }
    fs::remove_all(dir);
  }
  std::string run(const std::string& args) {
    return std::string(SMMUMAN_BINARY) + " run --socket " + (dir / "s.sock").string() + " --pid-file " +
           (dir / "pid").string() + " " + args;
  }
  fs::path dir;
};

TEST_F(SmmumanRun, ABadConfigurationIsRefusedBeforeAnythingStarts) {
  const fs::path bad = dir / "bad.yaml";
  std::ofstream(bad) << "role: host\nplatform: { memory: [ { base: 0x1000, size: 0 } ] }\n";
  const auto r = smmuman::test::run_command(run(bad.string()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:2"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "s.sock"));
  EXPECT_EQ(smmuman::test::run_command(run("--debug 3 " + src("examples/arm-smmuv3-two-vms/host.yaml"))).exit_code, 2);
  EXPECT_EQ(smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " run").exit_code, 2) << "no file";
}

TEST_F(SmmumanRun, ReturnsOnceListeningRefusesASecondDaemonAndStopsOnSigterm) {
  const auto first = smmuman::test::run_command(run(src("examples/arm-smmuv3-two-vms/host.yaml")));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(fs::exists(dir / "s.sock")) << "listening when the command returns";
  EXPECT_TRUE(fs::exists(dir / "vm" / "vm-net.sock"));
  ASSERT_TRUE(fs::exists(dir / "pid"));
  // A second daemon on the same socket: refused, and the first keeps its socket.
  const auto second = smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " run -f --socket " +
                                                 (dir / "s.sock").string() + " " +
                                                 src("examples/arm-smmuv3-two-vms/host.yaml"));
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("another daemon listens there"), std::string::npos) << second.output;
  EXPECT_TRUE(fs::exists(dir / "s.sock"));
  pid_t pid = 0;
  std::ifstream(dir / "pid") >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  for (int i = 0; i < 200 && fs::exists(dir / "s.sock"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(fs::exists(dir / "s.sock"));
  EXPECT_FALSE(fs::exists(dir / "pid")) << "the pid file goes with the daemon";
}

TEST_F(SmmumanRun, AGuestWithoutItsHostDoesNotStart) {
  const auto r = smmuman::test::run_command(std::string(SMMUMAN_BINARY) + " run -f --socket " +
                                            (dir / "g.sock").string() + " --vdev " + (dir / "none.sock").string() +
                                            " " + src("examples/arm-smmuv3-two-vms/guest-vm-net.yaml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot reach the host smmuman"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "g.sock"));
}

}  // namespace
