// The Arm SMMUv3 register-level driver: probe, bring-up, the stream table,
// the command queue, stage-2 invalidation and the event queue, all as
// IHI 0070 G.b says, through the generated register and structure metadata
// (arm_smmuv3.hpp). It owns no containers: which domain a stream is in and
// which tables a domain has belong to its caller (arm_smmuv3_backend.hpp),
// so it builds freestanding for bare metal.
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <cstdint>

#include "smmuman/hw/arm_smmuv3.hpp"
#include "smmuman/hw/dma.hpp"
#include "smmuman/hw/fault_record.hpp"
#include "smmuman/hw/page_table_engine.hpp"
#include "smmuman/hw/page_table_geometry.hpp"
#include "smmuman/hw/regs.hpp"
#include "smmuman/hw/structure.hpp"

namespace smmuman::hw::arm_smmuv3 {

// What the ID registers report (IHI0070 6.3.1 - 6.3.6).
struct Features {
  bool s1p = false, s2p = false;
  bool two_level_stream_table = false;  // IDR0.ST_LEVEL
  bool aarch64_tables = false;          // IDR0.TTF includes AArch64
  bool big_endian_only = false;         // IDR0.TTENDIAN
  bool vmid16 = false;
  bool coherent = false;                // IDR0.COHACC: table and queue accesses are coherent
  bool hyp = false;
  bool range_invalidation = false;      // IDR3.RIL
  bool gran4k = false, gran16k = false, gran64k = false;
  unsigned sid_bits = 0;
  unsigned cmdq_log2 = 0, eventq_log2 = 0;
  unsigned output_bits = 0;  // IDR5.OAS
  unsigned input_bits = 0;   // stage-2 input: the OAS, at most 48 (IHI0070 3.4)
};

enum class Error : uint8_t {
  none,
  no_stage2,          // IDR0.S2P is 0: no stage-2 translation to confine devices with
  no_aarch64_tables,  // IDR0.TTF lacks AArch64
  big_endian_tables,  // IDR0.TTENDIAN says big-endian only
  no_4k_granule,      // IDR5.GRAN4K is 0
  bad_oas,            // IDR5.OAS reserved
  bad_sidsize,        // IDR1.SIDSIZE above 32
  queue_too_small,    // IDR1.CMDQS or EVENTQS cannot hold what the driver needs
  bad_split,          // Options::split is not 6, 8 or 10 (IHI0070 6.3.25: others are reserved)
  stall_forced,       // IDR0.STALL_MODEL = 0b10: stage-2 STEs must stall, this driver terminates
  preset_bases,       // IDR1.TABLES_PRESET or QUEUES_PRESET: fixed bases, not driven here
  too_many_streams,   // the stream IDs needed exceed SIDSIZE, or a linear table that large
  no_memory,
  update_timeout,     // GBPA.UPDATE never cleared
  ack_timeout,        // CR0ACK never showed CR0
  sync_timeout,       // a CMD_SYNC never completed
  command_error,      // CMDQ_CONS.ERR reported a command this driver issued
  not_up,
};

constexpr const char* to_string(Error e) {
  switch (e) {
    case Error::none: return "none";
    case Error::no_stage2: return "SMMU_IDR0.S2P is 0: the unit has no stage-2 translation";
    case Error::no_aarch64_tables: return "SMMU_IDR0.TTF lacks the AArch64 table format";
    case Error::big_endian_tables: return "SMMU_IDR0.TTENDIAN: big-endian tables only";
    case Error::no_4k_granule: return "SMMU_IDR5.GRAN4K is 0: no 4 KiB granule";
    case Error::bad_oas: return "SMMU_IDR5.OAS holds a reserved value";
    case Error::bad_sidsize: return "SMMU_IDR1.SIDSIZE is above 32";
    case Error::queue_too_small: return "SMMU_IDR1.CMDQS or EVENTQS is too small for the driver's queues";
    case Error::bad_split: return "the 2-level stream table split must be 6, 8 or 10 (4, 16 or 64 KiB level-2 tables)";
    case Error::stall_forced: return "SMMU_IDR0.STALL_MODEL is stall-forced: terminating faults is not allowed";
    case Error::preset_bases: return "SMMU_IDR1.TABLES_PRESET or QUEUES_PRESET: preset table or queue bases are not supported";
    case Error::too_many_streams: return "the stream IDs in use need more bits than the stream table can have";
    case Error::no_memory: return "out of DMA memory";
    case Error::update_timeout: return "SMMU_GBPA.Update never cleared";
    case Error::ack_timeout: return "SMMU_CR0ACK never acknowledged SMMU_CR0";
    case Error::sync_timeout: return "a CMD_SYNC never completed";
    case Error::command_error: return "the command queue reported an error (SMMU_CMDQ_CONS.ERR)";
    case Error::not_up: return "the unit is not brought up";
  }
  return "?";
}

struct Options {
  unsigned stream_bits = 0;      // stream IDs used: below 2^stream_bits (0: SIDSIZE)
  bool bypass_unconfigured = false;  // STEs no caller configures bypass (else they abort and record)
  unsigned cmdq_log2_max = 8;     // 256 commands
  unsigned eventq_log2_max = 7;   // 128 events
  unsigned linear_max_bits = 10;  // a linear stream table up to 2^10 STEs (64 KiB), else 2-level
  unsigned split = 8;             // 2-level: 256 STEs (16 KiB) per level-2 table (STRTAB_BASE_CFG.SPLIT)
  uint64_t poll_attempts = 1000000;
};

// Test-only switches that break one rule each, to prove the tests notice.
struct Sabotage {
  bool skip_tlbi = false;        // no TLB invalidation after an unmap
  bool skip_cfgi = false;        // no CMD_CFGI_STE after an STE change
  bool skip_sync = false;        // commands issued, never a CMD_SYNC
  bool ste_valid_first = false;  // an STE's word 0 written before its other words
  bool skip_gbpa_abort = false;  // bring-up leaves SMMU_GBPA as found (bypass at reset on many units)
};

// What the caller programs into one stream's STE.
struct StreamConfig {
  enum class Kind : uint8_t { stage2, bypass } kind = Kind::stage2;
  uint16_t vmid = 0;
  uint64_t root = 0;           // stage-2 table base
  const Geometry* geometry = nullptr;
};

struct DriverStats {
  uint64_t commands = 0, syncs = 0, tlbi = 0, cfgi = 0, command_errors = 0, events = 0, ste_writes = 0;
  uint64_t dropped = 0;  // commands not queued because the unit never made space
};

// One event record decoded (IHI0070 7.3), turned into the common record.
FaultRecord fault_of_event(const uint64_t* words, uint32_t unit);

template <RegisterIo Io, DmaMemory Dma>
class Driver {
 public:
  static constexpr uint64_t kSteBytes = structs::STE::size_bytes;
  static constexpr uint64_t kCmdBytes = 16;
  static constexpr uint64_t kEventBytes = 32;

