// Encode/decode laws for every structure, command and event record of one
// architecture (compiled once per architecture with SMMUMAN_HW_HEADER):
//   - decode(encode(fields)) gives back every field (random values, masked to width);
//   - encode writes the fixed fields (opcodes, event codes) and nothing outside fields;
//   - encode(decode(words)) keeps exactly the bits some non-fixed field covers;
//   - decoded values always fit, and try_encode then writes what encode writes.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/hana/for_each.hpp>
#include <boost/hana/size.hpp>
#include <vector>

#include SMMUMAN_HW_HEADER

namespace {

namespace hana = boost::hana;
namespace arch = smmuman::hw::SMMUMAN_HW_NS;
using smmuman::hw::matches_fixed;

// Random words, and the same words passed through decode then encode.
template <class S>
void check_structure() {
  std::vector<uint64_t> words(S::word_count);
  for (auto& w : words) w = *rc::gen::arbitrary<uint64_t>();
  const auto decoded = S::decode(words.data());
  std::vector<uint64_t> again(S::word_count);
  S::encode(again.data(), decoded);
  RC_ASSERT(matches_fixed<S>(again.data()));
  RC_ASSERT(S::fits(decoded));
  std::vector<uint64_t> tried(S::word_count, ~uint64_t{0});
  RC_ASSERT(S::try_encode(tried.data(), decoded));
  RC_ASSERT(tried == again);
  // Each field reads back what decode saw; fixed fields read their fixed value.
  hana::for_each(S::fields, [&](auto f) {
    using F = typename decltype(f)::type;
    constexpr auto fixed = smmuman::hw::fixed_value_of<S, F>();
    RC_ASSERT(F::get(again.data()) == (fixed.fixed ? fixed.value : F::get(words.data())));
  });
  // No bit outside every field is set.
  std::vector<uint64_t> covered(S::word_count, 0);
  smmuman::hw::set_field_bits<S>(covered.data());
  for (unsigned i = 0; i < S::word_count; ++i) RC_ASSERT((again[i] & ~covered[i]) == 0);
  // decode(encode(decode(words))) == decode(words), field by field.
  std::vector<uint64_t> third(S::word_count);
  S::encode(third.data(), S::decode(again.data()));
  RC_ASSERT(third == again);
}

// Every structure of the architecture obeys the encode/decode laws.
RC_GTEST_PROP(GeneratedStructures, EncodeDecodeRoundTrip, ()) {
  hana::for_each(arch::structs::all, [](auto s) { check_structure<typename decltype(s)::type>(); });
}

// Every register's fields lie inside it and are disjoint (also asserted at
// compile time); here the generic dumper visits each field once, high bit first,
// for every register listed in regs::all.
TEST(GeneratedRegisters, DumperVisitsEveryFieldHighBitFirst) {
  unsigned registers = 0;
  hana::for_each(arch::regs::all, [&](auto r) {
    using R = typename decltype(r)::type;
    unsigned previous_lo = R::width;
    unsigned visited = 0;
    smmuman::hw::dump<R>(~uint64_t{0} & R::width_mask, [&](const char* reg, const char*, unsigned hi, unsigned lo, uint64_t value) {
      EXPECT_STREQ(reg, R::name);
      EXPECT_LT(hi, previous_lo) << R::name;
      EXPECT_EQ(value, smmuman::hw::low_mask(hi - lo + 1)) << R::name;
      previous_lo = lo;
      ++visited;
    });
    EXPECT_EQ(visited, decltype(hana::size(R::fields))::value) << R::name;
    ++registers;
  });
  EXPECT_EQ(registers, decltype(hana::size(arch::regs::all))::value);
}

}  // namespace
