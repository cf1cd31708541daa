// Every SMMU architecture spec/hw describes, by name, with the most one of its
// units can hold. Readers of configuration look a unit's type up here, so a
// new architecture is one new description: no list in core/ or config/ names
// the architectures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smmuman/core/capabilities.hpp"

namespace smmuman::hw {

struct PageTableFormat;  // backends/common: smmuman/hw/page_table_format.hpp

// The names of the described architectures that describe a unit, sorted.
std::vector<std::string> described_architectures();

// The capabilities a unit of `architecture` has at most, or nullopt when no
// description of that name describes a unit.
std::optional<core::UnitCapabilities> described_capabilities(std::string_view architecture);

// The page-table format a domain of `architecture` uses (its description's
// `unit.domain_format`), or nullptr when it names none or is not described.
const PageTableFormat* domain_page_table(std::string_view architecture);

// A generated held table (a unit's or a page-table format's: requested
// read 1 / write 2 / exec 4 -> the bits held) as the core reads it.
core::PermissionHolding holding_of(const uint8_t (&held)[8]);

// A unit's register frame as the registry reads it: offsets from the unit's
// base. Probing only reads (ID registers).
class UnitRegisterReader {
 public:
  virtual ~UnitRegisterReader() = default;
  virtual uint32_t read32(uint64_t offset) = 0;
  virtual uint64_t read64(uint64_t offset) = 0;
};

// The capabilities of the unit `registers` reads: its description's, each
// narrowed by what the unit's ID registers report (the description's
// `unit.reported`). A value the description does not know narrows to 0, so
// core::capabilities_problem refuses the unit rather than guess. nullopt when
// no description of that name describes a unit.
std::optional<core::UnitCapabilities> probed_capabilities(std::string_view architecture,
                                                          UnitRegisterReader& registers);

}  // namespace smmuman::hw
