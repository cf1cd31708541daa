// What the harness needs of the machine it runs on; one implementation per
// architecture (aarch64-virt/platform.cpp).
#pragma once

#include <cstdint>

namespace platform {

void write_text(const char* text);
// The arguments QEMU was given (-semihosting-config arg=...), space-separated.
bool command_line(char* buffer, uint64_t size);
[[noreturn]] void exit(int status);
// Every store before it is visible to devices before any access after it.
void barrier();

}  // namespace platform
