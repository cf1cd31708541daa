// Three facts about offsets over 64-bit words, proved for all values
// (admission.lemma.*). Bit-blasting proves an order between two different
// sums slowly and these quickly, so longer proofs add instances of them as
// premises: an instance of a lemma proved for all values assumes nothing.
#pragma once

#include <z3++.h>

namespace smmuman::proofs {

// Subtracting a lower bound keeps order.
inline z3::expr lemma_sub_monotone(const z3::expr& a, const z3::expr& t1, const z3::expr& t2) {
  return z3::implies(z3::ule(a, t1) && z3::ule(t1, t2), z3::ule(t1 - a, t2 - a));
}
// Adding offsets to a base that does not wrap keeps order.
inline z3::expr lemma_add_monotone(const z3::expr& b, const z3::expr& d1, const z3::expr& d2) {
  return z3::implies(z3::ule(d1, d2) && z3::ule(b, ~d2), z3::ule(b + d1, b + d2) && z3::ule(b, b + d1));
}
// a + d does not wrap exactly when a <= ~d.
inline z3::expr lemma_no_wrap(const z3::expr& a, const z3::expr& d) { return z3::ule(a, a + d) == z3::ule(a, ~d); }

}  // namespace smmuman::proofs
