// The Arm SMMUv2 / CoreLink MMU-500 register-level driver: probe, bring-up,
// stream matching (SMR/S2CR), stage-2 context banks, TLB maintenance with
// bounded sync waits, and global and context fault records, as IHI 0062D.c
// says, through the generated register metadata (arm_smmuv2.hpp). It owns no
// containers: which streams share a group and which bank a domain has belong
// to its caller (arm_smmuv2_backend.hpp).
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <cstdint>

#include "smmuman/hw/arm_smmuv2.hpp"
#include "smmuman/hw/dma.hpp"
#include "smmuman/hw/fault_record.hpp"
#include "smmuman/hw/page_table_engine.hpp"
#include "smmuman/hw/page_table_geometry.hpp"
#include "smmuman/hw/regs.hpp"

namespace smmuman::hw::arm_smmuv2 {

// What SMMU_IDR0-2 report (IHI0062 9, SMMU_IDRn).
struct Features {
  bool s2ts = false;              // stage 2 translation
  bool stream_matching = false;   // SMS: SMR/S2CR groups (else stream indexing)
  bool coherent_walks = false;    // CTTW
  bool vmid16 = false;            // VMID16S
  bool gran4k = false;            // PTFSV8_4KB
  unsigned sid_bits = 0;          // NUMSIDB
  unsigned groups = 0;            // NUMSMRG
  unsigned banks = 0;             // NUMCB
  unsigned stage2_only_banks = 0; // NUMS2CB: banks 0..NUMS2CB-1 translate stage 2 only, as domains do
  bool extended_ids = false;      // EXIDS: 16-bit StreamIDs exist, but this driver matches 15 (EXIDENABLE = 0)
  unsigned ias_bits = 0, oas_bits = 0;
  uint64_t page_bytes = 0;        // PAGESIZE
  uint64_t global_bytes = 0;      // NUMPAGE * PAGESIZE
};

enum class Error : uint8_t {
  none,
  no_stage2,            // SMMU_IDR0.S2TS is 0
  no_stream_matching,   // SMMU_IDR0.SMS is 0: stream indexing, not driven here
  no_4k_granule,        // SMMU_IDR2.PTFSV8_4KB is 0
  bad_address_size,     // SMMU_IDR2.IAS or OAS reserved
  no_context_banks,     // SMMU_IDR1.NUMCB is 0
  sync_timeout,         // TLBSTATUS.SACTIVE or sTLBGSTATUS.GSACTIVE never cleared
  not_up,
};

constexpr const char* to_string(Error e) {
  switch (e) {
    case Error::none: return "none";
    case Error::no_stage2: return "SMMU_IDR0.S2TS is 0: the unit has no stage-2 translation";
    case Error::no_stream_matching: return "SMMU_IDR0.SMS is 0: stream indexing is not supported, only stream matching";
    case Error::no_4k_granule: return "SMMU_IDR2.PTFSV8_4KB is 0: no AArch64 4 KiB granule";
    case Error::bad_address_size: return "SMMU_IDR2.IAS or OAS holds a reserved value";
    case Error::no_context_banks: return "SMMU_IDR1.NUMCB is 0: no context banks";
    case Error::sync_timeout: return "a TLB synchronization never completed";
    case Error::not_up: return "the unit is not brought up";
  }
  return "?";
}

struct Options {
  bool bypass_unconfigured = false;  // SMMU_sCR0.USFCFG = 0: unmatched streams pass through
  uint64_t poll_attempts = 1000000;
  uint64_t ipa_invalidations_max = 64;  // above this, one TLBIVMID instead
};

// Test-only switches that break one rule each, to prove the tests notice.
struct Sabotage {
  bool skip_tlbi = false;        // no TLB invalidation after an unmap
  bool skip_sync = false;        // invalidations written, never a TLBSYNC
  bool smr_before_s2cr = false;  // a group's SMR made valid before its S2CR is written
};

struct DriverStats {
  uint64_t tlbi = 0, syncs = 0, faults = 0, register_writes = 0;
};

template <RegisterIo Io>
class Driver {
 public:
  explicit Driver(Io& io, uint32_t unit = 0) : io_(io), unit_(unit) {}

