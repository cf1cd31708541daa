// Translation validation: what the hardware was programmed with, read back by
// the models from their registers and memory (models/programmed.hpp) and not
// from the backends' bookkeeping, against what the core grants.
//
// Encoding: a stream's leaves are joined into runs (contiguous in input and
// output, same permissions) — the interval abstraction of its tables; each
// run's device addresses are [input, input + size - 1], an offset a in
// [0, size - 1] names one of them, and it lands at output + a. A run is
// chosen by a selector, as in the deployment theorems. For each run, only the
// allowed ranges and grants that can meet it are listed, so a query grows
// with runs + grants, not their product.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smmuman/core/range_set.hpp"
#include "smmuman/proofs/lemmas.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/translation_logic.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace smmuman::proofs {
namespace {

using core::Deployment;
using core::DeviceIndex;

// A device's expected translation piece: device addresses [first, last] to
// output from `output` on, holding (at most) `perms`.
struct Grant {
  uint64_t first = 0, last = 0, output = 0;
  uint8_t perms = 0;
};

struct Run {
  uint64_t input = 0, size = 0, output = 0;
  uint8_t perms = 0;
  uint32_t sid = 0;
  std::optional<DeviceIndex> device;
  uint64_t descriptor = 0;  // the first leaf's descriptor address
};

uint8_t perms_of(const sim::ProgrammedLeaf& l) {
  return static_cast<uint8_t>((l.read ? 1 : 0) | (l.write ? 2 : 0) | (l.exec ? 4 : 0));
}

std::string perms_text(uint8_t p) {
  return fmt::format("{}{}{}", p & 1 ? 'r' : '-', p & 2 ? 'w' : '-', p & 4 ? 'x' : '-');
}

// Memory a device's translations may reach: for a pass-through device its
// VM's host ranges, else what host clients and startup mappings may map;
// always inside permitted memory and clear of reserved memory and frames.
core::RangeSet<core::HpaSpace> allowed_memory(const Deployment& d, DeviceIndex dev) {
  core::RangeSet<core::HpaSpace> out;
  if (const auto vm = d.device_vm[dev]) {
    for (const auto& r : d.vms[*vm].memory) out.insert(r.host());
    // Take away the gaps of permitted memory.
    uint64_t next = 0;
    bool to_the_end = true;
    for (const auto& p : d.platform.memory.ranges()) {
      if (p.first() > next) out.erase(core::HpaRange::from_first_last(next, p.first() - 1));
      if (p.last() == core::kU64Max) {
        to_the_end = false;
        break;
      }
      next = p.last() + 1;
    }
    if (to_the_end) out.erase(core::HpaRange::from_first_last(next, core::kU64Max));
  } else {
    out = d.platform.memory;
    for (const auto& r : d.vm_host_memory.ranges()) out.erase(r);
  }
  for (const auto& r : d.reserved_set.ranges()) out.erase(r);
  return out;
}

std::vector<Grant> grants_of(const core::Manager& m, DeviceIndex dev) {
  const Deployment& d = m.deployment();
  const auto& holding = d.units[d.devices[dev].unit].capabilities.permissions;
  std::vector<Grant> out;
  const auto held = [&](core::Perms p) { return static_cast<uint8_t>(holding.held(p).bits() & 7); };
  if (const auto object = m.state().device_object[dev]) {
    for (const auto& e : m.state().objects.at(*object).mappings.entries()) {
      out.push_back(Grant{e.in.first(), e.in.last(), e.out_first, held(e.attr.perms)});
    }
  } else {
    for (size_t i : d.device_startup[dev]) {
      const auto& s = d.startup_mappings[i];
      out.push_back(Grant{s.iova.first(), s.iova.last(), s.hpa_first, held(s.perms)});
    }
  }
  std::sort(out.begin(), out.end(), [](const Grant& a, const Grant& b) { return a.first < b.first; });
  // Join grants that continue one another (same offset, same permissions), so
  // that a run of the tables lies inside one.
  std::vector<Grant> joined;
  for (const Grant& g : out) {
    if (!joined.empty()) {
      Grant& last = joined.back();
      if (last.last != core::kU64Max && g.first == last.last + 1 && g.output == last.output + (g.first - last.first) &&
          g.perms == last.perms) {
        last.last = g.last;
        continue;
      }
    }
    joined.push_back(g);
  }
  return joined;
}

std::vector<Run> runs_of(const UnitProgram& unit) {
  std::vector<Run> runs;
  for (const auto& stream : unit.streams) {
    for (const auto& leaf : stream.program.leaves) {
      const uint8_t p = perms_of(leaf);
      if (!runs.empty()) {
        Run& last = runs.back();
        if (last.sid == stream.sid && last.input + last.size == leaf.input && last.output + last.size == leaf.output &&
            last.perms == p && leaf.size <= ~last.size) {
          last.size += leaf.size;
          continue;
        }
      }
      runs.push_back(Run{leaf.input, leaf.size, leaf.output, p, stream.sid, stream.device, leaf.descriptor});
    }
  }
  return runs;
}

namespace tl = translation_logic;

// The lemmas the per-unit theorems rest on, for all values: what each fact
// checked of a run means for every address a of it.
Theorem lemma_lands_in(z3::context& ctx) {
  const z3::expr input = ctx.bv_const("input", 64), size = ctx.bv_const("size", 64),
                 output = ctx.bv_const("output", 64), perms = ctx.bv_const("perms", 64),
                 first = ctx.bv_const("first", 64), last = ctx.bv_const("last", 64), a = ctx.bv_const("a", 64);
  const tl::Run<z3::expr> r{input, size, output, perms};
  const z3::expr one = ctx.bv_val(1, 64);
  const z3::expr premises =
      tl::lands_in<z3::expr>(r, first, last) && z3::ule(a, size - one) && lemma_add_monotone(output, a, size - one);
  const z3::expr claim = z3::ule(first, output + a) && z3::ule(output + a, last);
  return Theorem{"translation.lemma.lands_in",
                 "a run whose output range lies in [first, last] lands there at every address",
                 premises,
                 claim,
                 [=](const z3::model& m) {
                   return fmt::format("output = {}, size = {}, first = {}, last = {}, a = {}", hex_value(m, output),
                                      hex_value(m, size), hex_value(m, first), hex_value(m, last), hex_value(m, a));
                 },
                 Expect::proof,
                 {}};
}

Theorem lemma_within_grant(z3::context& ctx) {
  const z3::expr input = ctx.bv_const("input", 64), size = ctx.bv_const("size", 64),
                 output = ctx.bv_const("output", 64), perms = ctx.bv_const("perms", 64),
                 first = ctx.bv_const("grant_first", 64), last = ctx.bv_const("grant_last", 64),
                 g_output = ctx.bv_const("grant_output", 64), g_perms = ctx.bv_const("grant_perms", 64),
                 a = ctx.bv_const("a", 64);
  const tl::Run<z3::expr> r{input, size, output, perms};
  const z3::expr one = ctx.bv_val(1, 64);
  const z3::expr premises = tl::within_grant<z3::expr>(r, first, last, g_output, g_perms) && z3::ule(a, size - one) &&
                            lemma_add_monotone(input, a, size - one);
  const z3::expr x = input + a;
  const z3::expr claim =
      z3::ule(first, x) && z3::ule(x, last) && output + a == g_output + (x - first) && (perms & ~g_perms) == 0;
  return Theorem{"translation.lemma.within_grant",
                 "a run inside a grant, at the grant's offset, with no more permissions, is granted at every address",
                 premises,
                 claim,
                 [=](const z3::model& m) {
                   return fmt::format("input = {}, size = {}, output = {}, grant [{}, {}] -> {}, a = {}",
                                      hex_value(m, input), hex_value(m, size), hex_value(m, output),
                                      hex_value(m, first), hex_value(m, last), hex_value(m, g_output), hex_value(m, a));
                 },
                 Expect::proof,
                 {}};
}

void add_lemmas(z3::context& ctx, std::vector<Theorem>& out) {
  out.push_back(lemma_lands_in(ctx));
  out.push_back(lemma_within_grant(ctx));
}

}  // namespace