  Driver(Io& io, Dma& dma, uint32_t unit = 0) : io_(io), dma_(dma), unit_(unit) {}

  // Reads the ID registers into features(); an error when the unit cannot
  // confine devices the way this driver does (stage 2, AArch64, 4 KiB).
  Error probe() {
    using namespace regs;
    const ReadValue<SMMU_IDR0> idr0 = read<SMMU_IDR0>(io_);
    const ReadValue<SMMU_IDR1> idr1 = read<SMMU_IDR1>(io_);
    const ReadValue<SMMU_IDR3> idr3 = read<SMMU_IDR3>(io_);
    const ReadValue<SMMU_IDR5> idr5 = read<SMMU_IDR5>(io_);
    Features f;
    f.s1p = idr0.get<SMMU_IDR0::S1P>() != 0;
    f.s2p = idr0.get<SMMU_IDR0::S2P>() != 0;
    f.two_level_stream_table = idr0.get<SMMU_IDR0::ST_LEVEL>() == 1;
    f.aarch64_tables = (idr0.get<SMMU_IDR0::TTF>() & 2) != 0;
    f.big_endian_only = idr0.get<SMMU_IDR0::TTENDIAN>() == 3;
    f.vmid16 = idr0.get<SMMU_IDR0::VMID16>() != 0;
    f.coherent = idr0.get<SMMU_IDR0::COHACC>() != 0;
    f.hyp = idr0.get<SMMU_IDR0::HYP>() != 0;
    f.range_invalidation = idr3.get<SMMU_IDR3::RIL>() != 0;
    f.gran4k = idr5.get<SMMU_IDR5::GRAN4K>() != 0;
    f.gran16k = idr5.get<SMMU_IDR5::GRAN16K>() != 0;
    f.gran64k = idr5.get<SMMU_IDR5::GRAN64K>() != 0;
    f.sid_bits = static_cast<unsigned>(idr1.get<SMMU_IDR1::SIDSIZE>());
    f.cmdq_log2 = static_cast<unsigned>(idr1.get<SMMU_IDR1::CMDQS>());
    f.eventq_log2 = static_cast<unsigned>(idr1.get<SMMU_IDR1::EVENTQS>());
    static constexpr unsigned kOas[8] = {32, 36, 40, 42, 44, 48, 52, 56};  // IHI0070 6.3.6
    f.output_bits = kOas[idr5.get<SMMU_IDR5::OAS>()];
    f.input_bits = f.output_bits < 48 ? f.output_bits : 48;
    features_ = f;
    if (!f.s2p) return Error::no_stage2;
    if (!f.aarch64_tables) return Error::no_aarch64_tables;
    if (f.big_endian_only) return Error::big_endian_tables;
    if (!f.gran4k) return Error::no_4k_granule;
    if (f.sid_bits > 32) return Error::bad_sidsize;
    if (f.cmdq_log2 < 2 || f.eventq_log2 < 1) return Error::queue_too_small;
    // STALL_FORCED makes an STE with S2S = 0 illegal (IHI0070 5.2); preset
    // tables or queues have read-only bases this driver cannot set (6.3.2).
    if (idr0.get<SMMU_IDR0::STALL_MODEL>() == 2) return Error::stall_forced;
    if (idr1.get<SMMU_IDR1::TABLES_PRESET>() != 0 || idr1.get<SMMU_IDR1::QUEUES_PRESET>() != 0) return Error::preset_bases;
    return Error::none;
  }