  Error probe() {
    using namespace regs;
    const ReadValue<SMMU_IDR0> idr0 = read<SMMU_IDR0>(io_, layout_);
    const ReadValue<SMMU_IDR1> idr1 = read<SMMU_IDR1>(io_, layout_);
    const ReadValue<SMMU_IDR2> idr2 = read<SMMU_IDR2>(io_, layout_);
    Features f;
    f.s2ts = idr0.get<SMMU_IDR0::S2TS>() != 0;
    f.stream_matching = idr0.get<SMMU_IDR0::SMS>() != 0;
    f.coherent_walks = idr0.get<SMMU_IDR0::CTTW>() != 0;
    f.sid_bits = static_cast<unsigned>(idr0.get<SMMU_IDR0::NUMSIDB>());
    f.groups = static_cast<unsigned>(idr0.get<SMMU_IDR0::NUMSMRG>());
    f.banks = static_cast<unsigned>(idr1.get<SMMU_IDR1::NUMCB>());
    f.stage2_only_banks = static_cast<unsigned>(idr1.get<SMMU_IDR1::NUMS2CB>());
    f.extended_ids = idr0.get<SMMU_IDR0::EXIDS>() != 0;
    f.page_bytes = idr1.get<SMMU_IDR1::PAGESIZE>() != 0 ? 0x10000 : 0x1000;  // IHI0062 8.1
    f.global_bytes = f.page_bytes << (idr1.get<SMMU_IDR1::NUMPAGENDXB>() + 1);
    f.vmid16 = idr2.get<SMMU_IDR2::VMID16S>() != 0;
    f.gran4k = idr2.get<SMMU_IDR2::PTFSV8_4KB>() != 0;
    static constexpr unsigned kSize[8] = {32, 36, 40, 42, 44, 48, 0, 0};  // IHI0062 9, SMMU_IDR2.IAS/OAS
    f.ias_bits = kSize[idr2.get<SMMU_IDR2::IAS>() & 7];
    f.oas_bits = kSize[idr2.get<SMMU_IDR2::OAS>() & 7];
    features_ = f;
    layout_.PAGESIZE = f.page_bytes;
    layout_.GLOBAL_SIZE = f.global_bytes;
    if (!f.s2ts) return Error::no_stage2;
    if (!f.stream_matching) return Error::no_stream_matching;
    if (!f.gran4k) return Error::no_4k_granule;
    if (f.ias_bits == 0 || f.oas_bits == 0 || idr2.get<SMMU_IDR2::IAS>() > 5 || idr2.get<SMMU_IDR2::OAS>() > 5) {
      return Error::bad_address_size;
    }
    if (f.banks == 0) return Error::no_context_banks;
    if (f.groups > regs::SMMU_SMR::count) f.groups = regs::SMMU_SMR::count;
    if (f.banks > regs::SMMU_CBAR::count) f.banks = regs::SMMU_CBAR::count;
    features_ = f;
    return Error::none;
  }

