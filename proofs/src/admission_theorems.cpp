// Admission theorems: the manager's mapping decision (core/admission_logic.hpp),
// instantiated on Z3 bit-vectors, admits only what keeps the invariant, for
// all 64-bit inputs, wrap-around included. Every check of the decision is
// dropped in turn (a mutant each) to show it is needed, and the decision with
// Z3's signed comparison is shown to admit memory it must not.
#include <fmt/format.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "smmuman/core/admission_logic.hpp"
#include "smmuman/proofs/lemmas.hpp"
#include "smmuman/proofs/suites.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace smmuman::proofs {
namespace {

namespace al = core::admission_logic;
namespace rl = core::range_logic;
using Unsigned = core::WordOps<z3::expr>;

// Z3's own <=: signed. The comparison every check must not use.
struct SignedOps : core::WordOps<z3::expr> {
  static z3::expr ule(const z3::expr& a, const z3::expr& b) { return a <= b; }
};

// Named 64-bit and boolean constants, so a counterexample lists them by name.
class Symbols {
 public:
  explicit Symbols(z3::context& ctx) : ctx_(ctx) {}
  z3::expr word(const std::string& name) {
    words_.push_back(ctx_.bv_const(name.c_str(), 64));
    return words_.back();
  }
  z3::expr flag(const std::string& name) {
    flags_.push_back(ctx_.bool_const(name.c_str()));
    return flags_.back();
  }
  std::string explain(const z3::model& m) const {
    std::string out;
    for (const auto& w : words_)
      out += fmt::format("{}{} = {}", out.empty() ? "" : ", ", w.to_string(), hex_value(m, w));
    for (const auto& f : flags_) {
      out += fmt::format(", {} = {}", f.to_string(), m.eval(f, true).is_true() ? "true" : "false");
    }
    return out;
  }
  z3::context& ctx() { return ctx_; }

