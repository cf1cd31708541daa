// Checks and narrowing of unit capabilities.
#include "smmuman/core/capabilities.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smmuman::core {

std::string to_string(const PermissionHolding& holding) {
  std::string out;
  for (uint32_t asked = 1; asked < holding.table().size(); ++asked) {
    const Perms want = Perms::from_bits(asked);
    const Perms got = holding.held(want);
    if (got == want) continue;
    out += fmt::format("{}{} as {}", out.empty() ? "" : ", ", to_string(want), to_string(got));
  }
  return out.empty() ? "exactly as asked" : out;
}

std::optional<std::string> holding_problem(const PermissionHolding& holding) {
  const auto& held = holding.table();
  if (held[0] != 0) return fmt::format("nothing requested must hold nothing, not {}", to_string(Perms::from_bits(held[0])));
  for (uint32_t asked = 0; asked < held.size(); ++asked) {
    const Perms want = Perms::from_bits(asked);
    const Perms got = Perms::from_bits(held[asked]);
    if (!got.known()) return fmt::format("{} is held as unknown bits {:#x}", to_string(want), got.bits());
    if (!got.covers(want)) {
      return fmt::format("{} is held as {}, which grants less than was asked", to_string(want), to_string(got));
    }
    if (Perms::from_bits(held[got.bits()]) != got) {
      return fmt::format("{} is held as {}, but {} is held as {}: what is held must hold as itself", to_string(want),
                         to_string(got), to_string(got), to_string(Perms::from_bits(held[got.bits()])));
    }
    for (uint32_t more = 0; more < held.size(); ++more) {
      if ((more & asked) == asked && !Perms::from_bits(held[more]).covers(got)) {
        return fmt::format("{} is held as {} but {} only as {}: asking for more may not hold less", to_string(want),
                           to_string(got), to_string(Perms::from_bits(more)), to_string(Perms::from_bits(held[more])));
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> capabilities_problem(const UnitCapabilities& caps) {
  if (caps.architecture.empty()) return "no architecture";
  if (caps.input_address_bits < kGranuleLg2 + 1 || caps.input_address_bits > 64) {
    return fmt::format("input_address_bits must be {}..64, not {}", kGranuleLg2 + 1, caps.input_address_bits);
  }
  if (caps.output_address_bits < kGranuleLg2 + 1 || caps.output_address_bits > 64) {
    return fmt::format("output_address_bits must be {}..64, not {}", kGranuleLg2 + 1, caps.output_address_bits);
  }
  if ((caps.page_sizes & kGranule) == 0) {
    return fmt::format("page sizes {} do not include 4K, the granule of every mapping",
                       page_sizes_to_string(caps.page_sizes));
  }
  if (caps.page_sizes & (kGranule - 1)) {
    return fmt::format("page sizes {} include sizes below 4K", page_sizes_to_string(caps.page_sizes));
  }
  if (caps.stream_id_bits < 1 || caps.stream_id_bits > 32) {
    return fmt::format("stream_id_bits must be 1..32, not {}", caps.stream_id_bits);
  }
  if (caps.stream_id_count > (uint64_t{1} << caps.stream_id_bits)) {
    return fmt::format("{} stream IDs do not fit {} bits", caps.stream_id_count, caps.stream_id_bits);
  }
  if (caps.contexts == 0) return "contexts must be at least 1";
  if (auto problem = holding_problem(caps.permissions)) return "permissions: " + *problem;
  return std::nullopt;
}

UnitCapabilities narrowed(const UnitCapabilities& most, const UnitCapabilities& reported) {
  UnitCapabilities out = most;
  out.input_address_bits = std::min(most.input_address_bits, reported.input_address_bits);
  out.output_address_bits = std::min(most.output_address_bits, reported.output_address_bits);
  out.page_sizes = most.page_sizes & reported.page_sizes;
  out.stream_id_bits = std::min(most.stream_id_bits, reported.stream_id_bits);
  if (reported.stream_id_count != 0) {
    out.stream_id_count = most.stream_id_count == 0 ? reported.stream_id_count
                                                    : std::min(most.stream_id_count, reported.stream_id_count);
  }
  // A narrower width may leave fewer IDs than the count: the width says all.
  if (out.stream_id_bits < 64 && out.stream_id_count > (uint64_t{1} << out.stream_id_bits)) out.stream_id_count = 0;
  out.contexts = std::min(most.contexts, reported.contexts);
  return out;
}

std::string page_sizes_to_string(uint64_t page_sizes) {
  static constexpr const char* kUnits[] = {"", "K", "M", "G", "T", "P", "E"};
  std::string out;
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (((page_sizes >> bit) & 1) == 0) continue;
    if (!out.empty()) out += ' ';
    out += fmt::format("{}{}", uint64_t{1} << (bit % 10), kUnits[bit / 10]);
  }
  return out.empty() ? "none" : out;
}

}  // namespace smmuman::core