std::vector<UnitProgram> read_back(const ProgrammedBy& programmed, const Deployment& d,
                                   std::vector<std::string>& notes) {
  std::vector<UnitProgram> units;
  for (core::UnitIndex u{0}; u < d.units.size(); ++u) {
    if (!programmed(u, 0)) {
      notes.push_back(fmt::format("unit '{}' ({}): its model cannot list its tables; not validated", d.units[u].name,
                                  d.units[u].capabilities.architecture));
      continue;
    }
    std::map<uint32_t, DeviceIndex> owner;
    for (DeviceIndex dev{0}; dev < d.devices.size(); ++dev) {
      if (d.devices[dev].unit != u) continue;
      for (uint32_t sid : d.devices[dev].stream_ids) owner[sid] = dev;
    }
    // Every stream ID the hardware tells apart (the model answers nullopt
    // beyond them), whatever the configuration declares, up to 2^20.
    const auto& caps = d.units[u].capabilities;
    constexpr unsigned kMostBits = 20;
    const uint64_t count = uint64_t{1} << kMostBits;
    if (caps.stream_id_bits > kMostBits) {
      notes.push_back(fmt::format("unit '{}': only stream IDs below 2^{} are read", d.units[u].name, kMostBits));
    }
    UnitProgram unit{u, 0, {}};
    for (uint64_t sid = 0; sid < count; ++sid) {
      auto program = programmed(u, static_cast<uint32_t>(sid));
      if (!program) continue;  // beyond the stream IDs the unit tells apart
      ++unit.streams_read;
      if (program->kind == sim::ProgrammedStream::Kind::abort ||
          (program->kind == sim::ProgrammedStream::Kind::translate && program->leaves.empty())) {
        continue;  // closed
      }
      std::optional<DeviceIndex> device;
      if (auto it = owner.find(static_cast<uint32_t>(sid)); it != owner.end()) device = it->second;
      unit.streams.push_back(StreamProgram{static_cast<uint32_t>(sid), device, std::move(*program)});
    }
    units.push_back(std::move(unit));
  }
  return units;
}

