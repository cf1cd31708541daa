// The AArch64 side of the harness platform: Arm semihosting for output, the
// command line and the exit status (Arm "Semihosting for AArch32 and AArch64"
// 2.0: HLT #0xF000, operation in W0, parameter block in X1), a full-system
// barrier, and the report of an unexpected exception.
#include "platform.hpp"

#include "report.hpp"

namespace platform {
namespace {

constexpr uint64_t kSysWrite0 = 0x04;           // SYS_WRITE0: a NUL-terminated string to the console
constexpr uint64_t kSysGetCmdline = 0x15;       // SYS_GET_CMDLINE: {buffer, length} in, length out
constexpr uint64_t kSysExit = 0x18;             // SYS_EXIT: {reason, subcode} on AArch64
constexpr uint64_t kApplicationExit = 0x20026;  // ADP_Stopped_ApplicationExit

uint64_t semihost(uint64_t op, uint64_t arg) {
  register uint64_t x0 asm("x0") = op;
  register uint64_t x1 asm("x1") = arg;
  asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
  return x0;
}

}  // namespace

void write_text(const char* text) { semihost(kSysWrite0, reinterpret_cast<uint64_t>(text)); }

bool command_line(char* buffer, uint64_t size) {
  volatile uint64_t block[2] = {reinterpret_cast<uint64_t>(buffer), size};
  return semihost(kSysGetCmdline, reinterpret_cast<uint64_t>(block)) == 0;
}

[[noreturn]] void exit(int status) {
  volatile uint64_t block[2] = {kApplicationExit, static_cast<uint64_t>(status)};
  semihost(kSysExit, reinterpret_cast<uint64_t>(block));
  for (;;) asm volatile("wfi");
}

void barrier() { asm volatile("dsb sy" ::: "memory"); }

}  // namespace platform

// From the vector table (start.S): which of the sixteen vectors was taken.
extern "C" [[noreturn]] void on_exception(uint64_t vector) {
  uint64_t esr, elr, far;
  asm volatile("mrs %0, esr_el1" : "=r"(esr));
  asm volatile("mrs %0, elr_el1" : "=r"(elr));
  asm volatile("mrs %0, far_el1" : "=r"(far));
  Text t;
  t << "FATAL unexpected exception: vector " << vector << ", ESR_EL1 " << Hex{esr} << ", ELR_EL1 " << Hex{elr}
    << ", FAR_EL1 " << Hex{far} << "\n";
  platform::write_text(t.c_str());
  platform::exit(3);
}