  // Brings the unit up in the manual's order, aborting every transaction
  // from the first write: GBPA.ABORT (Update handshake) before SMMUEN is
  // cleared, the stream table of fail-closed STEs, the queues, CR1/CR2, the
  // command queue with a full invalidation, the event queue, then SMMUEN
  // (each CR0 enable acknowledged by CR0ACK). `fail_closed` is the table
  // every aborted stream translates with: an empty stage-2 root, so each
  // access faults and is recorded (STE.Config = abort records nothing).
  Error bring_up(const Options& options, TablePage fail_closed_root, const Geometry& geometry) {
    using namespace regs;
    options_ = options;
    fail_closed_root_ = fail_closed_root.phys;
    geometry_ = &geometry;
    const unsigned bits = options.stream_bits == 0 ? features_.sid_bits : options.stream_bits;
    if (bits > features_.sid_bits) return Error::too_many_streams;
    if (features_.cmdq_log2 < 2) return Error::queue_too_small;
    if (options.split != 6 && options.split != 8 && options.split != 10) return Error::bad_split;
    // 1. Abort while the SMMU is disabled, then disable it (IHI0070 6.3.14, 6.3.9).
    if (!wait_gbpa_idle()) return Error::update_timeout;
    if (!sabotage.skip_gbpa_abort) {
      const ReadValue<SMMU_GBPA> gbpa = read<SMMU_GBPA>(io_);
      write<SMMU_GBPA>(io_, WriteValue<SMMU_GBPA>::modifying(gbpa).set<SMMU_GBPA::ABORT>(1).set<SMMU_GBPA::UPDATE>(1));
      if (!wait_gbpa_idle()) return Error::update_timeout;
    }
    if (!set_cr0(0)) return Error::ack_timeout;
    // 2. Stream table (IHI0070 3.3.2): linear when small or when 2-level is absent.
    two_level_ = features_.two_level_stream_table && bits > options.linear_max_bits && bits > options.split;
    stream_bits_ = bits;
    if (!two_level_) {
      if (bits > 26) return Error::too_many_streams;  // a linear table of 4 GiB is no table
      st_bytes_ = (uint64_t{1} << bits) * kSteBytes;
      st_ = dma_.allocate(st_bytes_);
      if (st_.words == nullptr) return Error::no_memory;
      for (uint64_t sid = 0; sid < (uint64_t{1} << bits); ++sid) fill_default_ste(st_.words + sid * 8);
    } else {
      l1_count_ = uint64_t{1} << (bits - options.split);
      st_bytes_ = l1_count_ * 8 < 64 ? 64 : l1_count_ * 8;
      st_ = dma_.allocate(st_bytes_);
      if (st_.words == nullptr) return Error::no_memory;
      if (options.bypass_unconfigured) {  // every STE exists, so unconfigured ones can bypass
        for (uint64_t i = 0; i < l1_count_; ++i) {
          TablePage l2 = allocate_l2();
          if (l2.words == nullptr) return Error::no_memory;
          st_.words[i] = l1std(l2.phys);
        }
      }
    }
    dma_.publish();
    // 3. Queues (IHI0070 3.5): PROD = CONS = 0, wrap flags clear.
    cmdq_log2_ = features_.cmdq_log2 < options.cmdq_log2_max ? features_.cmdq_log2 : options.cmdq_log2_max;
    eventq_log2_ = features_.eventq_log2 < options.eventq_log2_max ? features_.eventq_log2 : options.eventq_log2_max;
    cmdq_ = dma_.allocate(kCmdBytes << cmdq_log2_);
    eventq_ = dma_.allocate(kEventBytes << eventq_log2_);
    if (cmdq_.words == nullptr || eventq_.words == nullptr) return Error::no_memory;
    // 4. Table and queue attributes, then CR2 (IHI0070 6.3.11, 6.3.12).
    // Coherent walkers: inner-shareable write-back; otherwise non-cacheable
    // (publish() then cleans caches before the SMMU reads).
    using R1 = SMMU_CR1;
    auto cr1 = WriteValue<R1>::zero();
    if (features_.coherent) {
      cr1.set<R1::TABLE_SH>(R1::TABLE_SH::Value::ISH).set<R1::TABLE_OC>(R1::TABLE_OC::Value::WB)
          .set<R1::TABLE_IC>(R1::TABLE_IC::Value::WB).set<R1::QUEUE_SH>(R1::QUEUE_SH::Value::ISH)
          .set<R1::QUEUE_OC>(R1::QUEUE_OC::Value::WB).set<R1::QUEUE_IC>(R1::QUEUE_IC::Value::WB);
    } else {
      cr1.set<R1::TABLE_SH>(R1::TABLE_SH::Value::OSH).set<R1::QUEUE_SH>(R1::QUEUE_SH::Value::OSH);
    }
    write<R1>(io_, cr1);
    // Record bad stream IDs; private TLB maintenance (no broadcast TLBI from the PEs).
    write<SMMU_CR2>(io_, WriteValue<SMMU_CR2>::zero().set<SMMU_CR2::RECINVSID>(1).set<SMMU_CR2::PTM>(1));
    // 5. Stream table base (IHI0070 6.3.24, 6.3.25).
    auto st_base = WriteValue<SMMU_STRTAB_BASE>::zero().set<SMMU_STRTAB_BASE::RA>(1);
    put<SMMU_STRTAB_BASE::ADDR>(st_base, st_.phys >> 6);
    write<SMMU_STRTAB_BASE>(io_, st_base);
    auto cfg = WriteValue<SMMU_STRTAB_BASE_CFG>::zero();
    put<SMMU_STRTAB_BASE_CFG::LOG2SIZE>(cfg, bits);
    if (two_level_) {
      cfg.set<SMMU_STRTAB_BASE_CFG::FMT>(SMMU_STRTAB_BASE_CFG::FMT::Value::TWO_LEVEL);
      put<SMMU_STRTAB_BASE_CFG::SPLIT>(cfg, options.split);
    }
    write<SMMU_STRTAB_BASE_CFG>(io_, cfg);
    // 6. Queue bases and pointers (IHI0070 6.3.26 - 6.3.29, 6.3.95, 6.3.96).
    auto cmdq_base = WriteValue<SMMU_CMDQ_BASE>::zero().set<SMMU_CMDQ_BASE::RA>(1);
    put<SMMU_CMDQ_BASE::ADDR>(cmdq_base, cmdq_.phys >> 5);
    put<SMMU_CMDQ_BASE::LOG2SIZE>(cmdq_base, cmdq_log2_);
    write<SMMU_CMDQ_BASE>(io_, cmdq_base);
    write<SMMU_CMDQ_PROD>(io_, WriteValue<SMMU_CMDQ_PROD>::zero());
    write<SMMU_CMDQ_CONS>(io_, WriteValue<SMMU_CMDQ_CONS>::zero());
    auto eventq_base = WriteValue<SMMU_EVENTQ_BASE>::zero().set<SMMU_EVENTQ_BASE::WA>(1);
    put<SMMU_EVENTQ_BASE::ADDR>(eventq_base, eventq_.phys >> 5);
    put<SMMU_EVENTQ_BASE::LOG2SIZE>(eventq_base, eventq_log2_);
    write<SMMU_EVENTQ_BASE>(io_, eventq_base);
    write<SMMU_EVENTQ_PROD>(io_, WriteValue<SMMU_EVENTQ_PROD>::zero());
    write<SMMU_EVENTQ_CONS>(io_, WriteValue<SMMU_EVENTQ_CONS>::zero());
    cmd_prod_ = 0;
    event_cons_ = 0;
    // Acknowledge global errors left from before (IHI0070 6.3.20: GERRORN := GERROR).
    acknowledge_global_errors();
    // 7. Command queue on; forget every cached configuration and translation (IHI0070 3.5.?, 4.3.6, 4.4.4.1).
    if (!set_cr0(cr0_cmdqen)) return Error::ack_timeout;
    up_ = true;
    push_cfgi_all();
    push_simple<structs::CMD_TLBI_NSNH_ALL>();
    if (features_.hyp) push_simple<structs::CMD_TLBI_EL2_ALL>();
    if (Error e = sync(); e != Error::none) return e;
    // 8. Event queue, then translation (IHI0070 6.3.9).
    if (!set_cr0(cr0_cmdqen | cr0_eventqen)) return Error::ack_timeout;
    if (!set_cr0(cr0_cmdqen | cr0_eventqen | cr0_smmuen)) return Error::ack_timeout;
    return Error::none;
  }

