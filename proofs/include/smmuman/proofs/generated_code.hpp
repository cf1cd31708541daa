// Claims about the code smmu-gen writes, run on Z3 bit-vectors through the
// same templates the backends run on uint64_t (proofs/src/generated_theorems.cpp
// turns them into theorems):
//   - a field, read, written and encoded by the generated code, sits at the
//     bits a manual gives it (proofs/manual/*.hpp) and a write touches no other bit;
//   - a register write never echoes a write-1-to-clear or write-only field it
//     read, keeps the other fields, and clears every reserved bit;
//   - the structure encoders keep every field a decoder read and set nothing else;
//   - every page-table format's output-address fields hold every address it outputs.
//
// Z3 reads the expected bits with its own extract, so no claim takes a
// field's position from the generator's field table except where it says so.
#pragma once

#include <z3++.h>

#include <boost/hana/for_each.hpp>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "smmuman/hw/regs.hpp"
#include "smmuman/hw/structure.hpp"
#include "smmuman/proofs/z3_words.hpp"

namespace smmuman::proofs {

// A group of claims proved as one query; a counterexample names the first
// claim the model breaks.
class Claims {
 public:
  explicit Claims(z3::context& ctx) : all_(ctx.bool_val(true)) {}
  void add(std::string what, const z3::expr& claim) {
    all_ = all_ && claim;
    parts_.emplace_back(std::move(what), claim);
  }
  const z3::expr& all() const { return all_; }
  size_t size() const { return parts_.size(); }
  // The first claim the model breaks, or "" when none does.
  std::string first_broken(const z3::model& model) const;

 private:
  z3::expr all_;
  std::vector<std::pair<std::string, z3::expr>> parts_;
};

namespace generated_detail {

// A structure's words as one bit-vector, word 0 lowest.
z3::expr concatenated(const std::vector<z3::expr>& words);
std::vector<z3::expr> symbolic_words(z3::context& ctx, unsigned count, const std::string& tag);
// Whether a and b (same width) agree on every bit outside [hi:lo].
z3::expr same_outside(const z3::expr& a, const z3::expr& b, unsigned hi, unsigned lo);

template <class F>
constexpr bool is_register_field = requires(uint64_t word) {
  F::template extract<uint64_t>(word);
};

template <class F>
constexpr unsigned container_bits() {
  if constexpr (is_register_field<F>) {
    return F::owner::width;
  } else {
    return F::owner::size_bytes * 8;
  }
}

}  // namespace generated_detail

// One structure's symbolic words and what its encoder writes from what its
// decoder read them as, built once per structure and shared by the claims
// about its fields: building the encoder once per field made the terms, and
// freeing the Z3 context, many times slower.
class EncodedStructures {
 public:
  struct Entry {
    std::vector<z3::expr> words;
    z3::expr all;      // the words as one bit-vector
    z3::expr encoded;  // encode(decode(words)), as one bit-vector
  };
  template <class S>
  const Entry& of(z3::context& ctx) {
    auto it = entries_.find(S::name);
    if (it != entries_.end()) return it->second;
    std::vector<z3::expr> words = generated_detail::symbolic_words(ctx, S::word_count, std::string(S::name) + ".w");
    std::vector<z3::expr> encoded(S::word_count, ctx.bv_val(0, 64));
    S::encode(encoded.data(), S::template decode<z3::expr>(words.data()));
    const z3::expr all = generated_detail::concatenated(words);
    return entries_.emplace(S::name, Entry{std::move(words), all, generated_detail::concatenated(encoded)})
        .first->second;
  }

