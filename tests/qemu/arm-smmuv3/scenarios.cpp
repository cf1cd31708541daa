// The Arm SMMUv3 backend on QEMU's emulated SMMUv3 (-M virt,iommu=smmuv3),
// with QEMU's `edu` PCI device as the DMA master. The driver
// (arm_smmuv3_driver.hpp), the page-table engine and the commit order
// (domain_commit.hpp) are the sources the hosted backend builds, compiled
// freestanding; what this file adds is what the hosted Backend and
// DomainBackend do with their containers: one VMID and table per domain, a
// level-2 stream table before a stream's first STE, a sync after each step.
//
// Every check looks at memory, never at the device: edu ignores its bus
// errors, so a blocked transfer is one that left the harness's sentinels in
// place. Input addresses lie in RAM too, so an access that escaped
// translation would land where the harness looks.
//
// Arguments (run.sh passes them through semihosting): `linear` (8-bit stream
// IDs: a linear stream table) and test-only sabotage switches, each of which
// must make its scenario fail.
#include <cstdint>

#include "board.hpp"
#include "bump_dma.hpp"
#include "edu.hpp"
#include "mmio.hpp"
#include "pci.hpp"
#include "platform.hpp"
#include "report.hpp"
#include "smmuman/hw/arm_smmuv3.hpp"
#include "smmuman/hw/arm_smmuv3_driver.hpp"
#include "smmuman/hw/domain_commit.hpp"
#include "smmuman/hw/page_table_engine.hpp"

namespace {

using namespace smmuman::hw;
namespace v3 = smmuman::hw::arm_smmuv3;
using Engine = PageTableEngine<BumpDma>;
using Driver = v3::Driver<PhysicalMmio, BumpDma>;

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBlock = uint64_t{2} << 20;
constexpr uint8_t kRead = kLeafRead, kReadWrite = kLeafRead | kLeafWrite;

// ---- Arguments --------------------------------------------------------------------------------------

struct Arguments {
  v3::Sabotage driver;
  bool grant_write = false;  // read-only mappings are made writable (the harness's own, as the model rig's)
  // 16: SIDSIZE as QEMU reports it, so the backend picks a 2-level stream
  // table; `linear`: 8, as a deployment that declares few streams has them.
  unsigned stream_bits = 16;
};

bool same_word(const char* a, const char* word, uint64_t length) {
  uint64_t i = 0;
  for (; i < length; ++i) {
    if (word[i] == '\0' || word[i] != a[i]) return false;
  }
  return word[i] == '\0';
}

// Words of the command line; the first is the program name. False on an unknown word.
bool parse(const char* arguments, Arguments& s, Report& report) {
  bool first = true;
  for (const char* p = arguments; *p != '\0';) {
    while (*p == ' ') ++p;
    const char* start = p;
    while (*p != '\0' && *p != ' ') ++p;
    const uint64_t length = static_cast<uint64_t>(p - start);
    if (length == 0) break;
    if (first) {
      first = false;
      continue;
    }
    if (same_word(start, "skip_tlbi", length)) {
      s.driver.skip_tlbi = true;
    } else if (same_word(start, "skip_cfgi", length)) {
      s.driver.skip_cfgi = true;
    } else if (same_word(start, "skip_gbpa_abort", length)) {
      s.driver.skip_gbpa_abort = true;
    } else if (same_word(start, "grant_write", length)) {
      s.grant_write = true;
    } else if (same_word(start, "linear", length)) {
      s.stream_bits = 8;
    } else {
      Text t;
      t << "unknown argument (linear, or a sabotage switch: skip_tlbi skip_cfgi skip_gbpa_abort grant_write)";
      report.check("arguments", false, t);
      return false;
    }
    Text t;
    t << "argument: ";
    for (uint64_t i = 0; i < length; ++i) {
      const char c[2] = {start[i], '\0'};
      t << c;
    }
    report.note(t.c_str());
  }
  return true;
}

// ---- Memory as devices leave it ---------------------------------------------------------------------

uint8_t pattern_byte(unsigned seed, uint64_t i) { return static_cast<uint8_t>(seed * 37 + i * 7 + (i >> 8) + 1); }
constexpr uint8_t kSentinel = 0xa5;

volatile uint8_t* bytes_at(uint64_t pa) { return reinterpret_cast<volatile uint8_t*>(pa); }

void fill_pattern(uint64_t pa, uint64_t n, unsigned seed) {
  for (uint64_t i = 0; i < n; ++i) bytes_at(pa)[i] = pattern_byte(seed, i);
  platform::barrier();
}
void fill_sentinel(uint64_t pa, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) bytes_at(pa)[i] = kSentinel;
  platform::barrier();
}
// `n` bytes at `pa` equal pattern `seed` from its byte `from`.
bool holds_pattern(uint64_t pa, uint64_t n, unsigned seed, uint64_t from, Text& why) {
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t expected = pattern_byte(seed, from + i), seen = bytes_at(pa)[i];
    if (seen != expected) {
      why << "byte at " << Hex{pa + i} << " is " << Hex{seen} << ", the data would be " << Hex{expected};
      return false;
    }
  }
  return true;
}
// Written (no sentinel left), yet not one byte of pattern `seed` where the pattern would put it.
bool written_without_pattern(uint64_t pa, uint64_t n, unsigned seed, Text& why) {
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t seen = bytes_at(pa)[i];
    if (seen == kSentinel || seen == pattern_byte(seed, i)) {
      why << "byte at " << Hex{pa + i} << " is " << Hex{seen}
          << (seen == kSentinel ? " (the sentinel: nothing was written)" : " (the blocked data's)");
      return false;
    }
  }
  return true;
}
bool untouched(uint64_t pa, uint64_t n, Text& why) {
  for (uint64_t i = 0; i < n; ++i) {
    if (bytes_at(pa)[i] != kSentinel) {
      why << "memory at " << Hex{pa + i} << " was written (" << Hex{bytes_at(pa)[i]} << ")";
      return false;
    }
  }
  return true;
}

