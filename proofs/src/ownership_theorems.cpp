// The ownership decisions of attach and detach (core/ownership_logic.hpp;
// destroy admits by the owns() check attach also makes) on Z3: for all client, object and device values,
// what they admit keeps each device in one object of one client, a
// pass-through device with its own VM's clients, a host device with host
// clients, and a configured device with the configuration. Each check
// dropped in turn gives a counterexample.
#include <fmt/format.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "smmuman/core/ownership_logic.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace smmuman::proofs {
namespace {

namespace ol = core::ownership_logic;
using Ops = core::WordOps<z3::expr>;

// The free values of an ownership decision, and their explanation.
struct Values {
  explicit Values(z3::context& ctx)
      : asker{ctx.bv_const("client", 64), ctx.bool_const("client_in_vm"), ctx.bv_const("client_vm", 64)},
        object{ctx.bool_const("object_exists"), ctx.bv_const("object_owner", 64)},
        device{ctx.bool_const("device_passed_through"), ctx.bv_const("device_vm", 64),
               ctx.bool_const("device_has_startup_mappings"), ctx.bool_const("device_held"),
               ctx.bv_const("device_holder", 64)} {}
  ol::Asker<z3::expr> asker;
  ol::NamedObject<z3::expr> object;
  ol::DeviceState<z3::expr> device;

  std::string explain(const z3::model& m) const {
    const auto flag = [&](const z3::expr& b) { return m.eval(b, true).is_true() ? "yes" : "no"; };
    return fmt::format(
        "client {} (in a VM: {}, VM {}); object exists: {}, owner {}; device passed through: {} (VM {}), startup "
        "mappings: {}, held: {} (by client {})",
        hex_value(m, asker.client), flag(asker.in_vm), hex_value(m, asker.vm), flag(object.exists),
        hex_value(m, object.owner), flag(device.passed_through), hex_value(m, device.vm),
        flag(device.has_startup_mappings), flag(device.held), hex_value(m, device.holder));
  }
};

template <size_t N>
z3::expr all_but(const std::array<z3::expr, N>& checks, std::optional<size_t> dropped) {
  z3::expr all = checks[0].ctx().bool_val(true);
  for (size_t i = 0; i < N; ++i) {
    if (i != dropped) all = all && checks[i];
  }
  return all;
}

Theorem theorem(const std::shared_ptr<Values>& v, std::string id, std::string meaning, const z3::expr& admitted,
                const z3::expr& claim, Expect expect) {
  return Theorem{std::move(id),
                 std::move(meaning),
                 admitted,
                 claim,
                 [v](const z3::model& m) { return v->explain(m); },
                 expect,
                 {}};
}

// What an admitted attach keeps, with the device then in the asker's object.
z3::expr attach_keeps(const Values& v) {
  const auto& a = v.asker;
  const auto& d = v.device;
  return v.object.exists && v.object.owner == a.client &&           // one object of the asker
         z3::implies(d.passed_through, a.in_vm && a.vm == d.vm) &&  // its own VM's clients only
         z3::implies(!d.passed_through, !a.in_vm) &&                // host devices to host clients
         !d.has_startup_mappings &&                                 // configured devices stay
         z3::implies(d.held, d.holder == a.client);                 // taken from no other client
}

constexpr const char* kAttachNames[] = {"object_owned", "visible", "not_configured", "host_keeps_off",
                                        "not_held_by_another"};
static_assert(std::size(kAttachNames) == ol::kAttachChecks);

}  // namespace

std::vector<Theorem> ownership_theorems(z3::context& ctx) {
  std::vector<Theorem> out;
  auto v = std::make_shared<Values>(ctx);
  const auto attach = ol::attach_checks<z3::expr>(v->asker, v->object, v->device);
  const auto detach = ol::detach_checks<z3::expr>(v->asker, v->device);

  out.push_back(theorem(v, "admission.ownership.attach",
                        "an admitted attach puts the device in one object of the asking client; a pass-through device "
                        "only with its own VM's clients, a host device only with host clients; never a device with "
                        "startup mappings, nor one another client holds",
                        all_but(attach, std::nullopt), attach_keeps(*v), Expect::proof));
  out.push_back(theorem(v, "admission.ownership.detach",
                        "an admitted detach takes a device out of an object of the asking client, one it may see",
                        all_but(detach, std::nullopt),
                        v->device.held && v->device.holder == v->asker.client &&
                            z3::implies(v->asker.in_vm, v->device.passed_through && v->device.vm == v->asker.vm),
                        Expect::proof));
  // Destroy (and map, unmap) admit by owns() alone: the attach theorem's
  // object_owned check, whose mutant shows it is needed.
  // Every check is needed.
  for (size_t i = 0; i < ol::kAttachChecks; ++i) {
    out.push_back(
        theorem(v, fmt::format("admission.mutant.attach_without_{}", kAttachNames[i]),
                fmt::format("attach without its '{}' check gives a device to a client it must not", kAttachNames[i]),
                all_but(attach, i), attach_keeps(*v), Expect::counterexample));
  }
  out.push_back(theorem(v, "admission.mutant.detach_without_held_by_asker",
                        "detach without its 'held_by_asker' check takes another client's device",
                        all_but(detach, ol::kHeldByAsker), v->device.held && v->device.holder == v->asker.client,
                        Expect::counterexample));
  return out;
}

}  // namespace smmuman::proofs
