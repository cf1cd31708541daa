// Z3 bit-vectors as a word type, so the code the manager and the backends run
// on uint64_t runs unchanged on symbolic values in the proofs.
//
// Z3's own <, <= are signed (bvslt), and it has no << or >>: these traits give
// unsigned comparison and logical shifts.
#pragma once

#include <z3++.h>

#include "smmuman/core/range_logic.hpp"
#include "smmuman/hw/bits.hpp"

namespace smmuman::core {

template <>
struct WordOps<z3::expr> {
  using Bool = z3::expr;
  static z3::expr constant(const z3::expr& like, uint64_t value) { return like.ctx().bv_val(value, 64); }
  static z3::expr ule(const z3::expr& a, const z3::expr& b) { return z3::ule(a, b); }
  static z3::expr eq(const z3::expr& a, const z3::expr& b) { return a == b; }
  static z3::expr both(const z3::expr& a, const z3::expr& b) { return a && b; }
  static z3::expr either(const z3::expr& a, const z3::expr& b) { return a || b; }
  static z3::expr negate(const z3::expr& a) { return !a; }
  static z3::expr truth(const z3::expr& like, bool value) { return like.ctx().bool_val(value); }
  static z3::expr select(const z3::expr& c, const z3::expr& a, const z3::expr& b) { return z3::ite(c, a, b); }
};

}  // namespace smmuman::core

namespace smmuman::hw {

template <>
struct BitOps<z3::expr> {
  static z3::expr constant(const z3::expr& like, uint64_t value) { return like.ctx().bv_val(value, 64); }
  static z3::expr shl(const z3::expr& v, unsigned n) { return z3::shl(v, v.ctx().bv_val(n, 64)); }
  static z3::expr lshr(const z3::expr& v, unsigned n) { return z3::lshr(v, v.ctx().bv_val(n, 64)); }
  // A symbolic value cannot stop the program; the proofs state what fits as
  // a premise instead, and the insert keeps only the field's bits.
  static void require_fits(const z3::expr& /*v*/, unsigned /*width*/) {}
};

}  // namespace smmuman::hw
