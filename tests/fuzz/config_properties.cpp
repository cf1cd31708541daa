#include "config_properties.hpp"

#include <fmt/format.h>

#include <exception>
#include <optional>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "smmuman/config/summary.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::fuzz {

namespace {

std::string all_errors(const config::LoadResult& r) {
  std::string text;
  for (const auto& d : r.errors)
    text += fmt::format("  {}:{}: {}\n", printable(d.origin.file()), d.origin.line, printable(d.message));
  return text;
}

// Runs what must not throw; a throw is reported with what was being done.
template <typename Action>
auto must_not_throw(std::string_view property, Action&& action) {
  try {
    return action();
  } catch (const std::exception& e) {
    property_failed(property, fmt::format("threw: {}", printable(e.what())));
  } catch (...) {
    property_failed(property, "threw something that is not a std::exception");
  }
}

// dump() must give text that parses back to the same value: what `smmuman
// check --json` prints has to be readable by the tools it is printed for.
void check_json_text(std::string_view what, const nlohmann::json& value) {
  const std::string text = must_not_throw(fmt::format("{}.dump() does not throw", what), [&] { return value.dump(); });
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(!parsed.is_discarded() && parsed == value, fmt::format("{}.dump() parses back to the same JSON", what),
          [&] { return printable(text); });
}

void check_diagnostics(std::string_view text, const config::LoadResult& r, const ConfigReaderFacts& facts) {
  const int last_line = last_nameable_line(text);
  for (size_t i = 0; i < r.errors.size(); ++i) {
    const auto& d = r.errors[i];
    require(d.origin.file() == facts.file_name, "every diagnostic names the file it was given", [&] {
      return fmt::format("diagnostic names '{}', not '{}'\n{}", printable(d.origin.file()), facts.file_name,
                         all_errors(r));
    });
    require(d.origin.line >= 0 && d.origin.line <= last_line, "every diagnostic's line is in the input",
            [&] { return fmt::format("line {} outside 0..{}\n{}", d.origin.line, last_line, all_errors(r)); });
    require(!d.message.empty(), "every diagnostic has a message", [&] { return all_errors(r); });
    must_not_throw("to_string(Diagnostic) does not throw", [&] { return config::to_string(d); });
    if (facts.errors_sorted_by_line && i > 0) {
      require(r.errors[i - 1].origin.line <= d.origin.line, "diagnostics are in line order",
              [&] { return all_errors(r); });
    }
  }
  const auto json =
      must_not_throw("diagnostics_to_json does not throw", [&] { return config::diagnostics_to_json(r.errors); });
  check_json_text("diagnostics_to_json(errors)", json);
}

void check_deployment(const core::Deployment& d) {
  const auto findings =
      must_not_throw("validate_deployment does not throw", [&] { return core::validate_deployment(d); });
  if (!findings.empty()) {
    std::string text;
    for (const auto& f : findings) text += fmt::format("  line {}: {}\n", f.origin.line, printable(f.message));
    property_failed("a loaded deployment passes core::validate_deployment", text);
  }
  must_not_throw("summarize does not throw", [&] { return config::summarize(d); });
  const auto json = must_not_throw("deployment_to_json does not throw", [&] { return config::deployment_to_json(d); });
  check_json_text("deployment_to_json(deployment)", json);

  std::optional<core::Manager> manager;
  try {
    manager.emplace(d, /*check_invariants=*/true);
  } catch (const core::InvariantViolation& e) {
    property_failed("core::Manager accepts a loaded deployment",
                    fmt::format("InvariantViolation: {}", printable(e.what())));
  } catch (const std::exception& e) {
    property_failed("core::Manager accepts a loaded deployment", fmt::format("threw: {}", printable(e.what())));
  }

  // A startup mapping is in force from the start: its first and last byte are
  // reachable with its permissions and translate where it says.
  for (const auto& m : d.startup_mappings) {
    for (const auto kind : {core::AccessKind::read, core::AccessKind::write, core::AccessKind::exec}) {
      if (!m.perms.allows(kind)) continue;
      const auto first = manager->access(m.device, core::Iova{m.iova.first()}, kind);
      const auto last = manager->access(m.device, core::Iova{m.iova.last()}, kind);
      require(first == core::AccessResult{true, core::Hpa{m.hpa().first()}} &&
                  last == core::AccessResult{true, core::Hpa{m.hpa().last()}},
              "a startup mapping is reachable as declared", [&] {
                return fmt::format("device {} {} iova [{:#x}, {:#x}] -> {:#x}: first {}/{:#x}, last {}/{:#x} (line {})",
                                   m.device, core::to_string(kind), m.iova.first(), m.iova.last(), m.hpa_first,
                                   first.allowed, first.hpa.value(), last.allowed, last.hpa.value(), m.origin.line);
              });
    }
  }
}

bool same_errors(const config::LoadResult& a, const config::LoadResult& b) {
  if (a.errors.size() != b.errors.size()) return false;
  for (size_t i = 0; i < a.errors.size(); ++i) {
    if (a.errors[i].origin.file() != b.errors[i].origin.file() || a.errors[i].origin.line != b.errors[i].origin.line ||
        a.errors[i].message != b.errors[i].message) {
      return false;
    }
  }
  return true;
}

}  // namespace

void check_config_reader(std::string_view text, ConfigReader read, const ConfigReaderFacts& facts) {
  const config::LoadResult first =
      must_not_throw("the reader does not throw", [&] { return read(text, facts.file_name); });

  require(first.deployment.has_value() == first.errors.empty(), "a load yields a deployment iff it yields no errors",
          [&] {
            return fmt::format("deployment {}, {} errors\n{}", first.deployment ? "set" : "absent", first.errors.size(),
                               all_errors(first));
          });
  check_diagnostics(text, first, facts);
  if (first.deployment) check_deployment(*first.deployment);

  const config::LoadResult second = read(text, facts.file_name);
  require(same_errors(first, second) && first.debug_level == second.debug_level &&
              first.deployment.has_value() == second.deployment.has_value(),
          "loading the same input twice gives the same result",
          [&] { return fmt::format("first:\n{}second:\n{}", all_errors(first), all_errors(second)); });
  if (first.deployment) {
    require(config::summarize(*first.deployment) == config::summarize(*second.deployment) &&
                config::deployment_to_json(*first.deployment) == config::deployment_to_json(*second.deployment),
            "loading the same input twice gives the same deployment");
  }
}

}  // namespace smmuman::fuzz