  // Fail closed from the first write: the first writes only take access
  // away (every S2CR to fault), then sCR0 turns translation on (CLIENTPD = 0)
  // with unmatched streams faulting (USFCFG = 1) and global faults reported,
  // and only then is every SMR made invalid (IHI0062 2.4, 9 SMMU_sCR0).
  // Context banks are disabled and their faults cleared, and every TLB
  // entry is invalidated and synchronized, before any bank is used.
  Error bring_up(const Options& options) {
    using namespace regs;
    options_ = options;
    for (unsigned g = 0; g < features_.groups; ++g) {
      put(WriteValue<SMMU_S2CR>::zero().set<SMMU_S2CR::TYPE>(SMMU_S2CR::TYPE::Value::FAULT), g);
    }
    auto scr0 = WriteValue<SMMU_SCR0>::zero()
                    .set<SMMU_SCR0::GFRE>(SMMU_SCR0::GFRE::Value::ABORT)
                    .set<SMMU_SCR0::GCFGFRE>(SMMU_SCR0::GCFGFRE::Value::ABORT)
                    .set<SMMU_SCR0::SMCFCFG>(1)
                    .set<SMMU_SCR0::PTM>(1)
                    .set<SMMU_SCR0::USFCFG>(options.bypass_unconfigured ? SMMU_SCR0::USFCFG::Value::BYPASS
                                                                        : SMMU_SCR0::USFCFG::Value::FAULT);
    if (features_.vmid16) scr0.set<SMMU_SCR0::VMID16EN>(1);
    // Before any SMR is cleared: a stream that stops matching must fault,
    // not pass through under a USFCFG = 0 left by firmware.
    write<SMMU_SCR0>(io_, scr0, layout_);
    ++stats_.register_writes;
    for (unsigned g = 0; g < features_.groups; ++g) put(WriteValue<SMMU_SMR>::zero(), g);
    // MMU-500 errata 841119 and 826419 (r0p0-r2p2): no context prefetch; from
    // r2 the ACTLRs stay writable only with sACR.CACHE_LOCK clear (DDI0517 3.5.1).
    if (read<SMMU_IDR7>(io_, layout_).template get<SMMU_IDR7::MAJOR>() >= 2) {
      const ReadValue<SMMU_SACR> sacr = read<SMMU_SACR>(io_, layout_);
      write<SMMU_SACR>(io_, WriteValue<SMMU_SACR>::modifying(sacr).set<SMMU_SACR::CACHE_LOCK>(0), layout_);
    }
    for (unsigned cb = 0; cb < features_.banks; ++cb) {
      write<SMMU_CB_SCTLR>(io_, WriteValue<SMMU_CB_SCTLR>::zero(), layout_, cb);
      const ReadValue<SMMU_CB_ACTLR> actlr = read<SMMU_CB_ACTLR>(io_, layout_, cb);
      write<SMMU_CB_ACTLR>(io_, WriteValue<SMMU_CB_ACTLR>::modifying(actlr).set<SMMU_CB_ACTLR::CPRE>(0), layout_, cb);
      write<SMMU_CB_FSR>(io_, WriteValue<SMMU_CB_FSR>::from_bits(read<SMMU_CB_FSR>(io_, layout_, cb).raw()), layout_, cb);
    }
    write<SMMU_SGFSR>(io_, WriteValue<SMMU_SGFSR>::from_bits(read<SMMU_SGFSR>(io_, layout_).raw()), layout_);
    write<SMMU_TLBIALLNSNH>(io_, WriteValue<SMMU_TLBIALLNSNH>::zero(), layout_);
    global_pending_ = true;
    up_ = true;
    return sync();
  }

  const Features& features() const { return features_; }
  const Layout& layout() const { return layout_; }
  const DriverStats& stats() const { return stats_; }
  Sabotage sabotage;

  // A stream match group to translate through context bank `bank`: the
  // S2CR first, the SMR last, so the group never matches into a stale
  // S2CR (IHI0062 2.4: an SMR is live once VALID is 1).
  void enable_group(unsigned group, uint32_t id, uint32_t mask, unsigned bank) {
    using namespace regs;
    auto smr = WriteValue<SMMU_SMR>::zero().set<SMMU_SMR::VALID>(1);
    set_field<SMMU_SMR::ID>(smr, id);
    set_field<SMMU_SMR::MASK>(smr, mask);
    if (sabotage.smr_before_s2cr) put(smr, group);
    retarget_group(group, bank);
    put(smr, group);
  }
  // A group's SMR and S2CR as the unit holds them (for summaries).
  uint32_t smr(unsigned group) { return static_cast<uint32_t>(read<regs::SMMU_SMR>(io_, layout_, 0, group).raw()); }
  uint32_t s2cr(unsigned group) { return static_cast<uint32_t>(read<regs::SMMU_S2CR>(io_, layout_, 0, group).raw()); }

