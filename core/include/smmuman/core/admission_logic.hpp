// The admission decision of a mapping, written once over the word type: the
// manager runs it on uint64_t with the values its lookups found, and proofs/
// runs the same code on Z3 bit-vectors to prove, for all 64-bit values, that
// what it admits keeps guest mappings inside their VM's ranges, inside
// permitted memory and clear of reserved memory, within the permissions the
// VM holds and the unit's address sizes (proofs/admission_theorems.cpp).
//
// Each decision is a list of named checks, all of which must hold. The
// manager reports the first that fails; the proofs drop each in turn and
// show that every one is needed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "smmuman/core/range_logic.hpp"

namespace smmuman::core::admission_logic {

inline constexpr uint64_t kRwxBits = 7;  // read 1, write 2, exec 4, as Perms

// One stored range of a sorted, disjoint range set that a lookup found, or
// none (`present` false). Sets are searched by their floor: the last stored
// range whose first address is at or below a given address.
template <class W, class Ops = WordOps<W>>
struct Found {
  typename Ops::Bool present;
  W first;
  W last;
};

// A mapping request: device addresses [iova_first, iova_last] onto the
// client's memory from memory_first on, with permission bits `perms`.
template <class W>
struct Request {
  W iova_first;
  W iova_last;  // iova_first <= iova_last (an IovaRange)
  W memory_first;
  W perms;
};

// The checks on a request that do not depend on where its memory lies.
enum RequestCheck : size_t {
  kPermsValid,     // one or more of read, write and exec, and nothing else
  kIovaAligned,    // both ends on the 4 KiB granule
  kMemoryAligned,  // the memory's first byte on the granule
  kMemoryNoWrap,   // memory_first + (iova_last - iova_first) does not pass 2^64 - 1
  kTargetAllowed,  // identity, or the client may map onto other memory
  kRequestChecks
};

template <class W, class Ops = WordOps<W>>
std::array<typename Ops::Bool, kRequestChecks> request_checks(const Request<W>& r,
                                                              const typename Ops::Bool& may_target) {
  const W zero = Ops::constant(r.perms, 0);
  const W granule = Ops::constant(r.perms, range_logic::kGranuleMaskWord);
  return {
      Ops::both(Ops::negate(Ops::eq(r.perms, zero)), Ops::eq(r.perms & ~Ops::constant(r.perms, kRwxBits), zero)),
      Ops::both(Ops::eq(r.iova_first & granule, zero), Ops::eq(r.iova_last & granule, granule)),
      Ops::eq(r.memory_first & granule, zero),
      range_logic::span_fits<W, Ops>(r.memory_first, r.iova_last - r.iova_first),
      Ops::either(Ops::eq(r.memory_first, r.iova_first), may_target),
  };
}

// The last byte of the request's memory (meaningful when kMemoryNoWrap holds).
template <class W>
W memory_last(const Request<W>& r) {
  return r.memory_first + (r.iova_last - r.iova_first);
}

// The checks on host-physical memory [first, last] a mapping would reach.
enum HostCheck : size_t {
  kPermitted,    // inside the permitted range found at `first`
  kNotReserved,  // clear of the reserved range (or unit frame) found at `last`
  kNotVmMemory,  // for a host client: clear of the VM range found at `last`
  kHostChecks
};

// `permitted` is the floor of `first` in permitted memory; `reserved` and
// `vm_memory` are the floors of `last` in the reserved set and in the union
// of VM host ranges: in a sorted disjoint set, the floor of `last` is the only
// stored range that can overlap [first, last] (proved in admission_theorems).
template <class W, class Ops = WordOps<W>>
std::array<typename Ops::Bool, kHostChecks> host_checks(const W& first, const W& last, const Found<W, Ops>& permitted,
                                                        const Found<W, Ops>& reserved, const Found<W, Ops>& vm_memory,
                                                        const typename Ops::Bool& host_client) {
  return {
      Ops::both(permitted.present, range_logic::contains_range<W, Ops>(permitted.first, permitted.last, first, last)),
      Ops::negate(
          Ops::both(reserved.present, range_logic::overlaps<W, Ops>(reserved.first, reserved.last, first, last))),
      Ops::negate(Ops::both(
          host_client,
          Ops::both(vm_memory.present, range_logic::overlaps<W, Ops>(vm_memory.first, vm_memory.last, first, last)))),
  };
}

// One VM memory region: guest-physical [guest_first, guest_last], backed by
// host memory from host_first on, with the permissions the VM holds there.
template <class W>
struct VmRegion {
  W guest_first;
  W guest_last;
  W host_first;
  W perms;
};

// The part of a guest client's request that falls in one VM region: device
// addresses [iova_first, iova_last] onto host [host_first, host_last], whose
// guest-physical source starts at guest_first.
template <class W>
struct GuestPiece {
  W iova_first;
  W iova_last;
  W guest_first;
  W host_first;
  W host_last;
};

template <class W, class Ops = WordOps<W>>
GuestPiece<W> guest_piece(const Request<W>& r, const VmRegion<W>& region) {
  const W want_last = memory_last(r);
  const W clip_first = Ops::select(Ops::ule(region.guest_first, r.memory_first), r.memory_first, region.guest_first);
  const W clip_last = Ops::select(Ops::ule(want_last, region.guest_last), want_last, region.guest_last);
  return {r.iova_first + (clip_first - r.memory_first), r.iova_first + (clip_last - r.memory_first), clip_first,
          region.host_first + (clip_first - region.guest_first), region.host_first + (clip_last - region.guest_first)};
}

enum GuestCheck : size_t {
  kInRegion,     // the request's guest-physical range overlaps the region
  kRegionPerms,  // the VM holds the region with at least the requested permissions
  kGuestChecks
};

template <class W, class Ops = WordOps<W>>
std::array<typename Ops::Bool, kGuestChecks> guest_checks(const Request<W>& r, const VmRegion<W>& region) {
  const W zero = Ops::constant(r.perms, 0);
  return {
      range_logic::overlaps<W, Ops>(r.memory_first, memory_last(r), region.guest_first, region.guest_last),
      Ops::eq(r.perms & ~region.perms, zero),
  };
}

// What a unit holds for requested permission bits: its format's holding table
// (PermissionHolding), indexed by the read/write/exec bits.
template <class W, class Ops = WordOps<W>>
W held_perms(const std::array<W, 8>& table, const W& perms) {
  const W rwx = perms & Ops::constant(perms, kRwxBits);
  W held = table[7];
  for (uint64_t i = 7; i-- > 0;) held = Ops::select(Ops::eq(rwx, Ops::constant(perms, i)), table[i], held);
  return held;
}

// Whether a unit can hold one mapping piece of an object.
enum HoldCheck : size_t {
  kInputFits,     // the last device address is within the unit's input size
  kOutputFits,    // the last memory byte is within its output size
  kHeldWithinVm,  // for a VM's client: what the unit holds stays within the VM's permissions
  kHoldChecks
};

template <class W, class Ops = WordOps<W>>
std::array<typename Ops::Bool, kHoldChecks> hold_checks(const W& iova_last, const W& host_last, const W& input_limit,
                                                        const W& output_limit, const W& held,
                                                        const typename Ops::Bool& guest_client, const W& vm_perms) {
  return {
      Ops::ule(iova_last, input_limit),
      Ops::ule(host_last, output_limit),
      Ops::either(Ops::negate(guest_client), Ops::eq(held & ~vm_perms, Ops::constant(held, 0))),
  };
}

// The largest address of a `bits`-bit address size.
constexpr uint64_t address_limit(unsigned bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// The index of the first check that fails, or N when all hold (uint64_t only).
template <size_t N>
constexpr size_t first_failed(const std::array<bool, N>& checks) {
  for (size_t i = 0; i < N; ++i) {
    if (!checks[i]) return i;
  }
  return N;
}

}  // namespace smmuman::core::admission_logic
