// Runs a fuzz target over given files, without libFuzzer: the ctest seed
// replays (fuzz_<target>_replay_seeds) in the g++ builds, and replaying a
// reproducer found by scripts/fuzz.sh. Arguments are files, or directories
// read recursively, as with a libFuzzer binary. A property violation aborts
// the process after naming the input that caused it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_under(const fs::path& path) {
  if (!fs::is_directory(path)) return {path};
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // the same order on every run
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE|DIR...\nruns the fuzz target once on each file\n", argv[0]);
    return 2;
  }
  size_t run_count = 0;
  for (int i = 1; i < argc; ++i) {
    for (const fs::path& file : inputs_under(argv[i])) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return 2;
      }
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      std::fprintf(stderr, "Running: %s\n", file.c_str());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++run_count;
    }
  }
  // An empty seed list would pass while checking nothing.
  if (run_count == 0) {
    std::fprintf(stderr, "no input files found\n");
    return 2;
  }
  std::fprintf(stderr, "%zu inputs, every property held\n", run_count);
  return 0;
}