  // One 32-bit write moves the whole group to another bank.
  void retarget_group(unsigned group, unsigned bank) {
    using namespace regs;
    auto s2cr = WriteValue<SMMU_S2CR>::zero().set<SMMU_S2CR::TYPE>(SMMU_S2CR::TYPE::Value::TRANS);
    set_field<SMMU_S2CR::CBNDX>(s2cr, bank);
    put(s2cr, group);
  }
  // A group whose streams must fault while the unit passes unmatched streams through.
  void fault_group(unsigned group, uint32_t id, uint32_t mask) {
    using namespace regs;
    put(WriteValue<SMMU_S2CR>::zero().set<SMMU_S2CR::TYPE>(SMMU_S2CR::TYPE::Value::FAULT), group);
    auto smr = WriteValue<SMMU_SMR>::zero().set<SMMU_SMR::VALID>(1);
    set_field<SMMU_SMR::ID>(smr, id);
    set_field<SMMU_SMR::MASK>(smr, mask);
    put(smr, group);
  }
  // The group stops matching (its streams become unmatched), then faults.
  // A bank never loses its last group by SCTLR.M = 0: M = 0 is bypass (17.3.3).
  void disable_group(unsigned group) {
    using namespace regs;
    put(WriteValue<SMMU_SMR>::zero(), group);
    put(WriteValue<SMMU_S2CR>::zero().set<SMMU_S2CR::TYPE>(SMMU_S2CR::TYPE::Value::FAULT), group);
  }

  // A stage-2 context bank (IHI0062 10.2.1 CBARn TYPE 0, 10.2.2 CBA2Rn VA64,
  // 17.3.8 TCR, 17.3.9 TTBR0, 17.3.3 SCTLR): everything with SCTLR.M = 0,
  // translation enabled last.
  void program_bank(unsigned bank, uint16_t vmid, uint64_t root, const Geometry& g) {
    using namespace regs;
    write<SMMU_CB_SCTLR>(io_, WriteValue<SMMU_CB_SCTLR>::zero(), layout_, bank);
    auto cbar = WriteValue<SMMU_CBAR>::zero().set<SMMU_CBAR::TYPE>(SMMU_CBAR::TYPE::Value::S2_TRANS);
    set_field<SMMU_CBAR::VMID>(cbar, vmid & 0xff);
    write<SMMU_CBAR>(io_, cbar, layout_, 0, bank);
    auto cba2r = WriteValue<SMMU_CBA2R>::zero().set<SMMU_CBA2R::VA64>(SMMU_CBA2R::VA64::Value::AARCH64);
    if (features_.vmid16) set_field<SMMU_CBA2R::VMID16>(cba2r, vmid);
    write<SMMU_CBA2R>(io_, cba2r, layout_, 0, bank);
    auto tcr = WriteValue<SMMU_CB_TCR>::zero()
                   .set<SMMU_CB_TCR::EAE>(1)
                   .set<SMMU_CB_TCR::SH0>(SMMU_CB_TCR::SH0::Value::INNER_SHAREABLE)
                   .set<SMMU_CB_TCR::ORGN0>(features_.coherent_walks ? SMMU_CB_TCR::ORGN0::Value::WB_WA
                                                                     : SMMU_CB_TCR::ORGN0::Value::NON_CACHEABLE)
                   .set<SMMU_CB_TCR::IRGN0>(features_.coherent_walks ? SMMU_CB_TCR::IRGN0::Value::WB_WA
                                                                     : SMMU_CB_TCR::IRGN0::Value::NON_CACHEABLE);
    set_field<SMMU_CB_TCR::T0SZ>(tcr, g.input_size_offset);
    set_field<SMMU_CB_TCR::SL0>(tcr, g.start_level.value);
    set_field<SMMU_CB_TCR::TG0>(tcr, g.granule.value);
    set_field<SMMU_CB_TCR::PASIZE>(tcr, g.output_size.value);
    write<SMMU_CB_TCR>(io_, tcr, layout_, bank);
    auto ttbr = WriteValue<SMMU_CB_TTBR0>::zero();
    set_field<SMMU_CB_TTBR0::BADDR>(ttbr, root);
    write<SMMU_CB_TTBR0>(io_, ttbr, layout_, bank);
    write<SMMU_CB_FSR>(io_, WriteValue<SMMU_CB_FSR>::from_bits(read<SMMU_CB_FSR>(io_, layout_, bank).raw()), layout_, bank);
    write<SMMU_CB_SCTLR>(io_, WriteValue<SMMU_CB_SCTLR>::zero()
                                  .set<SMMU_CB_SCTLR::M>(1)
                                  .set<SMMU_CB_SCTLR::CFRE>(SMMU_CB_SCTLR::CFRE::Value::ABORT)
                                  .set<SMMU_CB_SCTLR::CFIE>(1)
                                  // A held fault must not block the bank's other DMA (IHI0062 3.7.3).
                                  .set<SMMU_CB_SCTLR::HUPCF>(1)
                                  .set<SMMU_CB_SCTLR::AFE>(1)
                                  .set<SMMU_CB_SCTLR::TRE>(1),  // both should be one at stage 2 (17.3.3)
                         layout_, bank);
    stats_.register_writes += 7;
  }
  // A bank no domain uses keeps translating (SCTLR.M = 0 would be bypass,
  // 17.3.3), through `empty_root`, a table of invalid entries: a stream left
  // pointing at it faults. Its VMID's entries were invalidated before.
  void park_bank(unsigned bank, uint64_t empty_root) {
    auto ttbr = WriteValue<regs::SMMU_CB_TTBR0>::zero();
    set_field<regs::SMMU_CB_TTBR0::BADDR>(ttbr, empty_root);
    write<regs::SMMU_CB_TTBR0>(io_, ttbr, layout_, bank);
    ++stats_.register_writes;
  }

