// A constant wider than its structure field does not compile; one that fits does.
#include "io.hpp"
constexpr uint64_t first_word() {
  uint64_t words[2] = {0, 0};
#ifdef SHOULD_FAIL
  structs::ENTRY::encode(words, {2, 5, 0, 0xbeef});  // VALID is one bit wide
#else
  structs::ENTRY::encode(words, {1, 5, 0, 0xbeef});
#endif
  return words[0];
}
static_assert(first_word() != 0);
