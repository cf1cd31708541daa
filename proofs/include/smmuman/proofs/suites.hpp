// The theorems smmuman proves, by group. Each returns theorems and their
// mutants; proofs/README.md says what each means and how it is encoded.
#pragma once

#include <z3++.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/models/programmed.hpp"
#include "smmuman/proofs/theorem.hpp"

namespace smmuman::proofs {

// The core's mapping admission (core/admission_logic.hpp) on Z3 bit-vectors:
// for all 64-bit inputs, what it admits keeps the invariant.
std::vector<Theorem> admission_theorems(z3::context& ctx);

// The ownership decisions of attach, detach and destroy
// (core/ownership_logic.hpp): what they admit keeps each device with one
// client, of its own VM. admission_theorems includes them.
std::vector<Theorem> ownership_theorems(z3::context& ctx);

// The three offset lemmas (proofs/lemmas.hpp), proved for all values; the
// admission and translation theorems use instances of them. admission_theorems
// includes them; a run without it needs them on their own.
std::vector<Theorem> lemma_theorems(z3::context& ctx);

// The range arithmetic of core/range_logic.hpp against 65-bit meanings.
std::vector<Theorem> range_theorems(z3::context& ctx);

// The generated code of every described architecture (generated_code.hpp):
// registers, encoders, output-address fields, the fields at the bits the
// manuals give them (proofs/manual/), and mutants of each.
std::vector<Theorem> generated_code_theorems(z3::context& ctx);

// What `smmuman prove --all` adds, holding for every configuration: the
// admission (with ownership), range and generated-code theorems and their
// mutants. Without admission, the ranges and generated code only (the
// benchmark's quick run).
std::vector<Theorem> configuration_free_theorems(z3::context& ctx, bool with_admission = true);

// One concrete deployment's static rules, with counterexamples in the
// configuration's terms (names, addresses, file:line).
std::vector<Theorem> deployment_theorems(z3::context& ctx, const core::Deployment& deployment);

// The deployment's stream IDs against the hardware brought up: told_apart[u]
// is how many stream IDs unit u's ID registers say it distinguishes (0: all).
// A declared stream ID beyond them would alias another in the hardware.
std::vector<Theorem> hardware_stream_theorems(z3::context& ctx, const core::Deployment& deployment,
                                              const std::vector<uint64_t>& told_apart);

// What one unit's streams were programmed with, as its model reads them back.
// Streams that abort with nothing mapped may be left out.
struct StreamProgram {
  uint32_t sid = 0;
  std::optional<core::DeviceIndex> device;  // the device that owns the stream, if any
  sim::ProgrammedStream program;
};
struct UnitProgram {
  core::UnitIndex unit;
  uint64_t streams_read = 0;
  std::vector<StreamProgram> streams;
};

// How a unit's model reads one stream back; nullopt when it cannot list tables.
using ProgrammedBy = std::function<std::optional<sim::ProgrammedStream>(core::UnitIndex, uint32_t)>;

// Every stream ID of every unit whose model can list its tables (up to 2^20
// per unit), keeping the streams that do not simply abort; `notes` says which
// units were left out and why.
std::vector<UnitProgram> read_back(const ProgrammedBy& programmed, const core::Deployment& deployment,
                                   std::vector<std::string>& notes);

// Translation validation: every translation the units hold lands in its
// device's allowed memory, is one the core granted (same address, no more
// permissions), and every stream without a grant aborts.
std::vector<Theorem> translation_theorems(z3::context& ctx, const core::Manager& manager,
                                          const std::vector<UnitProgram>& units);

}  // namespace smmuman::proofs
