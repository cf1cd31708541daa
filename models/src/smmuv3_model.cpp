#include "smmuman/models/smmuv3_model.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smmuv3_model {

namespace {

// ---- Constants, from the manual (IHI 0070 G.b unless said otherwise) -----------------------------

// 6.3: register offsets from the unit's base; Page 1 at base + 64 KiB.
constexpr uint64_t kIdr0 = 0x00, kIdr1 = 0x04, kIdr2 = 0x08, kIdr3 = 0x0C, kIdr4 = 0x10, kIdr5 = 0x14, kIidr = 0x18,
                   kAidr = 0x1C;
constexpr uint64_t kCr0 = 0x20, kCr0Ack = 0x24, kCr1 = 0x28, kCr2 = 0x2C, kStatusr = 0x40, kGbpa = 0x44,
                   kIrqCtrl = 0x50, kIrqCtrlAck = 0x54, kGerror = 0x60, kGerrorN = 0x64;
constexpr uint64_t kStrtabBase = 0x80, kStrtabBaseCfg = 0x88, kCmdqBase = 0x90, kCmdqProd = 0x98, kCmdqCons = 0x9C,
                   kEventqBase = 0xA0;
constexpr uint64_t kPage1 = 0x10000, kEventqProd = kPage1 + 0xA8, kEventqCons = kPage1 + 0xAC;

// 6.3.9 CR0 / CR0ACK.
constexpr uint32_t kSmmuEn = 1u << 0, kEventqEn = 1u << 2, kCmdqEn = 1u << 3;
// 6.3.14 GBPA.
constexpr uint32_t kGbpaAbort = 1u << 20, kGbpaUpdate = 1u << 31;
// 6.3.12 CR2.RECINVSID.
constexpr uint32_t kRecInvSid = 1u << 1;
// 6.3.19 GERROR.CMDQ_ERR.
constexpr uint32_t kCmdqErr = 1u << 0;
// 6.3.28 CMDQ_CONS.ERR, and 7.1 its codes.
constexpr unsigned kConsErrShift = 24;
constexpr unsigned kCerrorIll = 1;
// 6.3.95 / 6.3.96: EVENTQ_PROD.OVFLG, EVENTQ_CONS.OVACKFLG.
constexpr uint32_t kOverflowFlag = 1u << 31;

// 4.1.1: opcodes.
constexpr uint8_t kPrefetchConfig = 0x01, kCfgiSte = 0x03, kCfgiSteRange = 0x04, kCfgiCd = 0x05, kCfgiCdAll = 0x06,
                  kTlbiNhAll = 0x10, kTlbiNhAsid = 0x11, kTlbiNhVa = 0x12, kTlbiNhVaa = 0x13, kTlbiEl2All = 0x20,
                  kTlbiS12Vmall = 0x28, kTlbiS2Ipa = 0x2A, kTlbiNsnhAll = 0x30, kCmdSync = 0x46;

// 7.3: event numbers.
constexpr uint8_t kCBadStreamId = 0x02, kCBadSte = 0x04, kFTranslation = 0x10, kFAddrSize = 0x11, kFAccess = 0x12,
                  kFPermission = 0x13, kFWalkEabt = 0x0B;

// 5.2: STE.Config values.
constexpr unsigned kConfigAbort = 0, kConfigBypass = 4, kConfigS2 = 6;

constexpr uint64_t bits(uint64_t word, unsigned hi, unsigned lo) {
  const unsigned width = hi - lo + 1;
  return (word >> lo) & (width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1);
}
constexpr uint64_t put(unsigned hi, unsigned lo, uint64_t value) {
  const unsigned width = hi - lo + 1;
  return (value & (width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1)) << lo;
}

// DDI0487 D8.2, 4 KiB granule: the lowest input bit each level indexes.
constexpr unsigned kLevelLo[4] = {39, 30, 21, 12};

}  // namespace

Ids Ids::typical() {
  Ids ids;
  // IDR0: S2P, S1P, TTF = AArch64, COHACC, ASID16, VMID16, TTENDIAN little, STALL_MODEL terminate, ST_LEVEL 2-level.
  ids.idr0 = (1u << 0) | (1u << 1) | (2u << 2) | (1u << 4) | (1u << 12) | (1u << 18) | (2u << 21) | (1u << 24) | (1u << 27);
  // IDR1: SIDSIZE 16, EVENTQS 2^7, CMDQS 2^8.
  ids.idr1 = 16u | (7u << 16) | (8u << 21);
  ids.idr3 = 1u << 10;                        // RIL
  ids.idr5 = 5u | (1u << 4) | (1u << 6);      // OAS 48 bits, GRAN4K, GRAN64K
  return ids;
}

