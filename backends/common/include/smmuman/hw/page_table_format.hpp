// A page-table format as data: the parameters the generic page-table engine
// takes (granule, levels and their index bits, which levels may hold leaves,
// where the output address and permissions live in an entry), in the manner
// of Linux's struct io_pgtable_cfg. Generated from spec/hw.
#pragma once

#include <cstdint>

namespace smmuman::hw {

struct PageTableLevel {
  unsigned level;
  unsigned index_hi;
  unsigned index_lo;
  bool leaf;  // may hold a block/page mapping
};

// A descriptor field and the value that means something (present = false when
// the format has no such field).
struct DescriptorField {
  bool present;
  unsigned hi;
  unsigned lo;
  uint64_t value;
};

// How an entry is recognised: one field equal to a value; several fields all
// equal to it (RISC-V: a table entry has R = W = X = 0) or any of them
// (VT-d: present when R or W is set); or one field equal to none of some
// values (AMD-Vi: a table entry's Next Level is neither 0 nor 7).
enum class MarkerMatch : uint8_t { absent, equal, all_equal, any_equal, none_of };

struct MarkerField {
  unsigned hi;
  unsigned lo;
};

struct Marker {
  MarkerMatch match;
  unsigned field_count;
  MarkerField fields[3];
  uint64_t value;           // equal, all_equal, any_equal
  unsigned excluded_count;  // none_of
  uint64_t excluded[4];

  constexpr bool present() const { return match != MarkerMatch::absent; }

  // Whether an entry, as its little-endian 64-bit words, carries the marker.
  constexpr bool matches(const uint64_t* words) const {
    switch (match) {
      case MarkerMatch::absent: return false;
      case MarkerMatch::equal: return read(words, fields[0]) == value;
      case MarkerMatch::all_equal:
        for (unsigned i = 0; i < field_count; ++i) {
          if (read(words, fields[i]) != value) return false;
        }
        return true;
      case MarkerMatch::any_equal:
        for (unsigned i = 0; i < field_count; ++i) {
          if (read(words, fields[i]) == value) return true;
        }
        return false;
      case MarkerMatch::none_of:
        for (unsigned i = 0; i < excluded_count; ++i) {
          if (read(words, fields[0]) == excluded[i]) return false;
        }
        return true;
    }
    return false;
  }

 private:
  // A marker field lies in one 64-bit word (the generator checks markers'
  // fields against the descriptor, whose fields may cross words; markers use
  // single bits or small fields, which do not).
  static constexpr uint64_t read(const uint64_t* words, MarkerField f) {
    const uint64_t word = words[f.lo / 64];
    const unsigned lo = f.lo % 64;
    const unsigned width = f.hi - f.lo + 1;
    const uint64_t shifted = word >> lo;
    return width >= 64 ? shifted : shifted & ((uint64_t{1} << width) - 1);
  }
};

// Fields the engine writes into every table or leaf entry besides markers,
// address and permissions: Arm's access flag and shareability, the
// permissions an x86 table must grant for its leaves to count.
struct WrittenField {
  unsigned hi;
  unsigned lo;
  uint64_t value;
};

struct WrittenFields {
  unsigned count;
  WrittenField fields[4];
};

// What a backend programs for one property of the tables: the granule, the
// start level, the output size or the number of levels, as a table from the
// property's value to the encoding of `field` (empty: not programmed).
struct ControlValue {
  uint64_t property;
  uint64_t encoding;
};

struct ControlCode {
  const char* field;
  unsigned count;
  ControlValue values[8];
};

struct PageTableFormat {
  const char* name;
  unsigned granule_lg2;
  unsigned entry_bytes;
  unsigned input_bits_max;
  unsigned output_bits_max;
  unsigned level_count;
  PageTableLevel levels[8];
  Marker valid;
  Marker table;            // marks a table entry above the last level
  Marker last_level_leaf;  // marks a leaf at the last level
  Marker block;            // marks a leaf above the last level
  DescriptorField output_address;   // value = shift applied to the field
  DescriptorField read;
  DescriptorField write;
  DescriptorField exec;
  DescriptorField exec_never;
  // Requested read (1) / write (2) / exec (4) bits -> the bits a leaf of
  // this format holds: the smallest superset it can express.
  uint8_t held[8];
  WrittenFields table_written;
  WrittenFields leaf_written;
  // A table entry's field naming the level of the table it points to.
  DescriptorField next_level;
  // Tables that may be concatenated at the start level (Arm stage 2: up to
  // 16), letting a smaller input size start one level lower; 1 = none.
  unsigned concatenate_max;
  // A live leaf is invalidated before a table or another block size replaces
  // it (Arm break-before-make); otherwise one atomic store replaces it.
  bool break_before_make;
  // The address bits above output_address's, in another field: address
  // bits from `value` up (Arm 64 KiB granule with 52-bit output: OA[51:48]
  // in bits 15:12). present = false for one field.
  DescriptorField output_address_high;
  ControlCode granule_code;      // by granule_lg2 (Arm CD.TG0, STE.S2TG)
  ControlCode start_level_code;  // by the start level's number (Arm STE.S2SL0)
  ControlCode output_bits_code;  // by the output size in bits (Arm CD.IPS, STE.S2PS)
  ControlCode levels_code;       // by the number of levels (VT-d AW, AMD-Vi DTE.Mode, RISC-V MODE)
};

}  // namespace smmuman::hw