 private:
  z3::context& ctx_;
  std::vector<z3::expr> words_;
  std::vector<z3::expr> flags_;
};

z3::expr all_of(z3::context& ctx, const std::vector<std::pair<std::string, z3::expr>>& checks,
                const std::optional<std::string>& dropped) {
  z3::expr out = ctx.bool_val(true);
  for (const auto& [name, check] : checks) {
    if (name != dropped) out = out && check;
  }
  return out;
}

template <size_t N>
void add_checks(std::vector<std::pair<std::string, z3::expr>>& to, const std::array<z3::expr, N>& checks,
                const std::array<const char*, N>& names) {
  for (size_t i = 0; i < N; ++i) to.emplace_back(names[i], checks[i]);
}

constexpr std::array<const char*, al::kRequestChecks> kRequestNames{"perms_valid", "iova_aligned", "memory_aligned",
                                                                    "memory_no_wrap", "target_allowed"};
constexpr std::array<const char*, al::kHostChecks> kHostNames{"permitted", "not_reserved", "not_vm_memory"};
constexpr std::array<const char*, al::kGuestChecks> kGuestNames{"in_region", "region_perms"};
constexpr std::array<const char*, al::kHoldChecks> kHoldNames{"input_fits", "output_fits", "held_within_vm"};

z3::expr aligned_first(const z3::expr& a) { return (a & a.ctx().bv_val(rl::kGranuleMaskWord, 64)) == 0; }
z3::expr aligned_last(const z3::expr& a) {
  const z3::expr mask = a.ctx().bv_val(rl::kGranuleMaskWord, 64);
  return (a & mask) == mask;
}
z3::expr within(const z3::expr& x, const z3::expr& first, const z3::expr& last) {
  return z3::ule(first, x) && z3::ule(x, last);
}
z3::expr subset_bits(const z3::expr& a, const z3::expr& of) { return (a & ~of) == 0; }

// The inputs every mapping decision sees.
template <class Ops>
struct Inputs {
  explicit Inputs(Symbols& s)
      : request{s.word("iova_first"), s.word("iova_last"), s.word("memory_first"), s.word("perms")},
        may_target(s.flag("may_target")),
        permitted{s.flag("permitted_found"), s.word("permitted_first"), s.word("permitted_last")},
        reserved{s.flag("reserved_found"), s.word("reserved_first"), s.word("reserved_last")},
        vm_memory{s.flag("vm_memory_found"), s.word("vm_memory_first"), s.word("vm_memory_last")},
        input_limit(s.word("input_limit")),
        output_limit(s.word("output_limit")),
        holding{s.word("held_for_0"), s.word("held_for_r"),  s.word("held_for_w"),  s.word("held_for_rw"),
                s.word("held_for_x"), s.word("held_for_rx"), s.word("held_for_wx"), s.word("held_for_rwx")},
        x(s.word("x")) {}
  al::Request<z3::expr> request;
  z3::expr may_target;
  al::Found<z3::expr, Ops> permitted, reserved, vm_memory;
  z3::expr input_limit, output_limit;
  std::array<z3::expr, 8> holding;
  z3::expr x;  // any device address of the admitted mapping
};

// The request-level properties every admitted mapping has, stated without
// the decision's own helpers.
z3::expr request_properties(const al::Request<z3::expr>& r, const z3::expr& may_target) {
  z3::context& c = r.perms.ctx();
  return r.perms != 0 && subset_bits(r.perms, c.bv_val(al::kRwxBits, 64)) && aligned_first(r.iova_first) &&
         aligned_last(r.iova_last) && aligned_first(r.memory_first) && (r.memory_first == r.iova_first || may_target);
}

// Bit-blasting proves an order between two sums of 64-bit words slowly (a
// minute or more), and three facts about offsets quickly. So each decision is
// proved as a chain of steps: each step is proved from the premises, the
// steps before it and instances of these lemmas, which are themselves proved
// for all values (admission.lemma.*). The chain's last steps are the claims.

// A decision's premises and the chain of steps proved from them; a mutant
// must break the conjunction of the claims (the steps marked as claims).
struct Step {
  std::string name;
  std::string meaning;
  z3::expr claim;
  std::vector<z3::expr> lemmas;  // instances the step may use
  bool is_claim = false;
};
struct Obligations {
  z3::expr premises;
  std::vector<Step> steps;
  std::shared_ptr<Symbols> symbols;
  void step(std::string name, std::string meaning, const z3::expr& claim, std::vector<z3::expr> lemmas = {}) {
    steps.push_back(Step{std::move(name), std::move(meaning), claim, std::move(lemmas), false});
  }
  void claim(std::string name, std::string meaning, const z3::expr& claim, std::vector<z3::expr> lemmas = {}) {
    steps.push_back(Step{std::move(name), std::move(meaning), claim, std::move(lemmas), true});
  }
};

// A host client's mapping: the whole request is one piece of host memory.
template <class Ops>
Obligations host_obligations(z3::context& ctx, const std::optional<std::string>& dropped) {
  auto symbols = std::make_shared<Symbols>(ctx);
  Inputs<Ops> in(*symbols);
  const auto& r = in.request;
  const z3::expr host_last = al::memory_last(r);
  const z3::expr held = al::held_perms<z3::expr, Ops>(in.holding, r.perms);
  std::vector<std::pair<std::string, z3::expr>> checks;
  add_checks(checks, al::request_checks<z3::expr, Ops>(r, in.may_target), kRequestNames);
  add_checks(checks,
             al::host_checks<z3::expr, Ops>(r.memory_first, host_last, in.permitted, in.reserved, in.vm_memory,
                                            ctx.bool_val(true)),
             kHostNames);
  add_checks(checks,
             al::hold_checks<z3::expr, Ops>(r.iova_last, host_last, in.input_limit, in.output_limit, held,
                                            ctx.bool_val(false), ctx.bv_val(0, 64)),
             kHoldNames);

  // Premises: the request is an IovaRange (first <= last); the decision admits it.
  Obligations o{z3::ule(r.iova_first, r.iova_last) && all_of(ctx, checks, dropped), {}, symbols};
  const z3::expr span = r.iova_last - r.iova_first;
  const z3::expr off = in.x - r.iova_first;
  const z3::expr h = r.memory_first + off;  // where device address x lands
  const z3::expr x_in = within(in.x, r.iova_first, r.iova_last);
  o.claim("request", "the request is aligned, has valid permissions, and targets other memory only with the ability to",
          request_properties(r, in.may_target));
  o.claim("no_wrap", "the host range does not wrap past 2^64 - 1", z3::ule(r.memory_first, host_last),
          {lemma_no_wrap(r.memory_first, span)});
  o.step("offset", "a device address's offset into the request is at most its span",
         z3::implies(x_in, z3::ule(off, span)), {lemma_sub_monotone(r.iova_first, in.x, r.iova_last)});
  o.step("lands_in_range", "every device address lands inside the host range",
         z3::implies(x_in, within(h, r.memory_first, host_last)), {lemma_add_monotone(r.memory_first, off, span)});
  o.claim("permitted", "every device address lands in permitted memory",
          z3::implies(x_in, in.permitted.present && within(h, in.permitted.first, in.permitted.last)));
  o.claim("not_reserved", "no device address lands in the reserved range (or unit frame) found",
          z3::implies(x_in, !(in.reserved.present && within(h, in.reserved.first, in.reserved.last))));
  o.claim("not_vm_memory", "no device address of a host client lands in a VM's memory",
          z3::implies(x_in, !(in.vm_memory.present && within(h, in.vm_memory.first, in.vm_memory.last))));
  o.claim("address_sizes", "every device address and landing address fits the unit's input and output sizes",
          z3::implies(x_in, z3::ule(in.x, in.input_limit) && z3::ule(h, in.output_limit)));
  return o;
}

// A VM client's mapping: the piece of the request in one VM region.
template <class Ops>
Obligations guest_obligations(z3::context& ctx, const std::optional<std::string>& dropped) {
  auto symbols = std::make_shared<Symbols>(ctx);
  Inputs<Ops> in(*symbols);
  const al::VmRegion<z3::expr> region{symbols->word("region_guest_first"), symbols->word("region_guest_last"),
                                      symbols->word("region_host_first"), symbols->word("region_perms")};
  const auto& r = in.request;
  const auto piece = al::guest_piece<z3::expr, Ops>(r, region);
  const z3::expr held = al::held_perms<z3::expr, Ops>(in.holding, r.perms);
  std::vector<std::pair<std::string, z3::expr>> checks;
  add_checks(checks, al::request_checks<z3::expr, Ops>(r, in.may_target), kRequestNames);
  add_checks(checks, al::guest_checks<z3::expr, Ops>(r, region), kGuestNames);
  add_checks(checks,
             al::host_checks<z3::expr, Ops>(piece.host_first, piece.host_last, in.permitted, in.reserved, in.vm_memory,
                                            ctx.bool_val(false)),
             kHostNames);
  add_checks(checks,
             al::hold_checks<z3::expr, Ops>(piece.iova_last, piece.host_last, in.input_limit, in.output_limit, held,
                                            ctx.bool_val(true), region.perms),
             kHoldNames);

  // Premises: the request is an IovaRange; the VM region is what a valid
  // deployment declares (deployment.vm_regions_well_formed proves it of each
  // configuration): non-empty, granule-aligned, its host range not wrapping.
  const z3::expr gf = region.guest_first, gl = region.guest_last, hf = region.host_first;
  const z3::expr region_valid = z3::ule(gf, gl) && aligned_first(gf) && aligned_last(gl) && aligned_first(hf) &&
                                rl::span_fits<z3::expr, Unsigned>(hf, gl - gf);
  Obligations o{z3::ule(r.iova_first, r.iova_last) && region_valid && all_of(ctx, checks, dropped), {}, symbols};

  const z3::expr mf = r.memory_first, iova_first = r.iova_first;
  const z3::expr span = r.iova_last - iova_first;
  const z3::expr want_last = al::memory_last(r);
  // The guest-physical range of the piece: the request's, clipped to the region.
  const z3::expr cf = piece.guest_first;
  const z3::expr cl = mf + (piece.iova_last - iova_first);
  const z3::expr length = piece.iova_last - piece.iova_first;
  // Device address x of the piece: its guest-physical address g, and where it lands, h.
  const z3::expr x_in = within(in.x, piece.iova_first, piece.iova_last);
  const z3::expr off = in.x - iova_first;
  const z3::expr g = mf + off;
  const z3::expr h = piece.host_first + (in.x - piece.iova_first);

  o.claim("request", "the request is aligned, has valid permissions, and targets other memory only with the ability to",
          request_properties(r, in.may_target));
  o.step("request_no_wrap", "the request's guest-physical range does not wrap",
         z3::ule(mf, want_last) && z3::ule(iova_first, ~span),
         {lemma_no_wrap(mf, span), lemma_no_wrap(iova_first, span)});
  o.step("clip_identity", "the clipped range's last address is where the piece's last device address points",
         cl == Ops::select(Ops::ule(want_last, gl), want_last, gl));
  o.step("clip_order", "the clipped range lies inside both the request's and the region's guest-physical ranges",
         z3::ule(mf, cf) && z3::ule(gf, cf) && z3::ule(cf, cl) && z3::ule(cl, want_last) && z3::ule(cl, gl));
  o.step("request_offsets", "the clipped range's offsets into the request are ordered and within its span",
         z3::ule(cf - mf, cl - mf) && z3::ule(cl - mf, span),
         {lemma_sub_monotone(mf, cf, cl), lemma_sub_monotone(mf, cl, want_last)});
  o.step("region_offsets", "the clipped range's offsets into the region are ordered and within its size",
         z3::ule(cf - gf, cl - gf) && z3::ule(cl - gf, gl - gf),
         {lemma_sub_monotone(gf, cf, cl), lemma_sub_monotone(gf, cl, gl)});
  o.step("bases_no_wrap", "adding those offsets to the request's and region's bases does not wrap",
         z3::ule(iova_first, ~(cl - mf)) && z3::ule(mf, ~(cl - mf)) && z3::ule(hf, ~(cl - gf)));
  o.step("iova_order", "the piece's device addresses are ordered and inside the request's",
         z3::ule(iova_first, piece.iova_first) && z3::ule(piece.iova_first, piece.iova_last) &&
             z3::ule(piece.iova_last, r.iova_last),
         {lemma_add_monotone(iova_first, cf - mf, cl - mf), lemma_add_monotone(iova_first, cl - mf, span)});
  o.step("host_order", "the piece's host range is ordered and starts inside the region's",
         z3::ule(hf, piece.host_first) && z3::ule(piece.host_first, piece.host_last),
         {lemma_add_monotone(hf, cf - gf, cl - gf)});
  o.step("host_length", "the piece is as long in host memory as in device addresses",
         piece.host_last == piece.host_first + length);
  o.step("host_no_wrap", "the piece's host range does not wrap", z3::ule(piece.host_first, ~length),
         {lemma_no_wrap(piece.host_first, length)});
  o.claim("piece",
          "the piece is an aligned, non-wrapping part of the request, as long in host memory as in device addresses",
          z3::ule(piece.iova_first, piece.iova_last) && within(piece.iova_first, r.iova_first, r.iova_last) &&
              within(piece.iova_last, r.iova_first, r.iova_last) && aligned_first(piece.iova_first) &&
              aligned_last(piece.iova_last) && aligned_first(piece.host_first) &&
              z3::ule(piece.host_first, piece.host_last) && piece.host_last - piece.host_first == length &&
              cf == mf + (piece.iova_first - iova_first));
  o.step(
      "x_offset", "a device address's offset into the request lies between the clipped range's",
      z3::implies(x_in, z3::ule(cf - mf, off) && z3::ule(off, cl - mf)),
      {lemma_sub_monotone(iova_first, piece.iova_first, in.x), lemma_sub_monotone(iova_first, in.x, piece.iova_last)});
  o.step("x_guest", "a device address's guest-physical address lies in the clipped range",
         z3::implies(x_in, within(g, cf, cl)),
         {lemma_add_monotone(mf, cf - mf, off), lemma_add_monotone(mf, off, cl - mf)});
  o.claim("in_vm_region",
          "every device address's guest-physical address lies in the VM region, and it lands where the VM's memory "
          "map sends that address",
          z3::implies(x_in, within(g, gf, gl)) && h == hf + (g - gf));
  o.step("x_piece_offset", "a device address's offset into the piece is at most the piece's length",
         z3::implies(x_in, z3::ule(in.x - piece.iova_first, length)),
         {lemma_sub_monotone(piece.iova_first, in.x, piece.iova_last)});
  o.step("x_lands_in_piece", "every device address lands inside the piece's host range",
         z3::implies(x_in, within(h, piece.host_first, piece.host_last)),
         {lemma_add_monotone(piece.host_first, in.x - piece.iova_first, length)});
  o.claim("permitted", "every device address lands in permitted memory",
          z3::implies(x_in, in.permitted.present && within(h, in.permitted.first, in.permitted.last)));
  o.claim("not_reserved", "no device address lands in the reserved range (or unit frame) found",
          z3::implies(x_in, !(in.reserved.present && within(h, in.reserved.first, in.reserved.last))));
  o.claim("address_sizes", "every device address and landing address fits the unit's input and output sizes",
          z3::implies(x_in, z3::ule(in.x, in.input_limit) && z3::ule(h, in.output_limit)));
  o.claim("permissions",
          "the requested permissions, and what the unit holds for them, are within the VM's for the region",
          subset_bits(r.perms, region.perms) && subset_bits(held, region.perms));
  return o;
}

// Each step as a theorem: proved from the premises, the steps before it and
// its lemma instances.
void add_proofs(std::vector<Theorem>& out, const Obligations& o, const std::string& id, const std::string& what) {
  z3::expr known = o.premises;
  for (const auto& s : o.steps) {
    z3::expr premises = known;
    for (const auto& l : s.lemmas) premises = premises && l;
    auto symbols = o.symbols;
    out.push_back(Theorem{id + (s.is_claim ? "." : ".step.") + s.name,
                          what + ": " + s.meaning,
                          premises,
                          s.claim,
                          [symbols](const z3::model& m) { return symbols->explain(m); },
                          Expect::proof,
                          {}});
    known = known && s.claim;
  }
}

// The mutant: the conjunction of the claims must break. The lemma instances
// hold for all values, so they remove no counterexample; they help the
// solver find one.
Theorem mutant(const Obligations& o, std::string id, std::string meaning) {
  z3::expr all = o.premises.ctx().bool_val(true);
  z3::expr premises = o.premises;
  for (const auto& s : o.steps) {
    if (s.is_claim) all = all && s.claim;
    for (const auto& l : s.lemmas) premises = premises && l;
  }
  auto symbols = o.symbols;
  return Theorem{std::move(id),
                 std::move(meaning),
                 premises,
                 all,
                 [symbols](const z3::model& m) { return symbols->explain(m); },
                 Expect::counterexample,
                 {}};
}

}  // namespace

