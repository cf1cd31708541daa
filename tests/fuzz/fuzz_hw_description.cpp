// Fuzz target: smmu-gen's description loader and header emitter, for any
// bytes whatever (tests/README.md, "Fuzzing"): a description is loaded iff
// there are no errors, each error names the file and a line of the input, in
// line order; a loaded description emits a header, the same bytes every
// time, as valid UTF-8 with no control bytes but '\n'; loading is
// deterministic.
#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "description.hpp"
#include "fuzz_support.hpp"

namespace smmuman::fuzz {
namespace {

// Not "*.yaml": the loader requires a .yaml file's name to be its architecture,
// which would refuse every input and leave the emitter unfuzzed.
constexpr const char* kFileName = "fuzz-description";

std::string all_errors(const gen::LoadedDescription& r) {
  std::string text;
  for (const auto& e : r.errors) text += fmt::format("  {}:{}: {}\n", printable(e.file), e.line, printable(e.message));
  return text;
}

gen::LoadedDescription load(const std::string& text) {
  try {
    return gen::load_description(text, kFileName);
  } catch (const std::exception& e) {
    property_failed("load_description does not throw", printable(e.what()));
  } catch (...) {
    property_failed("load_description does not throw", "threw something that is not a std::exception");
  }
}

std::string emit(const gen::Description& d) {
  try {
    return gen::emit_cpp_header(d);
  } catch (const std::exception& e) {
    property_failed("emit_cpp_header does not throw for a loaded description", printable(e.what()));
  } catch (...) {
    property_failed("emit_cpp_header does not throw for a loaded description", "threw something else");
  }
}

void check_errors(const std::string& text, const gen::LoadedDescription& r) {
  const int last_line = last_nameable_line(text);
  for (size_t i = 0; i < r.errors.size(); ++i) {
    const auto& e = r.errors[i];
    require(e.file == kFileName, "every error names the file it was given", [&] { return all_errors(r); });
    require(e.line >= 0 && e.line <= last_line, "every error's line is in the input",
            [&] { return fmt::format("line {} outside 0..{}\n{}", e.line, last_line, all_errors(r)); });
    require(!e.message.empty(), "every error has a message", [&] { return all_errors(r); });
    require(i == 0 || r.errors[i - 1].line <= e.line, "errors are in line order", [&] { return all_errors(r); });
    try {
      (void)gen::to_string(e);
    } catch (const std::exception& ex) {
      property_failed("to_string(GenError) does not throw", printable(ex.what()));
    }
  }
}

// The header is C++ source a compiler reads: no byte of a description may
// reach it as a raw control character (a '\r' or form feed inside a comment
// or string literal) or as text that is not UTF-8.
void check_header_text(const std::string& header) {
  require(!header.empty(), "a loaded description emits a non-empty header");
  const size_t bad_utf8 = first_invalid_utf8(header);
  require(bad_utf8 == std::string::npos, "the header is valid UTF-8", [&] {
    return fmt::format("at offset {}: {}", bad_utf8, printable(header.substr(bad_utf8 > 80 ? bad_utf8 - 80 : 0, 160)));
  });
  for (size_t i = 0; i < header.size(); ++i) {
    const auto byte = static_cast<unsigned char>(header[i]);
    if ((byte < 0x20 && byte != '\n') || byte == 0x7f) {
      property_failed(
          "the header holds no control bytes but '\\n'",
          fmt::format("byte {:#04x} at offset {}: {}", byte, i, printable(header.substr(i > 80 ? i - 80 : 0, 160))));
    }
  }
}

bool same_errors(const gen::LoadedDescription& a, const gen::LoadedDescription& b) {
  if (a.errors.size() != b.errors.size()) return false;
  for (size_t i = 0; i < a.errors.size(); ++i) {
    if (a.errors[i].file != b.errors[i].file || a.errors[i].line != b.errors[i].line ||
        a.errors[i].message != b.errors[i].message) {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace smmuman::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace smmuman::fuzz;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto first = load(text);
  require(first.description.has_value() == first.errors.empty(), "a load yields a description iff it yields no errors",
          [&] {
            return fmt::format("description {}, {} errors\n{}", first.description ? "set" : "absent",
                               first.errors.size(), all_errors(first));
          });
  check_errors(text, first);

  std::string header;
  if (first.description) {
    require(first.description->file == kFileName, "a loaded description names the file it was given",
            [&] { return printable(first.description->file); });
    header = emit(*first.description);
    check_header_text(header);
    require(emit(*first.description) == header, "emitting one description twice gives the same bytes");
  }

  const auto second = load(text);
  require(same_errors(first, second) && first.description.has_value() == second.description.has_value(),
          "loading the same input twice gives the same result",
          [&] { return fmt::format("first:\n{}second:\n{}", all_errors(first), all_errors(second)); });
  if (second.description) {
    require(emit(*second.description) == header, "loading the same input twice gives the same header");
  }
  return 0;
}