  const Features& features() const { return features_; }
  const DriverStats& stats() const { return stats_; }
  bool two_level() const { return two_level_; }
  unsigned stream_bits() const { return stream_bits_; }
  uint64_t queue_capacity() const { return uint64_t{1} << cmdq_log2_; }
  Sabotage sabotage;

  // Whether `sid` has an STE in memory (2-level: its level-2 table exists).
  bool stream_present(uint32_t sid) const {
    if ((uint64_t{sid} >> stream_bits_) != 0) return false;
    if (!two_level_) return true;
    return st_.words[sid >> options_.split] != 0;
  }
  uint64_t l1_index(uint32_t sid) const { return sid >> options_.split; }
  // The STE of a present stream, as memory holds it (for summaries).
  const uint64_t* ste_words(uint32_t sid) const { return dma_.words_at(ste_phys(sid)); }
  uint64_t l2_bytes() const { return (uint64_t{1} << options_.split) * kSteBytes; }
  // A level-2 table's memory, taken in prepare; every STE in it fail-closed.
  TablePage allocate_l2() {
    TablePage l2 = dma_.allocate(l2_bytes());
    if (l2.words == nullptr) return l2;
    for (uint64_t i = 0; i < (uint64_t{1} << options_.split); ++i) fill_default_ste(l2.words + i * 8);
    return l2;
  }
  void release_l2(TablePage l2) { dma_.release(l2, l2_bytes()); }
  // Points the level-1 descriptor of `sid` at `l2` (IHI0070 5.1): the STEs
  // were written first, the descriptor last, in one 64-bit store.
  void install_l2(uint32_t sid, TablePage l2) {
    dma_.publish();
    const uint64_t index = sid >> options_.split;
    dma_.store64(st_.phys + index * 8, l1std(l2.phys));
    dma_.publish();
    push_cfgi_ste_range(static_cast<uint32_t>(index << options_.split), options_.split);
  }

  // Programs one stream. A live STE is never seen half-written (IHI0070
  // 3.21.3): when words other than word 0 change, word 0 first switches the
  // STE to abort and that is made visible (CFGI_STE, SYNC); the other words
  // follow and are made visible the same way; word 0 with the new Config is
  // written last, in one store.
  void set_stream(uint32_t sid, const StreamConfig& config) {
    uint64_t next[8] = {};
    encode_ste(config, next);
    write_ste(sid, next);
  }
  void set_stream_fail_closed(uint32_t sid) {
    uint64_t next[8] = {};
    encode_fail_closed(next);
    write_ste(sid, next);
  }