// ---- Registers -----------------------------------------------------------------------------------

Model::Model(SimDma& memory, Ids ids) : mem_(memory), ids_(ids) {
  mem_.observe(this);
  gbpa_ = 0;  // reset: bypass (IMPLEMENTATION DEFINED; the worst case for fail-closed)
}

bool Model::enabled() const { return (cr0_ & kSmmuEn) != 0; }

unsigned Model::oas_bits() const {
  static constexpr unsigned kOas[8] = {32, 36, 40, 42, 44, 48, 52, 56};  // 6.3.6
  return kOas[ids_.idr5 & 7];
}
unsigned Model::ias_bits() const { return std::min(oas_bits(), 48u); }  // 3.4: AArch64-only, stage 2

uint32_t Model::reg32(uint64_t offset) const {
  switch (offset) {
    case kIdr0: return ids_.idr0;
    case kIdr1: return ids_.idr1;
    case kIdr2: return 0;
    case kIdr3: return ids_.idr3;
    case kIdr4: return 0;
    case kIdr5: return ids_.idr5;
    case kIidr: return 0x43B;  // Arm
    case kAidr: return 2;      // SMMUv3.2
    case kCr0: return cr0_;
    case kCr0Ack: return cr0_;  // enables take effect at once
    case kCr1: return cr1_;
    case kCr2: return cr2_;
    case kStatusr: return 0;
    case kGbpa: return gbpa_;
    case kIrqCtrl: return irq_ctrl_;
    case kIrqCtrlAck: return irq_ctrl_;
    case kGerror: return gerror_;
    case kGerrorN: return gerrorn_;
    case kStrtabBaseCfg: return strtab_cfg_;
    case kCmdqProd: return cmdq_prod_;
    case kCmdqCons: return cmdq_cons_;
    case kEventqProd: return eventq_prod_;
    case kEventqCons: return eventq_cons_;
    default: return 0;
  }
}

uint32_t Model::read32(uint64_t offset) { return reg32(offset); }

uint64_t Model::read64(uint64_t offset) {
  switch (offset) {
    case kStrtabBase: return strtab_base_;
    case kCmdqBase: return cmdq_base_;
    case kEventqBase: return eventq_base_;
    default: return reg32(offset);
  }
}

void Model::write64(uint64_t offset, uint64_t value) {
  // 6.3.24 - 6.3.29: the bases are writable only while their enables are off.
  switch (offset) {
    case kStrtabBase:
      if (enabled()) hazards_.push_back("SMMU_STRTAB_BASE written while SMMUEN is 1 (IHI0070 6.3.24)");
      else strtab_base_ = value;
      return;
    case kCmdqBase:
      if (cr0_ & kCmdqEn) hazards_.push_back("SMMU_CMDQ_BASE written while CMDQEN is 1 (IHI0070 6.3.26)");
      else cmdq_base_ = value;
      return;
    case kEventqBase:
      if (cr0_ & kEventqEn) hazards_.push_back("SMMU_EVENTQ_BASE written while EVENTQEN is 1 (IHI0070 6.3.29)");
      else eventq_base_ = value;
      return;
    default: write32(offset, static_cast<uint32_t>(value));
  }
}

