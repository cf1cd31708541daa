// Live and peak heap bytes of this process, counted by the replacement global
// operator new/delete in heap_counter.cpp. Only allocations through operator
// new are seen (all of the standard containers, yaml-cpp, fmt); plain malloc
// calls are not.
#pragma once

#include <cstddef>

namespace smmuman::bench {

// Bytes currently allocated through operator new (usable block sizes).
std::size_t heap_live_bytes();
// The highest heap_live_bytes() since the last heap_reset_peak().
std::size_t heap_peak_bytes();
// Starts a new peak at the current live figure, so a measurement sees only
// what its own operation adds.
void heap_reset_peak();

}  // namespace smmuman::bench
