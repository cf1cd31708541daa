// smmu-gen: hardware description (spec/hw/*.yaml) -> C++ header.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "description.hpp"
#include "smmuman/input/file.hpp"
#include "smmuman/input/text.hpp"

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
  app.set_version_flag("--version", "smmu-gen " SMMUMAN_VERSION);
  // Exit codes (gen/README.md): 0 success, 1 a description with errors or a
  // file that cannot be read or written, 2 a usage error. CLI11_PARSE would
  // exit with CLI11's own codes (105, 106, 109, ...), so parse errors are
  // mapped here; --help and --version are "errors" that exit 0.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // CLI11's message quotes the arguments: shown escaped, as all input is.
    fmt::print(stderr, "{}\nRun with --help for more information.\n", smmuman::input::escape_for_display(e.what()));
    return 2;
  }

  // Paths are shown escaped, as the messages are: they are input too.
  const auto shown = [](const std::string& path) { return smmuman::input::escape_for_display(path); };
  const auto loaded = smmuman::gen::load_description_file(input);
  if (!loaded.description) {
    for (const auto& e : loaded.errors) fmt::print(stderr, "{}\n", smmuman::gen::to_string(e));
    fmt::print(stderr, "{}: {} error{}\n", shown(input), loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return 1;
  }
  if (validate_only) return 0;
  const std::string header = smmuman::gen::emit_cpp_header(*loaded.description);
  if (!check.empty()) {
    const auto committed = smmuman::input::read_input_file(check);
    if (committed.text == header) return 0;
    const std::string why = committed.text ? "stale (differs from what the description generates)"
                                           : "cannot be read (" + committed.problem + ")";
    fmt::print(stderr, "{}: {} — regenerate it: smmu-gen {} -o {}\n", shown(check), why, shown(input), shown(check));
    return 1;
  }
  if (output.empty()) {
    fmt::print("{}", header);
    return 0;
  }
  if (smmuman::input::read_input_file(output).text == header) return 0;  // keep timestamps: nothing to rebuild
  if (const auto dir = std::filesystem::path(output).parent_path(); !dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) {
      fmt::print(stderr, "{}: cannot create {}: {}\n", shown(output), shown(dir.string()), error.message());
      return 1;
    }
  }
  // Written beside the target and renamed over it, so a failed write never
  // leaves a half header for the build to compile.
  const std::string partial = output + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << header;
    out.close();
    if (!out) {
      const int error = errno;
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      fmt::print(stderr, "{}: cannot write: {}\n", shown(output), std::strerror(error));
      return 1;
    }
  }
  std::error_code renamed;
  std::filesystem::rename(partial, output, renamed);
  if (renamed) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    fmt::print(stderr, "{}: cannot write: {}\n", shown(output), renamed.message());
    return 1;
  }
  return 0;
}
