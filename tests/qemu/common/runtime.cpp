// The little a freestanding C++ program needs from a C runtime: the four
// memory functions GCC may call in any environment, static constructors, the
// command line, and the exit status.
#include <cstddef>
#include <cstdint>

#include "platform.hpp"

extern "C" {

// Byte loops the compiler must not turn back into calls to themselves
// (run.sh builds with -fno-tree-loop-distribute-patterns).
void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  while (n-- != 0) *d++ = *s++;
  return dst;
}
void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    while (n-- != 0) *d++ = *s++;
  } else {
    while (n != 0) {
      --n;
      d[n] = s[n];
    }
  }
  return dst;
}
void* memset(void* dst, int value, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  while (n-- != 0) *d++ = static_cast<unsigned char>(value);
  return dst;
}
int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (; n != 0; --n, ++x, ++y) {
    if (*x != *y) return *x < *y ? -1 : 1;
  }
  return 0;
}

extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

int harness_main(const char* arguments);

[[noreturn]] void harness_start() {
  for (auto** f = __init_array_start; f != __init_array_end; ++f) (**f)();
  static char arguments[256];
  if (!platform::command_line(arguments, sizeof(arguments))) arguments[0] = '\0';
  platform::exit(harness_main(arguments));
}

}  // extern "C"
