// One row of a manual's field table: field F (a generated register or
// structure field type) lies at bits [hi:lo] of its register or structure,
// bit 64 being bit 0 of a structure's second word. Rows are typed from the
// manuals and never read from spec/hw; this header needs no solver, so the
// spec cross-check tests use the same rows with proofs switched off.
#pragma once

namespace smmuman::proofs {

template <class F>
struct ManualBits {
  using field = F;
  const char* name;  // "structs::STE::S2TTB", as the generated header names it
  unsigned hi;
  unsigned lo;
};

}  // namespace smmuman::proofs