  // Stage-2 invalidation of what a page-table commit changed (IHI0062
  // 17.3.4, 17.3.5): one TLBIIPAS2 (TLBIIPAS2L when only leaves changed) per
  // smallest leaf in the range, or one TLBIVMID when that is fewer.
  void invalidate_ipa(unsigned bank, uint16_t vmid, const Invalidation& inv) {
    if (!inv.needed || sabotage.skip_tlbi) return;
    const LeafCover cover = leaf_cover(inv, 4096);
    if (cover.count > options_.ipa_invalidations_max) return invalidate_vmid(vmid);
    for (uint64_t i = 0; i < cover.count; ++i) {
      const uint64_t ipa_page = (cover.first + i * cover.step) >> 12;
      if (inv.tables) {
        auto w = WriteValue<regs::SMMU_CB_TLBIIPAS2>::zero();
        set_field<regs::SMMU_CB_TLBIIPAS2::ADDRESS>(w, ipa_page);
        write<regs::SMMU_CB_TLBIIPAS2>(io_, w, layout_, bank);
      } else {
        auto w = WriteValue<regs::SMMU_CB_TLBIIPAS2L>::zero();
        set_field<regs::SMMU_CB_TLBIIPAS2L::ADDRESS>(w, ipa_page);
        write<regs::SMMU_CB_TLBIIPAS2L>(io_, w, layout_, bank);
      }
      ++stats_.tlbi;
    }
    mark_bank_pending(bank);
  }
  // IHI0062 9, SMMU_TLBIVMID: every entry of the VMID, completed by sTLBGSYNC.
  void invalidate_vmid(uint16_t vmid) {
    if (sabotage.skip_tlbi) return;
    auto w = WriteValue<regs::SMMU_TLBIVMID>::zero();
    set_field<regs::SMMU_TLBIVMID::VMID>(w, vmid);
    write<regs::SMMU_TLBIVMID>(io_, w, layout_);
    ++stats_.tlbi;
    global_pending_ = true;
  }