void Model::write32(uint64_t offset, uint32_t value) {
  switch (offset) {
    case kCr0: {
      // Not a rule of the manual but smmuman's: never open the unit, not even
      // while it is brought up again (6.3.14: with SMMUEN 0, GBPA decides).
      if ((value & kSmmuEn) == 0 && (gbpa_ & kGbpaAbort) == 0) {
        hazards_.push_back("SMMU_CR0.SMMUEN is 0 while SMMU_GBPA.ABORT is 0: every transaction bypasses (fail-open)");
      }
      const bool was_cmdq = (cr0_ & kCmdqEn) != 0;
      cr0_ = value;
      if (!was_cmdq && (cr0_ & kCmdqEn)) process_commands();
      return;
    }
    case kCr1:
    case kCr2:
      if (enabled()) {
        hazards_.push_back(fmt::format("SMMU_CR{} written while SMMUEN is 1 (IHI0070 6.3.11)", offset == kCr1 ? 1 : 2));
        return;
      }
      (offset == kCr1 ? cr1_ : cr2_) = value;
      return;
    case kGbpa:
      if (gbpa_ & kGbpaUpdate) hazards_.push_back("SMMU_GBPA written while Update is 1 (IHI0070 6.3.14)");
      if (value & kGbpaUpdate) gbpa_ = value & ~kGbpaUpdate;  // the update completes at once
      return;
    case kIrqCtrl: irq_ctrl_ = value; return;
    case kGerrorN: {
      gerrorn_ = value;
      if (((gerror_ ^ gerrorn_) & kCmdqErr) == 0) process_commands();  // acknowledged: resume (7.1)
      return;
    }
    case kStrtabBaseCfg:
      if (enabled()) hazards_.push_back("SMMU_STRTAB_BASE_CFG written while SMMUEN is 1 (IHI0070 6.3.25)");
      else strtab_cfg_ = value;
      return;
    case kCmdqProd:
      cmdq_prod_ = value & 0xFFFFF;
      process_commands();
      return;
    case kCmdqCons:
      if (cr0_ & kCmdqEn) hazards_.push_back("SMMU_CMDQ_CONS written while CMDQEN is 1 (IHI0070 6.3.28)");
      else cmdq_cons_ = value & 0xFFFFF;
      return;
    case kEventqProd:
      if (cr0_ & kEventqEn) hazards_.push_back("SMMU_EVENTQ_PROD written while EVENTQEN is 1 (IHI0070 6.3.95)");
      else eventq_prod_ = value & (0xFFFFF | kOverflowFlag);
      return;
    case kEventqCons: eventq_cons_ = value & (0xFFFFF | kOverflowFlag); return;
    default: return;  // read-only or unmodelled: writes ignored
  }
}

// ---- Stream table --------------------------------------------------------------------------------

uint64_t Model::ste_address(uint32_t sid, bool& in_range) {
  const unsigned log2size = static_cast<unsigned>(bits(strtab_cfg_, 5, 0));
  const unsigned fmt = static_cast<unsigned>(bits(strtab_cfg_, 17, 16));
  const uint64_t base = bits(strtab_base_, 55, 6) << 6;
  in_range = false;
  if (log2size < 32 && (uint64_t{sid} >> log2size) != 0) return 0;
  if (fmt == 0) {  // linear (3.3.1)
    in_range = true;
    return base + uint64_t{sid} * 64;
  }
  const unsigned split = static_cast<unsigned>(bits(strtab_cfg_, 10, 6));
  const uint64_t l1_addr = base + (uint64_t{sid} >> split) * 8;
  if (!mem_.contains(l1_addr, 8)) return 0;
  const uint64_t l1 = mem_.read64(l1_addr);
  const unsigned span = static_cast<unsigned>(bits(l1, 4, 0));  // 5.1: 0 invalid, else 2^(SPAN-1) STEs
  if (span == 0 || span > 12) return 0;
  const uint64_t index = sid & ((uint64_t{1} << split) - 1);
  if (index >= (uint64_t{1} << (span - 1))) return 0;
  in_range = true;
  return (bits(l1, 55, 6) << 6) + index * 64;
}

