// `smmuman simulate CONFIG`: brings a deployment up on the hardware models
// (models/) through the register-level backends, and prints what each unit
// was programmed with. With `vms`, each VM's pass-through devices are also
// attached to a domain mapping the VM's memory, as a hypervisor does when
// the VM starts. Every programmed stream is then checked: the model's answer
// for both ends of each mapping and one byte beyond must be the core's.
#pragma once

#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::tools {

struct SimulateResult {
  bool ok = false;
  std::string text;  // human, or one JSON document
};

// How a client names `device`: by its registers, or by its PCI address.
core::DeviceSelector selector_of(const core::Device& device);

// As a hypervisor does when a VM starts: each VM's client attaches its
// pass-through devices to one object that maps the VM's memory at its
// guest-physical addresses. Returns what went wrong, if anything.
std::vector<std::string> start_vms(core::Manager& manager);

SimulateResult simulate(const core::Deployment& deployment, const std::string& shown_path, bool vms, bool json);

}  // namespace smmuman::tools