// ---- Fault records ------------------------------------------------------------------------------------

struct Faults {
  static constexpr unsigned kKept = 256;
  FaultRecord records[kKept];
  uint64_t count = 0;  // delivered, kept or not
  bool overflow = false;
  uint32_t global_errors = 0;  // SMMU_GERROR bits reported
};

Faults& drain(Driver& driver) {
  static Faults faults;
  faults = Faults{};
  driver.drain_events([&](const FaultRecord& r) {
    if (faults.count < Faults::kKept) faults.records[faults.count] = r;
    ++faults.count;
    if (r.reason == FaultReason::overflow) faults.overflow = true;
    if (r.reason == FaultReason::global_error) faults.global_errors |= r.raw_type;
  });
  return faults;
}

// A failed transfer gives one record per access QEMU split it into: the
// check is "a record of this kind inside the transfer", never a count.
bool has_fault(const Faults& f, FaultReason reason, uint32_t stream, uint64_t first, uint64_t bytes, FaultAccess access,
               Text& why) {
  const uint64_t kept = f.count < Faults::kKept ? f.count : Faults::kKept;
  for (uint64_t i = 0; i < kept; ++i) {
    const FaultRecord& r = f.records[i];
    if (r.reason != reason || !r.stream_known || r.stream != stream) continue;
    if (!r.address_known || r.address < first || r.address - first >= bytes) continue;
    if (r.access != access || r.stage != 2) continue;
    return true;
  }
  why << f.count << " records, none a " << to_string(reason) << " fault of stream " << Hex{stream} << " at "
      << Hex{first} << ".." << Hex{first + bytes - 1} << " (" << to_string(access) << ", stage 2)";
  if (kept != 0) {
    const FaultRecord& r = f.records[0];
    why << "; the first: " << to_string(r.reason) << ", stream " << Hex{r.stream} << ", address " << Hex{r.address}
        << ", " << to_string(r.access) << ", stage " << unsigned{r.stage} << ", event " << Hex{r.raw_type};
  }
  return false;
}

// ---- The backend's operations, as a plan's steps drive them ---------------------------------------------

struct Domain {
  Domain(const Geometry& g, BumpDma& dma, uint16_t vmid) : engine(g, dma), vmid(vmid) {}
  Engine engine;
  uint16_t vmid;
};

class Smmu {
  // The unit's invalidation of a domain's range, and its wait for completion.
  struct Invalidate {
    Driver& driver;
    uint16_t vmid;
    void operator()(const Invalidation& inv) const { driver.invalidate_s2(vmid, inv); }
  };
  struct Sync {
    Driver& driver;
    void operator()() const { driver.sync(); }
  };

 public:
  Smmu(PhysicalMmio& io, BumpDma& dma) : io_(io), dma_(dma), driver_(io, dma) {}