Model::Ste Model::decode_ste(const uint64_t* w) const {
  Ste s;
  if (bits(w[0], 0, 0) == 0) return s;  // V = 0: C_BAD_STE
  s.config = static_cast<unsigned>(bits(w[0], 3, 1));
  if (s.config == kConfigAbort || s.config == kConfigBypass) {
    s.valid_config = true;
    return s;
  }
  if (s.config != kConfigS2) return s;  // stage 1 and nesting: this model translates stage 2 only
  const uint64_t w2 = w[2];
  s.vmid = static_cast<uint16_t>(bits(w2, 15, 0));
  if (!(ids_.idr0 & (1u << 18)) && s.vmid > 0xFF) return s;  // VMID16 absent: 8-bit VMIDs
  s.t0sz = static_cast<unsigned>(bits(w2, 37, 32));
  s.sl0 = static_cast<unsigned>(bits(w2, 39, 38));
  const unsigned tg = static_cast<unsigned>(bits(w2, 47, 46));
  const unsigned ps = static_cast<unsigned>(bits(w2, 50, 48));
  const bool aa64 = bits(w2, 51, 51) != 0;
  s.affd = bits(w2, 53, 53) != 0;
  s.record = bits(w2, 58, 58) != 0;
  static constexpr unsigned kPs[8] = {32, 36, 40, 42, 44, 48, 52, 56};
  s.ps_bits = std::min(kPs[ps], oas_bits());
  s.ttb = bits(w[3], 55, 4) << 4;
  if (!(ids_.idr0 & 1u)) return s;                       // S2P absent
  if (!aa64 || tg != 0 || !(ids_.idr5 & (1u << 4))) return s;  // this model: AArch64, 4 KiB granule
  const unsigned ia = 64 - s.t0sz;
  if (ia < 25 || ia > ias_bits()) return s;  // DDI0487 VTCR_EL2.T0SZ, 4 KiB: 16..39; IAS (3.4)
  if (s.sl0 > 2) return s;
  const unsigned start = 2 - s.sl0;  // SL0 0: level 2, 1: level 1, 2: level 0
  const int start_bits = static_cast<int>(ia) - static_cast<int>(kLevelLo[start]);
  if (start_bits < 1 || start_bits > 9 + 4) return s;  // at most 16 concatenated tables
  const uint64_t root_bytes = std::max<uint64_t>(4096, uint64_t{8} << start_bits);
  if ((s.ttb & (root_bytes - 1)) != 0) return s;       // the root is aligned to its size
  if ((s.ttb >> s.ps_bits) != 0) return s;
  s.valid_config = true;
  return s;
}

std::optional<Model::Ste> Model::fetch_ste(uint32_t sid, uint8_t& event) {
  if (auto it = ste_cache_.find(sid); it != ste_cache_.end()) return it->second;
  bool in_range = false;
  const uint64_t at = ste_address(sid, in_range);
  if (!in_range) {
    event = kCBadStreamId;
    return std::nullopt;
  }
  if (!mem_.contains(at, 64)) {
    event = kFWalkEabt;
    return std::nullopt;
  }
  uint64_t w[8];
  for (unsigned i = 0; i < 8; ++i) w[i] = mem_.read64(at + i * 8);
  Ste s = decode_ste(w);
  if (!s.valid_config) {
    event = kCBadSte;  // illegal STEs are not cached
    return std::nullopt;
  }
  ste_cache_[sid] = s;
  return s;
}

// 3.21.3: the SMMU may read an STE's words at any time and in any order, so
// a driver changes a live STE's other words only after making it abort (and
// invalidating), and word 0 last.
void Model::before_store(uint64_t phys, uint64_t value) {
  if (strtab_cfg_ == 0 && strtab_base_ == 0) return;
  const unsigned log2size = static_cast<unsigned>(bits(strtab_cfg_, 5, 0));
  const uint64_t count = uint64_t{1} << std::min(log2size, 24u);
  // Which STE holds `phys`? Walk the stream table's layout once per store.
  const unsigned fmt = static_cast<unsigned>(bits(strtab_cfg_, 17, 16));
  const uint64_t base = bits(strtab_base_, 55, 6) << 6;
  uint64_t ste = 0;
  uint32_t sid = 0;
  bool found = false;
  if (fmt == 0) {
    if (phys >= base && phys < base + count * 64) {
      sid = static_cast<uint32_t>((phys - base) / 64);
      ste = base + uint64_t{sid} * 64;
      found = true;
    }
  } else {
    const unsigned split = static_cast<unsigned>(bits(strtab_cfg_, 10, 6));
    const uint64_t l1_count = count >> split == 0 ? 1 : count >> split;
    if (phys >= base && phys < base + l1_count * 8) return;  // an L1STD: checked when used
    for (uint64_t i = 0; i < l1_count && !found; ++i) {
      const uint64_t l1 = mem_.read64(base + i * 8);
      const unsigned span = static_cast<unsigned>(bits(l1, 4, 0));
      if (span == 0) continue;
      const uint64_t l2 = bits(l1, 55, 6) << 6;
      const uint64_t n = uint64_t{1} << (span - 1);
      if (phys >= l2 && phys < l2 + n * 64) {
        sid = static_cast<uint32_t>((i << split) + (phys - l2) / 64);
        ste = l2 + (phys - l2) / 64 * 64;
        found = true;
      }
    }
  }
  if (!found) return;
  uint64_t w[8];
  for (unsigned i = 0; i < 8; ++i) w[i] = mem_.read64(ste + i * 8);
  const unsigned word = static_cast<unsigned>((phys - ste) / 8);
  const bool live = bits(w[0], 0, 0) != 0 && bits(w[0], 3, 1) >= kConfigBypass;
  if (word != 0 && live && w[word] != value) {
    hazards_.push_back(fmt::format("stream {:#x}: word {} of a live STE changed (IHI0070 3.21.3)", sid, word));
  }
  if (word == 0) {
    uint64_t next[8];
    std::copy(w, w + 8, next);
    next[0] = value;
    const bool becomes_live = bits(value, 0, 0) != 0 && bits(value, 3, 1) >= kConfigBypass;
    if (becomes_live && !decode_ste(next).valid_config) {
      hazards_.push_back(fmt::format("stream {:#x}: STE made valid before its other words were written (IHI0070 3.21.3)", sid));
    }
  }
}