  // Queues the stage-2 invalidation of what a page-table commit changed
  // (IHI0070 4.4.3.1): with RIL at most two range commands, without it one
  // command per smallest leaf, or TLBI_S12_VMALL when that is fewer.
  void invalidate_s2(uint16_t vmid, const Invalidation& inv) {
    if (!inv.needed || sabotage.skip_tlbi) return;
    const uint64_t granule = 4096;
    const uint64_t first = inv.first & ~(granule - 1);
    const uint64_t pages = ((inv.last - first) >> 12) + 1;
    const bool leaf_only = !inv.tables;
    if (features_.range_invalidation) {
      if (pages >= (uint64_t{32} << 31)) return invalidate_vmid(vmid);
      uint64_t base = first >> 12, left = pages;
      for (int cmd = 0; cmd < 2 && left != 0; ++cmd) {
        unsigned scale = 0;
        while ((left >> scale) > 32) ++scale;
        uint64_t units = left >> scale;
        if (cmd == 1 && (units << scale) < left) ++units;  // the second command rounds up
        if (units > 32) {  // 33 units after rounding: one scale up
          ++scale;
          units = (left + (uint64_t{1} << scale) - 1) >> scale;
        }
        if (scale == 0 && units == 1) {
          // NUM = SCALE = TTL = 0 is reserved (IHI0070 4.4.1.1): one page takes the non-range form.
          push_tlbi_s2_single(vmid, base << 12, leaf_only);
        } else {
          push_tlbi_s2_range(vmid, base << 12, scale, units - 1, leaf_only);
        }
        const uint64_t covered = units << scale;
        base += covered;
        left = covered >= left ? 0 : left - covered;
      }
      return;
    }
    const LeafCover cover = leaf_cover(inv, granule);
    if (cover.count > kVmallThreshold) return invalidate_vmid(vmid);
    for (uint64_t i = 0; i < cover.count; ++i) push_tlbi_s2_single(vmid, cover.first + i * cover.step, leaf_only);
  }
  void invalidate_vmid(uint16_t vmid) {
    if (sabotage.skip_tlbi) return;
    uint64_t cmd[2] = {};
    set_fixed<structs::CMD_TLBI_S12_VMALL>(cmd);
    structs::CMD_TLBI_S12_VMALL::VMID::set(cmd, uint64_t{vmid});
    push(cmd);
    ++stats_.tlbi;
  }
  static constexpr uint64_t kVmallThreshold = 64;

  // Issues a CMD_SYNC and waits, bounded, until the SMMU has consumed it:
  // every command before it has then completed (IHI0070 4.7.3). A command
  // error is handled as the manual says (7.1): the faulty command is
  // replaced by a CMD_SYNC, the error acknowledged in GERRORN, and the queue
  // resumes, and everything cached is invalidated, since the replaced
  // command's own invalidation is lost; it is reported, never waited on forever.
  Error sync() {
    if (!up_) return Error::not_up;
    if (unsynced_ == 0) return Error::none;  // nothing issued since the last CMD_SYNC completed
    if (sabotage.skip_sync) {
      publish_prod();
      return Error::none;
    }
    uint64_t cmd[2] = {};
    set_fixed<structs::CMD_SYNC>(cmd);
    structs::CMD_SYNC::CS::set(cmd, static_cast<uint64_t>(structs::CMD_SYNC::CS::Value::SIG_NONE));
    push(cmd);
    ++stats_.syncs;
    unsynced_ = 0;
    publish_prod();
    Error result = Error::none;
    for (uint64_t attempt = 0; attempt < options_.poll_attempts; ++attempt) {
      const ReadValue<regs::SMMU_CMDQ_CONS> cons = read<regs::SMMU_CMDQ_CONS>(io_);
      if (command_error_pending()) {
        recover_command_error(cons);
        result = Error::command_error;
        continue;
      }
      if (queue_empty(cons.get<regs::SMMU_CMDQ_CONS::RD>())) {
        // The command in error was replaced, so what it invalidated may not
        // be: invalidate everything once, which is always legal.
        if (lost_invalidation_ && !recovering_) {
          lost_invalidation_ = false;
          recovering_ = true;
          push_cfgi_all();
          push_simple<structs::CMD_TLBI_NSNH_ALL>();
          sync();
          recovering_ = false;
        }
        return result;
      }
    }
    stuck_ = true;
    return Error::sync_timeout;
  }

  // False once the unit stopped consuming commands (a CMD_SYNC timed out or
  // a command could not be queued): prepare then refuses every plan, since
  // no commit could be carried out.
  bool healthy() const { return up_ && !stuck_ && stats_.dropped == 0; }

  // Reads every pending event record into `sink(FaultRecord)`, oldest first,
  // and an overflow record when the queue overflowed (IHI0070 7.4: PROD.OVFLG
  // differs from CONS.OVACKFLG). Returns the records delivered.
  template <class Sink>
  uint64_t drain_events(Sink&& sink) {
    if (!up_) return 0;
    using namespace regs;
    const ReadValue<SMMU_EVENTQ_PROD> prod = read<SMMU_EVENTQ_PROD>(io_);
    const uint64_t wr = prod.get<SMMU_EVENTQ_PROD::WR>();
    const uint64_t wrap_mask = (uint64_t{2} << eventq_log2_) - 1;
    uint64_t delivered = 0;
    uint64_t cons = event_cons_;
    for (uint64_t guard = 0; (cons & wrap_mask) != (wr & wrap_mask) && guard <= (uint64_t{1} << eventq_log2_); ++guard) {
      const uint64_t index = cons & ((uint64_t{1} << eventq_log2_) - 1);
      sink(fault_of_event(eventq_.words + index * 4, unit_));
      ++delivered;
      ++stats_.events;
      cons = (cons + 1) & wrap_mask;
    }
    const uint64_t ovflg = prod.get<SMMU_EVENTQ_PROD::OVFLG>();
    if (ovflg != event_overflow_ack_) {
      FaultRecord r;
      r.unit = unit_;
      r.reason = FaultReason::overflow;
      sink(r);
      ++delivered;
      event_overflow_ack_ = ovflg;
    }
    event_cons_ = cons;
    auto event_cons = WriteValue<SMMU_EVENTQ_CONS>::zero();
    put<SMMU_EVENTQ_CONS::RD>(event_cons, cons);
    put<SMMU_EVENTQ_CONS::OVACKFLG>(event_cons, event_overflow_ack_);
    write<SMMU_EVENTQ_CONS>(io_, event_cons);
    // Global errors (IHI0070 6.3.19) become records too, then are acknowledged.
    const uint64_t active = read<SMMU_GERROR>(io_).raw() ^ read<SMMU_GERRORN>(io_).raw();
    const uint64_t not_commands = active & ~(uint64_t{1} << SMMU_GERROR::CMDQ_ERR::lo);
    if (not_commands != 0) {
      FaultRecord r;
      r.unit = unit_;
      r.reason = FaultReason::global_error;
      r.raw_type = static_cast<uint32_t>(not_commands);
      sink(r);
      ++delivered;
      acknowledge_global_errors();
    }
    return delivered;
  }

