// Deployment theorems: every shipped example is proved sound; each way of
// breaking a deployment makes the theorem about it fail with a counterexample
// that names the items involved and where they were declared.
#include "smmuman/core/deployment.hpp"

#include <gtest/gtest.h>
#include <z3++.h>

#include <functional>
#include <string>
#include <vector>

#include "smmuman/config/qnx_smmu.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/proofs/suites.hpp"

namespace {

using smmuman::core::Deployment;
using smmuman::proofs::Verdict;

const std::string kSource = SMMUMAN_SOURCE_DIR;

Deployment load(const std::string& relative) {
  const std::string path = kSource + "/" + relative;
  auto loaded = relative.ends_with(".smmu") ? smmuman::config::load_qnx_smmu_file(path)
                                            : smmuman::config::load_yaml_config_file(path);
  EXPECT_TRUE(loaded.deployment) << relative;
  return loaded.deployment ? *loaded.deployment : Deployment{};
}

struct Proved {
  std::vector<std::string> ids;
  std::vector<smmuman::proofs::Outcome> outcomes;
  const smmuman::proofs::Outcome* find(const std::string& id) const {
    for (const auto& o : outcomes) {
      if (o.id == id) return &o;
    }
    return nullptr;
  }
};

Proved prove(const Deployment& d) {
  z3::context ctx;
  Proved run;
  for (const auto& t : smmuman::proofs::deployment_theorems(ctx, d)) {
    run.ids.push_back(t.id);
    run.outcomes.push_back(smmuman::proofs::run(t, {}));
  }
  return run;
}

TEST(DeploymentProof, EveryExampleIsProvedSound) {
  for (const char* example : {"examples/arm-smmuv3-two-vms/host.yaml", "examples/arm-smmuv3-two-vms/guest-vm-net.yaml",
                              "examples/zynqmp-mmu500/host.yaml", "examples/qnx/imx8-mmu500.smmu"}) {
    const Proved run = prove(load(example));
    EXPECT_FALSE(run.outcomes.empty()) << example;
    for (const auto& o : run.outcomes) {
      EXPECT_EQ(o.verdict, Verdict::proved) << example << ": " << o.id << ": " << o.counterexample;
    }
  }
  // The two-VM host has VMs, pass-through devices, streams and startup mappings: every theorem applies.
  const Proved host = prove(load("examples/arm-smmuv3-two-vms/host.yaml"));
  EXPECT_EQ(host.ids.size(), 13u);
}

struct Breakage {
  const char* what;
  std::function<void(Deployment&)> change;
  const char* theorem;
  std::vector<std::string> named;  // what the counterexample must say
};

// Each breakage of the two-VM host example fails exactly the theorem about it.
TEST(DeploymentProof, EachBrokenDeploymentHasACounterexampleInItsOwnTerms) {
  const Deployment good = load("examples/arm-smmuv3-two-vms/host.yaml");
  using smmuman::core::GpaRange;
  using smmuman::core::HpaRange;
  const std::vector<Breakage> breakages = {
      {"VM ranges overlap",
       [](Deployment& d) { d.vms[1].memory[0].host_first = 0x80000000 + 0x1000'0000; },
       "deployment.vm_host_ranges_disjoint",
       {"VM 'vm-storage'", "VM 'vm-net'", "host.yaml:"}},
      {"guest ranges of one VM overlap",
       [](Deployment& d) { d.vms[0].memory[1].guest = GpaRange::from_first_last(0x5000'0000, 0x6fff'ffff); },
       "deployment.vm_guest_ranges_disjoint",
       {"VM 'vm-net'", "guest address"}},
      {"VM range outside permitted memory",
       [](Deployment& d) { d.vms[1].memory[0].host_first = 0x2'4000'0000 - 0x1000; },
       "deployment.vm_ranges_permitted",
       {"VM 'vm-storage'", "is not permitted memory"}},
      {"VM range over a reserved region",
       [](Deployment& d) { d.vms[1].memory[0].host_first = 0x4000'0000; },
       "deployment.vm_ranges_clear_of_reserved",
       {"reserved region 'hypervisor'", "VM 'vm-storage'"}},
      {"VM range over a unit's registers",
       [](Deployment& d) {
         d.platform.memory.insert(HpaRange::from_first_last(0x0900'0000, 0x09ff'ffff));
         d.vms[1].memory[0].host_first = 0x0900'0000;
         d.vms[1].memory[0].guest = GpaRange::from_first_last(0x4000'0000, 0x40ff'ffff);
       },
       "deployment.vm_ranges_clear_of_reserved",
       {"the registers", "of unit 'smmu-", "VM 'vm-storage'"}},
      {"a region that wraps past 2^64",
       [](Deployment& d) { d.vms[1].memory[0].host_first = 0xffff'ffff'f000'0000; },
       "deployment.vm_regions_well_formed",
       {"VM 'vm-storage'", "2^64+"}},
      {"a device passed through twice",
       [](Deployment& d) { d.vms[1].passthrough.push_back(d.vms[0].passthrough[0]); },
       "deployment.devices_owned_once",
       {"device 'eth0'", "VM 'vm-net'", "VM 'vm-storage'"}},
      {"a bypassing unit under a pass-through device",
       [](Deployment& d) { d.units[0].bypass_unconfigured = true; },
       "deployment.passthrough_units_fail_closed",
       {"bypasses unconfigured streams", "unit 'smmu-pcie'"}},
      {"two devices on one stream ID",
       [](Deployment& d) { d.devices[1].stream_ids = {0x100}; },
       "deployment.stream_ids_unique",
       {"stream ID 0x100", "device 'eth0'", "device 'crypto0'"}},
      {"a unit too narrow for its VM's memory",
       [](Deployment& d) { d.units[0].capabilities.output_address_bits = 32; },
       "deployment.vm_ranges_within_unit_output",
       {"unit 'smmu-pcie'", "VM 'vm-net'"}},
      {"a startup mapping for a pass-through device",
       [](Deployment& d) { d.startup_mappings[0].device = d.vms[0].passthrough[0]; },
       "deployment.startup_mappings_not_passed_through",
       {"startup mapping of device 'eth0'", "VM 'vm-net'"}},
      {"two units on one register frame",
       [](Deployment& d) { d.units[1].registers = HpaRange::from_first_last(0x0905'0000, 0x0906'ffff); },
       "deployment.unit_frames_disjoint",
       {"unit 'smmu-pcie'", "unit 'smmu-soc'"}},
      {"a stream ID beyond its unit",
       [](Deployment& d) { d.devices[3].stream_ids = {0x100}; },
       "deployment.stream_ids_fit_units",
       {"stream ID 0x100 of device 'sdhci0'", "unit 'smmu-soc' (8 bits"}},
      {"a startup mapping into VM memory",
       [](Deployment& d) { d.startup_mappings[0].hpa_first = 0xc000'0000; },
       "deployment.startup_mappings_permitted",
       {"startup mapping of device 'audio-dma'", "VM 'vm-storage'"}},
  };
  for (const auto& b : breakages) {
    Deployment broken = good;
    b.change(broken);
    const Proved run = prove(broken);
    const auto* outcome = run.find(b.theorem);
    ASSERT_NE(outcome, nullptr) << b.what;
    EXPECT_EQ(outcome->verdict, Verdict::counterexample) << b.what;
    for (const auto& text : b.named) {
      EXPECT_NE(outcome->counterexample.find(text), std::string::npos)
          << b.what << ": '" << text << "' missing from: " << outcome->counterexample;
    }
    // And the core's own validation agrees that the deployment is broken.
    EXPECT_FALSE(smmuman::core::validate_deployment(broken).empty()) << b.what;
  }
}

}  // namespace
