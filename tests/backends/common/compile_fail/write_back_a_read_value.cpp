// A value read cannot be written back as it is (it may carry a W1C bit read as
// 1); it can through WriteValue::modifying, which drops such bits.
#include "io.hpp"
void f() {
  FakeIo io;
#ifdef SHOULD_FAIL
  write<regs::CTRL>(io, read<regs::CTRL>(io));
#else
  write<regs::CTRL>(io, WriteValue<regs::CTRL>::modifying(read<regs::CTRL>(io)));
#endif
}