// ---- Translation ---------------------------------------------------------------------------------

Model::Fault Model::walk(const Ste& ste, uint64_t ia, Access kind, uint64_t& pa) {
  const unsigned ia_bits = 64 - ste.t0sz;
  if ((ia >> ia_bits) != 0) return Fault::translation;  // beyond S2T0SZ: stage-2 translation fault
  const auto permitted = [&](const TlbEntry& e) {
    return kind == Access::read ? e.read : kind == Access::write ? e.write : e.exec;
  };
  for (const TlbEntry& e : tlb_) {
    if (e.vmid == ste.vmid && ia >= e.base && ia - e.base < e.size) {
      pa = e.pa + (ia - e.base);
      return permitted(e) ? Fault::none : Fault::permission;
    }
  }
  // Start from the deepest cached table that covers the address, else the root.
  unsigned level = 2 - ste.sl0;
  uint64_t table = ste.ttb;
  unsigned index_bits = ia_bits - kLevelLo[level];  // the start level may span concatenated tables
  for (const WalkEntry& w : walks_) {
    if (w.vmid == ste.vmid && ia >= w.base && ia - w.base < w.span && w.level > level) {
      level = w.level;
      table = w.table;
      index_bits = 9;
    }
  }
  for (;;) {
    const uint64_t index = bits(ia, kLevelLo[level] + index_bits - 1, kLevelLo[level]);
    const uint64_t at = table + index * 8;
    if (!mem_.contains(at, 8)) return Fault::walk_eabt;
    const uint64_t d = mem_.read64(at);
    if (bits(d, 0, 0) == 0) return Fault::translation;
    const bool table_or_page = bits(d, 1, 1) != 0;
    const uint64_t oa = bits(d, 47, 12) << 12;
    if (level < 3 && table_or_page) {  // a table descriptor (DDI0487 D8.3.1)
      if ((oa >> ste.ps_bits) != 0) return Fault::addr_size;
      const uint64_t child_span = uint64_t{1} << kLevelLo[level];
      walks_.push_back(WalkEntry{ste.vmid, level + 1, ia & ~(child_span - 1), child_span, oa});
      table = oa;
      ++level;
      index_bits = 9;
      continue;
    }
    if (level == 0 || (level == 3 && !table_or_page)) return Fault::translation;  // no level-0 blocks; reserved at level 3
    const uint64_t size = uint64_t{1} << kLevelLo[level];
    const uint64_t out_base = oa & ~(size - 1);
    if ((out_base >> ste.ps_bits) != 0) return Fault::addr_size;
    if (bits(d, 10, 10) == 0 && !ste.affd) return Fault::access_flag;
    TlbEntry e{ste.vmid, ia & ~(size - 1), size, out_base, bits(d, 6, 6) != 0, bits(d, 7, 7) != 0,
               bits(d, 54, 53) == 0 || bits(d, 54, 53) == 1};  // XN 0b01: executable unprivileged (FEAT_XNX)
    if (tlb_.size() >= 4096) tlb_.erase(tlb_.begin());
    tlb_.push_back(e);
    pa = e.pa + (ia - e.base);
    return permitted(e) ? Fault::none : Fault::permission;
  }
}

