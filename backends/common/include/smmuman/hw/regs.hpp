// Typed registers and fields: the behaviour behind the generated register
// metadata (svd2rust / PeakRDL style).
//
// - Access rights are types: reading a write-only register, writing a
//   read-only one, or setting a read-only field does not compile.
// - A constant too wide for its field does not compile (FieldValue).
// - A write states where it starts: from reset, from zero, or from the value
//   read (modify); modify never writes 1 to a write-1-to-clear field, and
//   every write clears the bits no field covers (RES0).
// - Field metadata is a Boost.Hana tuple of types, so one generic dumper and
//   one snapshot diff serve every register of every SMMU type.
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "smmuman/hw/bits.hpp"

namespace smmuman::hw {

namespace hana = boost::hana;

enum class Access : uint8_t { ro, rw, wo, w1c, raz_wi };

constexpr bool is_readable(Access a) { return a != Access::wo; }
constexpr bool is_writable(Access a) { return a == Access::rw || a == Access::wo || a == Access::w1c; }
constexpr const char* to_string(Access a) {
  switch (a) {
    case Access::ro: return "RO";
    case Access::rw: return "RW";
    case Access::wo: return "WO";
    case Access::w1c: return "W1C";
    case Access::raz_wi: return "RAZ_WI";
  }
  return "?";
}

// A field [Hi:Lo] of a register. Generated code derives from it and adds `name`
// (and an enum `Value` where the manual names the values).
template <class Owner, unsigned Hi, unsigned Lo, Access A>
struct Field {
  static_assert(Hi >= Lo && Hi - Lo < 64, "a field is 1 to 64 bits wide");
  using owner = Owner;
  static constexpr unsigned hi = Hi;
  static constexpr unsigned lo = Lo;
  static constexpr unsigned width = Hi - Lo + 1;
  static constexpr uint64_t mask = low_mask(width);  // unshifted
  static constexpr Access access = A;

  template <class V, class Ops = BitOps<V>>
  static constexpr V extract(const V& word) { return word_extract<V, Ops>(word, Lo, width); }
  template <class V, class Ops = BitOps<V>>
  static constexpr V insert(const V& word, const V& value) { return word_insert<V, Ops>(word, Lo, width, value); }
};

template <class Self, uint64_t Offset, unsigned Width, Access A, uint64_t Reset, bool HasReset, unsigned Count = 1,
          uint64_t Stride = 0>
struct Register {
  static_assert(Width == 32 || Width == 64, "registers are 32 or 64 bits");
  static constexpr uint64_t offset = Offset;
  static constexpr unsigned width = Width;
  static constexpr Access access = A;
  static constexpr uint64_t reset = Reset;
  static constexpr bool has_reset = HasReset;
  static constexpr unsigned count = Count;
  static constexpr uint64_t stride = Stride;
  static constexpr uint64_t width_mask = low_mask(Width);
  // Precondition: index < count.
  static constexpr uint64_t offset_of(unsigned index) { return Offset + index * Stride; }
};

// Calls a value-less marker when constant evaluation must fail: the call is
// not a constant expression, so the program does not compile.
void field_value_too_wide_for_its_field();

// A value for field F. From a constant, it is checked at compile time.
template <class F>
class FieldValue {
 public:
  consteval FieldValue(uint64_t value) : value_(value) {  // NOLINT: implicit for literals
    if (value > F::mask) field_value_too_wide_for_its_field();
  }
  // A run-time value; false when it does not fit.
  static constexpr bool fits(uint64_t value) { return value <= F::mask; }
  constexpr uint64_t get() const { return value_; }

 private:
  uint64_t value_;
};

// Union of all field masks of a register, shifted into place.
template <class Reg>
constexpr uint64_t defined_bits() {
  return hana::unpack(Reg::fields, [](auto... f) {
    return (uint64_t{0} | ... | (decltype(f)::type::mask << decltype(f)::type::lo));
  });
}
// Fields whose read value must not be written back by a read-modify-write:
// write-1-to-clear (a 1 read would clear it) and write-only (reads say nothing).
template <class Reg>
constexpr uint64_t not_written_back_bits() {
  return hana::unpack(Reg::fields, [](auto... f) {
    return (uint64_t{0} | ... |
            (decltype(f)::type::access == Access::w1c || decltype(f)::type::access == Access::wo
                 ? decltype(f)::type::mask << decltype(f)::type::lo
                 : 0));
  });
}

// Pairwise disjointness of [hi:lo] ranges: the generated headers assert it
// for every register and structure, at compile time.
template <class... F>
constexpr bool ranges_disjoint() {
  constexpr unsigned count = sizeof...(F);
  if constexpr (count < 2) {
    return true;
  } else {
    constexpr unsigned his[] = {F::hi...};
    constexpr unsigned los[] = {F::lo...};
    for (unsigned i = 0; i < count; ++i) {
      for (unsigned j = i + 1; j < count; ++j) {
        if (his[i] >= los[j] && his[j] >= los[i]) return false;
      }
    }
    return true;
  }
}
template <class T>
constexpr bool fields_disjoint() {
  return hana::unpack(T::fields, [](auto... f) { return ranges_disjoint<typename decltype(f)::type...>(); });
}
template <class Reg>
constexpr bool fields_fit_register() {
  return hana::unpack(Reg::fields, [](auto... f) { return (true && ... && (decltype(f)::type::hi < Reg::width)); });
}
template <class Reg>
constexpr bool no_writable_field_in_read_only() {
  if constexpr (Reg::access != Access::ro) {
    return true;
  } else {
    return hana::unpack(Reg::fields, [](auto... f) { return (true && ... && !is_writable(decltype(f)::type::access)); });
  }
}

// A register's value, typed by its register.
template <class Reg>
class RegisterValue {
 public:
  static constexpr RegisterValue from_reset()
    requires(Reg::has_reset)
  {
    return RegisterValue(Reg::reset);
  }
  static constexpr RegisterValue zero() { return RegisterValue(0); }
  static constexpr RegisterValue from_raw(uint64_t raw) { return RegisterValue(raw & Reg::width_mask); }