// The lemmas, for all values.
std::vector<Theorem> lemma_theorems(z3::context& ctx) {
  std::vector<Theorem> out;
  auto symbols = std::make_shared<Symbols>(ctx);
  const z3::expr a = symbols->word("a"), b = symbols->word("b"), t1 = symbols->word("t1"), t2 = symbols->word("t2"),
                 d1 = symbols->word("d1"), d2 = symbols->word("d2");
  const auto lemma = [&](std::string id, std::string meaning, const z3::expr& claim) {
    out.push_back(Theorem{"admission.lemma." + std::move(id),
                          std::move(meaning),
                          ctx.bool_val(true),
                          claim,
                          [symbols](const z3::model& m) { return symbols->explain(m); },
                          Expect::proof,
                          {}});
  };
  lemma("sub_monotone", "a <= t1 <= t2 implies t1 - a <= t2 - a", lemma_sub_monotone(a, t1, t2));
  lemma("add_monotone", "d1 <= d2 and b + d2 not wrapping imply b <= b + d1 <= b + d2", lemma_add_monotone(b, d1, d2));
  lemma("no_wrap", "a <= a + d exactly when a <= ~d (= 2^64 - 1 - d)", lemma_no_wrap(a, d1));
  return out;
}

namespace {

// The floor lookup: in a sorted, disjoint set, a range [first, last] that
// does not overlap the last stored range starting at or below `last` (its
// floor) overlaps no stored range at all. admit_host relies on it for the
// reserved set and the VM ranges. `floor_of_first` is the mutant that looks
// up the floor of the first byte instead.
Theorem floor_theorem(z3::context& ctx, bool floor_of_first) {
  auto symbols = std::make_shared<Symbols>(ctx);
  Symbols& s = *symbols;
  const z3::expr first = s.word("first"), last = s.word("last");
  const z3::expr found = s.flag("floor_found");
  const z3::expr floor_first = s.word("floor_first"), floor_last = s.word("floor_last");
  const z3::expr other_first = s.word("other_first"), other_last = s.word("other_last");
  const z3::expr key = floor_of_first ? first : last;
  // The floor is the last stored range starting at or below key; any other
  // stored range starts above key, or ends before the floor starts (the set
  // is sorted and disjoint). With no floor, every range starts above key.
  const z3::expr is_floor = z3::ule(floor_first, floor_last) && z3::ule(floor_first, key);
  const z3::expr other_placed =
      z3::ule(other_first, other_last) &&
      z3::ite(found,
              other_first != floor_first && z3::implies(z3::ult(floor_first, other_first), z3::ult(key, other_first)) &&
                  z3::implies(z3::ult(other_first, floor_first), z3::ult(other_last, floor_first)),
              z3::ult(key, other_first));
  const z3::expr premises = z3::ule(first, last) && z3::implies(found, is_floor) && other_placed &&
                            !(found && rl::overlaps<z3::expr, Unsigned>(floor_first, floor_last, first, last));
  const z3::expr claim = !rl::overlaps<z3::expr, Unsigned>(other_first, other_last, first, last);
  return Theorem{floor_of_first ? "admission.mutant.floor_of_first" : "admission.set_floor",
                 floor_of_first ? "looking up the floor of the first byte instead misses a range that starts inside"
                                : "a range clear of its floor in a sorted disjoint set is clear of every stored range",
                 premises,
                 claim,
                 [symbols](const z3::model& m) { return symbols->explain(m); },
                 floor_of_first ? Expect::counterexample : Expect::proof,
                 {}};
}

}  // namespace