// The same rules as walk(), over every entry, reading memory only.
void Model::list_leaves(const Ste& ste, uint64_t table, unsigned level, unsigned index_bits, uint64_t base,
                        uint64_t parent, std::vector<sim::ProgrammedLeaf>& out) {
  const uint64_t entries = uint64_t{1} << index_bits;
  for (uint64_t index = 0; index < entries; ++index) {
    const uint64_t at = table + index * 8;
    if (!mem_.contains(at, 8)) return;  // an external abort: nothing below is reachable
    const uint64_t d = mem_.read64(at);
    if (bits(d, 0, 0) == 0) continue;
    const uint64_t ia = base + (index << kLevelLo[level]);
    const bool table_or_page = bits(d, 1, 1) != 0;
    const uint64_t oa = bits(d, 47, 12) << 12;
    if (level < 3 && table_or_page) {  // DDI0487 D8.3.1
      if ((oa >> ste.ps_bits) != 0) continue;  // address size fault
      list_leaves(ste, oa, level + 1, 9, ia, at, out);
      continue;
    }
    if (level == 0 || (level == 3 && !table_or_page)) continue;  // translation fault
    const uint64_t size = uint64_t{1} << kLevelLo[level];
    const uint64_t out_base = oa & ~(size - 1);
    if ((out_base >> ste.ps_bits) != 0) continue;          // address size fault
    if (bits(d, 10, 10) == 0 && !ste.affd) continue;       // access flag fault
    out.push_back(sim::ProgrammedLeaf{ia, size, out_base, bits(d, 6, 6) != 0, bits(d, 7, 7) != 0,
                                      bits(d, 54, 53) == 0 || bits(d, 54, 53) == 1, at, parent});
  }
}

sim::ProgrammedStream Model::programmed(uint32_t sid) {
  sim::ProgrammedStream out;
  if (!enabled()) {  // 6.3.14: GBPA decides while SMMUEN is 0
    out.kind = (gbpa_ & kGbpaAbort) ? sim::ProgrammedStream::Kind::abort : sim::ProgrammedStream::Kind::bypass;
    return out;
  }
  bool in_range = false;
  const uint64_t at = ste_address(sid, in_range);
  if (!in_range || !mem_.contains(at, 64)) return out;  // C_BAD_STREAMID, F_WALK_EABT: aborted
  uint64_t w[8];
  for (unsigned i = 0; i < 8; ++i) w[i] = mem_.read64(at + i * 8);
  const Ste ste = decode_ste(w);
  if (!ste.valid_config || ste.config == kConfigAbort) return out;
  if (ste.config == kConfigBypass) {
    out.kind = sim::ProgrammedStream::Kind::bypass;
    return out;
  }
  out.kind = sim::ProgrammedStream::Kind::translate;
  const unsigned ia_bits = std::min(64 - ste.t0sz, ias_bits());
  const unsigned start = 2 - ste.sl0;
  list_leaves(ste, ste.ttb, start, ia_bits - kLevelLo[start], 0, 0, out.leaves);
  return out;
}

void Model::record_event(uint8_t type, uint32_t sid, uint64_t ia, Access kind, bool s2) {
  if (!(cr0_ & kEventqEn)) return;
  const unsigned log2 = static_cast<unsigned>(bits(eventq_base_, 4, 0));
  const uint64_t base = bits(eventq_base_, 55, 5) << 5;
  const uint32_t wrap = 1u << log2, mask = (2u << log2) - 1;
  const uint32_t prod = eventq_prod_ & mask, cons = eventq_cons_ & mask;
  if ((prod ^ cons) == wrap) {  // full: the record is lost; flag the overflow once (7.4)
    if ((eventq_prod_ & kOverflowFlag) == (eventq_cons_ & kOverflowFlag)) eventq_prod_ ^= kOverflowFlag;
    return;
  }
  uint64_t w[4] = {};
  w[0] = put(7, 0, type) | put(63, 32, sid);
  if (type == kFTranslation || type == kFAddrSize || type == kFAccess || type == kFPermission || type == kFWalkEabt) {
    // 7.3.13: RnW [99] (1 for reads and fetches), InD [98], S2 [103], CLASS [105:104] = IN.
    w[1] = put(99 - 64, 99 - 64, kind != Access::write) | put(98 - 64, 98 - 64, kind == Access::exec) |
           put(103 - 64, 103 - 64, s2) | put(105 - 64, 104 - 64, 2);
    w[2] = ia;
    w[3] = put(55, 12, ia >> 12);  // IPA[55:12] at [247:204]
  }
  const uint64_t at = base + uint64_t{prod & (wrap - 1)} * 32;
  if (mem_.contains(at, 32)) {
    for (unsigned i = 0; i < 4; ++i) *mem_.words_at(at + i * 8) = w[i];
  }
  eventq_prod_ = (eventq_prod_ & kOverflowFlag) | ((prod + 1) & mask);
}

