#include "smmuman/hw/mapped_mmio.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace smmuman::hw {

core::Result<std::unique_ptr<MappedMmio>> MappedMmio::open(const std::string& path, uint64_t offset, uint64_t size) {
  const long page = sysconf(_SC_PAGESIZE);
  const auto fail = [&](const std::string& why) {
    return core::make_error(core::Errc::invalid_argument, fmt::format("register frame {} at {:#x} (+{:#x}): {}", path,
                                                                      offset, size, why));
  };
  if (size == 0 || offset % static_cast<uint64_t>(page) != 0 || size % static_cast<uint64_t>(page) != 0) {
    return fail(fmt::format("offset and size must be non-zero multiples of the {}-byte page", page));
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
  const int saved = errno;
  ::close(fd);  // the mapping keeps what it needs
  if (p == MAP_FAILED) return fail(std::strerror(saved));
  return std::unique_ptr<MappedMmio>(new MappedMmio(static_cast<volatile uint8_t*>(p), size));
}

MappedMmio::~MappedMmio() { munmap(const_cast<uint8_t*>(base_), size_); }

volatile uint8_t* MappedMmio::at(uint64_t offset, unsigned width) const {
  if (offset % width != 0 || offset > size_ || size_ - offset < width) std::abort();
  return base_ + offset;
}

uint32_t MappedMmio::read32(uint64_t offset) { return *reinterpret_cast<volatile uint32_t*>(at(offset, 4)); }
uint64_t MappedMmio::read64(uint64_t offset) { return *reinterpret_cast<volatile uint64_t*>(at(offset, 8)); }
void MappedMmio::write32(uint64_t offset, uint32_t value) { *reinterpret_cast<volatile uint32_t*>(at(offset, 4)) = value; }
void MappedMmio::write64(uint64_t offset, uint64_t value) { *reinterpret_cast<volatile uint64_t*>(at(offset, 8)) = value; }

}  // namespace smmuman::hw
