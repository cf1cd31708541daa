// Every SMMU architecture spec/hw describes, by name, with the most one of its
// units can hold. Readers of configuration look a unit's type up here, so a
// new architecture is one new description: no list in core/ or config/ names
// the architectures.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smmuman/core/capabilities.hpp"

namespace smmuman::hw {

// The names of the described architectures that describe a unit, sorted.
std::vector<std::string> described_architectures();

// The capabilities a unit of `architecture` has at most, or nullopt when no
// description of that name describes a unit.
std::optional<core::UnitCapabilities> described_capabilities(std::string_view architecture);

}  // namespace smmuman::hw