Outcome Model::access(uint32_t sid, uint64_t address, Access kind) {
  Outcome out;
  if (!enabled()) {  // 6.3.14: GBPA decides while SMMUEN is 0
    if (gbpa_ & kGbpaAbort) return out;
    out.allowed = true;
    out.pa = address;
    return out;
  }
  uint8_t event = 0;
  const std::optional<Ste> ste = fetch_ste(sid, event);
  if (!ste) {
    const bool record = event != kCBadStreamId || (cr2_ & kRecInvSid) != 0;
    if (record) record_event(event, sid, address, kind, false);
    out.event = event;
    out.event_recorded = record && (cr0_ & kEventqEn) != 0;
    return out;
  }
  if (ste->config == kConfigAbort) return out;  // 5.2: abort, no event recorded
  if (ste->config == kConfigBypass) {
    out.allowed = true;
    out.pa = address;
    return out;
  }
  if ((address >> ias_bits()) != 0) {  // 3.4: beyond IAS
    if (ste->record) record_event(kFAddrSize, sid, address, kind, true);
    out.event = kFAddrSize;
    out.event_recorded = ste->record && (cr0_ & kEventqEn) != 0;
    return out;
  }
  uint64_t pa = 0;
  const Fault f = walk(*ste, address, kind, pa);
  if (f == Fault::none) {
    out.allowed = true;
    out.pa = pa;
    return out;
  }
  static constexpr uint8_t kEvent[] = {0, kFTranslation, kFAddrSize, kFAccess, kFPermission, kFWalkEabt};
  out.event = kEvent[static_cast<unsigned>(f)];
  if (ste->record) record_event(out.event, sid, address, kind, true);
  out.event_recorded = ste->record && (cr0_ & kEventqEn) != 0;
  return out;
}

// ---- Command queue -------------------------------------------------------------------------------

void Model::command_error(unsigned code) {
  ++command_errors_;
  cmdq_cons_ = (cmdq_cons_ & 0xFFFFF) | (code << kConsErrShift);
  gerror_ ^= kCmdqErr;  // active while GERROR and GERRORN differ (6.3.19)
}

void Model::process_commands() {
  if (!(cr0_ & kCmdqEn) || stalled) return;
  if ((gerror_ ^ gerrorn_) & kCmdqErr) return;  // stopped on an error until acknowledged (7.1)
  const unsigned log2 = static_cast<unsigned>(bits(cmdq_base_, 4, 0));
  const uint64_t base = bits(cmdq_base_, 55, 5) << 5;
  const uint32_t mask = (2u << log2) - 1;
  cmdq_cons_ &= 0xFFFFF;
  for (uint32_t guard = 0; (cmdq_cons_ & mask) != (cmdq_prod_ & mask) && guard < (2u << log2); ++guard) {
    const uint64_t at = base + uint64_t{cmdq_cons_ & ((1u << log2) - 1)} * 16;
    if (!mem_.contains(at, 16)) {
      command_error(2);  // CERROR_ABT
      return;
    }
    const uint64_t cmd[2] = {mem_.read64(at), mem_.read64(at + 8)};
    if (!execute(cmd)) {
      if (!injected_) {
        hazards_.push_back(fmt::format("illegal command {:#018x} {:#018x} (opcode {:#x}) raised CERROR_ILL (IHI0070 7.1)",
                                       cmd[0], cmd[1], cmd[0] & 0xFF));
      }
      injected_ = false;
      command_error(kCerrorIll);
      return;
    }
    ++commands_;
    cmdq_cons_ = (cmdq_cons_ + 1) & mask;
  }
}

