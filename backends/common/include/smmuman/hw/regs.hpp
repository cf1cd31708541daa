// Typed registers and fields: the behaviour behind the generated register
// metadata (svd2rust / PeakRDL style).
//
// - Access rights are types: reading a write-only register, writing a
//   read-only one, or setting a read-only field does not compile.
// - A constant too wide for its field does not compile (FieldValue).
// - A read value and a write value are different types (ReadValue,
//   WriteValue): a value read cannot be written back as it is. A write states
//   where it starts: from reset, from zero, or from a read (modifying), which
//   never writes 1 back to a write-1-to-clear field; every write clears the
//   bits no field covers (RES0).
// - Enumerated fields read as enums, with the raw value for reserved ones.
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
#include <utility>

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

// The bit logic of ReadValue and WriteValue over any word type: the classes
// below run it on uint64_t, and proofs/ proves it on Z3 bit-vectors for every
// register of every description (proofs/src/generated_theorems.cpp).
//
// What a read of Reg holds: the bits beyond the register's width are not its.
template <class Reg, class V, class Ops = BitOps<V>>
constexpr V read_bits(const V& raw) {
  return raw & Ops::constant(raw, Reg::width_mask);
}
// A read-modify-write's start: the read without the fields a write must not echo.
template <class Reg, class V, class Ops = BitOps<V>>
constexpr V modifying_bits(const V& read) {
  return read & Ops::constant(read, ~not_written_back_bits<Reg>());
}
// What a write puts on the bus: only bits some field covers (RES0 cleared).
template <class Reg, class V, class Ops = BitOps<V>>
constexpr V bus_bits(const V& raw) {
  return raw & Ops::constant(raw, defined_bits<Reg>());
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

// A field value as its enum: `defined` is false for a value the manual
// reserves, which `raw` still carries (svd2rust's variant()).
template <class F>
struct EnumRead {
  bool defined;
  typename F::Value value;
  uint64_t raw;
};

// What a read returned, typed by its register (svd2rust's R). Its fields can
// be read; it cannot be written back: a write takes a WriteValue, and the only
// way from one to the other is WriteValue::modifying, which clears the fields
// a write must not echo (write-1-to-clear, write-only).
template <class Reg>
class ReadValue {
 public:
  static constexpr ReadValue from_raw(uint64_t raw) { return ReadValue(read_bits<Reg>(raw)); }
  // What the register reads after reset.
  static constexpr ReadValue reset()
    requires(Reg::has_reset)
  {
    return ReadValue(Reg::reset);
  }

  constexpr uint64_t raw() const { return raw_; }

  template <class F>
    requires(is_readable(F::access))
  constexpr uint64_t get() const {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    return F::extract(raw_);
  }
  // An enumerated field as its enum, or reserved with its raw value.
  template <class F>
    requires(is_readable(F::access) && requires { typename F::Value; })
  constexpr EnumRead<F> variant() const {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    const uint64_t raw = F::extract(raw_);
    for (const auto v : F::values) {
      if (static_cast<uint64_t>(v) == raw) return EnumRead<F>{true, v, raw};
    }
    return EnumRead<F>{false, F::values[0], raw};
  }

  constexpr bool operator==(const ReadValue&) const = default;

 private:
  explicit constexpr ReadValue(uint64_t raw) : raw_(raw) {}
  uint64_t raw_;
};

// What a write will put on the bus, typed by its register (svd2rust's W). It
// says where it starts: from reset, from zero, or from a read (modifying).
template <class Reg>
class WriteValue {
 public:
  // The reset value, with W1C and write-only fields at 0 as in modifying.
  static constexpr WriteValue from_reset()
    requires(Reg::has_reset)
  {
    return WriteValue(modifying_bits<Reg>(Reg::reset));
  }
  static constexpr WriteValue zero() { return WriteValue(0); }
  // Every bit as given, write-1-to-clear ones included: a deliberate raw
  // write, never the result of reading (reserved bits are still cleared).
  static constexpr WriteValue from_bits(uint64_t bits) { return WriteValue(bits & Reg::width_mask); }
  // A read-modify-write's start: W1C fields read as 1 are not written back
  // (that would clear a status nobody meant to), and write-only fields,
  // whose reads say nothing, start at 0. Both may still be set on purpose.
  static constexpr WriteValue modifying(const ReadValue<Reg>& read) {
    return WriteValue(modifying_bits<Reg>(read.raw()));
  }

  constexpr uint64_t raw() const { return raw_; }
  // The value of a field as it will be written.
  template <class F>
  constexpr uint64_t get() const {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    return F::extract(raw_);
  }

  template <class F>
    requires(is_writable(F::access))
  constexpr WriteValue& set(FieldValue<F> value) {
    static_assert(std::is_same_v<typename F::owner, Reg>, "field of another register");
    raw_ = F::insert(raw_, value.get());
    return *this;
  }
  template <class F>
    requires(is_writable(F::access) && requires { typename F::Value; })
  constexpr WriteValue& set(typename F::Value value) {
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

  // What the write puts on the bus: reserved bits cleared.
  constexpr uint64_t to_write() const { return bus_bits<Reg>(raw_); }

  constexpr bool operator==(const WriteValue&) const = default;

 private:
  explicit constexpr WriteValue(uint64_t raw) : raw_(raw) {}
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

// Where instance `index` of Reg lies, from the unit's base: its block's base
// (from the run-time layout and the block's instance number, for context
// banks and the like) plus its offset. The block comes from the register, so
// an access can only land where the manual puts that register.
template <class Reg>
constexpr uint64_t address_of(const typename Reg::block::Layout& layout, uint64_t block_instance, unsigned index) {
  return Reg::block::base(layout, block_instance) + Reg::offset_of(index);
}

template <class Reg, RegisterIo Io>
  requires(is_readable(Reg::access))
ReadValue<Reg> read(Io& io, const typename Reg::block::Layout& layout, uint64_t block_instance = 0,
                    unsigned index = 0) {
  const uint64_t at = address_of<Reg>(layout, block_instance, index);
  if constexpr (Reg::width == 32) {
    return ReadValue<Reg>::from_raw(io.read32(at));
  } else {
    return ReadValue<Reg>::from_raw(io.read64(at));
  }
}
// A register of a block whose base is fixed needs no layout.
template <class Reg, RegisterIo Io>
  requires(is_readable(Reg::access) && Reg::block::fixed)
ReadValue<Reg> read(Io& io, unsigned index = 0) {
  return read<Reg>(io, typename Reg::block::Layout{}, 0, index);
}

template <class Reg, RegisterIo Io>
  requires(is_writable(Reg::access))
void write(Io& io, const WriteValue<Reg>& value, const typename Reg::block::Layout& layout,
           uint64_t block_instance = 0, unsigned index = 0) {
  const uint64_t at = address_of<Reg>(layout, block_instance, index);
  if constexpr (Reg::width == 32) {
    io.write32(at, static_cast<uint32_t>(value.to_write()));
  } else {
    io.write64(at, value.to_write());
  }
}
template <class Reg, RegisterIo Io>
  requires(is_writable(Reg::access) && Reg::block::fixed)
void write(Io& io, const WriteValue<Reg>& value, unsigned index = 0) {
  write<Reg>(io, value, typename Reg::block::Layout{}, 0, index);
}

// Read-modify-write, starting from WriteValue::modifying(read): W1C fields
// read as 1 are written back as 0, write-only fields start at 0, and inside
// `change` both may be set on purpose.
template <class Reg, RegisterIo Io, class Change>
  requires(Reg::access == Access::rw)
void modify(Io& io, Change&& change, const typename Reg::block::Layout& layout, uint64_t block_instance = 0,
            unsigned index = 0) {
  auto value = WriteValue<Reg>::modifying(read<Reg>(io, layout, block_instance, index));
  change(value);
  write<Reg>(io, value, layout, block_instance, index);
}
template <class Reg, RegisterIo Io, class Change>
  requires(Reg::access == Access::rw && Reg::block::fixed)
void modify(Io& io, Change&& change, unsigned index = 0) {
  modify<Reg>(io, std::forward<Change>(change), typename Reg::block::Layout{}, 0, index);
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
