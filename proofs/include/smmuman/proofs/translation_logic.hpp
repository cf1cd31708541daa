// The facts translation validation checks of each run of a unit's tables,
// written once over the word type: Z3 proves, for all values, what they imply
// for every address of the run (translation.lemma.*), and the same functions
// on uint64_t check each concrete run (proofs/src/translation_theorems.cpp).
#pragma once

#include "smmuman/core/range_logic.hpp"

namespace smmuman::proofs::translation_logic {

// Device addresses [input, input + size - 1] land at output + offset, with
// permission bits `perms` (read 1, write 2, exec 4).
template <class W>
struct Run {
  W input;
  W size;
  W output;
  W perms;
};

// The run's output lies in [first, last].
template <class W, class Ops = core::WordOps<W>>
auto lands_in(const Run<W>& r, const W& first, const W& last) {
  const W one = Ops::constant(r.size, 1);
  return Ops::both(Ops::negate(Ops::eq(r.size, Ops::constant(r.size, 0))),
                   Ops::both(core::range_logic::span_fits<W, Ops>(r.output, r.size - one),
                             Ops::both(Ops::ule(first, r.output), Ops::ule(r.output + (r.size - one), last))));
}

// The run lies in a grant of device addresses [first, last] onto memory from
// `output` on, with permissions `perms`: same addresses, no more permissions.
template <class W, class Ops = core::WordOps<W>>
auto within_grant(const Run<W>& r, const W& first, const W& last, const W& output, const W& perms) {
  const W one = Ops::constant(r.size, 1);
  return Ops::both(Ops::both(Ops::negate(Ops::eq(r.size, Ops::constant(r.size, 0))),
                             core::range_logic::span_fits<W, Ops>(r.input, r.size - one)),
                   Ops::both(Ops::both(Ops::ule(first, r.input), Ops::ule(r.input + (r.size - one), last)),
                             Ops::both(Ops::eq(r.output, output + (r.input - first)),
                                       Ops::eq(r.perms & ~perms, Ops::constant(r.perms, 0)))));
}

}  // namespace smmuman::proofs::translation_logic