  // Probe, geometry and bring-up, as Backend::create; nullptr or what failed.
  const char* start(const v3::Sabotage& sabotage, unsigned stream_bits) {
    driver_.sabotage = sabotage;
    if (v3::Error e = driver_.probe(); e != v3::Error::none) return v3::to_string(e);
    const v3::Features& f = driver_.features();
    const unsigned output = f.output_bits < 48 ? f.output_bits : 48;
    const uint64_t page_sizes = kPage | kBlock | (uint64_t{1} << 30);
    if (GeometryProblem p =
            derive_geometry(v3::page_tables::aarch64_s2_4k, geometry_, f.input_bits, output, page_sizes);
        p != GeometryProblem::none) {
      return to_string(p);
    }
    fail_closed_root_ = dma_.allocate(geometry_.root_bytes);
    if (fail_closed_root_.words == nullptr) return "out of DMA memory";
    v3::Options options;
    options.stream_bits = stream_bits;
    if (v3::Error e = driver_.bring_up(options, fail_closed_root_, geometry_); e != v3::Error::none) {
      return v3::to_string(e);
    }
    return nullptr;
  }

  const char* map(Domain& d, uint64_t iova, uint64_t output, uint64_t size, uint8_t perms) {
    Change c;
    c.kind = ChangeKind::map;
    c.iova = iova;
    c.size = size;
    c.output = output;
    c.perms = perms;
    Engine::Prepared p = d.engine.prepare(c);
    if (!p.ok()) return to_string(p.refusal());
    commit_map(d.engine, p, dma_, geometry_.table_bytes, Invalidate{driver_, d.vmid}, Sync{driver_});
    return nullptr;
  }
  // An Unmap step: committed, invalidated, then synchronized before anything follows.
  const char* unmap(Domain& d, uint64_t iova, uint64_t size) {
    Change c;
    c.kind = ChangeKind::unmap;
    c.iova = iova;
    c.size = size;
    Engine::Prepared p = d.engine.prepare(c);
    if (!p.ok()) return to_string(p.refusal());
    commit_unmap(d.engine, p, dma_, geometry_.table_bytes, Invalidate{driver_, d.vmid}, Sync{driver_});
    driver_.sync();
    return nullptr;
  }
  // A BindStreams step to a domain (Backend::prepare_streams and bind_streams).
  const char* attach(uint32_t sid, Domain& d) {
    if ((uint64_t{sid} >> driver_.stream_bits()) != 0) return "the stream ID is beyond the stream table";
    if (driver_.two_level() && !driver_.stream_present(sid)) {
      TablePage l2 = driver_.allocate_l2();
      if (l2.words == nullptr) return "out of DMA memory for a level-2 stream table";
      driver_.install_l2(sid, l2);
    }
    v3::StreamConfig config;
    config.kind = v3::StreamConfig::Kind::stage2;
    config.vmid = d.vmid;
    config.root = d.engine.root();
    config.geometry = &geometry_;
    driver_.set_stream(sid, config);
    driver_.sync();
    return nullptr;
  }
  // A BindStreams step back to fail-closed (the stream was attached before).
  void detach(uint32_t sid) {
    driver_.set_stream_fail_closed(sid);
    driver_.sync();
  }

  Driver& driver() { return driver_; }
  const Geometry& geometry() const { return geometry_; }

 private:
  PhysicalMmio& io_;
  BumpDma& dma_;
  Driver driver_;
  Geometry geometry_{};
  TablePage fail_closed_root_{};
};

// ---- The scenarios ------------------------------------------------------------------------------------

// Input addresses (kIova*) and the output addresses they map to (kData*).
constexpr uint64_t kSourceIova = board::kIovaBase + 0x00000, kSourcePa = board::kDataBase + 0x00000;
constexpr uint64_t kDestIova = board::kIovaBase + 0x10000, kDestPa = board::kDataBase + 0x20000;
constexpr uint64_t kDestNextPa = board::kDataBase + 0x35000;  // the page after kDestIova: not the page after kDestPa
constexpr uint64_t kReadOnlyIova = board::kIovaBase + 0x20000, kReadOnlyPa = board::kDataBase + 0x40000;
constexpr uint64_t kHoleIova = board::kIovaBase + 0x30000;
constexpr uint64_t kUnmapIova = board::kIovaBase + 0x40000, kUnmapPa = board::kDataBase + 0x50000;
constexpr uint64_t kRemapIova = board::kIovaBase + 0x50000, kRemapOldPa = board::kDataBase + 0x60000,
                   kRemapNewPa = board::kDataBase + 0x70000;
constexpr uint64_t kUnattachedWrite = board::kIovaBase + 0x60000, kUnattachedRead = board::kIovaBase + 0x70000;
constexpr uint64_t kBlockIova = board::kIovaBase + 0x200000, kBlockPa = board::kDataBase + 0x200000;
constexpr uint64_t kResetSource = board::kDataBase + 0x80000, kResetDest = board::kDataBase + 0x90000;
constexpr uint64_t kRestartPa = board::kDataBase + 0xa0000;

