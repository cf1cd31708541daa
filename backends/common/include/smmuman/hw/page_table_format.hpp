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

struct PageTableFormat {
  const char* name;
  unsigned granule_lg2;
  unsigned entry_bytes;
  unsigned input_bits_max;
  unsigned output_bits_max;
  unsigned level_count;
  PageTableLevel levels[8];
  DescriptorField valid;
  DescriptorField table;            // marks a table entry above the last level
  DescriptorField last_level_leaf;  // marks a leaf at the last level
  DescriptorField output_address;   // value = shift applied to the field
  DescriptorField read;
  DescriptorField write;
  DescriptorField exec;
  DescriptorField exec_never;
  // Requested read (1) / write (2) / exec (4) bits -> the bits a leaf of
  // this format holds: the smallest superset it can express.
  uint8_t held[8];
};

}  // namespace smmuman::hw
