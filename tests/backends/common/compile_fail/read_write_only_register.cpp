// Reading a write-only register does not compile; reading a readable one does.
#include "io.hpp"
uint64_t f(FakeIo& io) {
#ifdef SHOULD_FAIL
  return read<regs::CMD>(io).raw();
#else
  return read<regs::CTRL>(io).raw();
#endif
}