class Harness {
 public:
  Harness(Report& report, const Arguments& arguments) : report_(report), arguments_(arguments) {}

  int run() {
    if (!find_edu()) return report_.finish();
    reset_bypasses();
    Smmu smmu(smmu_io_, dma_);
    if (!bring_up(smmu)) return report_.finish();
    unattached_stream(smmu);
    Domain domain(smmu.geometry(), dma_, 1);
    if (!attached_stream(smmu, domain)) return report_.finish();
    read_only_mapping(smmu, domain);
    unmapped_address(smmu);
    unmap(smmu, domain);
    remap(smmu, domain);
    block_split(smmu, domain);
    detach(smmu);
    full_event_queue(smmu);
    restart(smmu, domain);
    return report_.finish();
  }

 private:
  // DMA through edu, the harness's view of a transfer's end.
  bool dma_to(uint64_t to, uint64_t bytes, uint64_t offset = 0) {
    platform::barrier();
    return edu_.write_to(to, offset, bytes);
  }
  bool dma_from(uint64_t from, uint64_t bytes, uint64_t offset = 0) {
    platform::barrier();
    return edu_.read_from(from, offset, bytes);
  }
  // A 64-byte write to `iova` that must be blocked: the input address (RAM
  // too) and `output`, the page it was or would be mapped to (0: none), keep
  // their sentinels.
  void blocked_write(const char* name, uint64_t iova, uint64_t output) {
    if (output != 0) fill_sentinel(output, 64);
    fill_sentinel(iova, 64);
    if (!check_done(name, dma_to(iova, 64))) return;
    Text why;
    report_.check(name, (output == 0 || untouched(output, 64, why)) && untouched(iova, 64, why), why);
  }
  bool check_done(const char* name, bool done) {
    if (done) return true;
    Text t;
    t << "the edu transfer never completed";
    return report_.check(name, false, t);
  }

  bool find_edu() {
    PciEcam ecam(board::kEcamBase);
    PciFunction f = ecam.find(Edu::kVendor, Edu::kDevice);
    Text t;
    t << "no 1234:11e8 on bus 0 (is -device edu given?)";
    if (!report_.check("pci: edu is on bus 0", f.found, t)) return false;
    t.clear();
    t << "BAR 0 not a 32-bit memory BAR, or it did not take " << Hex{board::kPciMmioBase};
    if (!report_.check("pci: edu BAR 0 assigned in the PCIe MMIO window", ecam.assign_bar0(f, board::kPciMmioBase), t))
      return false;
    ecam.enable(f);
    edu_ = Edu(f.bar0);
    stream_ = f.requester_id();
    t.clear();
    t << "identification or liveness register wrong at " << Hex{f.bar0};
    if (!report_.check("edu: registers answer", edu_.alive(), t)) return false;
    Text note;
    note << "edu at bus 0, device " << unsigned{f.device} << ", function " << unsigned{f.function} << "; BAR 0 "
         << Hex{f.bar0} << "; stream ID " << Hex{stream_};
    report_.note(note.c_str());
    return true;
  }

  // Before the backend runs, QEMU's SMMU is disabled with SMMU_GBPA at its
  // reset value, which bypasses: a transfer reaches memory untranslated. It
  // proves the harness sees DMA, and leaves pattern 1 in the device buffer.
  void reset_bypasses() {
    const char* name = "control: before bring-up, QEMU's SMMU lets DMA through untranslated";
    fill_pattern(kResetSource, 256, 1);
    fill_sentinel(kResetDest, 256);
    if (!check_done(name, dma_from(kResetSource, 256) && dma_to(kResetDest, 256))) return;
    Text why;
    report_.check(name, holds_pattern(kResetDest, 256, 1, 0, why), why);
  }

