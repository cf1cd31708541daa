// Setting a read-only field of a writable register does not compile; a writable field does.
#include "io.hpp"
uint64_t f() {
  auto v = WriteValue<regs::CTRL>::zero();
#ifdef SHOULD_FAIL
  v.set<regs::CTRL::BUSY>(1);
#else
  v.set<regs::CTRL::ENABLE>(1);
#endif
  return v.raw();
}
