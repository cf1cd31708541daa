// Printing plans, for messages and test reports.
#include "smmuman/core/plan.hpp"

#include <fmt/format.h>

namespace smmuman::core {

std::string to_string(const StreamTarget& target) {
  if (std::holds_alternative<AbortTarget>(target)) return "abort";
  if (const auto* s = std::get_if<StartupTarget>(&target)) return fmt::format("startup mappings of device {}", s->device);
  const auto& d = std::get<DomainId>(target);
  return fmt::format("domain (object {}, unit {})", d.object, d.unit);
}

namespace {
std::string domain_name(const DomainId& d) { return fmt::format("domain (object {}, unit {})", d.object, d.unit); }
std::string entry_text(const DomainEntry& e) {
  return fmt::format("{} -> {} {}", to_string(e.in), format_hex(e.out_first), to_string(e.attr.perms));
}
}  // namespace

std::string to_string(const PlanStep& step) {
  if (const auto* s = std::get_if<step::CreateDomain>(&step)) return "create " + domain_name(s->domain);
  if (const auto* s = std::get_if<step::DestroyDomain>(&step)) return "destroy " + domain_name(s->domain);
  if (const auto* s = std::get_if<step::Map>(&step)) return fmt::format("map {} in {}", entry_text(s->entry), domain_name(s->domain));
  if (const auto* s = std::get_if<step::Unmap>(&step)) {
    return fmt::format("unmap {} in {} ({} entries)", to_string(s->range), domain_name(s->domain), s->removed.size());
  }
  const auto& b = std::get<step::BindStreams>(step);
  return fmt::format("bind device {} ({} streams on unit {}) from {} to {}", b.device, b.stream_ids.size(), b.unit,
                     to_string(b.from), to_string(b.to));
}

// GCC 12 with -fsanitize at -O2 reports the vectors inside a step moved while
// plan.steps grows as maybe-uninitialized (wherever that growth is inlined);
// clang and unsanitized GCC do not. Steps are added only here, so the
// warning is silenced for this one function and stays on everywhere else.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
PlanStep& Plan::add(PlanStep step) { return steps.emplace_back(std::move(step)); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace smmuman::core