bool Model::execute(const uint64_t* cmd) {
  const uint8_t op = static_cast<uint8_t>(bits(cmd[0], 7, 0));
  if (reject_opcode_once && *reject_opcode_once == op) {
    reject_opcode_once.reset();
    injected_ = true;
    return false;
  }
  const bool s2p = (ids_.idr0 & 1u) != 0, s1p = (ids_.idr0 & 2u) != 0, hyp = (ids_.idr0 & (1u << 9)) != 0;
  const bool ril = (ids_.idr3 & (1u << 10)) != 0;
  switch (op) {
    case kPrefetchConfig: return true;
    case kCfgiSte: {  // 4.3.1
      const uint32_t sid = static_cast<uint32_t>(bits(cmd[0], 63, 32));
      pending_.push_back({Pending::Kind::ste_range, sid, sid, 0, false});
      return true;
    }
    case kCfgiSteRange: {  // 4.3.2: 2^(Range+1) StreamIDs, aligned; Range 31: all
      const unsigned range = static_cast<unsigned>(bits(cmd[1], 4, 0));
      if (range == 31) {
        pending_.push_back({Pending::Kind::ste_range, 0, 0xFFFFFFFFu, 0, false});
      } else {
        const uint64_t n = uint64_t{2} << range;
        const uint64_t first = bits(cmd[0], 63, 32) & ~(n - 1);
        pending_.push_back({Pending::Kind::ste_range, first, first + n - 1, 0, false});
      }
      return true;
    }
    case kCfgiCd:
    case kCfgiCdAll:
    case kTlbiNhAll:
    case kTlbiNhAsid:
    case kTlbiNhVa:
    case kTlbiNhVaa: return s1p;  // stage-1 caches: this model keeps none
    case kTlbiEl2All: return hyp;
    case kTlbiS12Vmall: {  // 4.4.3.2
      if (!s2p) return false;
      pending_.push_back({Pending::Kind::vmall, 0, 0, static_cast<uint16_t>(bits(cmd[0], 47, 32)), false});
      return true;
    }
    case kTlbiS2Ipa: {  // 4.4.3.1, range form 4.4.1.1
      if (!s2p) return false;
      const uint16_t vmid = static_cast<uint16_t>(bits(cmd[0], 47, 32));
      const bool leaf = bits(cmd[1], 0, 0) != 0;
      const unsigned tg = static_cast<unsigned>(bits(cmd[1], 11, 10));
      const uint64_t address = bits(cmd[1], 55, 12) << 12;
      if (ril && tg != 0) {
        static constexpr unsigned kGranuleLg2[4] = {0, 12, 14, 16};
        const uint64_t num = bits(cmd[0], 16, 12), scale = bits(cmd[0], 25, 20);
        if (num == 0 && scale == 0 && bits(cmd[1], 9, 8) == 0) return false;  // reserved combination (4.4.1.1)
        const uint64_t bytes = ((num + 1) << scale) << kGranuleLg2[tg];
        pending_.push_back({Pending::Kind::s2_range, address, address + bytes - 1, vmid, leaf});
      } else {  // without RIL the range fields are ignored: one address
        pending_.push_back({Pending::Kind::s2_addr, address, address, vmid, leaf});
      }
      return true;
    }
    case kTlbiNsnhAll: pending_.push_back({Pending::Kind::all, 0, 0, 0, false}); return true;
    case kCmdSync: {  // 4.7.3: every earlier command has completed
      if (bits(cmd[0], 13, 12) == 3) return false;  // CS reserved
      apply_pending();
      return true;
    }
    default: return false;  // unknown, or a feature this SMMU lacks: CERROR_ILL
  }
}

void Model::apply_pending() {
  for (const Pending& p : pending_) {
    switch (p.kind) {
      case Pending::Kind::ste_range:
        for (auto it = ste_cache_.lower_bound(static_cast<uint32_t>(p.first)); it != ste_cache_.end() && it->first <= p.last;) {
          it = ste_cache_.erase(it);
        }
        break;
      case Pending::Kind::all:
        tlb_.clear();
        walks_.clear();
        break;
      case Pending::Kind::vmall:
        std::erase_if(tlb_, [&](const TlbEntry& e) { return e.vmid == p.vmid; });
        std::erase_if(walks_, [&](const WalkEntry& w) { return w.vmid == p.vmid; });
        break;
      case Pending::Kind::s2_range:
      case Pending::Kind::s2_addr:
        std::erase_if(tlb_, [&](const TlbEntry& e) {
          return e.vmid == p.vmid && e.base <= p.last && p.first <= e.base + (e.size - 1);
        });
        if (!p.leaf) {
          std::erase_if(walks_, [&](const WalkEntry& w) {
            return w.vmid == p.vmid && w.base <= p.last && p.first <= w.base + (w.span - 1);
          });
        }
        break;
    }
  }
  pending_.clear();
}

}  // namespace smmuv3_model