  // Completes every invalidation written so far: TLBSYNC of each bank with
  // some, polling TLBSTATUS.SACTIVE, and sTLBGSYNC for the global ones,
  // polling sTLBGSTATUS.GSACTIVE (IHI0062 16.5.36/37, 9 SMMU_sTLBGSYNC).
  Error sync() {
    if (!up_) return Error::not_up;
    if (sabotage.skip_sync) {
      pending_banks_[0] = pending_banks_[1] = 0;
      global_pending_ = false;
      return Error::none;
    }
    Error result = Error::none;
    for (unsigned bank = 0; bank < features_.banks; ++bank) {
      if ((pending_banks_[bank / 64] >> (bank % 64) & 1) == 0) continue;
      write<regs::SMMU_CB_TLBSYNC>(io_, WriteValue<regs::SMMU_CB_TLBSYNC>::zero(), layout_, bank);
      ++stats_.syncs;
      if (!poll_until([&] { return read<regs::SMMU_CB_TLBSTATUS>(io_, layout_, bank).raw() == 0; }, options_.poll_attempts)) {
        result = Error::sync_timeout;
      }
    }
    pending_banks_[0] = pending_banks_[1] = 0;
    if (global_pending_) {
      write<regs::SMMU_STLBGSYNC>(io_, WriteValue<regs::SMMU_STLBGSYNC>::zero(), layout_);
      ++stats_.syncs;
      if (!poll_until([&] { return read<regs::SMMU_STLBGSTATUS>(io_, layout_).raw() == 0; }, options_.poll_attempts)) {
        result = Error::sync_timeout;
      }
      global_pending_ = false;
    }
    if (result != Error::none) stuck_ = true;
    return result;
  }

  // False once a TLB synchronization timed out: prepare then refuses every
  // plan, since no commit could be carried out.
  bool healthy() const { return up_ && !stuck_; }