  bool bring_up(Smmu& smmu) {
    const char* problem = smmu.start(arguments_.driver, arguments_.stream_bits);
    Text why;
    why << (problem != nullptr ? problem : "");
    if (!report_.check("bring-up: probe, stream table, queues, SMMUEN", problem == nullptr, why)) return false;
    const v3::Features& f = smmu.driver().features();
    Text note;
    note << "SMMU: SIDSIZE " << f.sid_bits << "; " << smmu.driver().stream_bits() << "-bit stream IDs in a "
         << (smmu.driver().two_level() ? "2-level" : "linear") << " stream table; OAS " << f.output_bits
         << " bits; stage-2 input " << smmu.geometry().input_bits << " bits, RIL "
         << (f.range_invalidation ? "yes" : "no") << ", VMID16 " << (f.vmid16 ? "yes" : "no");
    report_.note(note.c_str());
    using namespace v3::regs;
    const uint64_t ack = read<SMMU_CR0ACK>(smmu_io_).raw();
    const bool enabled = read<SMMU_CR0ACK>(smmu_io_).get<SMMU_CR0ACK::SMMUEN>() == 1 &&
                         read<SMMU_CR0ACK>(smmu_io_).get<SMMU_CR0ACK::CMDQEN>() == 1 &&
                         read<SMMU_CR0ACK>(smmu_io_).get<SMMU_CR0ACK::EVENTQEN>() == 1;
    why.clear();
    why << "SMMU_CR0ACK " << Hex{ack};
    report_.check("bring-up: SMMUEN, CMDQEN and EVENTQEN acknowledged", enabled, why);
    const uint64_t gbpa = read<SMMU_GBPA>(smmu_io_).raw();
    why.clear();
    why << "SMMU_GBPA " << Hex{gbpa};
    report_.check("bring-up: SMMU_GBPA.ABORT set, so a disabled unit aborts",
                  read<SMMU_GBPA>(smmu_io_).get<SMMU_GBPA::ABORT>() == 1, why);
    drain(smmu.driver());
    return true;
  }

  // No domain holds the stream. With a linear table its STE is the
  // fail-closed one (the empty table under VMID 0); with a 2-level table it
  // has no level-2 table yet, so the SMMU finds no STE for it.
  void unattached_stream(Smmu& smmu) {
    blocked_write("unattached stream: a write is blocked", kUnattachedWrite, 0);
    const Faults& f = drain(smmu.driver());
    Text why;
    if (!smmu.driver().two_level()) {
      report_.check("unattached stream: the fault is recorded (translation, the empty fail-closed table)",
                    has_fault(f, FaultReason::translation, stream_, kUnattachedWrite, 64, FaultAccess::write, why),
                    why);
    } else {
      bool recorded = false;
      const uint64_t kept = f.count < Faults::kKept ? f.count : Faults::kKept;
      for (uint64_t i = 0; i < kept; ++i) {
        const FaultRecord& r = f.records[i];
        // The level-1 descriptor is invalid (Span 0, IHI0070 5.1): QEMU records C_BAD_STREAMID.
        recorded = recorded || (r.stream_known && r.stream == stream_ && r.reason == FaultReason::bad_stream);
      }
      why << f.count << " records, none a bad-stream record of stream " << Hex{stream_};
      report_.check("unattached stream: the SMMU records the stream it has no STE for", recorded, why);
    }
    // A read the SMMU must stop: none of pattern 2 reaches the device buffer
    // (QEMU gives an aborted read zeros), checked once the stream is attached.
    fill_pattern(kUnattachedRead, 64, 2);
    check_done("unattached stream: a read is blocked", dma_from(kUnattachedRead, 64));
    drain(smmu.driver());
  }

  bool attached_stream(Smmu& smmu, Domain& domain) {
    Text why;
    const char* problem = domain.engine.init() ? nullptr : "out of DMA memory";
    if (problem == nullptr) problem = smmu.map(domain, kSourceIova, kSourcePa, kPage, kRead);
    if (problem == nullptr) problem = smmu.map(domain, kDestIova, kDestPa, kPage, kReadWrite);
    if (problem == nullptr) problem = smmu.map(domain, kDestIova + kPage, kDestNextPa, kPage, kReadWrite);
    if (problem == nullptr) problem = smmu.attach(stream_, domain);
    why << (problem != nullptr ? problem : "");
    if (!report_.check("domain: VMID 1 maps its pages and the stream is attached", problem == nullptr, why))
      return false;

    // What the blocked read would have brought in (pattern 2) never reached the device.
    const char* kept_name = "unattached stream: a read is blocked";
    fill_sentinel(kDestPa, kPage);
    fill_sentinel(kDestIova, 2 * kPage);
    if (check_done(kept_name, dma_to(kDestIova, 64))) {
      why.clear();
      report_.check(kept_name, written_without_pattern(kDestPa, 64, 2, why) && untouched(kDestIova, 64, why), why);
    }

    const char* in_out = "attached: DMA in and out use the output addresses the mapping gives";
    fill_pattern(kSourcePa, 256, 3);
    fill_pattern(kSourceIova, 256, 4);  // what an untranslated read would fetch
    fill_sentinel(kDestPa, 256);
    if (check_done(in_out, dma_from(kSourceIova, 256) && dma_to(kDestIova, 256))) {
      buffer_seed_ = 3;
      why.clear();
      report_.check(in_out, holds_pattern(kDestPa, 256, 3, 0, why) && untouched(kDestIova, 256, why), why);
    }

    // A transfer across the page boundary: each half where its own page maps.
    const char* split = "attached: a transfer across two pages lands on each page's own output";
    fill_sentinel(kDestPa, 2 * kPage);
    fill_sentinel(kDestNextPa, kPage);
    fill_sentinel(kDestIova, 2 * kPage);
    if (check_done(split, dma_to(kDestIova + kPage - 128, 256))) {
      why.clear();
      report_.check(split,
                    holds_pattern(kDestPa + kPage - 128, 128, buffer_seed_, 0, why) &&
                        holds_pattern(kDestNextPa, 128, buffer_seed_, 128, why) &&
                        untouched(kDestPa + kPage, 128, why) && untouched(kDestIova, 2 * kPage, why),
                    why);
    }
    const Faults& f = drain(smmu.driver());
    why.clear();
    why << f.count << " fault records";
    report_.check("attached: allowed transfers record no faults", f.count == 0, why);
    return true;
  }