 private:
  std::map<std::string, Entry> entries_;
};

// Field F is read and written at bits [hi:lo] of its register or structure,
// and a write changes no other bit. For a structure field, the structure's
// encoder also writes there what its decoder read (or the field's fixed
// value). Precondition: hi >= lo, hi - lo < 64, hi < container_bits<F>().
template <class F>
z3::expr field_at_claim(z3::context& ctx, unsigned hi, unsigned lo, const std::string& tag,
                        EncodedStructures& structures) {
  using namespace generated_detail;
  using Ops = hw::BitOps<z3::expr>;
  const unsigned width = hi - lo + 1;
  const z3::expr value = ctx.bv_const((tag + ".value").c_str(), 64);
  const z3::expr fitting = value & Ops::constant(value, F::mask);
  const z3::expr expected_written = fitting.extract(width - 1, 0);
  if constexpr (is_register_field<F>) {
    const z3::expr word = ctx.bv_const((tag + ".register").c_str(), 64);
    const z3::expr written = F::template insert<z3::expr>(word, fitting);
    return F::template extract<z3::expr>(word) == z3::zext(word.extract(hi, lo), 64 - width) &&
           written.extract(hi, lo) == expected_written && same_outside(written, word, hi, lo);
  } else {
    using S = typename F::owner;
    const auto& structure = structures.of<S>(ctx);
    std::vector<z3::expr> set = structure.words;
    F::template set<z3::expr>(set.data(), fitting);
    const z3::expr after_set = concatenated(set);
    constexpr auto fixed = hw::fixed_value_of<S, F>();
    const z3::expr encoded_expected = fixed.fixed ? ctx.bv_val(fixed.value, width) : structure.all.extract(hi, lo);
    return F::template get<z3::expr>(structure.words.data()) == z3::zext(structure.all.extract(hi, lo), 64 - width) &&
           after_set.extract(hi, lo) == expected_written && same_outside(after_set, structure.all, hi, lo) &&
           structure.encoded.extract(hi, lo) == encoded_expected;
  }
}

// Adds one claim per row of a manual table (a Hana tuple of ManualBits).
// A row whose bits cannot be a field of its register or structure is not a
// claim but an error, named in `errors`. A mutant moves every row by
// `shift_for_mutant` bits, as a generator off by that much would.
template <class Rows>
void add_manual_rows(z3::context& ctx, const Rows& rows, Claims& claims, std::vector<std::string>& errors,
                     EncodedStructures& structures, int shift_for_mutant = 0) {
  boost::hana::for_each(rows, [&](const auto& row) {
    using F = typename std::decay_t<decltype(row)>::field;
    const unsigned hi = row.hi + shift_for_mutant, lo = row.lo + shift_for_mutant;
    const std::string what = std::string(row.name) + " at bits [" + std::to_string(hi) + ":" + std::to_string(lo) + "]";
    if (hi < lo || hi - lo >= 64 || hi >= generated_detail::container_bits<F>()) {
      if (shift_for_mutant != 0) return;  // a moved row off the end is no test of the code
      errors.push_back(what + ": not a field of its " + std::to_string(generated_detail::container_bits<F>()) +
                       "-bit register or structure");
      return;
    }
    claims.add(what, field_at_claim<F>(ctx, hi, lo, row.name, structures));
  });
}

// What a read-modify-write of register R puts on the bus, and what a write
// that sets field F from there puts: the claims that neither echoes a
// write-1-to-clear or write-only field, both keep the other fields as read,
// and both clear every reserved bit. `echo_read` and `keep_reserved` break
// the mechanism on purpose, for the mutants.
struct RegisterBreakage {
  bool echo_read = false;
  bool keep_reserved = false;
};
template <class R>
void add_register_write_claims(z3::context& ctx, Claims& claims, RegisterBreakage broken = {}) {
  using Ops = hw::BitOps<z3::expr>;
  const std::string reg = R::name;
  const z3::expr raw = ctx.bv_const((reg + ".read").c_str(), 64);
  const z3::expr read = hw::read_bits<R, z3::expr>(raw);
  const z3::expr start = broken.echo_read ? read : hw::modifying_bits<R, z3::expr>(read);
  const auto on_bus = [&](const z3::expr& v) { return broken.keep_reserved ? v : hw::bus_bits<R, z3::expr>(v); };
  const z3::expr bus = on_bus(start);
  const uint64_t reserved = ~(hw::defined_bits<R>() & R::width_mask);
  claims.add(reg + ": a read-modify-write clears every reserved bit",
             (bus & Ops::constant(bus, reserved)) == Ops::constant(bus, 0));
  boost::hana::for_each(R::fields, [&](auto f) {
    using F = typename decltype(f)::type;
    const std::string field = reg + "." + F::name;
    if (F::access == hw::Access::w1c || F::access == hw::Access::wo) {
      claims.add(field + ": a read-modify-write writes 0 to this " + hw::to_string(F::access) + " field",
                 F::template extract<z3::expr>(bus) == Ops::constant(bus, 0));
    } else {
      claims.add(field + ": a read-modify-write writes back what it read",
                 F::template extract<z3::expr>(bus) == F::template extract<z3::expr>(read));
    }
    if constexpr (hw::is_writable(F::access)) {
      const z3::expr value = ctx.bv_const((field + ".value").c_str(), 64);
      const z3::expr fitting = value & Ops::constant(value, F::mask);
      const z3::expr after = on_bus(F::template insert<z3::expr>(start, fitting));
      const uint64_t others = ~(F::mask << F::lo);
      claims.add(field + ": setting it writes the value and changes no other bit",
                 F::template extract<z3::expr>(after) == fitting &&
                     (after & Ops::constant(after, others)) == (bus & Ops::constant(bus, others)));
    }
  });
}

}  // namespace smmuman::proofs