  // Reads the global fault and every context bank's fault into
  // sink(FaultRecord), then clears them (write 1 to clear). A MULTI bit
  // means faults were lost while one was held: reported as overflow.
  template <class Sink>
  uint64_t drain_faults(Sink&& sink) {
    using namespace regs;
    if (!up_) return 0;
    uint64_t delivered = 0;
    const ReadValue<SMMU_SGFSR> gfsr = read<SMMU_SGFSR>(io_, layout_);
    if (gfsr.raw() != 0) {
      const ReadValue<SMMU_SGFSYNR0> syn0 = read<SMMU_SGFSYNR0>(io_, layout_);
      const ReadValue<SMMU_SGFSYNR1> syn1 = read<SMMU_SGFSYNR1>(io_, layout_);
      FaultRecord r;
      r.unit = unit_;
      r.raw_type = static_cast<uint32_t>(gfsr.raw());
      // USF: a stream no group matches; ICF: a group whose S2CR faults (IHI0062
      // 2.3.4). This driver makes both only for streams that must abort.
      r.reason = gfsr.get<SMMU_SGFSR::USF>() != 0   ? FaultReason::stream_aborted
                 : gfsr.get<SMMU_SGFSR::ICF>() != 0 ? FaultReason::stream_aborted
                 : gfsr.get<SMMU_SGFSR::SMCF>() != 0 ? FaultReason::bad_config
                 : gfsr.get<SMMU_SGFSR::UCBF>() != 0 ? FaultReason::bad_config
                 : gfsr.get<SMMU_SGFSR::EF>() != 0   ? FaultReason::walk_abort
                                                      : FaultReason::global_error;
      if ((gfsr.raw() & ~(uint64_t{1} << SMMU_SGFSR::MULTI::lo)) != 0) {
        r.stream = static_cast<uint32_t>(syn1.get<SMMU_SGFSYNR1::STREAMID>());
        r.stream_known = true;
        r.address = read<SMMU_SGFAR>(io_, layout_).raw();
        r.address_known = true;
        r.access = access_of(syn0.get<SMMU_SGFSYNR0::WNR>(), syn0.get<SMMU_SGFSYNR0::IND>());
        sink(r);
        ++delivered;
      }
      if (gfsr.get<SMMU_SGFSR::MULTI>() != 0) delivered += overflow(sink);
      write<SMMU_SGFSR>(io_, WriteValue<SMMU_SGFSR>::from_bits(gfsr.raw()), layout_);
    }
    for (unsigned bank = 0; bank < features_.banks; ++bank) {
      const ReadValue<SMMU_CB_FSR> fsr = read<SMMU_CB_FSR>(io_, layout_, bank);
      const uint64_t faults = fsr.raw() & ~(uint64_t{3} << SMMU_CB_FSR::FORMAT::lo);
      if (faults == 0) continue;
      const ReadValue<SMMU_CB_FSYNR0> syn0 = read<SMMU_CB_FSYNR0>(io_, layout_, bank);
      FaultRecord r;
      r.unit = unit_;
      r.raw_type = static_cast<uint32_t>(faults);
      r.stage = 2;
      r.reason = fsr.get<SMMU_CB_FSR::TF>() != 0    ? FaultReason::translation
                 : fsr.get<SMMU_CB_FSR::PF>() != 0  ? FaultReason::permission
                 : fsr.get<SMMU_CB_FSR::AFF>() != 0 ? FaultReason::access_flag
                 : fsr.get<SMMU_CB_FSR::ASF>() != 0 ? FaultReason::address_size
                 : fsr.get<SMMU_CB_FSR::EF>() != 0  ? FaultReason::walk_abort
                                                    : FaultReason::other;
      if ((faults & ~(uint64_t{1} << SMMU_CB_FSR::MULTI::lo)) != 0) {
        r.stream = static_cast<uint32_t>(read<SMMU_CBFRSYNRA>(io_, layout_, 0, bank).template get<SMMU_CBFRSYNRA::STREAMID>());
        r.stream_known = true;
        r.address = read<SMMU_CB_FAR>(io_, layout_, bank).raw();
        r.address_known = true;
        r.access = access_of(syn0.get<SMMU_CB_FSYNR0::WNR>(), syn0.get<SMMU_CB_FSYNR0::IND>());
        sink(r);
        ++delivered;
      }
      if (fsr.get<SMMU_CB_FSR::MULTI>() != 0) delivered += overflow(sink);
      write<SMMU_CB_FSR>(io_, WriteValue<SMMU_CB_FSR>::from_bits(faults), layout_, bank);
    }
    stats_.faults += delivered;
    return delivered;
  }

 private:
  template <class F, class Reg>
  static void set_field(WriteValue<Reg>& w, uint64_t v) {
    if (!w.template try_set<F>(v)) __builtin_trap();  // the driver bounded every value
  }
  template <class Reg>
  void put(const WriteValue<Reg>& w, unsigned group) {
    write<Reg>(io_, w, layout_, 0, group);
    ++stats_.register_writes;
  }
  void mark_bank_pending(unsigned bank) { pending_banks_[bank / 64] |= uint64_t{1} << (bank % 64); }
  static FaultAccess access_of(uint64_t wnr, uint64_t ind) {
    return ind != 0 ? FaultAccess::exec : wnr != 0 ? FaultAccess::write : FaultAccess::read;
  }
  template <class Sink>
  uint64_t overflow(Sink& sink) {
    FaultRecord r;
    r.unit = unit_;
    r.reason = FaultReason::overflow;
    sink(r);
    return 1;
  }

  Io& io_;
  uint32_t unit_;
  Layout layout_{};
  Features features_{};
  Options options_{};
  bool up_ = false;
  bool global_pending_ = false;
  bool stuck_ = false;
  uint64_t pending_banks_[2] = {0, 0};
  DriverStats stats_{};
};

}  // namespace smmuman::hw::arm_smmuv2