  constexpr uint64_t raw() const { return raw_; }

  template <class F>
    requires(is_readable(F::access))
  constexpr uint64_t get() const {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    return F::extract(raw_);
  }

  template <class F>
    requires(is_writable(F::access))
  constexpr RegisterValue& set(FieldValue<F> value) {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    raw_ = F::insert(raw_, value.get());
    return *this;
  }
  template <class F>
    requires(is_writable(F::access) && requires { typename F::Value; })
  constexpr RegisterValue& set(typename F::Value value) {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    raw_ = F::insert(raw_, static_cast<uint64_t>(value));
    return *this;
  }
  // A run-time value: false, and no change, when it does not fit.
  template <class F>
    requires(is_writable(F::access))
  constexpr bool try_set(uint64_t value) {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    if (!FieldValue<F>::fits(value)) return false;
    raw_ = F::insert(raw_, value);
    return true;
  }

  // What a write puts on the bus: reserved bits cleared.
  constexpr uint64_t to_write() const { return raw_ & defined_bits<Reg>(); }

  constexpr bool operator==(const RegisterValue&) const = default;

 private:
  explicit constexpr RegisterValue(uint64_t raw) : raw_(raw) {}
  uint64_t raw_;
};

// Register I/O is injected (a real MMIO window, a simulated register file, or
// a scripted mock), so backends test on the host.
template <class Io>
concept RegisterIo = requires(Io& io, uint64_t offset, uint32_t v32, uint64_t v64) {
  { io.read32(offset) } -> std::same_as<uint32_t>;
  { io.read64(offset) } -> std::same_as<uint64_t>;
  io.write32(offset, v32);
  io.write64(offset, v64);
};

// `base` is the address of the register's block (0 for the unit's base).
template <class Reg, RegisterIo Io>
  requires(is_readable(Reg::access))
RegisterValue<Reg> read(Io& io, uint64_t base = 0, unsigned index = 0) {
  const uint64_t at = base + Reg::offset_of(index);
  if constexpr (Reg::width == 32) {
    return RegisterValue<Reg>::from_raw(io.read32(at));
  } else {
    return RegisterValue<Reg>::from_raw(io.read64(at));
  }
}

template <class Reg, RegisterIo Io>
  requires(is_writable(Reg::access))
void write(Io& io, const RegisterValue<Reg>& value, uint64_t base = 0, unsigned index = 0) {
  const uint64_t at = base + Reg::offset_of(index);
  if constexpr (Reg::width == 32) {
    io.write32(at, static_cast<uint32_t>(value.to_write()));
  } else {
    io.write64(at, value.to_write());
  }
}

// Read-modify-write. W1C fields read as 1 are written back as 0, so a modify
// never clears a status it did not mean to; write-only fields start at 0 too.
// Inside `change` both read as 0 and may be set on purpose.
template <class Reg, RegisterIo Io, class Change>
  requires(Reg::access == Access::rw)
void modify(Io& io, Change&& change, uint64_t base = 0, unsigned index = 0) {
  auto value = RegisterValue<Reg>::from_raw(read<Reg>(io, base, index).raw() & ~not_written_back_bits<Reg>());
  change(value);
  write<Reg>(io, value, base, index);
}

// The one generic dumper: calls sink(register name, field name, hi, lo, value)
// for every field of the register, high bit first.
template <class Reg, class Sink>
void dump(uint64_t raw, Sink&& sink) {
  hana::for_each(Reg::fields, [&](auto f) {
    using F = typename decltype(f)::type;
    sink(Reg::name, F::name, F::hi, F::lo, F::extract(raw));
  });
}

// The one generic snapshot comparison: for every register in `registers` (a
// Hana tuple of types), compares the values two snapshots hold — callables
// (block name, offset) -> value, since blocks reuse offsets — and calls
// sink(register, field, old, new) per differing field; differences in reserved
// bits are reported with field name "(reserved)". Returns the number of differences.
template <class Registers, class SnapshotA, class SnapshotB, class Sink>
unsigned diff_snapshots(Registers registers, SnapshotA&& a, SnapshotB&& b, Sink&& sink) {
  unsigned differences = 0;
  hana::for_each(registers, [&](auto r) {
    using Reg = typename decltype(r)::type;
    for (unsigned i = 0; i < Reg::count; ++i) {
      const uint64_t va = a(Reg::block_name, Reg::offset_of(i)), vb = b(Reg::block_name, Reg::offset_of(i));
      hana::for_each(Reg::fields, [&](auto f) {
        using F = typename decltype(f)::type;
        if (F::extract(va) != F::extract(vb)) {
          sink(Reg::name, F::name, F::extract(va), F::extract(vb));
          ++differences;
        }
      });
      const uint64_t reserved = ~defined_bits<Reg>() & Reg::width_mask;
      if ((va & reserved) != (vb & reserved)) {
        sink(Reg::name, "(reserved)", va & reserved, vb & reserved);
        ++differences;
      }
    }
  });
  return differences;
}

}  // namespace smmuman::hw
