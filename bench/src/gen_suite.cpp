// The gen suite: smmu-gen's two halves on descriptions with many large
// register arrays — load_description (parse and validate) and
// emit_cpp_header, measured apart.
#include <fmt/format.h>

#include <memory>

#include "description.hpp"
#include "gen_inputs.hpp"
#include "measure.hpp"

namespace smmuman::bench {
namespace {

std::string first_error(const gen::LoadedDescription& loaded) {
  return loaded.errors.empty() ? std::string("none") : gen::to_string(loaded.errors.front());
}

PreparedInput prepare_validate(std::size_t array_count) {
  auto input = std::make_shared<GenInput>(gen_description(array_count));
  PreparedInput prepared;
  prepared.text = input->text;
  prepared.yaml_floor = true;
  prepared.run = [input](Probe& probe) -> std::string {
    probe.start();
    const gen::LoadedDescription loaded = gen::load_description(input->text, "bench-iommu.yaml");
    probe.stop();
    if (!loaded.description)
      return fmt::format("{} error(s), the first: {}", loaded.errors.size(), first_error(loaded));
    if (loaded.description->registers.size() != input->register_count) {
      return fmt::format("{} registers loaded, expected {}", loaded.description->registers.size(),
                         input->register_count);
    }
    return "";
  };
  return prepared;
}

// The description is loaded while preparing, once per size: only emitting is measured.
PreparedInput prepare_emit(std::size_t array_count) {
  auto input = std::make_shared<GenInput>(gen_description(array_count));
  auto loaded = std::make_shared<gen::LoadedDescription>(gen::load_description(input->text, "bench-iommu.yaml"));
  PreparedInput prepared;
  prepared.text = input->text;
  prepared.run = [input, loaded](Probe& probe) -> std::string {
    if (!loaded->description)
      return fmt::format("{} error(s), the first: {}", loaded->errors.size(), first_error(*loaded));
    probe.start();
    const std::string header = gen::emit_cpp_header(*loaded->description);
    probe.stop();
    if (header.find(fmt::format("struct {} ", input->last_register)) == std::string::npos) {
      return fmt::format("the header ({} bytes) lacks register {}", header.size(), input->last_register);
    }
    return "";
  };
  return prepared;
}

}  // namespace

Suite gen_suite() {
  Suite suite;
  suite.name = "gen";
  suite.what =
      fmt::format("smmu-gen on descriptions of n register arrays of {} instances, over 8 blocks", kGenArrayCount);
  suite.cases = {
      Case{"gen-validate", "array", "load_description: parse and validate (overlap of every instance)",
           &prepare_validate},
      Case{"gen-emit", "array", "emit_cpp_header of the loaded description", &prepare_emit},
  };
  suite.full_sizes = {100, 1'000, 4'000};
  suite.quick_sizes = {50, 200, 800};
  suite.smoke_sizes = {2, 8};
  return suite;
}

}  // namespace smmuman::bench
