// Replacement global allocation functions that count live bytes, so each
// measurement can report the peak heap its operation needed. Every form the
// standard lets a program replace is defined here (plain, array, nothrow,
// sized and aligned), so no allocation escapes the count and no block is freed
// by a function that did not count it.
//
// Blocks come from malloc/posix_memalign, and their size is read back with
// glibc's malloc_usable_size, so the unsized deletes need no header; the
// counted size is the usable size, a little above what was asked for.
#include "heap_counter.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::size_t> live_bytes{0};
std::atomic<std::size_t> peak_bytes{0};

void count_allocation(void* block) {
  const std::size_t size = malloc_usable_size(block);
  const std::size_t live = live_bytes.fetch_add(size, std::memory_order_relaxed) + size;
  std::size_t peak = peak_bytes.load(std::memory_order_relaxed);
  while (live > peak && !peak_bytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}

void release(void* block) noexcept {
  if (block == nullptr) return;
  live_bytes.fetch_sub(malloc_usable_size(block), std::memory_order_relaxed);
  std::free(block);
}

// One attempt per new_handler call, as [new.delete.single] requires; nullptr
// when there is no handler left to try.
void* try_allocate(std::size_t size, std::size_t alignment) noexcept {
  if (size == 0) size = 1;  // every new returns a distinct pointer, even for 0 bytes
  for (;;) {
    void* block = nullptr;
    if (alignment <= alignof(std::max_align_t)) {
      block = std::malloc(size);
    } else if (posix_memalign(&block, alignment, size) != 0) {
      block = nullptr;
    }
    if (block != nullptr) {
      count_allocation(block);
      return block;
    }
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) return nullptr;
    try {
      handler();
    } catch (...) {
      return nullptr;  // a handler throwing bad_alloc: the nothrow forms report it as nullptr
    }
  }
}

void* allocate(std::size_t size, std::size_t alignment) {
  void* block = try_allocate(size, alignment);
  if (block == nullptr) throw std::bad_alloc();
  return block;
}

}  // namespace

namespace smmuman::bench {

std::size_t heap_live_bytes() { return live_bytes.load(std::memory_order_relaxed); }
std::size_t heap_peak_bytes() { return peak_bytes.load(std::memory_order_relaxed); }
void heap_reset_peak() { peak_bytes.store(live_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed); }

}  // namespace smmuman::bench

void* operator new(std::size_t size) { return allocate(size, 0); }
void* operator new[](std::size_t size) { return allocate(size, 0); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return try_allocate(size, 0); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return try_allocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t align) { return allocate(size, static_cast<std::size_t>(align)); }
void* operator new[](std::size_t size, std::align_val_t align) {
  return allocate(size, static_cast<std::size_t>(align));
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return try_allocate(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return try_allocate(size, static_cast<std::size_t>(align));
}

void operator delete(void* block) noexcept { release(block); }
void operator delete[](void* block) noexcept { release(block); }
void operator delete(void* block, std::size_t) noexcept { release(block); }
void operator delete[](void* block, std::size_t) noexcept { release(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { release(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { release(block); }
void operator delete(void* block, std::align_val_t) noexcept { release(block); }
void operator delete[](void* block, std::align_val_t) noexcept { release(block); }
void operator delete(void* block, std::size_t, std::align_val_t) noexcept { release(block); }
void operator delete[](void* block, std::size_t, std::align_val_t) noexcept { release(block); }
void operator delete(void* block, std::align_val_t, const std::nothrow_t&) noexcept { release(block); }
void operator delete[](void* block, std::align_val_t, const std::nothrow_t&) noexcept { release(block); }
