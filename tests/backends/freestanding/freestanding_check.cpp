// Compiled for a bare-metal AArch64 target with -ffreestanding -fno-exceptions
// -fno-rtti (never run): every generated header and the library behind it must
// build there, and the object must need no heap, exceptions or C++ runtime.
// The functions below instantiate the templates a backend would use.
#include <cstdint>

#include "smmuman/hw/all_architectures.hpp"
#include "smmuman/hw/arm_smmuv2_driver.hpp"
#include "smmuman/hw/arm_smmuv3_driver.hpp"
#include "smmuman/hw/domain_commit.hpp"
#include "smmuman/hw/page_table_engine.hpp"
#include "smmuman/hw/page_table_walk.hpp"

namespace {

// MMIO as a bare-metal backend does it: volatile loads and stores.
struct Mmio {
  uintptr_t base;
  uint32_t read32(uint64_t o) { return *reinterpret_cast<volatile uint32_t*>(base + o); }
  uint64_t read64(uint64_t o) { return *reinterpret_cast<volatile uint64_t*>(base + o); }
  void write32(uint64_t o, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(base + o) = v; }
  void write64(uint64_t o, uint64_t v) { *reinterpret_cast<volatile uint64_t*>(base + o) = v; }
};

// Tables in physical memory identity-mapped, as early boot code has them.
struct IdentityTables {
  void read_entry(uint64_t table, uint64_t index, uint64_t* words, unsigned count) const {
    for (unsigned i = 0; i < count; ++i) words[i] = reinterpret_cast<volatile const uint64_t*>(table)[index * count + i];
  }
};

// Table memory from a fixed, identity-mapped pool, as a bare-metal backend
// has it: a bump allocator with a free list, no heap.
struct PoolTables {
  alignas(65536) static inline uint8_t pool[64 * 4096];
  uint64_t top = 0;
  uint64_t freed = 0;  // phys of the last released table, chained through word 0
  smmuman::hw::TablePage allocate(uint64_t bytes) {
    if (freed != 0 && bytes == 4096) {
      uint64_t* words = reinterpret_cast<uint64_t*>(freed);
      const smmuman::hw::TablePage page{words, freed};
      freed = words[0];
      words[0] = 0;
      return page;
    }
    top = (top + bytes - 1) & ~(bytes - 1);
    if (top + bytes > sizeof(pool)) return {};
    uint8_t* p = pool + top;
    top += bytes;
    for (uint64_t i = 0; i < bytes; ++i) p[i] = 0;
    return {reinterpret_cast<uint64_t*>(p), reinterpret_cast<uintptr_t>(p)};
  }
  void release(smmuman::hw::TablePage page, uint64_t bytes) {
    for (uint64_t i = 0; i < bytes / 8; ++i) page.words[i] = 0;
    if (bytes != 4096) return;
    page.words[0] = freed;
    freed = page.phys;
  }
  uint64_t* words_at(uint64_t phys) { return reinterpret_cast<uint64_t*>(phys); }
};

// DMA memory for a register-level driver: the pool, single-copy-atomic
// stores, and a barrier before the SMMU may look (DSB on AArch64).
struct PoolDma : PoolTables {
  void store64(uint64_t phys, uint64_t value) { *reinterpret_cast<volatile uint64_t*>(phys) = value; }
  void publish() {
#if defined(__aarch64__)
    asm volatile("dsb sy" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
  }
};

struct CountingSink {
  uint64_t sum = 0;
  void operator()(const char*, const char*, unsigned hi, unsigned lo, uint64_t v) { sum += hi + lo + v; }
};

template <class Structures>
uint64_t touch_structures(Structures all) {
  uint64_t acc = 0;
  boost::hana::for_each(all, [&](auto s) {
    using S = typename decltype(s)::type;
    uint64_t words[S::word_count] = {};
    S::encode(words, S::template decode<uint64_t>(words));
    acc += words[0] + smmuman::hw::matches_fixed<S>(words);
  });
  return acc;
}

template <class Registers>
uint64_t touch_registers(Registers all) {
  CountingSink sink;
  boost::hana::for_each(all, [&](auto r) {
    using R = typename decltype(r)::type;
    smmuman::hw::dump<R>(R::reset, sink);
  });
  return sink.sum;
}

}  // namespace

extern "C" uint64_t smmuman_freestanding_check(uintptr_t base) {
  namespace v3 = smmuman::hw::arm_smmuv3;
  Mmio io{base};
  smmuman::hw::modify<v3::regs::SMMU_CR0>(io, [](auto& v) { v.template set<v3::regs::SMMU_CR0::SMMUEN>(1); });
  uint64_t acc = smmuman::hw::read<v3::regs::SMMU_IDR0>(io).raw();
  // The one walk, and read_reported_limits, through bare-metal memory and MMIO.
  acc += smmuman::hw::walk(v3::page_tables::aarch64_s1_4k, IdentityTables{}, base, acc).output;
  acc += v3::read_reported_limits(io).contexts;
  // The page-table engine: map, split, unmap, with break-before-make calling back.
  {
    smmuman::hw::Geometry g;
    if (smmuman::hw::derive_geometry(v3::page_tables::aarch64_s2_4k, g, 40) == smmuman::hw::GeometryProblem::none) {
      PoolTables tables;
      smmuman::hw::PageTableEngine<PoolTables> engine(g, tables);
      if (engine.init()) {
        auto map = engine.prepare({smmuman::hw::ChangeKind::map, 0x40000000, 0x200000, base & ~uint64_t{0x1fffff}, 3});
        if (map.ok()) acc += engine.commit(map).last;
        auto unmap = engine.prepare({smmuman::hw::ChangeKind::unmap, 0x40001000, 0x1000, 0, 0});
        if (unmap.ok()) acc += engine.commit(unmap, [&](uint64_t first, uint64_t, bool) { io.write64(0x20, first); }).first;
        acc += engine.lookup(0x40002000).output;
      }
    }
  }
  // The SMMUv3 driver: probe, bring-up, an STE, an invalidation, events.
  {
    smmuman::hw::Geometry g;
    PoolDma dma;
    v3::Driver<Mmio, PoolDma> driver(io, dma);
    if (driver.probe() == v3::Error::none &&
        smmuman::hw::derive_geometry(v3::page_tables::aarch64_s2_4k, g, 40) == smmuman::hw::GeometryProblem::none) {
      const smmuman::hw::TablePage empty = dma.allocate(g.root_bytes);
      v3::Options options;
      options.stream_bits = 8;
      if (driver.bring_up(options, empty, g) == v3::Error::none) {
        v3::StreamConfig config{v3::StreamConfig::Kind::stage2, 1, empty.phys, &g};
        driver.set_stream(3, config);
        driver.invalidate_s2(1, smmuman::hw::Invalidation{true, 0x1000, 0x3fffff, true, 0x1000, 0x200000});
        // A domain's changes committed in the backends' one order (domain_commit.hpp).
        smmuman::hw::PageTableEngine<PoolDma> engine(g, dma);
        if (engine.init()) {
          const auto invalidate = [&](const smmuman::hw::Invalidation& inv) { driver.invalidate_s2(1, inv); };
          const auto sync = [&] { driver.sync(); };
          auto map = engine.prepare({smmuman::hw::ChangeKind::map, 0x40000000, 0x200000, base & ~uint64_t{0x1fffff}, 3});
          if (map.ok()) smmuman::hw::commit_map(engine, map, dma, g.table_bytes, invalidate, sync);
          auto unmap = engine.prepare({smmuman::hw::ChangeKind::unmap, 0x40001000, 0x1000, 0, 0});
          if (unmap.ok()) smmuman::hw::commit_unmap(engine, unmap, dma, g.table_bytes, invalidate, sync);
        }
        acc += static_cast<uint64_t>(driver.sync());
        acc += driver.drain_events([&](const smmuman::hw::FaultRecord& r) { acc += r.address; });
      }
    }
  }
  // The SMMUv2 / MMU-500 driver: probe, bring-up, a group, a bank, an invalidation, faults.
  {
    namespace v2 = smmuman::hw::arm_smmuv2;
    smmuman::hw::Geometry g;
    v2::Driver<Mmio> driver(io);
    if (driver.probe() == v2::Error::none && driver.bring_up(v2::Options{}) == v2::Error::none &&
        smmuman::hw::derive_geometry(v2::page_tables::aarch64_s2_4k, g, 40) == smmuman::hw::GeometryProblem::none) {
      driver.program_bank(0, 1, base, g);
      driver.enable_group(0, 0x10, 0x3, 0);
      driver.invalidate_ipa(0, 1, smmuman::hw::Invalidation{true, 0x1000, 0x3fffff, true, 0x1000, 0x200000});
      acc += static_cast<uint64_t>(driver.sync());
      acc += driver.drain_faults([&](const smmuman::hw::FaultRecord& r) { acc += r.address; });
    }
  }
  // Every architecture described in spec/hw, without naming them.
#define SMMUMAN_TOUCH_ARCHITECTURE(ident) \
  acc += touch_structures(smmuman::hw::ident::structs::all) + touch_registers(smmuman::hw::ident::regs::all);
  SMMUMAN_HW_FOR_EACH_ARCHITECTURE(SMMUMAN_TOUCH_ARCHITECTURE)
  return acc;
}