  // QEMU 10 checks a write against the permission of a cached translation
  // without recording an event for a stage-2-only stream, so the page is
  // written to before anything reads it: the fault comes from a table walk.
  void read_only_mapping(Smmu& smmu, Domain& domain) {
    const uint8_t perms = arguments_.grant_write ? kReadWrite : kRead;
    Text why;
    const char* problem = smmu.map(domain, kReadOnlyIova, kReadOnlyPa, kPage, perms);
    why << (problem != nullptr ? problem : "");
    if (!report_.check("read-only mapping: mapped", problem == nullptr, why)) return;
    drain(smmu.driver());
    blocked_write("read-only mapping: a write is stopped", kReadOnlyIova, kReadOnlyPa);
    why.clear();
    report_.check(
        "read-only mapping: the stage-2 permission fault is recorded, as a write at its address",
        has_fault(drain(smmu.driver()), FaultReason::permission, stream_, kReadOnlyIova, 64, FaultAccess::write, why),
        why);
    const char* read = "read-only mapping: a read is allowed";
    fill_pattern(kReadOnlyPa, 64, 5);
    fill_sentinel(kDestPa, 64);
    if (check_done(read, dma_from(kReadOnlyIova, 64) && dma_to(kDestIova, 64))) {
      why.clear();
      report_.check(read, holds_pattern(kDestPa, 64, 5, 0, why), why);
      buffer_seed_ = 5;  // had the read been blocked, the checks after this one fail too
    }
  }

  void unmapped_address(Smmu& smmu) {
    drain(smmu.driver());
    blocked_write("unmapped address: a write is blocked", kHoleIova, 0);
    Text why;
    report_.check(
        "unmapped address: a stage-2 translation fault is recorded at the address",
        has_fault(drain(smmu.driver()), FaultReason::translation, stream_, kHoleIova, 64, FaultAccess::write, why),
        why);
    const char* read = "unmapped address: a read's translation fault is recorded as a read";
    if (check_done(read, dma_from(kHoleIova + 0x100, 64, 0x800))) {
      why.clear();
      report_.check(read,
                    has_fault(drain(smmu.driver()), FaultReason::translation, stream_, kHoleIova + 0x100, 64,
                              FaultAccess::read, why),
                    why);
    }
  }

  // The first transfer leaves the translation in QEMU's IOTLB; only the
  // unmap's TLBI takes it out.
  void unmap(Smmu& smmu, Domain& domain) {
    Text why;
    const char* problem = smmu.map(domain, kUnmapIova, kUnmapPa, kPage, kReadWrite);
    fill_sentinel(kUnmapPa, 64);
    const char* before = "unmap: before it, DMA lands (and is cached)";
    if (problem != nullptr) {
      why << problem;
      report_.check(before, false, why);
      return;
    }
    if (check_done(before, dma_to(kUnmapIova, 64)))
      report_.check(before, holds_pattern(kUnmapPa, 64, buffer_seed_, 0, why), why);
    problem = smmu.unmap(domain, kUnmapIova, kPage);
    why.clear();
    why << (problem != nullptr ? problem : "");
    if (!report_.check("unmap: accepted", problem == nullptr, why)) return;
    drain(smmu.driver());
    blocked_write("unmap: after it, DMA to the page is blocked", kUnmapIova, kUnmapPa);
    why.clear();
    report_.check(
        "unmap: the translation fault is recorded",
        has_fault(drain(smmu.driver()), FaultReason::translation, stream_, kUnmapIova, 64, FaultAccess::write, why),
        why);
  }