std::vector<Theorem> admission_theorems(z3::context& ctx) {
  std::vector<Theorem> out;
  out = lemma_theorems(ctx);
  add_proofs(out, host_obligations<Unsigned>(ctx, std::nullopt), "admission.host", "a host client's admitted mapping");
  add_proofs(out, guest_obligations<Unsigned>(ctx, std::nullopt), "admission.guest",
             "a VM client's admitted mapping piece");
  out.push_back(floor_theorem(ctx, false));
  for (auto& t : ownership_theorems(ctx)) out.push_back(std::move(t));

  // Every check is needed: without it, each decision admits a mapping that breaks an obligation.
  std::vector<const char*> host_checks, guest_checks;
  for (const char* n : kRequestNames) host_checks.push_back(n), guest_checks.push_back(n);
  for (const char* n : kHostNames) host_checks.push_back(n);
  for (const char* n : {"permitted", "not_reserved"}) guest_checks.push_back(n);
  for (const char* n : kGuestNames) guest_checks.push_back(n);
  for (const char* n : {"input_fits", "output_fits"}) host_checks.push_back(n);
  for (const char* n : kHoldNames) guest_checks.push_back(n);
  for (const char* n : host_checks) {
    out.push_back(mutant(host_obligations<Unsigned>(ctx, std::string(n)),
                         fmt::format("admission.mutant.host_without_{}", n),
                         fmt::format("the host decision without its '{}' check admits a bad mapping", n)));
  }
  for (const char* n : guest_checks) {
    out.push_back(mutant(guest_obligations<Unsigned>(ctx, std::string(n)),
                         fmt::format("admission.mutant.guest_without_{}", n),
                         fmt::format("the guest decision without its '{}' check admits a bad mapping", n)));
  }
  // Z3's own <= is signed: with it, addresses at or above 2^63 order wrongly.
  out.push_back(mutant(host_obligations<SignedOps>(ctx, std::nullopt), "admission.mutant.host_signed",
                       "the host decision comparing addresses signed admits memory it must not"));
  out.push_back(mutant(guest_obligations<SignedOps>(ctx, std::nullopt), "admission.mutant.guest_signed",
                       "the guest decision comparing addresses signed admits memory it must not"));
  out.push_back(floor_theorem(ctx, true));
  return out;
}

}  // namespace smmuman::proofs
