// The registry is the generated headers' `unit_description`s, gathered by the
// list CMake writes from spec/hw (all_architectures.hpp).
#include "smmuman/hw/unit_registry.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "smmuman/hw/all_architectures.hpp"

namespace smmuman::hw {
namespace {

#define SMMUMAN_UNIT_DESCRIPTION(ident) ident::unit_description,
constexpr const UnitDescription* kDescriptions[] = {SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_UNIT_DESCRIPTION)};
#undef SMMUMAN_UNIT_DESCRIPTION

// The generated readers take the register library's Io (reads and writes);
// probing only reads, so a write here is a bug and stops.
struct ReadOnlyIo {
  UnitRegisterReader& registers;
  uint32_t read32(uint64_t offset) { return registers.read32(offset); }
  uint64_t read64(uint64_t offset) { return registers.read64(offset); }
  [[noreturn]] void write32(uint64_t, uint32_t) { std::abort(); }
  [[noreturn]] void write64(uint64_t, uint64_t) { std::abort(); }
};

unsigned bits_of(uint64_t reported) { return static_cast<unsigned>(std::min<uint64_t>(reported, 64)); }

core::UnitCapabilities narrowed_by(const core::UnitCapabilities& described, const ReportedLimits& report) {
  core::UnitCapabilities reported = described;
  reported.input_address_bits = bits_of(report.input_address_bits);
  reported.output_address_bits = bits_of(report.output_address_bits);
  reported.page_sizes = report.page_sizes;
  reported.stream_id_bits = bits_of(report.stream_id_bits);
  reported.contexts = report.contexts;
  return core::narrowed(described, reported);
}

}  // namespace

std::optional<core::UnitCapabilities> probed_capabilities(std::string_view architecture,
                                                          UnitRegisterReader& registers) {
  const auto described = described_capabilities(architecture);
  if (!described) return std::nullopt;
  ReadOnlyIo io{registers};
  // Each description with a `unit` has a generated read_reported_limits.
#define SMMUMAN_READ_REPORTED(ident)                                                   \
  if (architecture == ident::architecture) {                                           \
    auto read = [](auto& any_io) -> std::optional<ReportedLimits> {                    \
      if constexpr (requires { ident::read_reported_limits(any_io); }) {               \
        return ident::read_reported_limits(any_io);                                    \
      } else {                                                                         \
        return std::nullopt;                                                           \
      }                                                                                \
    };                                                                                 \
    if (const auto report = read(io)) return narrowed_by(*described, *report);         \
    return described;                                                                  \
  }
  SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_READ_REPORTED)
#undef SMMUMAN_READ_REPORTED
  return described;
}

std::vector<std::string> described_architectures() {
  std::vector<std::string> names;
  for (const UnitDescription* d : kDescriptions) {
    if (d != nullptr) names.emplace_back(d->architecture);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<core::UnitCapabilities> described_capabilities(std::string_view architecture) {
  for (const UnitDescription* d : kDescriptions) {
    if (d == nullptr || architecture != d->architecture) continue;
    core::UnitCapabilities caps;
    caps.architecture = d->architecture;
    caps.input_address_bits = d->input_address_bits;
    caps.output_address_bits = d->output_address_bits;
    caps.page_sizes = d->page_sizes;
    caps.permissions = holding_of(d->held);
    caps.stream_id_bits = d->stream_id_bits;
    caps.stream_id_count = d->stream_id_count;
    caps.contexts = d->contexts;
    caps.register_frame_bytes = d->register_frame_bytes;
    return caps;
  }
  return std::nullopt;
}

const PageTableFormat* domain_page_table(std::string_view architecture) {
  for (const UnitDescription* d : kDescriptions) {
    if (d != nullptr && architecture == d->architecture) return d->domain_page_table;
  }
  return nullptr;
}

// The generated bits are read 1, write 2, exec 4, which core::Perm shares,
// but the mapping is spelled out so that a change on either side shows here.
core::PermissionHolding holding_of(const uint8_t (&held)[8]) {
  core::PermissionHolding::Table table{};
  for (uint32_t asked = 0; asked < 8; ++asked) {
    const uint32_t requested = ((asked & kHeldRead) ? core::Perms(core::Perm::read).bits() : 0) |
                               ((asked & kHeldWrite) ? core::Perms(core::Perm::write).bits() : 0) |
                               ((asked & kHeldExec) ? core::Perms(core::Perm::exec).bits() : 0);
    const uint8_t bits = held[asked];
    table[requested] = static_cast<uint8_t>(((bits & kHeldRead) ? core::Perms(core::Perm::read).bits() : 0) |
                                            ((bits & kHeldWrite) ? core::Perms(core::Perm::write).bits() : 0) |
                                            ((bits & kHeldExec) ? core::Perms(core::Perm::exec).bits() : 0));
  }
  return core::PermissionHolding::from_table(table);
}

}  // namespace smmuman::hw