std::vector<Theorem> translation_theorems(z3::context& ctx, const core::Manager& manager,
                                          const std::vector<UnitProgram>& units) {
  const Deployment& d = manager.deployment();
  std::vector<Theorem> out;
  std::vector<core::RangeSet<core::HpaSpace>> allowed(d.devices.size());
  std::vector<std::vector<Grant>> grants(d.devices.size());
  for (DeviceIndex dev{0}; dev < d.devices.size(); ++dev) {
    allowed[dev] = allowed_memory(d, dev);
    grants[dev] = grants_of(manager, dev);
  }
  add_lemmas(ctx, out);
  for (const auto& unit : units) {
    const std::string& unit_name = d.units[unit.unit].name;
    auto runs = std::make_shared<std::vector<Run>>(runs_of(unit));
    const auto where = [&d, unit_name](const Run& r) {
      const std::string device = r.device ? fmt::format("device '{}'", d.devices[*r.device].name) : "no device";
      return fmt::format("stream {:#x} of unit '{}' ({})", r.sid, unit_name, device);
    };
    const auto at_offset = [where](const Run& r, uint64_t off, const std::string& why) {
      return fmt::format("{}: device address {:#x} reaches {:#x} as {} (descriptor at {:#x}): {}", where(r),
                         r.input + off, r.output + off, perms_text(r.perms), r.descriptor, why);
    };
    auto allowed_of = std::make_shared<std::vector<core::RangeSet<core::HpaSpace>>>(allowed);
    auto grants_of_device = std::make_shared<std::vector<std::vector<Grant>>>(grants);
    const size_t run_count = runs->size();
    // Each run against the allowed range at the floor of its output (ranges are
    // disjoint and not adjacent, so no other can hold it whole).
    Theorem lands = lemma_lands_in(ctx);
    lands.id = fmt::format("translation.{}.lands_in_allowed_memory", unit_name);
    lands.meaning = fmt::format(
        "every translation programmed on unit '{}' lands in its device's allowed memory: its VM's ranges, or host "
        "memory, inside permitted memory and clear of reserved memory ({} runs checked by the lemma's premises)",
        unit_name, run_count);
    lands.ground = [runs, allowed_of, at_offset]() -> std::optional<std::string> {
      for (const Run& r : *runs) {
        if (!r.device) continue;  // closed_streams_abort names it
        const auto range = (*allowed_of)[*r.device].floor(r.output);
        const tl::Run<uint64_t> run{r.input, r.size, r.output, r.perms};
        if (!range) return at_offset(r, 0, "below all of the device's allowed memory");
        if (!tl::lands_in<uint64_t>(run, range->first(), range->last())) {
          // The first offset outside: the run's first byte is inside the floor range, so its end is not.
          const uint64_t off = range->last() >= r.output ? range->last() - r.output + 1 : 0;
          return at_offset(r, off, "outside the device's allowed memory");
        }
      }
      return std::nullopt;
    };
    out.push_back(std::move(lands));
    // Each run against the grant at the floor of its input.
    Theorem granted = lemma_within_grant(ctx);
    granted.id = fmt::format("translation.{}.within_grants", unit_name);
    granted.meaning = fmt::format(
        "every translation programmed on unit '{}' is one the core granted its device, to the same address, with no "
        "more permissions ({} runs checked by the lemma's premises)",
        unit_name, run_count);
    granted.ground = [runs, grants_of_device, at_offset]() -> std::optional<std::string> {
      for (const Run& r : *runs) {
        if (!r.device) continue;  // closed_streams_abort names it
        const auto& gs = (*grants_of_device)[*r.device];
        auto it =
            std::upper_bound(gs.begin(), gs.end(), r.input, [](uint64_t v, const Grant& g) { return v < g.first; });
        const tl::Run<uint64_t> run{r.input, r.size, r.output, r.perms};
        if (it == gs.begin()) return at_offset(r, 0, "not granted");
        const Grant& g = *std::prev(it);
        if (tl::within_grant<uint64_t>(run, g.first, g.last, g.output, g.perms)) continue;
        if (r.input > g.last) return at_offset(r, 0, "not granted");
        if (r.output != g.output + (r.input - g.first)) {
          return at_offset(r, 0, fmt::format("granted to {:#x}", g.output + (r.input - g.first)));
        }
        if ((r.perms & ~g.perms) != 0) return at_offset(r, 0, fmt::format("granted only {}", perms_text(g.perms)));
        return at_offset(r, g.last - r.input + 1, "beyond the grant");
      }
      return std::nullopt;
    };
    out.push_back(std::move(granted));
    // Streams that must fail closed: no device, or a device with nothing granted.
    auto open = std::make_shared<std::vector<std::pair<uint32_t, std::string>>>();
    for (const auto& stream : unit.streams) {
      const bool granted_any = stream.device && !grants[*stream.device].empty();
      if (stream.program.kind == sim::ProgrammedStream::Kind::bypass) {
        open->emplace_back(stream.sid, "bypasses translation");
      } else if (!granted_any && !stream.program.leaves.empty()) {
        open->emplace_back(stream.sid,
                           fmt::format("translates {} page(s) although {}", stream.program.leaves.size(),
                                       stream.device ? "its device was granted nothing" : "no device owns it"));
      }
    }
    const z3::expr s = ctx.bv_const("stream", 32);
    z3::expr any_open = ctx.bool_val(false);
    for (size_t i = 0; i < open->size(); ++i) any_open = any_open || s == ctx.bv_val(static_cast<uint64_t>(i), 32);
    out.push_back(Theorem{fmt::format("translation.{}.closed_streams_abort", unit_name),
                          fmt::format("every stream of unit '{}' that no device with a grant owns aborts, and none "
                                      "bypasses ({} streams read)",
                                      unit_name, unit.streams_read),
                          ctx.bool_val(true),
                          !any_open,
                          [open, s, unit_name](const z3::model& m) {
                            const auto& [sid, why] = (*open)[value_of(m, s)];
                            return fmt::format("stream {:#x} of unit '{}' {}", sid, unit_name, why);
                          },
                          Expect::proof,
                          {}});
  }
  return out;
}

}  // namespace smmuman::proofs
