// Theorems about the generated code of every described architecture: the
// claims of generated_code.hpp, grouped one query per architecture and kind,
// and mutants that break each mechanism on purpose.
#include <fmt/format.h>

#include <array>
#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/hw/page_table_walk.hpp"
#include "smmuman/proofs/generated_code.hpp"
#include "smmuman/proofs/manual/arm_smmuv2.hpp"
#include "smmuman/proofs/manual/arm_smmuv3.hpp"
#include "smmuman/proofs/suites.hpp"

namespace smmuman::proofs {

namespace {

// The free constants of an expression, each once, in the order met.
void constants_of(const z3::expr& e, std::vector<z3::expr>& out, std::set<unsigned>& seen) {
  if (!e.is_app()) return;
  if (e.is_const() && e.decl().decl_kind() == Z3_OP_UNINTERPRETED) {
    if (seen.insert(e.id()).second) out.push_back(e);
    return;
  }
  for (unsigned i = 0; i < e.num_args(); ++i) constants_of(e.arg(i), out, seen);
}

}  // namespace

std::string Claims::first_broken(const z3::model& model) const {
  for (const auto& [what, claim] : parts_) {
    if (!model.eval(claim, true).is_false()) continue;
    // The values that break it: a register as read, a field value, an address.
    std::vector<z3::expr> constants;
    std::set<unsigned> seen;
    constants_of(claim, constants, seen);
    std::string values;
    bool zeros = false;
    for (const auto& c : constants) {
      if (!c.get_sort().is_bv() || c.get_sort().bv_size() != 64) continue;
      const std::string value = hex_value(model, c);
      if (value == "0x0") {
        zeros = true;
        continue;
      }
      values += fmt::format("{}{} = {}", values.empty() ? "" : ", ", c.decl().name().str(), value);
    }
    if (zeros) values += values.empty() ? "every value 0" : "; the others 0";
    return values.empty() ? what : what + " (" + values + ")";
  }
  return "";
}

namespace generated_detail {

z3::expr concatenated(const std::vector<z3::expr>& words) {
  z3::expr all = words.back();
  for (size_t i = words.size() - 1; i-- > 0;) all = z3::concat(all, words[i]);
  return all;
}

std::vector<z3::expr> symbolic_words(z3::context& ctx, unsigned count, const std::string& tag) {
  std::vector<z3::expr> words;
  for (unsigned i = 0; i < count; ++i) words.push_back(ctx.bv_const((tag + std::to_string(i)).c_str(), 64));
  return words;
}

z3::expr same_outside(const z3::expr& a, const z3::expr& b, unsigned hi, unsigned lo) {
  const unsigned top = a.get_sort().bv_size() - 1;
  z3::expr same = a.ctx().bool_val(true);
  if (hi < top) same = same && a.extract(top, hi + 1) == b.extract(top, hi + 1);
  if (lo > 0) same = same && a.extract(lo - 1, 0) == b.extract(lo - 1, 0);
  return same;
}

}  // namespace generated_detail

namespace {

using generated_detail::concatenated;
using generated_detail::symbolic_words;

// A theorem whose claim is a group of claims; a counterexample names the
// first claim it breaks. `errors` are rows that could not be claims.
Theorem group_theorem(z3::context& ctx, std::string id, std::string meaning, std::shared_ptr<Claims> claims,
                      std::vector<std::string> errors = {}, Expect expect = Expect::proof,
                      std::optional<z3::expr> premises = std::nullopt) {
  const z3::expr claim = claims->all();
  return Theorem{std::move(id),
                 std::move(meaning),
                 premises ? *premises : ctx.bool_val(true),
                 claim,
                 [claims](const z3::model& m) {
                   const std::string broken = claims->first_broken(m);
                   return broken.empty() ? std::string("no claim evaluates false in the model") : "breaks: " + broken;
                 },
                 expect,
                 [errors = std::move(errors)]() -> std::optional<std::string> {
                   if (errors.empty()) return std::nullopt;
                   return errors.front();
                 }};
}

// Every register of an architecture: read-modify-write safety, and each
// field's insert/extract acting at its own bits [hi:lo] and nowhere else.
template <class Registers>
std::shared_ptr<Claims> register_claims(z3::context& ctx, Registers registers, RegisterBreakage broken = {}) {
  auto claims = std::make_shared<Claims>(ctx);
  EncodedStructures none;  // register fields only
  boost::hana::for_each(registers, [&](auto r) {
    using R = typename decltype(r)::type;
    add_register_write_claims<R>(ctx, *claims, broken);
    boost::hana::for_each(R::fields, [&](auto f) {
      using F = typename decltype(f)::type;
      const std::string field = std::string(R::name) + "." + F::name;
      claims->add(field + " is read and written at its bits only", field_at_claim<F>(ctx, F::hi, F::lo, field, none));
    });
  });
  return claims;
}

// Every structure, command and event record: what the encoder writes from
// what the decoder read keeps every chosen field and each fixed field's
// value, and sets no bit outside the fields.
template <class Structures>
std::shared_ptr<Claims> structure_claims(z3::context& ctx, Structures structures) {
  auto claims = std::make_shared<Claims>(ctx);
  boost::hana::for_each(structures, [&](auto s) {
    using S = typename decltype(s)::type;
    const std::string name = S::name;
    const std::vector<z3::expr> words = symbolic_words(ctx, S::word_count, name + ".w");
    std::vector<z3::expr> encoded(S::word_count, ctx.bv_val(0, 64));
    S::encode(encoded.data(), S::template decode<z3::expr>(words.data()));
    boost::hana::for_each(S::fields, [&](auto f) {
      using F = typename decltype(f)::type;
      constexpr auto fixed = hw::fixed_value_of<S, F>();
      const z3::expr expected = fixed.fixed ? ctx.bv_val(fixed.value, 64) : F::template get<z3::expr>(words.data());
      claims->add(
          name + "." + F::name + (fixed.fixed ? ": the encoder writes its fixed value" : ": the encoder keeps it"),
          F::template get<z3::expr>(encoded.data()) == expected);
    });
    std::vector<uint64_t> covered(S::word_count, 0);
    hw::set_field_bits<S>(covered.data());
    z3::expr outside = ctx.bool_val(true);
    for (unsigned i = 0; i < S::word_count; ++i) outside = outside && (encoded[i] & ctx.bv_val(~covered[i], 64)) == 0;
    claims->add(name + ": the encoder sets no bit outside the fields", outside);
  });
  return claims;
}

// A page-table format's output-address fields hold every address the format
// outputs: written into any entry and read back, an address below 2^bits
// whose bits under the field's shift are 0 comes back whole, and no bit
// outside the output-address fields changes.
Theorem output_address_theorem(z3::context& ctx, const std::string& arch, const hw::PageTableFormat& format,
                               unsigned output_bits, std::string id, Expect expect = Expect::proof) {
  const unsigned words_per_entry = format.entry_bytes / 8;
  const std::string tag = arch + "." + format.name;
  std::vector<z3::expr> entry = symbolic_words(ctx, words_per_entry, tag + ".entry");
  const z3::expr address = ctx.bv_const((tag + ".address").c_str(), 64);
  z3::expr premises = ctx.bool_val(true);
  if (output_bits < 64) premises = premises && z3::ult(address, ctx.bv_val(uint64_t{1} << output_bits, 64));
  const unsigned shift = format.output_address.value;
  if (shift > 0) premises = premises && address.extract(shift - 1, 0) == ctx.bv_val(0, shift);

  std::vector<z3::expr> written = entry;
  hw::walk_detail::put_output_address<z3::expr>(format, written.data(), address);
  // The bits of the output-address fields, as a mask over the whole entry.
  std::vector<uint64_t> mask(words_per_entry, 0);
  for (const auto* field : {&format.output_address, &format.output_address_high}) {
    if (!field->present) continue;
    for (unsigned bit = field->lo; bit <= field->hi; ++bit) mask[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  std::vector<z3::expr> others;
  for (unsigned i = 0; i < words_per_entry; ++i) others.push_back(ctx.bv_val(~mask[i], 64));
  const z3::expr others_mask = concatenated(others);

  auto claims = std::make_shared<Claims>(ctx);
  claims->add(fmt::format("{}: an address written into an entry reads back whole", format.name),
              hw::walk_detail::output_address<z3::expr>(format, written.data()) == address);
  claims->add(fmt::format("{}: writing an address changes no bit outside the output-address fields", format.name),
              (concatenated(written) & others_mask) == (concatenated(entry) & others_mask));
  const std::string meaning = fmt::format(
      "{} {}: every {}-bit output address (bits below {} clear) is held whole by the output-address "
      "field{} [{}:{}]{}",
      arch, format.name, output_bits, shift, format.output_address_high.present ? "s" : "", format.output_address.hi,
      format.output_address.lo,
      format.output_address_high.present
          ? fmt::format(" and [{}:{}]", format.output_address_high.hi, format.output_address_high.lo)
          : "");
  std::vector<std::string> errors;
  if (output_bits > format.output_bits_max) {
    errors.push_back(fmt::format("{} {}: the unit outputs {} address bits, the format at most {}", arch, format.name,
                                 output_bits, format.output_bits_max));
  }
  return group_theorem(ctx, std::move(id), meaning, claims, std::move(errors), expect, premises);
}

template <class Registers, class Structures, size_t FormatCount>
void add_architecture(std::vector<Theorem>& out, z3::context& ctx, const std::string& arch, Registers registers,
                      Structures structures, const std::array<const hw::PageTableFormat*, FormatCount>& formats,
                      const hw::UnitDescription* unit) {
  if constexpr (decltype(boost::hana::length(registers))::value > 0) {
    auto claims = register_claims(ctx, registers);
    out.push_back(group_theorem(ctx, "generated." + arch + ".registers",
                                fmt::format("{}: every register field ({} claims) is read and written at its bits "
                                            "only; a read-modify-write writes no write-1-to-clear or write-only field "
                                            "back, keeps the others as read and clears reserved bits",
                                            arch, claims->size()),
                                claims));
  }
  if constexpr (decltype(boost::hana::length(structures))::value > 0) {
    auto claims = structure_claims(ctx, structures);
    out.push_back(group_theorem(ctx, "generated." + arch + ".encoders",
                                fmt::format("{}: every structure, command and event encoder ({} claims) writes "
                                            "back each field its decoder read, each fixed value, and nothing else",
                                            arch, claims->size()),
                                claims));
  }
  for (const auto* format : formats) {
    const bool domain = unit && unit->domain_page_table == format;
    out.push_back(output_address_theorem(ctx, arch, *format,
                                         domain ? unit->output_address_bits : format->output_bits_max,
                                         "generated." + arch + "." + format->name + ".output_address"));
  }
}

template <class Tables>
Theorem manual_theorem(z3::context& ctx, const std::string& arch, const char* manual, Tables tables,
                       int shift_for_mutant = 0) {
  auto claims = std::make_shared<Claims>(ctx);
  std::vector<std::string> errors;
  EncodedStructures structures;
  boost::hana::for_each(
      tables, [&](const auto& table) { add_manual_rows(ctx, table, *claims, errors, structures, shift_for_mutant); });
  if (shift_for_mutant != 0) {
    return group_theorem(ctx, "generated.mutant." + arch + ".fields_one_bit_off",
                         fmt::format("mutant: {}'s manual rows moved by one bit, as a generator placing every field "
                                     "one bit off would: the rows must not hold",
                                     arch),
                         claims, std::move(errors), Expect::counterexample);
  }
  return group_theorem(ctx, "generated." + arch + ".fields_at_manual_bits",
                       fmt::format("{}: the generated code reads, writes and encodes each of {} fields at the bits {} "
                                   "gives it (proofs/manual/{}.hpp), and a write changes no other bit",
                                   arch, claims->size(), manual, arch),
                       claims, std::move(errors));
}

}  // namespace

std::vector<Theorem> generated_code_theorems(z3::context& ctx) {
  std::vector<Theorem> out;
#define SMMUMAN_ADD_ARCHITECTURE(ident)                                                                          \
  add_architecture(out, ctx, #ident, hw::ident::regs::all, hw::ident::structs::all, hw::ident::page_tables::all, \
                   hw::ident::unit_description);
  SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_ADD_ARCHITECTURE)
#undef SMMUMAN_ADD_ARCHITECTURE
  out.push_back(manual_theorem(ctx, "arm_smmuv3", "Arm IHI 0070 G.b and DDI 0487", manual::arm_smmuv3::all));
  out.push_back(
      manual_theorem(ctx, "arm_smmuv2", "Arm IHI 0062D.c, DDI 0517F and DDI 0487 L.a", manual::arm_smmuv2::all));

  // Mutants: each mechanism broken on purpose must give a counterexample.
  out.push_back(manual_theorem(ctx, "arm_smmuv3", "", manual::arm_smmuv3::all, 1));
  out.push_back(group_theorem(ctx, "generated.mutant.arm_smmuv2.write_1_to_clear_echoed",
                              "mutant: a read-modify-write that writes back what it read clears the fault bits "
                              "(write-1-to-clear) it read as 1",
                              register_claims(ctx, boost::hana::tuple_t<hw::arm_smmuv2::regs::SMMU_CB_FSR>,
                                              RegisterBreakage{.echo_read = true}),
                              {}, Expect::counterexample));
  out.push_back(
      group_theorem(ctx, "generated.mutant.arm_smmuv3.reserved_bits_kept",
                    "mutant: a write that does not clear the reserved bits puts what it read there on the bus",
                    register_claims(ctx, boost::hana::tuple_t<hw::arm_smmuv3::regs::SMMU_CR0>,
                                    RegisterBreakage{.keep_reserved = true}),
                    {}, Expect::counterexample));
  hw::PageTableFormat narrow = hw::arm_smmuv3::page_tables::aarch64_s2_4k;
  narrow.output_address.hi -= 1;
  out.push_back(output_address_theorem(ctx, "arm_smmuv3", narrow, narrow.output_bits_max,
                                       "generated.mutant.arm_smmuv3.output_address_one_bit_short",
                                       Expect::counterexample));
  out.back().meaning = "mutant: an output-address field one bit short of 48-bit addresses: " + out.back().meaning;
  return out;
}

std::vector<Theorem> configuration_free_theorems(z3::context& ctx, bool with_admission) {
  std::vector<Theorem> out = with_admission ? admission_theorems(ctx) : std::vector<Theorem>{};
  for (auto* group : {&range_theorems, &generated_code_theorems}) {
    for (auto& t : group(ctx)) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace smmuman::proofs