 private:
  static constexpr uint64_t cr0_smmuen = uint64_t{1} << regs::SMMU_CR0::SMMUEN::lo;
  static constexpr uint64_t cr0_eventqen = uint64_t{1} << regs::SMMU_CR0::EVENTQEN::lo;
  static constexpr uint64_t cr0_cmdqen = uint64_t{1} << regs::SMMU_CR0::CMDQEN::lo;

  // A run-time value the driver has already bounded; one that does not fit
  // its field is the driver's bug, so it traps.
  template <class F, class Reg>
  static void put(WriteValue<Reg>& w, uint64_t v) {
    if (!w.template try_set<F>(v)) __builtin_trap();
  }

  bool wait_gbpa_idle() {
    return poll_until([&] { return read<regs::SMMU_GBPA>(io_).template get<regs::SMMU_GBPA::UPDATE>() == 0; },
                      options_.poll_attempts);
  }
  // Writes CR0 and waits for CR0ACK to show it (IHI0070 6.3.10).
  bool set_cr0(uint64_t value) {
    write<regs::SMMU_CR0>(io_, WriteValue<regs::SMMU_CR0>::from_bits(value));
    return poll_until([&] { return read<regs::SMMU_CR0ACK>(io_).raw() == value; }, options_.poll_attempts);
  }
  // Toggles GERRORN to match GERROR for every active error but CMDQ_ERR,
  // which only the command-queue recovery acknowledges (IHI0070 6.3.20, 7.1).
  void acknowledge_global_errors() {
    const uint64_t cmdq = uint64_t{1} << regs::SMMU_GERROR::CMDQ_ERR::lo;
    const uint64_t gerrorn = read<regs::SMMU_GERRORN>(io_).raw();
    const uint64_t active = (read<regs::SMMU_GERROR>(io_).raw() ^ gerrorn) & ~cmdq;
    write<regs::SMMU_GERRORN>(io_, WriteValue<regs::SMMU_GERRORN>::from_bits(gerrorn ^ active));
  }

  uint64_t l1std(uint64_t l2_phys) const {
    uint64_t w = 0;
    structs::L1STD::L2PTR::set(&w, l2_phys >> 6);
    structs::L1STD::SPAN::set(&w, uint64_t{options_.split} + 1);  // 2^(SPAN-1) STEs (IHI0070 5.1)
    return w;
  }
  uint64_t ste_phys(uint32_t sid) const {
    if (!two_level_) return st_.phys + uint64_t{sid} * kSteBytes;
    const uint64_t l1 = st_.words[sid >> options_.split];
    const uint64_t l2 = structs::L1STD::L2PTR::get(&l1) << 6;
    return l2 + (uint64_t{sid} & ((uint64_t{1} << options_.split) - 1)) * kSteBytes;
  }

  void fill_default_ste(uint64_t* words) const {
    if (options_.bypass_unconfigured) {
      StreamConfig bypass;
      bypass.kind = StreamConfig::Kind::bypass;
      encode_ste(bypass, words);
    } else {
      encode_fail_closed(words);
    }
  }
  void encode_fail_closed(uint64_t* words) const {
    StreamConfig c;
    c.vmid = 0;  // reserved for the empty table: no domain has VMID 0
    c.root = fail_closed_root_;
    c.geometry = geometry_;
    encode_ste(c, words);
  }
  // IHI0070 5.2. Stage 2 only: S1 fields stay 0; EATS = 0 (no ATS).
  static void encode_ste(const StreamConfig& c, uint64_t* w) {
    using S = structs::STE;
    for (unsigned i = 0; i < 8; ++i) w[i] = 0;
    S::V::set(w, uint64_t{1});
    S::SHCFG::set(w, static_cast<uint64_t>(S::SHCFG::Value::INCOMING));
    if (c.kind == StreamConfig::Kind::bypass) {
      S::CONFIG::set(w, static_cast<uint64_t>(S::CONFIG::Value::BYPASS));
      return;
    }
    const Geometry& g = *c.geometry;
    S::CONFIG::set(w, static_cast<uint64_t>(S::CONFIG::Value::S2_TRANSLATE));
    S::S2VMID::set(w, uint64_t{c.vmid});
    S::S2T0SZ::set(w, uint64_t{g.input_size_offset});
    S::S2SL0::set(w, g.start_level.value);
    S::S2IR0::set(w, static_cast<uint64_t>(S::S2IR0::Value::WB_RA_WA));
    S::S2OR0::set(w, static_cast<uint64_t>(S::S2OR0::Value::WB_RA_WA));
    S::S2SH0::set(w, static_cast<uint64_t>(S::S2SH0::Value::ISH));
    S::S2TG::set(w, g.granule.value);
    S::S2PS::set(w, g.output_size.value);
    S::S2AA64::set(w, static_cast<uint64_t>(S::S2AA64::Value::VMSAV8_64));
    S::S2R::set(w, uint64_t{1});  // record stage-2 faults as events
    S::S2TTB::set(w, c.root >> 4);
  }
  static bool ste_live(uint64_t word0) {
    using S = structs::STE;
    return S::V::get(&word0) != 0 && S::CONFIG::get(&word0) >= static_cast<uint64_t>(S::CONFIG::Value::BYPASS);
  }

