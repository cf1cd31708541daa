// Reading a whole input file (a configuration, a hardware description) with
// a reason a person can act on when it cannot be read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "smmuman/input/limits.hpp"

namespace smmuman::input {

struct FileText {
  std::optional<std::string> text;  // the contents, when they could be read
  std::string problem;              // otherwise why not: "it is a directory", "No such file or directory", ...
};

FileText read_input_file(const std::string& path, size_t max_bytes = kMaxInputBytes);

}  // namespace smmuman::input
