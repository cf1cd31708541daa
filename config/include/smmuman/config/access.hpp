// Who may use a daemon: the deployment's `access` section (docs/config-schema.md).
// Users and groups stay as written (a number or a name); the daemon resolves
// names when it starts, since the account database belongs to the machine it
// runs on, not to the file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"

namespace smmuman::config {

struct AccessRule {
  std::optional<std::string> user;   // exactly one of user and group
  std::optional<std::string> group;
  bool all_devices = false;
  std::vector<core::DeviceIndex> devices;  // may attach these (QNX smmu/attach)
  bool target = false;   // may map with a target (QNX smmu/target)
  bool monitor = false;  // receives every transgression record, not only its own devices'
  bool control = false;  // may use smmuctl (status, simulated DMA)
  core::Origin origin;
};

}  // namespace smmuman::config