  void write_ste(uint32_t sid, const uint64_t* next) {
    const uint64_t phys = ste_phys(sid);
    const uint64_t* cur = dma_.words_at(phys);
    ++stats_.ste_writes;
    bool others_change = false;
    for (unsigned i = 1; i < 8; ++i) others_change = others_change || cur[i] != next[i];
    if (sabotage.ste_valid_first) {
      dma_.store64(phys, next[0]);
      dma_.publish();
    } else if (others_change && ste_live(cur[0])) {
      uint64_t abort_word = cur[0];
      structs::STE::CONFIG::set(&abort_word, static_cast<uint64_t>(structs::STE::CONFIG::Value::ABORT));
      dma_.store64(phys, abort_word);
      dma_.publish();
      push_cfgi_ste(sid);
      sync();
    }
    for (unsigned i = 1; i < 8; ++i) {
      if (cur[i] != next[i]) dma_.store64(phys + i * 8, next[i]);
    }
    dma_.publish();
    if (others_change && !sabotage.ste_valid_first) {
      // A fetch may read the words in any order over any time (IHI0070
      // 3.21.3.1): one begun before the new words were visible must have
      // ended, and what it cached gone, before word 0 makes them live.
      push_cfgi_ste(sid);
      sync();
    }
    dma_.store64(phys, next[0]);
    dma_.publish();
    push_cfgi_ste(sid);
  }

  template <class Cmd>
  void push_simple() {
    uint64_t cmd[2] = {};
    set_fixed<Cmd>(cmd);
    push(cmd);
  }
  void push_cfgi_all() {
    if (sabotage.skip_cfgi) return;
    uint64_t cmd[2] = {};
    set_fixed<structs::CMD_CFGI_ALL>(cmd);
    push(cmd);
    ++stats_.cfgi;
  }
  void push_cfgi_ste(uint32_t sid) {
    if (sabotage.skip_cfgi) return;
    uint64_t cmd[2] = {};
    set_fixed<structs::CMD_CFGI_STE>(cmd);
    structs::CMD_CFGI_STE::SID::set(cmd, uint64_t{sid});
    structs::CMD_CFGI_STE::LEAF::set(cmd, uint64_t{1});
    push(cmd);
    ++stats_.cfgi;
  }
  // Invalidates 2^log2 STEs from `sid` (aligned), the level-1 descriptor with them.
  void push_cfgi_ste_range(uint32_t sid, unsigned log2) {
    if (sabotage.skip_cfgi) return;
    uint64_t cmd[2] = {};
    set_fixed<structs::CMD_CFGI_STE_RANGE>(cmd);
    structs::CMD_CFGI_STE_RANGE::SID::set(cmd, uint64_t{sid});
    structs::CMD_CFGI_STE_RANGE::RANGE::set(cmd, uint64_t{log2 == 0 ? 0u : log2 - 1});
    push(cmd);
    ++stats_.cfgi;
  }
  // IHI0070 4.4.1.1: Range = (NUM + 1) * 2^SCALE granules from ADDR; TTL 0: any level.
  void push_tlbi_s2_range(uint16_t vmid, uint64_t address, unsigned scale, uint64_t num, bool leaf_only) {
    using C = structs::CMD_TLBI_S2_IPA;
    uint64_t cmd[2] = {};
    set_fixed<C>(cmd);
    C::VMID::set(cmd, uint64_t{vmid});
    C::ADDR::set(cmd, address >> 12);
    C::TG::set(cmd, static_cast<uint64_t>(C::TG::Value::GRANULE_4KB));
    C::SCALE::set(cmd, uint64_t{scale});
    C::NUM::set(cmd, num);
    C::LEAF::set(cmd, uint64_t{leaf_only});
    push(cmd);
    ++stats_.tlbi;
  }
  void push_tlbi_s2_single(uint16_t vmid, uint64_t address, bool leaf_only) {
    using C = structs::CMD_TLBI_S2_IPA;
    uint64_t cmd[2] = {};
    set_fixed<C>(cmd);
    C::VMID::set(cmd, uint64_t{vmid});
    C::ADDR::set(cmd, address >> 12);
    C::LEAF::set(cmd, uint64_t{leaf_only});
    push(cmd);
    ++stats_.tlbi;
  }

  // Queue state: PROD and CONS carry the index and, one bit above, the wrap flag.
  uint64_t wrap_mask() const { return (uint64_t{2} << cmdq_log2_) - 1; }
  uint64_t index_mask() const { return (uint64_t{1} << cmdq_log2_) - 1; }
  bool queue_empty(uint64_t cons) const { return (cons & wrap_mask()) == (cmd_prod_ & wrap_mask()); }
  bool queue_full(uint64_t cons) const {
    return ((cons ^ cmd_prod_) & wrap_mask()) == (uint64_t{1} << cmdq_log2_);
  }
  bool command_error_pending() {
    const uint64_t bit = uint64_t{1} << regs::SMMU_GERROR::CMDQ_ERR::lo;
    return ((read<regs::SMMU_GERROR>(io_).raw() ^ read<regs::SMMU_GERRORN>(io_).raw()) & bit) != 0;
  }
  // IHI0070 7.1: the command at CONS is the one in error; replace it with a
  // CMD_SYNC (harmless), then toggle GERRORN.CMDQ_ERR to resume.
  void recover_command_error(ReadValue<regs::SMMU_CMDQ_CONS> cons) {
    ++stats_.command_errors;
    lost_invalidation_ = true;
    const uint64_t index = cons.get<regs::SMMU_CMDQ_CONS::RD>() & index_mask();
    uint64_t* slot = cmdq_.words + index * 2;
    slot[0] = slot[1] = 0;
    set_fixed<structs::CMD_SYNC>(slot);
    dma_.publish();
    const uint64_t bit = uint64_t{1} << regs::SMMU_GERROR::CMDQ_ERR::lo;
    const uint64_t n = read<regs::SMMU_GERRORN>(io_).raw();
    write<regs::SMMU_GERRORN>(io_, WriteValue<regs::SMMU_GERRORN>::from_bits(n ^ bit));
  }

