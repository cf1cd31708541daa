// smmu-gen: hardware description (spec/hw/*.yaml) -> C++ header.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "description.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "smmu-gen: turns an SMMU hardware description (spec/hw/<arch>.yaml, format in "
      "docs/hw-description-format.md) into a C++ header of typed registers, fields, structures, "
      "command encoders and page-table formats.\n\n"
      "Examples:\n"
      "  smmu-gen spec/hw/arm-smmuv3.yaml -o backends/arm-smmuv3/include/smmuman/hw/arm_smmuv3.hpp\n"
      "  smmu-gen spec/hw/arm-smmuv3.yaml --check backends/arm-smmuv3/include/smmuman/hw/arm_smmuv3.hpp\n"
      "  smmu-gen spec/hw/arm-smmuv3.yaml --validate\n"};
  std::string input, output, check;
  bool validate_only = false;
  app.add_option("description", input, "the hardware description (YAML)")->required();
  auto* out_opt = app.add_option("-o,--output", output, "write the generated header here (written only if it changed)");
  auto* check_opt = app.add_option("--check", check, "compare with this committed header; exit 1 if it is stale");
  auto* validate_opt = app.add_flag("--validate", validate_only, "only validate the description");
  out_opt->excludes(check_opt)->excludes(validate_opt);
  check_opt->excludes(validate_opt);
  CLI11_PARSE(app, argc, argv);

  const auto loaded = smmuman::gen::load_description_file(input);
  if (!loaded.description) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", smmuman::gen::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", input, loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return 1;
  }
  if (validate_only) return 0;
  const std::string header = smmuman::gen::emit_cpp_header(*loaded.description);
  auto read_file = [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  };
  if (!check.empty()) {
    const auto committed = read_file(check);
    if (committed == header) return 0;
    fmt::print(stderr, "{}: {} — regenerate it: smmu-gen {} -o {}\n", check,
               committed ? "stale (differs from what the description generates)" : "missing", input, check);
    return 1;
  }
  if (output.empty()) {
    fmt::print("{}", header);
    return 0;
  }
  if (read_file(output) == header) return 0;  // keep timestamps: nothing to rebuild
  if (const auto dir = std::filesystem::path(output).parent_path(); !dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
      fmt::print(stderr, "{}: cannot create {}: {}\n", output, dir.string(), error.message());
      return 1;
    }
  }
  std::ofstream out(output, std::ios::binary);
  out << header;
  if (!out) {
    fmt::print(stderr, "{}: cannot write\n", output);
    return 1;
  }
  return 0;
}
