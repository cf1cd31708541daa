// A field of one register cannot be set in another's value; its own can.
#include "io.hpp"
uint64_t f() {
  auto v = WriteValue<regs::CTRL>::zero();
#ifdef SHOULD_FAIL
  v.set<regs::STREAM_MAP::VALID>(1);
#else
  v.set<regs::CTRL::ENABLE>(1);
#endif
  return v.raw();
}