  // Appends one command, waiting (bounded) for space; PROD is written by
  // publish_prod, once for a batch.
  void push(const uint64_t* cmd) {
    if (!up_) return;
    const auto space = [&] {
      const ReadValue<regs::SMMU_CMDQ_CONS> cons = read<regs::SMMU_CMDQ_CONS>(io_);
      if (command_error_pending()) recover_command_error(cons);
      return !queue_full(cons.template get<regs::SMMU_CMDQ_CONS::RD>());
    };
    if (!space()) {
      publish_prod();
      if (!poll_until(space, options_.poll_attempts)) {
        ++stats_.dropped;  // a unit that stopped consuming: never overwrite what it has not read
        return;
      }
    }
    uint64_t* slot = cmdq_.words + (cmd_prod_ & index_mask()) * 2;
    slot[0] = cmd[0];
    slot[1] = cmd[1];
    cmd_prod_ = (cmd_prod_ + 1) & wrap_mask();
    ++stats_.commands;
    ++unsynced_;
  }
  void publish_prod() {
    dma_.publish();  // the commands before the PROD that exposes them (IHI0070 3.5.2)
    auto prod = WriteValue<regs::SMMU_CMDQ_PROD>::zero();
    put<regs::SMMU_CMDQ_PROD::WR>(prod, cmd_prod_);
    write<regs::SMMU_CMDQ_PROD>(io_, prod);
  }

  Io& io_;
  Dma& dma_;
  uint32_t unit_;
  Features features_{};
  Options options_{};
  const Geometry* geometry_ = nullptr;
  uint64_t fail_closed_root_ = 0;
  bool up_ = false;
  bool recovering_ = false;
  bool lost_invalidation_ = false;  // a command was replaced: invalidate everything at the next sync
  bool stuck_ = false;
  uint64_t unsynced_ = 0;  // commands queued since the last CMD_SYNC
  bool two_level_ = false;
  unsigned stream_bits_ = 0;
  uint64_t l1_count_ = 0;
  TablePage st_{};
  uint64_t st_bytes_ = 0;
  TablePage cmdq_{}, eventq_{};
  unsigned cmdq_log2_ = 0, eventq_log2_ = 0;
  uint64_t cmd_prod_ = 0;
  uint64_t event_cons_ = 0;
  uint64_t event_overflow_ack_ = 0;
  DriverStats stats_{};
};

// IHI0070 7.3: the event number names the fault; translation-stage faults
// carry the input address, RnW, InD and S2.
inline FaultRecord fault_of_event(const uint64_t* words, uint32_t unit) {
  using T = structs::F_TRANSLATION;
  FaultRecord r;
  r.unit = unit;
  r.raw_type = static_cast<uint32_t>(T::TYPE::get(words));
  r.stream = static_cast<uint32_t>(T::STREAMID::get(words));
  r.stream_known = true;
  const auto translation_stage = [&](FaultReason reason) {
    r.reason = reason;
    r.address = T::INPUTADDR::get(words);
    r.address_known = true;
    r.access = T::IND::get(words) != 0 ? FaultAccess::exec : T::RNW::get(words) != 0 ? FaultAccess::read : FaultAccess::write;
    r.stage = T::S2::get(words) != 0 ? 2 : 1;
  };
  switch (r.raw_type) {
    case fixed_value_of<structs::F_TRANSLATION, T::TYPE>().value: translation_stage(FaultReason::translation); break;
    case fixed_value_of<structs::F_ADDR_SIZE, structs::F_ADDR_SIZE::TYPE>().value: translation_stage(FaultReason::address_size); break;
    case fixed_value_of<structs::F_ACCESS, structs::F_ACCESS::TYPE>().value: translation_stage(FaultReason::access_flag); break;
    case fixed_value_of<structs::F_PERMISSION, structs::F_PERMISSION::TYPE>().value: translation_stage(FaultReason::permission); break;
    case fixed_value_of<structs::F_WALK_EABT, structs::F_WALK_EABT::TYPE>().value:
      r.reason = FaultReason::walk_abort;
      r.address = structs::F_WALK_EABT::INPUTADDR::get(words);
      r.address_known = true;
      break;
    case fixed_value_of<structs::C_BAD_STREAMID, structs::C_BAD_STREAMID::TYPE>().value: r.reason = FaultReason::bad_stream; break;
    case fixed_value_of<structs::C_BAD_STE, structs::C_BAD_STE::TYPE>().value: r.reason = FaultReason::bad_config; break;
    case fixed_value_of<structs::F_STE_FETCH, structs::F_STE_FETCH::TYPE>().value: r.reason = FaultReason::walk_abort; break;
    case fixed_value_of<structs::F_STREAM_DISABLED, structs::F_STREAM_DISABLED::TYPE>().value: r.reason = FaultReason::stream_aborted; break;
    case fixed_value_of<structs::F_UUT, structs::F_UUT::TYPE>().value:
      r.reason = FaultReason::other;
      r.address = structs::F_UUT::INPUTADDR::get(words);
      r.address_known = true;
      break;
    default: r.reason = FaultReason::other; break;
  }
  return r;
}

}  // namespace smmuman::hw::arm_smmuv3
