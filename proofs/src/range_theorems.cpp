// The range arithmetic of core/range_logic.hpp (what Range, the manager and
// the deployment checks call) on Z3, each function against an independent
// meaning: 65-bit arithmetic, where nothing wraps, or sets of addresses.
#include <string>
#include <utility>
#include <vector>

#include "smmuman/core/range.hpp"
#include "smmuman/core/range_logic.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace smmuman::proofs {
namespace {

namespace rl = core::range_logic;

struct Words {
  z3::context& ctx;
  z3::expr word(const char* name) const { return ctx.bv_const(name, 64); }
  // The unsigned 65-bit value of a word.
  static z3::expr wide(const z3::expr& w) { return z3::zext(w, 1); }
  z3::expr wide_val(uint64_t v) const { return ctx.bv_val(v, 65); }
  z3::expr two_to_64() const { return z3::shl(ctx.bv_val(1, 65), ctx.bv_val(64, 65)); }
};

Theorem theorem(std::string id, std::string meaning, const z3::expr& premises, const z3::expr& claim,
                std::vector<z3::expr> shown, Expect expect = Expect::proof) {
  return Theorem{"range." + std::move(id),
                 std::move(meaning),
                 premises,
                 claim,
                 [shown = std::move(shown)](const z3::model& m) {
                   std::string out;
                   for (const auto& c : shown) {
                     out += (out.empty() ? "" : ", ") + c.decl().name().str() + " = " + hex_value(m, c);
                   }
                   return out;
                 },
                 expect,
                 {}};
}

}  // namespace

std::vector<Theorem> range_theorems(z3::context& ctx) {
  const Words w{ctx};
  const z3::expr yes = ctx.bool_val(true);
  std::vector<Theorem> out;
  {
    const auto base = w.word("base"), len = w.word("len");
    const z3::expr meaning = len != 0 && z3::ule(Words::wide(base) + Words::wide(len), w.two_to_64());
    out.push_back(theorem("base_len_valid",
                          "base_len_valid(base, len) holds exactly when len > 0 and base + len <= 2^64", yes,
                          rl::base_len_valid(base, len) == meaning, {base, len}));
    out.push_back(theorem("last_byte", "for a valid [base, base + len), base + (len - 1) is its last byte, unwrapped",
                          rl::base_len_valid(base, len),
                          Words::wide(base + (len - 1)) == Words::wide(base) + Words::wide(len) - w.wide_val(1),
                          {base, len}));
    // The trap Z3 sets: its own <= is signed. The same check written with it disagrees at base >= 2^63.
    const z3::expr signed_version = len != 0 && (len - 1) <= ~base;
    out.push_back(theorem("mutant.base_len_valid_signed",
                          "mutant: base_len_valid written with Z3's signed <= disagrees with its meaning", yes,
                          signed_version == meaning, {base, len}, Expect::counterexample));
  }
  {
    const auto first = w.word("first"), span = w.word("span");
    out.push_back(theorem("span_fits", "span_fits(first, span) holds exactly when first + span < 2^64", yes,
                          rl::span_fits(first, span) == z3::ult(Words::wide(first) + Words::wide(span), w.two_to_64()),
                          {first, span}));
  }
  {
    const auto af = w.word("af"), al = w.word("al"), bf = w.word("bf"), bl = w.word("bl"), x = w.word("x");
    const z3::expr well_formed = z3::ule(af, al) && z3::ule(bf, bl);
    out.push_back(theorem("overlaps_if_common", "two ranges sharing an address overlap()",
                          well_formed && rl::contains_point(af, al, x) && rl::contains_point(bf, bl, x),
                          rl::overlaps(af, al, bf, bl), {af, al, bf, bl, x}));
    // The larger first address is shared; one theorem per order of the first
    // addresses (one query with the choice inside is far slower to bit-blast).
    out.push_back(theorem("overlaps_has_common",
                          "ranges that overlap() share the second one's first address when it is the larger",
                          well_formed && rl::overlaps(af, al, bf, bl) && z3::ule(af, bf),
                          rl::contains_point(af, al, bf) && rl::contains_point(bf, bl, bf), {af, al, bf, bl}));
    out.push_back(theorem("overlaps_has_common_swapped",
                          "ranges that overlap() share the first one's first address when it is the larger",
                          well_formed && rl::overlaps(af, al, bf, bl) && z3::ule(bf, af),
                          rl::contains_point(af, al, af) && rl::contains_point(bf, bl, af), {af, al, bf, bl}));
  }
  {
    const auto f = w.word("f"), l = w.word("l"), g = w.word("g"), m = w.word("m"), x = w.word("x");
    const z3::expr well_formed = z3::ule(f, l) && z3::ule(g, m);
    out.push_back(theorem("contains_range_subset", "contains_range(outer, inner) puts every inner address in outer",
                          well_formed && rl::contains_range(f, l, g, m) && rl::contains_point(g, m, x),
                          rl::contains_point(f, l, x), {f, l, g, m, x}));
    out.push_back(theorem("contains_range_exact", "when contains_range(outer, inner) fails, an end of inner escapes",
                          well_formed && !rl::contains_range(f, l, g, m),
                          !rl::contains_point(f, l, g) || !rl::contains_point(f, l, m), {f, l, g, m}));
  }
  {
    const auto first = w.word("first"), last = w.word("last");
    const z3::expr rf = rl::round_first(first), rl_ = rl::round_last(last);
    const auto mask = ctx.bv_val(core::kGranuleMask, 64);
    out.push_back(theorem("rounding",
                          "rounding out covers the range on 4 KiB boundaries, adding less than a page at each end",
                          z3::ule(first, last),
                          z3::ule(rf, first) && z3::ule(last, rl_) && (rf & mask) == 0 && (rl_ & mask) == mask &&
                              z3::ult(Words::wide(first) - Words::wide(rf), w.wide_val(core::kGranule)) &&
                              z3::ult(Words::wide(rl_) - Words::wide(last), w.wide_val(core::kGranule)),
                          {first, last}));
  }
  return out;
}

}  // namespace smmuman::proofs
