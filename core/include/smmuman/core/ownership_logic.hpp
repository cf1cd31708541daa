// The ownership decisions of attach, detach and destroy, written once over the
// word type: the manager runs them on uint64_t, and proofs/ runs the same code
// on Z3 bit-vectors to prove, for all values, that what they admit keeps each
// device in one object of one client, a pass-through device with its own VM's
// clients only, and a device with startup mappings with the configuration
// (proofs/src/ownership_theorems.cpp, `admission.ownership.*`).
//
// As in admission_logic.hpp, each decision is a list of named checks; the
// manager reports the first that fails.
#pragma once

#include <array>
#include <cstddef>

#include "smmuman/core/range_logic.hpp"

namespace smmuman::core::ownership_logic {

// The client asking: its ID, and its VM when it is a VM's client.
template <class W, class Ops = WordOps<W>>
struct Asker {
  W client;
  typename Ops::Bool in_vm;
  W vm;  // meaningful when in_vm
};

// The object named: whether it exists, and the client that made it.
template <class W, class Ops = WordOps<W>>
struct NamedObject {
  typename Ops::Bool exists;
  W owner;
};

// A device as the decisions see it.
template <class W, class Ops = WordOps<W>>
struct DeviceState {
  typename Ops::Bool passed_through;  // to VM `vm` by the configuration
  W vm;
  typename Ops::Bool has_startup_mappings;  // owned by the configuration
  typename Ops::Bool held;                  // in some client's object
  W holder;                                 // that client, when held
};

// A client sees the devices of its own VM; a host client sees every device
// (and is then refused the pass-through ones by kHostKeepsOff below).
template <class W, class Ops = WordOps<W>>
typename Ops::Bool visible(const Asker<W, Ops>& asker, const DeviceState<W, Ops>& device) {
  return Ops::either(Ops::negate(asker.in_vm), Ops::both(device.passed_through, Ops::eq(device.vm, asker.vm)));
}

// The object is the asker's (attach, destroy, map and unmap name one).
template <class W, class Ops = WordOps<W>>
typename Ops::Bool owns(const Asker<W, Ops>& asker, const NamedObject<W, Ops>& object) {
  return Ops::both(object.exists, Ops::eq(object.owner, asker.client));
}

enum AttachCheck : size_t {
  kObjectOwned,       // the object is the asker's
  kVisible,           // the device is one the asker may see
  kNotConfigured,     // the device has no startup mappings
  kHostKeepsOff,      // a host client does not take a pass-through device
  kNotHeldByAnother,  // the device is free, or already the asker's
  kAttachChecks
};

template <class W, class Ops = WordOps<W>>
std::array<typename Ops::Bool, kAttachChecks> attach_checks(const Asker<W, Ops>& asker,
                                                            const NamedObject<W, Ops>& object,
                                                            const DeviceState<W, Ops>& device) {
  return {
      owns<W, Ops>(asker, object),
      visible<W, Ops>(asker, device),
      Ops::negate(device.has_startup_mappings),
      Ops::either(Ops::negate(device.passed_through), asker.in_vm),
      Ops::either(Ops::negate(device.held), Ops::eq(device.holder, asker.client)),
  };
}

enum DetachCheck : size_t {
  kDetachVisible,  // the device is one the asker may see
  kHeldByAsker,    // the device is in one of the asker's objects
  kDetachChecks
};

template <class W, class Ops = WordOps<W>>
std::array<typename Ops::Bool, kDetachChecks> detach_checks(const Asker<W, Ops>& asker,
                                                            const DeviceState<W, Ops>& device) {
  return {
      visible<W, Ops>(asker, device),
      Ops::both(device.held, Ops::eq(device.holder, asker.client)),
  };
}

}  // namespace smmuman::core::ownership_logic