  // The same input address moved to another output, as a plan's Unmap then Map.
  void remap(Smmu& smmu, Domain& domain) {
    const char* name = "remap: DMA follows the new mapping, not the cached old one";
    const char* before = "remap: before it, DMA lands at the old output (and is cached)";
    Text why;
    const char* problem = smmu.map(domain, kRemapIova, kRemapOldPa, kPage, kReadWrite);
    fill_sentinel(kRemapOldPa, 64);
    if (problem == nullptr) {
      if (!check_done(before, dma_to(kRemapIova, 64))) return;
      if (!report_.check(before, holds_pattern(kRemapOldPa, 64, buffer_seed_, 0, why), why)) return;
      problem = smmu.unmap(domain, kRemapIova, kPage);
    }
    if (problem == nullptr) problem = smmu.map(domain, kRemapIova, kRemapNewPa, kPage, kReadWrite);
    if (problem != nullptr) {
      why << problem;
      report_.check(name, false, why);
      return;
    }
    fill_sentinel(kRemapOldPa, 64);
    fill_sentinel(kRemapNewPa, 64);
    if (check_done(name, dma_to(kRemapIova, 64))) {
      why.clear();
      report_.check(name, holds_pattern(kRemapNewPa, 64, buffer_seed_, 0, why) && untouched(kRemapOldPa, 64, why), why);
    }
  }

  // A 2 MiB block, cached whole by one access; unmapping one page in it
  // splits it (break-before-make) and must end the cached block.
  void block_split(Smmu& smmu, Domain& domain) {
    Text why;
    const char* problem = smmu.map(domain, kBlockIova, kBlockPa, kBlock, kReadWrite);
    const WalkResult w = domain.engine.lookup(kBlockIova);
    why << (problem != nullptr ? problem : "") << " page size " << w.page_size;
    if (!report_.check("block: 2 MiB mapped as one block", problem == nullptr && w.page_size == kBlock, why)) return;
    const uint64_t hole = kBlockIova + 5 * kPage, neighbour = kBlockIova + 6 * kPage;
    const char* before = "block: DMA lands at the block's output";
    fill_sentinel(kBlockPa + 5 * kPage, 64);
    if (check_done(before, dma_to(hole, 64))) {
      why.clear();
      report_.check(before, holds_pattern(kBlockPa + 5 * kPage, 64, buffer_seed_, 0, why), why);
    }
    problem = smmu.unmap(domain, hole, kPage);
    why.clear();
    why << (problem != nullptr ? problem : "");
    if (!report_.check("block: one page unmapped out of it", problem == nullptr, why)) return;
    drain(smmu.driver());
    blocked_write("block split: DMA to the unmapped page is blocked", hole, kBlockPa + 5 * kPage);
    const char* kept = "block split: the neighbouring page still translates";
    fill_sentinel(kBlockPa + 6 * kPage, 64);
    if (check_done(kept, dma_to(neighbour, 64))) {
      why.clear();
      report_.check(kept, holds_pattern(kBlockPa + 6 * kPage, 64, buffer_seed_, 0, why), why);
    }
    drain(smmu.driver());
  }

  // Back to the empty table under VMID 0: the cached STE must go (CFGI_STE).
  void detach(Smmu& smmu) {
    smmu.detach(stream_);
    drain(smmu.driver());
    blocked_write("detach: DMA to a mapped page is blocked", kDestIova, kDestPa);
    Text why;
    report_.check(
        "detach: the fault is recorded (translation, the empty fail-closed table)",
        has_fault(drain(smmu.driver()), FaultReason::translation, stream_, kDestIova, 64, FaultAccess::write, why),
        why);
  }

  // A 4 KiB blocked transfer faults once per access: more than the 128
  // entries of the event queue. QEMU then sets GERROR.EVENTQ_ABT_ERR (it
  // drops the record) where the manual's overflow flag would be set; the
  // backend reports either as a record, and recording resumes once drained.
  void full_event_queue(Smmu& smmu) {
    fill_sentinel(kUnattachedWrite, kPage);
    const char* name = "event queue full: the loss is reported (overflow or GERROR.EVENTQ_ABT_ERR)";
    if (!check_done(name, dma_to(kUnattachedWrite, kPage))) return;
    const Faults& full = drain(smmu.driver());
    constexpr uint32_t kEventqAbort = 1u << v3::regs::SMMU_GERROR::EVENTQ_ABT_ERR::lo;
    Text why;
    why << full.count << " records, overflow " << (full.overflow ? "yes" : "no") << ", global errors "
        << Hex{full.global_errors};
    report_.check(name, full.overflow || (full.global_errors & kEventqAbort) != 0, why);
    fill_sentinel(kUnattachedWrite, 64);
    if (!check_done("event queue: recording resumes once drained", dma_to(kUnattachedWrite, 64))) return;
    why.clear();
    report_.check("event queue: recording resumes once drained",
                  has_fault(drain(smmu.driver()), FaultReason::translation, stream_, kUnattachedWrite, 64,
                            FaultAccess::write, why),
                  why);
  }

