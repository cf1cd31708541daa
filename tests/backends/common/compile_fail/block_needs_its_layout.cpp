// A register of a per-instance block is read only with the block's layout and
// instance, so it cannot land at the unit's base by accident.
#include "io.hpp"
uint64_t f() {
  FakeIo io;
#ifdef SHOULD_FAIL
  return read<regs::CTX_TTBR>(io).raw();
#else
  return read<regs::CTX_TTBR>(io, Layout{}, 1).raw();
#endif
}
