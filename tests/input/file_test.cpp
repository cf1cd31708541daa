// Reading input files: the contents, or a reason a person can act on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "smmuman/input/file.hpp"

namespace smmuman::input {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  return fs::temp_directory_path() / ("smmuman-input-test-" + std::to_string(getpid()) + "-" + name);
}

// A regular file is read whole, binary bytes included.
TEST(ReadInputFile, ReadsTheWholeFile) {
  const fs::path path = scratch("whole");
  const std::string bytes("a\0b\xFF\n", 5);
  std::ofstream(path, std::ios::binary) << bytes;
  const FileText got = read_input_file(path.string());
  ASSERT_TRUE(got.text) << got.problem;
  EXPECT_EQ(*got.text, bytes);
  fs::remove(path);
}

// A directory, a missing file and a file past the limit each say why.
TEST(ReadInputFile, SaysWhyItCannotRead) {
  const FileText dir = read_input_file(fs::temp_directory_path().string());
  EXPECT_FALSE(dir.text);
  EXPECT_EQ(dir.problem, "it is a directory");

  const FileText missing = read_input_file("/nonexistent/smmuman.yaml");
  EXPECT_FALSE(missing.text);
  EXPECT_EQ(missing.problem, "No such file or directory");

  const fs::path big = scratch("big");
  std::ofstream(big, std::ios::binary) << std::string(5000, 'x');
  const FileText too_big = read_input_file(big.string(), 4096);
  EXPECT_FALSE(too_big.text);
  EXPECT_EQ(too_big.problem, "it is larger than 4096 bytes, the most an input may be");
  EXPECT_TRUE(read_input_file(big.string(), 5000).text) << "exactly the limit is allowed";
  fs::remove(big);
}

// A device with no end (/dev/zero) stops at the limit instead of filling memory.
TEST(ReadInputFile, EndlessDeviceStopsAtTheLimit) {
  const FileText zero = read_input_file("/dev/zero", size_t{1} << 20);
  EXPECT_FALSE(zero.text);
  EXPECT_EQ(zero.problem, "it is larger than 1 MiB, the most an input may be");
}

}  // namespace
}  // namespace smmuman::input
