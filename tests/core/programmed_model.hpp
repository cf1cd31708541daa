// A hardware layer for tests that holds exactly what plans programmed, page by
// page, and refuses any plan that does not fit what it holds: a Map over a
// mapped page, an Unmap whose `removed` differs from what the domain holds, a
// bind whose `from` is not the stream's target, a domain destroyed while a
// stream still uses it. It shares no tables with core/ (it walks pages), so
// comparing its access with Manager::access shows that the plans alone carry
// every change. `fail_at_step` makes prepare refuse at that step, as real
// hardware does when it runs out of context banks or page-table memory.
#pragma once

#include <fmt/format.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "smmuman/core/manager.hpp"

namespace smmuman::core::test {

class ProgrammedModel final : public HardwareLayer {
 public:
  static constexpr uint64_t kPage = 0x1000;

  explicit ProgrammedModel(const Deployment& d) : d_(d) {}

  std::optional<size_t> fail_at_step;  // prepare refuses on reaching this step
  size_t prepares = 0;
  size_t refusals = 0;  // prepares refused by fail_at_step
  size_t commits = 0;
  size_t last_plan_steps = 0;
  std::string inconsistency;  // why the first ill-fitting plan was refused

  Status prepare(const Plan& plan) override {
    ++prepares;
    last_plan_steps = plan.steps.size();
    Programmed next = now_;
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      if (fail_at_step == i) {
        ++refusals;
        return make_error(Errc::no_resources, fmt::format("model: out of resources at step {} ({})", i,
                                                          to_string(plan.steps[i])));
      }
      if (auto why = std::visit([&](const auto& s) { return program(next, s); }, plan.steps[i])) {
        const std::string text = fmt::format("model: step {} ({}) of {}: {}", i, to_string(plan.steps[i]),
                                             plan.operation, *why);
        if (inconsistency.empty()) inconsistency = text;
        return make_error(Errc::invalid_argument, text);
      }
    }
    pending_ = std::move(next);
    pending_plan_ = &plan;
    return Ok{};
  }

  void commit(const Plan& plan) noexcept override {
    if (pending_plan_ != &plan) std::abort();  // commit without its prepare
    now_ = std::move(pending_);
    pending_plan_ = nullptr;
    ++commits;
  }

  // What a transaction on a raw stream does under the programmed state.
  AccessResult access_stream(UnitIndex unit, uint32_t sid, Iova iova, AccessKind kind) const {
    const uint64_t addr = iova.value();
    auto it = now_.streams.find({unit, sid});
    if (it == now_.streams.end()) {
      // Never bound: the unit's treatment of streams nobody configured.
      return d_.units[unit].bypass_unconfigured ? AccessResult{true, Hpa{addr}} : AccessResult{};
    }
    const Pages* pages = nullptr;
    if (const auto* s = std::get_if<StartupTarget>(&it->second)) {
      auto found = now_.startup.find(s->device);
      if (found != now_.startup.end()) pages = &found->second;
    } else if (const auto* domain = std::get_if<DomainId>(&it->second)) {
      auto found = now_.domains.find(*domain);
      if (found != now_.domains.end()) pages = &found->second;
    }
    if (!pages) return {};
    auto page = pages->find(addr & ~(kPage - 1));
    // The model holds the permissions as programmed and widens nothing.
    if (page == pages->end() || !page->second.second.allows(kind)) return {};
    return {true, Hpa{page->second.first + (addr & (kPage - 1))}};
  }

  size_t domain_count() const { return now_.domains.size(); }
  bool same_programming(const ProgrammedModel& other) const { return now_ == other.now_; }

 private:
  using Pages = std::map<uint64_t, std::pair<uint64_t, Perms>>;  // page -> (output page, perms)
  struct Programmed {
    std::map<std::pair<UnitIndex, uint32_t>, StreamTarget> streams;
    std::map<DomainId, Pages> domains;
    std::map<DeviceIndex, Pages> startup;
    bool operator==(const Programmed&) const = default;
  };

  static std::optional<std::string> add_pages(Pages& pages, const DomainEntry& e) {
    if ((e.in.first() & (kPage - 1)) != 0 || (e.in.size() & (kPage - 1)) != 0 || (e.out_first & (kPage - 1)) != 0) {
      return "entry not page-aligned";
    }
    if (e.attr.perms.none()) return "entry without permissions";
    for (uint64_t off = 0; off < e.in.size(); off += kPage) {
      if (!pages.emplace(e.in.first() + off, std::pair{e.out_first + off, e.attr.perms}).second) {
        return fmt::format("page {:#x} is already mapped", e.in.first() + off);
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> program(Programmed& p, const step::CreateDomain& s) const {
    if (!p.domains.emplace(s.domain, Pages{}).second) return "the domain exists";
    return std::nullopt;
  }
  std::optional<std::string> program(Programmed& p, const step::Map& s) const {
    auto it = p.domains.find(s.domain);
    if (it == p.domains.end()) return "no such domain";
    return add_pages(it->second, s.entry);
  }
  std::optional<std::string> program(Programmed& p, const step::Unmap& s) const {
    auto it = p.domains.find(s.domain);
    if (it == p.domains.end()) return "no such domain";
    Pages said;
    for (const auto& e : s.removed) {
      if (!s.range.contains(e.in)) return "a removed entry lies outside the range";
      if (auto why = add_pages(said, e)) return "removed entries: " + *why;
    }
    Pages held;
    auto first = it->second.lower_bound(s.range.first());
    auto last = first;
    while (last != it->second.end() && last->first <= s.range.last()) ++last;
    held.insert(first, last);
    if (held != said) return fmt::format("removes {} pages, but the domain holds {} there", said.size(), held.size());
    it->second.erase(first, last);
    return std::nullopt;
  }
  std::optional<std::string> program(Programmed& p, const step::BindStreams& s) const {
    if (s.device >= d_.devices.size() || d_.devices[s.device].unit != s.unit ||
        d_.devices[s.device].stream_ids != s.stream_ids) {
      return "the streams are not the device's";
    }
    if (const auto* domain = std::get_if<DomainId>(&s.to)) {
      if (!p.domains.contains(*domain)) return "binds to a domain that does not exist";
      if (domain->unit != s.unit) return "binds to a domain of another unit";
    }
    for (uint32_t sid : s.stream_ids) {
      auto it = p.streams.find({s.unit, sid});
      const StreamTarget current = it == p.streams.end() ? StreamTarget{AbortTarget{}} : it->second;
      if (current != s.from) return fmt::format("stream {} is bound to {}, not {}", sid, to_string(current), to_string(s.from));
      p.streams[{s.unit, sid}] = s.to;
    }
    if (std::holds_alternative<StartupTarget>(s.to)) {
      Pages pages;
      for (const auto& e : s.startup) {
        if (auto why = add_pages(pages, e)) return "startup mappings: " + *why;
      }
      p.startup[s.device] = std::move(pages);
    }
    return std::nullopt;
  }
  std::optional<std::string> program(Programmed& p, const step::DestroyDomain& s) const {
    if (!p.domains.contains(s.domain)) return "no such domain";
    for (const auto& [stream, target] : p.streams) {
      if (target == StreamTarget{s.domain}) return fmt::format("stream {} still uses it", stream.second);
    }
    p.domains.erase(s.domain);
    return std::nullopt;
  }

  const Deployment& d_;
  Programmed now_;
  Programmed pending_;
  const Plan* pending_plan_ = nullptr;
};

}  // namespace smmuman::core::test