  // smmuman restarted over a running unit whose device was attached, its STE
  // and translations cached. The restart's first step clears SMMUEN; until
  // the new instance has brought the unit up again, SMMU_GBPA decides
  // (IHI0070 6.3.14): it must abort. The new bring-up must then forget every
  // cached STE and translation (CFGI_ALL, TLBI_NSNH_ALL).
  void restart(Smmu& running, Domain& attached) {
    using namespace v3::regs;
    const char* running_name = "restart: before it, the attached device's DMA lands (and is cached)";
    const char* problem = running.attach(stream_, attached);
    fill_sentinel(kDestPa, 64);
    if (problem != nullptr) {
      Text why;
      why << problem;
      report_.check(running_name, false, why);
      return;
    }
    if (!check_done(running_name, dma_to(kDestIova, 64))) return;
    Text seen;
    if (!report_.check(running_name, holds_pattern(kDestPa, 64, buffer_seed_, 0, seen), seen)) return;
    drain(running.driver());

    Smmu smmu(smmu_io_, dma_);
    write<SMMU_CR0>(smmu_io_, WriteValue<SMMU_CR0>::zero());
    const bool acknowledged = poll_until([&] { return read<SMMU_CR0ACK>(smmu_io_).raw() == 0; }, 1'000'000);
    const char* stopped = "restart: with SMMUEN cleared, DMA is aborted (SMMU_GBPA.ABORT)";
    fill_sentinel(kDestIova, 64);
    fill_sentinel(kDestPa, 64);
    if (check_done(stopped, acknowledged && dma_to(kDestIova, 64))) {
      Text why;
      report_.check(stopped, untouched(kDestIova, 64, why) && untouched(kDestPa, 64, why), why);
    }
    // The same stream table format: QEMU 10.0 keeps a 2-level table's
    // format after STRTAB_BASE_CFG.FMT is written back to linear.
    problem = smmu.start(arguments_.driver, arguments_.stream_bits);
    Text why;
    why << (problem != nullptr ? problem : "");
    if (!report_.check("restart: a second bring-up over the used unit", problem == nullptr, why)) return;
    drain(smmu.driver());
    blocked_write("restart: the device stays blocked until attached again", kDestIova, kDestPa);
    drain(smmu.driver());
    // VMID 1 again, the same input address to a new output: a translation
    // cached before the restart would take the transfer to kDestPa.
    Domain domain(smmu.geometry(), dma_, 1);
    problem = domain.engine.init() ? nullptr : "out of DMA memory";
    if (problem == nullptr) problem = smmu.map(domain, kDestIova, kRestartPa, kPage, kReadWrite);
    if (problem == nullptr) problem = smmu.attach(stream_, domain);
    const char* again = "restart: attached again, DMA lands where the new mapping says";
    fill_sentinel(kDestPa, 64);
    fill_sentinel(kRestartPa, 64);
    if (problem != nullptr) {
      why.clear();
      why << problem;
      report_.check(again, false, why);
      return;
    }
    if (check_done(again, dma_to(kDestIova, 64))) {
      why.clear();
      report_.check(again, holds_pattern(kRestartPa, 64, buffer_seed_, 0, why) && untouched(kDestPa, 64, why), why);
    }
  }

  Report& report_;
  const Arguments& arguments_;
  PhysicalMmio smmu_io_{board::kSmmuBase};
  BumpDma dma_{board::kDmaArenaBase, board::kDmaArenaSize};
  Edu edu_{0};
  uint32_t stream_ = 0;
  // The pattern the device buffer's first bytes hold, once loaded (after a
  // blocked read they hold zeros, and the checks that follow fail too).
  unsigned buffer_seed_ = 1;
};

}  // namespace

extern "C" int harness_main(const char* arguments) {
  Report report;
  report.note("smmuman: the Arm SMMUv3 backend on QEMU's SMMUv3, with edu as the DMA master");
  Arguments parsed;
  if (!parse(arguments, parsed, report)) {
    report.finish();
    return 2;
  }
  Harness harness(report, parsed);
  return harness.run();
}
