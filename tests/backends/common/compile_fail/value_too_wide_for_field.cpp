// A constant wider than its field does not compile (QUEUE_SIZE is 4 bits); one that fits does.
#include "io.hpp"
uint64_t f() {
  auto v = WriteValue<regs::CTRL>::zero();
#ifdef SHOULD_FAIL
  v.set<regs::CTRL::QUEUE_SIZE>(16);
#else
  v.set<regs::CTRL::QUEUE_SIZE>(15);
#endif
  return v.raw();
}
