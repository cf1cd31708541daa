// Writing a read-only register does not compile; writing a writable one does.
#include "io.hpp"
void f(FakeIo& io) {
#ifdef SHOULD_FAIL
  write<regs::ID>(io, WriteValue<regs::ID>::zero());
#else
  write<regs::CTRL>(io, WriteValue<regs::CTRL>::zero());
#endif
}
