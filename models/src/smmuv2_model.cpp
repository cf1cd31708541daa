#include "smmuman/models/smmuv2_model.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smmuv2_model {

namespace {

// ---- Constants, from the manual (Arm IHI 0062D.c unless said otherwise) --------------------------
// Sections of DDI 0487 are those of issue M.a.a.

// 9.1 Table 9-1: Global Register Space 0, offsets from SMMU_GR0_BASE.
constexpr uint64_t kCr0 = 0x000, kCr2 = 0x008, kAcr = 0x010;
constexpr uint64_t kIdr0 = 0x020, kIdr1 = 0x024, kIdr2 = 0x028, kIdr7 = 0x03C;  // IDR3-6 read as zero (9.6.1)
constexpr uint64_t kGfar = 0x040, kGfsr = 0x048, kGfsrRestore = 0x04C, kGfsynr0 = 0x050, kGfsynr1 = 0x054,
                   kGfsynr2 = 0x058;
constexpr uint64_t kTlbiVmid = 0x064, kTlbiAllNsnh = 0x068, kTlbiAllH = 0x06C, kTlbGSync = 0x070,
                   kTlbGStatus = 0x074, kTlbiVmidS1 = 0x0B8;
constexpr uint64_t kSmr0 = 0x800, kS2cr0 = 0xC00;  // SMMU_SMRn at 0x800 + 4n, SMMU_S2CRn at 0xC00 + 4n (n < 128)

// 10.1 Table 10-1: Global Register Space 1, offsets from SMMU_GR1_BASE.
constexpr uint64_t kCbar0 = 0x000, kCbfrsynra0 = 0x400, kCba2r0 = 0x800;

// 17.2 Table 17-1: stage 2 translation context bank, offsets from SMMU_CBn_BASE.
constexpr uint64_t kSctlr = 0x000, kActlr = 0x004, kResume = 0x008, kTtbr0 = 0x020, kTcr = 0x030, kFsr = 0x058,
                   kFsrRestore = 0x05C, kFar = 0x060, kFsynr0 = 0x068, kFsynr1 = 0x06C, kIpafar = 0x070,
                   kTlbiIpaS2 = 0x630, kTlbiIpaS2L = 0x638, kTlbSync = 0x7F0, kTlbStatus = 0x7F4;
// 16.2 Table 16-1: SMMU_CBn_TLBIALL, a stage 1 bank register; 17.1 lists it among those that do not
// exist in a stage 2 bank, so a TLBIALL written to a stage 2 bank has no architected effect.
constexpr uint64_t kTlbiAll = 0x618;

// 9.6.3 SMMU_CR0 (the Non-secure copy of SMMU_sCR0).
constexpr uint32_t kCr0ClientPd = 1u << 0, kCr0Gfre = 1u << 1, kCr0Gfie = 1u << 2, kCr0ExidEnable = 1u << 3,
                   kCr0GcfgFre = 1u << 4, kCr0GcfgFie = 1u << 5, kCr0TransientCfg = 3u << 6, kCr0StallD = 1u << 8,
                   kCr0Gse = 1u << 9, kCr0UsfCfg = 1u << 10, kCr0VmidPne = 1u << 11, kCr0Ptm = 1u << 12,
                   kCr0Fb = 1u << 13, kCr0Bsu = 3u << 14, kCr0MemAttr = 0xFu << 16, kCr0MtCfg = 1u << 20,
                   kCr0SmcfCfg = 1u << 21, kCr0ShCfg = 3u << 22, kCr0RaCfg = 3u << 24, kCr0WaCfg = 3u << 26,
                   kCr0HypMode = 1u << 30, kCr0Vmid16En = 1u << 31;
// Bits software can change on the MMU-500. EXIDENABLE is RAZ/WI without IDR0.EXIDS (9.6.3); HYPMODE is
// RES0 without E2HC (9.6.3, IDR2.E2HS = 0); GCFGFRE, GCFGFIE, STALLD and GSE are read-only zeros and
// SMCFCFG a read-only one on the MMU-500 (its sCR0 field table, reset 0x00200001, as published in the
// Intel Stratix 10 / Agilex HPS register maps of their MMU-500; 9.6.3: "If not configurable, the value of
// SMCFCFG is fixed and writes are ignored").
constexpr uint32_t kCr0Writable = kCr0ClientPd | kCr0Gfre | kCr0Gfie | kCr0TransientCfg | kCr0UsfCfg |
                                  kCr0VmidPne | kCr0Ptm | kCr0Fb | kCr0Bsu | kCr0MemAttr | kCr0MtCfg | kCr0ShCfg |
                                  kCr0RaCfg | kCr0WaCfg | kCr0Vmid16En;
constexpr uint32_t kCr0Fixed = kCr0SmcfCfg;
// 9.2 Table 9-2: CLIENTPD resets to 1; the MMU-500 resets SMCFCFG to 1 and every other field to 0.
constexpr uint32_t kCr0Reset = kCr0ClientPd | kCr0SmcfCfg;
static_assert((kCr0Writable & (kCr0ExidEnable | kCr0GcfgFre | kCr0GcfgFie | kCr0StallD | kCr0Gse | kCr0HypMode)) ==
              0);

// 9.6.15 SMMU_sGFSR (write 1 to clear).
constexpr uint32_t kGfsrIcf = 1u << 0, kGfsrUsf = 1u << 1, kGfsrSmcf = 1u << 2, kGfsrUcbf = 1u << 3,
                   kGfsrMulti = 1u << 31;
constexpr uint32_t kGfsrDefined = 0x1FFu | kGfsrMulti;  // ICF..UUT [8:0], MULTI [31]
// 9.6.17 SMMU_sGFSYNR0.
constexpr uint32_t kGfsynr0Nested = 1u << 0, kGfsynr0Wnr = 1u << 1, kGfsynr0Ind = 1u << 3;  // PNU [2]

// 9.6.25 SMMU_SMRn when SMMU_sCR0.EXIDENABLE == 0.
constexpr uint32_t kSmrValid = 1u << 31;
constexpr unsigned kSmrMaskShift = 16;
constexpr uint32_t kSmrId = 0x7FFF, kSmrImplemented = kSmrValid | (0x7FFFu << kSmrMaskShift) | kSmrId;  // bit 15 reserved

// 9.6.23 SMMU_S2CRn: TYPE [17:16], CBNDX [7:0] (translation format), INSTCFG [27:26], PRIVCFG [25:24].
constexpr unsigned kS2crTypeShift = 16;
constexpr uint32_t kS2crTranslate = 0, kS2crBypass = 1, kS2crFault = 2;  // 0b11 is "treated as a fault context"
// MMU-500 reset value of SMMU_S2CRn: 0x00020000, TYPE = 0b10 fault (the MMU-500 register reference in
// AMD UG1087 "SMMU_S2CRn (SMMU500)"; the architecture says UNKNOWN, 9.6.23).
constexpr uint32_t kS2crReset = kS2crFault << kS2crTypeShift;

// 10.2.1 SMMU_CBARn: TYPE [17:16], VMID [7:0].
constexpr uint32_t kCbarStage2 = 0, kCbarS1S2Bypass = 1, kCbarS1S2Fault = 2, kCbarNested = 3;
// 10.2.2 SMMU_CBA2Rn: VMID16 [31:16], MONC [1] (RAZ/WI without two Security states), VA64 [0].
constexpr uint32_t kCba2rVa64 = 1u << 0;

// 17.3.3 SMMU_CBn_SCTLR (stage 2 format).
constexpr uint32_t kSctlrM = 1u << 0, kSctlrE = 1u << 4, kSctlrAffd = 1u << 3, kSctlrHupcf = 1u << 8;
// 16.5.9 SMMU_CBn_FSR.
constexpr uint32_t kFsrTf = 1u << 1, kFsrAff = 1u << 2, kFsrPf = 1u << 3, kFsrEf = 1u << 4, kFsrAsf = 1u << 7,
                   kFsrSs = 1u << 30, kFsrMulti = 1u << 31;
constexpr unsigned kFsrFormatShift = 9;
constexpr uint32_t kFsrFormat = 3u << kFsrFormatShift;  // read-only, generated from CBA2Rn.VA64
// 17.3.1 SMMU_CBn_FSYNR0 (stage 2 format).
constexpr uint32_t kFsynr0Wnr = 1u << 4, kFsynr0Pnu = 1u << 5, kFsynr0Ind = 1u << 6, kFsynr0Ptwf = 1u << 10;
// 17.3.6 SMMU_CBn_TLBSTATUS.SACTIVE and 9.6.21 SMMU_sTLBGSTATUS.GSACTIVE read 0: syncs complete at once.

// IHI0062 9.6.1 SMMU_IDR0.
constexpr unsigned kIdr0NumSmrgShift = 0, kIdr0NumSidbShift = 9, kIdr0NumIrptShift = 16;
constexpr uint32_t kIdr0Btm = 1u << 13, kIdr0Cttw = 1u << 14, kIdr0AtosNs = 1u << 26,
                   kIdr0Sms = 1u << 27, kIdr0Nts = 1u << 28, kIdr0S2ts = 1u << 29, kIdr0S1ts = 1u << 30;
// SMMU_IDR1.
constexpr unsigned kIdr1NumCbShift = 0, kIdr1NumS2cbShift = 16, kIdr1NumPageNdxbShift = 28;
constexpr uint32_t kIdr1PageSize = 1u << 31;
// SMMU_IDR2.
constexpr unsigned kIdr2IasShift = 0, kIdr2OasShift = 4, kIdr2UbsShift = 8;
constexpr uint32_t kIdr2Ptfs4k = 1u << 12, kIdr2Ptfs64k = 1u << 14, kIdr2Vmid16s = 1u << 15;  // PTFSv8_16kB [13]
constexpr unsigned kAddressSizeBits[8] = {32, 36, 40, 42, 44, 48, 48, 48};  // IAS/OAS/PASize encodings; reserved: 48

// DDI0487 D8.2.8: the lowest input-address bit each 4 KiB-granule lookup level indexes.
constexpr unsigned kLevelLo[4] = {39, 30, 21, 12};
// IHI0062 2.6.4 Table 2-9 (stage 2, 4 KiB granule): the T0SZ range permitted for a walk starting at
// level 0, 1 and 2 (SL0 = 2, 1, 0), concatenating up to 16 tables at levels 1 and 2. Indexed by level.
constexpr unsigned kT0szMin[3] = {16, 21, 30}, kT0szMax[3] = {24, 33, 39};

constexpr size_t kTlbCapacity = 4096, kWalkCapacity = 4096;

constexpr uint64_t bits(uint64_t word, unsigned hi, unsigned lo) {
  const unsigned width = hi - lo + 1;
  return (word >> lo) & (width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1);
}

}  // namespace

Ids Ids::mmu500(unsigned numcb, unsigned numsmrg) {
  numcb = std::min(numcb, 128u);      // 9.6.1: NUMCB and NUMSMRG are in the range 0-128
  numsmrg = std::min(numsmrg, 128u);
  // 8.1.1: NUMPAGE = 2^(NUMPAGENDXB + 1) pages hold the global space, and as many the context banks.
  // The MMU-500 sizes it to its context banks (16 banks: NUMPAGENDXB = 3 in AMD UG1087; 32 banks: 4 in
  // the Intel Stratix 10 map); at least 4 pages are kept for GR0, GR1, the IMPLEMENTATION DEFINED page
  // and the PMU page (8.2 Table 8-1), which the MMU-500 implements.
  unsigned ndxb = 1;
  while ((2u << ndxb) < numcb && ndxb < 7) ++ndxb;
  Ids ids;
  // SES reads as 0 in the Non-secure view (9.6.1); NUMIRPT = 1: one interrupt per context bank (3.6.2);
  // ATOSNS = 1, PTFS = 0 and BTM = 1 as in the Intel Stratix 10 MMU-500 (SIDR0 0xFC013E40); CTTW = 1 as
  // integrated with coherent table walks (a system choice).
  ids.idr0 = kIdr0S1ts | kIdr0S2ts | kIdr0Nts | kIdr0Sms | kIdr0AtosNs | (1u << kIdr0NumIrptShift) | kIdr0Cttw |
             kIdr0Btm | (15u << kIdr0NumSidbShift) | (numsmrg << kIdr0NumSmrgShift);  // EXIDS [8] = 0
  // PAGESIZE = 0 (4 KiB), NUMS2CB = 0, SMCD = 0 (as in the Intel and AMD MMU-500 maps); SSDTP and
  // NUMSSDNDXB read as 0 in the Non-secure view (9.6.1).
  ids.idr1 = (ndxb << kIdr1NumPageNdxbShift) | (0u << kIdr1NumS2cbShift) | (numcb << kIdr1NumCbShift);
  // IAS = OAS = 48 bits (0b0101), UBS = 49 bits (0b0101), 4 KiB and 64 KiB granules, 16-bit VMIDs.
  ids.idr2 = (5u << kIdr2IasShift) | (5u << kIdr2OasShift) | (5u << kIdr2UbsShift) | kIdr2Ptfs4k | kIdr2Ptfs64k |
             kIdr2Vmid16s;
  ids.idr7 = 0x24;  // MAJOR 2, MINOR 4: r2p4 (IDR7 layout 9.6.1; the revision is this model's choice)
  return ids;
}

// ---- Construction and register decoding ----------------------------------------------------------

Model::Model(sim::SimDma& memory, Ids ids) : mem_(memory), ids_(ids) {
  numsmrg_ = std::min<unsigned>(static_cast<unsigned>(bits(ids_.idr0, 7, 0)), 128);
  numcb_ = std::min<unsigned>(static_cast<unsigned>(bits(ids_.idr1, 7, 0)), 128);
  numpage_ = 2u << bits(ids_.idr1, 30, 28);
  page_size_ = (ids_.idr1 & kIdr1PageSize) ? 0x10000 : 0x1000;  // 8.1.1: PAGESIZE 0 is 4 KiB, 1 is 64 KiB
  sms_ = (ids_.idr0 & kIdr0Sms) != 0;
  vmid16s_ = (ids_.idr2 & kIdr2Vmid16s) != 0;
  ias_bits_ = kAddressSizeBits[bits(ids_.idr2, 3, 0) & 7];
  oas_bits_ = kAddressSizeBits[bits(ids_.idr2, 7, 4) & 7];
  cr0_ = kCr0Reset;
  groups_.assign(numsmrg_, Group{0, kS2crReset, false});  // SMRn reset to 0, VALID = 0, on the MMU-500 (UG1087)
  banks_.resize(numcb_);
  for (Bank& b : banks_) b.actlr = 0x3;  // MMU-500 SMMU_CBn_ACTLR reset: CPRE | CMTLB (UG1087)
}

const std::vector<std::string>& Model::hazards() const { return hazards_; }
uint64_t Model::tlb_entries() const { return tlb_.size(); }

int Model::decode(uint64_t offset, uint64_t& within, unsigned& bank) const {
  const uint64_t page = offset / page_size_;
  within = offset % page_size_;
  if (page == 0) return 0;  // 8.2.1 Table 8-2: SMMU_GR0_BASE
  if (page == 1) return 1;  // SMMU_GR1_BASE
  if (page >= numpage_ && page - numpage_ < numcb_) {  // 8.1.2: SMMU_CBn_BASE = SMMU_CB_BASE + n * PAGESIZE
    bank = static_cast<unsigned>(page - numpage_);
    return 2;
  }
  return -1;  // IMPLEMENTATION DEFINED, PMU, SSD or unimplemented banks: RAZ/WI here (8.3, 3.9)
}

uint16_t Model::vmid_of(unsigned n) const {
  // 2.6.2: the VMID is SMMU_CBARn.VMID, or SMMU_CBA2Rn.VMID16 when SMMU_CR0.VMID16EN is 1.
  const Bank& b = banks_[n];
  if (cr0_ & kCr0Vmid16En) return static_cast<uint16_t>(bits(b.cba2r, 31, 16));
  return static_cast<uint16_t>(bits(b.cbar, 7, 0));
}

uint32_t Model::gr0_read(uint64_t off) const {
  switch (off) {
    case kCr0: return cr0_;
    case kCr2: return cr2_;
    case kAcr: return acr_;
    case kIdr0: return ids_.idr0;
    case kIdr1: return ids_.idr1;
    case kIdr2: return ids_.idr2;
    case kIdr7: return ids_.idr7;
    case kGfar: return static_cast<uint32_t>(gfar_);
    case kGfar + 4: return static_cast<uint32_t>(gfar_ >> 32);
    case kGfsr: return gfsr_;
    case kGfsynr0: return gfsynr0_;
    case kGfsynr1: return gfsynr1_;
    case kGfsynr2: return gfsynr2_;
    case kTlbGStatus: return 0;  // GSACTIVE: every sync completes at once
    default: break;
  }
  if (off >= kSmr0 && off < kSmr0 + 4 * uint64_t{numsmrg_} && off % 4 == 0) {
    return sms_ ? groups_[(off - kSmr0) / 4].smr : 0;  // 9.1: RAZ/WI with StreamID indexing
  }
  if (off >= kS2cr0 && off < kS2cr0 + 4 * uint64_t{numsmrg_} && off % 4 == 0) return groups_[(off - kS2cr0) / 4].s2cr;
  return 0;  // IDR3-6, write-only and unimplemented registers
}

uint32_t Model::gr1_read(uint64_t off) const {
  if (off % 4 != 0) return 0;
  if (off >= kCbar0 && off < kCbar0 + 4 * uint64_t{numcb_}) return banks_[(off - kCbar0) / 4].cbar;
  if (off >= kCbfrsynra0 && off < kCbfrsynra0 + 4 * uint64_t{numcb_}) return banks_[(off - kCbfrsynra0) / 4].cbfrsynra;
  if (off >= kCba2r0 && off < kCba2r0 + 4 * uint64_t{numcb_}) return banks_[(off - kCba2r0) / 4].cba2r;
  return 0;
}

uint32_t Model::cb_read(unsigned n, uint64_t off) const {
  const Bank& b = banks_[n];
  switch (off) {
    case kSctlr: return b.sctlr;
    case kActlr: return b.actlr;
    case kTtbr0: return static_cast<uint32_t>(b.ttbr0);
    case kTtbr0 + 4: return static_cast<uint32_t>(b.ttbr0 >> 32);
    case kTcr: return b.tcr;
    case kFsr: {
      // 16.5.9: Format is generated from CBA2Rn.VA64: 0b10 AArch64, 0b01 AArch32 Long-descriptor (a
      // stage 2 bank has TCR.EAE fixed at 1, 17.1).
      const uint32_t format = (b.cba2r & kCba2rVa64) ? 2u : 1u;
      return (b.fsr & ~kFsrFormat) | (format << kFsrFormatShift);
    }
    case kFar: return static_cast<uint32_t>(b.far);
    case kFar + 4: return static_cast<uint32_t>(b.far >> 32);
    case kFsynr0: return b.fsynr0;
    case kFsynr1: return b.fsynr1;
    case kIpafar: return static_cast<uint32_t>(b.ipafar);
    case kIpafar + 4: return static_cast<uint32_t>(b.ipafar >> 32);
    case kTlbStatus: return 0;  // SACTIVE: every sync completes at once
    default: return 0;          // 3.9: undefined context bank registers are RAZ/WI in SMMUv2
  }
}

uint32_t Model::read32(uint64_t offset) {
  uint64_t within = 0;
  unsigned bank = 0;
  switch (decode(offset, within, bank)) {
    case 0: return gr0_read(within);
    case 1: return gr1_read(within);
    case 2: return cb_read(bank, within);
    default: return 0;
  }
}

uint64_t Model::read64(uint64_t offset) {
  // 64-bit registers: SMMU_sGFAR, SMMU_CBn_TTBR0, _FAR and _IPAFAR; any other 64-bit read returns the
  // two 32-bit registers it covers.
  return uint64_t{read32(offset)} | (uint64_t{read32(offset + 4)} << 32);
}

// ---- Register writes -----------------------------------------------------------------------------

void Model::write32(uint64_t offset, uint32_t value) {
  uint64_t within = 0;
  unsigned bank = 0;
  switch (decode(offset, within, bank)) {
    case 0: gr0_write(within, value); return;
    case 1: gr1_write(within, value); return;
    case 2: cb_write(bank, within, value); return;
    default: return;
  }
}

void Model::write64(uint64_t offset, uint64_t value) {
  uint64_t within = 0;
  unsigned bank = 0;
  const int space = decode(offset, within, bank);
  if (space == 2 &&
      (within == kTtbr0 || within == kFar || within == kIpafar || within == kTlbiIpaS2 || within == kTlbiIpaS2L)) {
    cb_write64(bank, within, value);  // 17.2: 64-bit atomic access to the 64-bit registers
    return;
  }
  if (space == 0 && within == kGfar) {
    gfar_ = value;
    return;
  }
  if (space >= 0) {
    // 9.1, 10.1, 17.2: registers support atomic access at their own size; other sizes are IMPLEMENTATION
    // DEFINED. Modelled as two 32-bit writes, low word first.
    hazards_.push_back(fmt::format("64-bit write of {:#x} to {:#x}, a 32-bit register (IHI0062 9.1, 10.1, 17.2)", value,
                                   offset));
  }
  write32(offset, static_cast<uint32_t>(value));
  write32(offset + 4, static_cast<uint32_t>(value >> 32));
}

void Model::gr0_write(uint64_t off, uint32_t value) {
  switch (off) {
    case kCr0: {
      uint32_t writable = kCr0Writable;
      if (!vmid16s_) writable &= ~kCr0Vmid16En;  // 9.6.3: RES0 without 16-bit VMID support
      cr0_ = (value & writable) | kCr0Fixed;
      return;
    }
    case kCr2: cr2_ = value; return;
    case kAcr: acr_ = value; return;
    case kGfar: gfar_ = (gfar_ & ~uint64_t{0xFFFFFFFF}) | value; return;
    case kGfar + 4: gfar_ = (gfar_ & 0xFFFFFFFF) | (uint64_t{value} << 32); return;
    case kGfsr: gfsr_ &= ~(value & kGfsrDefined); return;  // 9.6.15: write 1 to clear
    case kGfsrRestore: gfsr_ = value & kGfsrDefined; return;  // 9.6.16: overwrites SMMU_sGFSR
    case kGfsynr0: gfsynr0_ = value; return;
    case kGfsynr1: gfsynr1_ = value; return;
    case kGfsynr2: gfsynr2_ = value; return;
    case kTlbiVmid: {  // 9.6.35: VMID [15:0]; [15:8] reserved without 16-bit VMIDs
      const uint16_t vmid = static_cast<uint16_t>(value & (vmid16s_ ? 0xFFFF : 0xFF));
      pending_.push_back({Pending::Kind::vmid, -1, vmid, 0});
      return;
    }
    case kTlbiAllNsnh: pending_.push_back({Pending::Kind::all, -1, 0, 0}); return;  // 9.6.29
    case kTlbiAllH: return;    // 9.6.28: Hyp-tagged entries only; this model makes none
    case kTlbiVmidS1: return;  // 9.6.36: stage 1 entries only; this model makes none
    case kTlbGSync: apply_pending(-1); return;  // 5.4.2: completes operations of the global space and every bank
    default: break;
  }
  if (off % 4 != 0) return;
  if (off >= kSmr0 && off < kSmr0 + 4 * uint64_t{numsmrg_}) {
    if (sms_) write_smr(static_cast<unsigned>((off - kSmr0) / 4), value);
    return;
  }
  if (off >= kS2cr0 && off < kS2cr0 + 4 * uint64_t{numsmrg_}) {
    Group& g = groups_[(off - kS2cr0) / 4];
    g.s2cr = value;  // 9.5: fields reserved in one TYPE format keep their value for the others
    g.s2cr_written = true;
  }
}

void Model::write_smr(unsigned n, uint32_t value) {
  Group& g = groups_[n];
  value &= kSmrImplemented;
  const bool was_valid = (g.smr & kSmrValid) != 0, valid = (value & kSmrValid) != 0;
  if (!valid) {
    g.smr = value;
    g.s2cr_written = false;
    return;
  }
  if (!was_valid && !g.s2cr_written) {
    // 9.6.23 / 2.3.10: S2CRn resets to an UNKNOWN value and the stream mapping table must be initialized
    // before use; a group made valid without its S2CR written since the SMR was last invalid maps the
    // stream to whatever S2CRn last held.
    hazards_.push_back(fmt::format(
        "SMR{0} made valid (ID {1:#x}, MASK {2:#x}) before S2CR{0} was written since the SMR was last invalid "
        "(IHI0062 2.3.10, 9.6.23)",
        n, value & kSmrId, bits(value, 30, 16)));
  }
  // 2.3.7 / 9.6.25: software must ensure that a StreamID matches at most one valid entry.
  const uint32_t id = value & kSmrId, mask = static_cast<uint32_t>(bits(value, 30, 16));
  for (unsigned j = 0; j < numsmrg_; ++j) {
    const Group& o = groups_[j];
    if (j == n || !(o.smr & kSmrValid)) continue;
    const uint32_t oid = o.smr & kSmrId, omask = static_cast<uint32_t>(bits(o.smr, 30, 16));
    if (((id ^ oid) & ~(mask | omask) & kSmrId) == 0) {
      hazards_.push_back(fmt::format(
          "SMR{} (ID {:#x}, MASK {:#x}) made valid overlapping valid SMR{} (ID {:#x}, MASK {:#x}): a StreamID "
          "may match two entries (IHI0062 2.3.7, 9.6.25)",
          n, id, mask, j, oid, omask));
    }
  }
  g.smr = value;
}

void Model::gr1_write(uint64_t off, uint32_t value) {
  if (off % 4 != 0) return;
  if (off >= kCbar0 && off < kCbar0 + 4 * uint64_t{numcb_}) {
    const unsigned n = static_cast<unsigned>((off - kCbar0) / 4);
    if (banks_[n].cbar != value) bank_changed(n, "CBAR");
    banks_[n].cbar = value;
    banks_[n].last_config_hazard.clear();
    return;
  }
  if (off >= kCbfrsynra0 && off < kCbfrsynra0 + 4 * uint64_t{numcb_}) {
    banks_[(off - kCbfrsynra0) / 4].cbfrsynra = value;
    return;
  }
  if (off >= kCba2r0 && off < kCba2r0 + 4 * uint64_t{numcb_}) {
    const unsigned n = static_cast<unsigned>((off - kCba2r0) / 4);
    // 10.2.2: VMID16 [31:16] (RES0 without 16-bit VMIDs), VA64 [0]; MONC is RAZ/WI without two
    // Security states.
    const uint32_t v = value & ((vmid16s_ ? 0xFFFF0000u : 0u) | kCba2rVa64);
    if (banks_[n].cba2r != v) bank_changed(n, "CBA2R");
    banks_[n].cba2r = v;
    banks_[n].last_config_hazard.clear();
  }
}

// The stream mapping group, if any, whose valid SMR and translating S2CR route traffic to bank n.
int Model::live_group(unsigned n) const {
  for (unsigned g = 0; g < numsmrg_; ++g) {
    const Group& grp = groups_[g];
    if (sms_ && !(grp.smr & kSmrValid)) continue;
    if (bits(grp.s2cr, 17, 16) == kS2crTranslate && bits(grp.s2cr, 7, 0) == n) return static_cast<int>(g);
  }
  return -1;
}

void Model::bank_changed(unsigned n, const char* reg) {
  // 5.1: before a non-atomic change to a context bank, software disables it (SCTLR.M = 0) and
  // invalidates what it may have cached; the SMMU may walk an enabled context at any time.
  if (!(banks_[n].sctlr & kSctlrM)) return;
  const int g = live_group(n);
  if (g < 0) return;
  hazards_.push_back(fmt::format(
      "context bank {} {} changed while live: SCTLR.M is 1 and stream group {} translates through it "
      "(IHI0062 5.1)",
      n, reg, g));
}

void Model::cb_write(unsigned n, uint64_t off, uint32_t value) {
  Bank& b = banks_[n];
  switch (off) {
    case kSctlr:
      b.sctlr = value;
      b.last_config_hazard.clear();
      return;
    case kActlr: b.actlr = value; return;
    case kResume: return;  // SMMU_CBn_RESUME (3.7.3): no transaction is ever stalled in this model
    case kTtbr0: cb_write64(n, kTtbr0, (b.ttbr0 & ~uint64_t{0xFFFFFFFF}) | value); return;
    case kTtbr0 + 4: cb_write64(n, kTtbr0, (b.ttbr0 & 0xFFFFFFFF) | (uint64_t{value} << 32)); return;
    case kTcr:
      if (b.tcr != value) bank_changed(n, "TCR");
      b.tcr = value;
      b.last_config_hazard.clear();
      return;
    case kFsr: b.fsr &= ~(value & ~(kFsrSs | kFsrFormat)); return;  // 3.6.3: write 1 to clear, except SS and Format
    case kFsrRestore: b.fsr = (value & ~(kFsrSs | kFsrFormat)) | (b.fsr & kFsrSs); return;  // 16.5.10
    case kFar: b.far = (b.far & ~uint64_t{0xFFFFFFFF}) | value; return;
    case kFar + 4: b.far = (b.far & 0xFFFFFFFF) | (uint64_t{value} << 32); return;
    case kFsynr0: b.fsynr0 = value; return;
    case kFsynr1: b.fsynr1 = value; return;
    case kIpafar: b.ipafar = (b.ipafar & ~uint64_t{0xFFFFFFFF}) | value; return;
    case kIpafar + 4: b.ipafar = (b.ipafar & 0xFFFFFFFF) | (uint64_t{value} << 32); return;
    case kTlbiIpaS2:
    case kTlbiIpaS2L: cb_write64(n, off, value); return;  // a 32-bit write to the low word zero-extends
    case kTlbiAll:
      if (bits(b.cbar, 17, 16) == kCbarStage2) {
        hazards_.push_back(fmt::format(
            "context bank {}: TLBIALL written, but a stage 2 context bank has no TLBIALL and the write has no "
            "effect; invalidate by VMID (SMMU_TLBIVMID) instead (IHI0062 17.1, 3.9)",
            n));
      }
      return;
    case kTlbSync: apply_pending(static_cast<int>(n)); return;  // 17.3.7: this bank's invalidations
    default: return;
  }
}

void Model::cb_write64(unsigned n, uint64_t off, uint64_t value) {
  Bank& b = banks_[n];
  switch (off) {
    case kTtbr0:
      if (b.ttbr0 != value) bank_changed(n, "TTBR0");
      b.ttbr0 = value;
      b.last_config_hazard.clear();
      return;
    case kFar: b.far = value; return;
    case kIpafar: b.ipafar = value; return;
    case kTlbiIpaS2:
    case kTlbiIpaS2L: {
      // 17.3.4 / 17.3.5: Address[47:12] in bits [35:0]; bits above IAS are ignored.
      const bool leaf = off == kTlbiIpaS2L;
      const unsigned type = static_cast<unsigned>(bits(b.cbar, 17, 16));
      if (type != kCbarStage2) {
        hazards_.push_back(fmt::format(
            "context bank {}: {} written but CBAR.TYPE is {}, not a stage 2 context; the register exists only in a "
            "stage 2 context bank (IHI0062 17.1, 17.3.4)",
            n, leaf ? "TLBIIPAS2L" : "TLBIIPAS2", type));
        return;
      }
      uint64_t ipa = bits(value, 35, 0) << 12;
      if (ias_bits_ < 64) ipa &= (uint64_t{1} << ias_bits_) - 1;
      pending_.push_back({leaf ? Pending::Kind::ipa_leaf : Pending::Kind::ipa, static_cast<int>(n), vmid_of(n), ipa});
      return;
    }
    default: cb_write(n, off, static_cast<uint32_t>(value)); return;
  }
}

void Model::apply_pending(int bank) {
  // 5.4.2: a SYNC in a context bank completes the invalidations accepted in that bank; a global SYNC
  // completes those accepted in the global space or in any bank.
  std::vector<Pending> keep;
  for (const Pending& p : pending_) {
    if (bank >= 0 && p.bank != bank) {
      keep.push_back(p);
      continue;
    }
    switch (p.kind) {
      case Pending::Kind::all:  // 9.6.29: every Non-secure non-Hyp entry
        tlb_.clear();
        walks_.clear();
        break;
      case Pending::Kind::vmid:  // 9.6.35 and 5.4.1: leaf and table entries of that VMID
        std::erase_if(tlb_, [&](const TlbEntry& e) { return e.vmid == p.vmid; });
        std::erase_if(walks_, [&](const WalkEntry& w) { return w.vmid == p.vmid; });
        break;
      case Pending::Kind::ipa:  // 17.3.4: every entry for that IPA, at any level
      case Pending::Kind::ipa_leaf:  // 17.3.5: entries from the final level of lookup only
        std::erase_if(tlb_, [&](const TlbEntry& e) {
          return e.vmid == p.vmid && p.ipa >= e.base && p.ipa - e.base < e.size;
        });
        if (p.kind == Pending::Kind::ipa) {
          std::erase_if(walks_, [&](const WalkEntry& w) {
            return w.vmid == p.vmid && p.ipa >= w.base && p.ipa - w.base < w.span;
          });
        }
        break;
    }
  }
  pending_ = std::move(keep);
}

void Model::config_hazard(unsigned n, const std::string& what) {
  Bank& b = banks_[n];
  if (b.last_config_hazard == what) return;  // once per configuration, not once per transaction
  b.last_config_hazard = what;
  hazards_.push_back(what);
}

// ---- Fault recording -----------------------------------------------------------------------------

bool Model::record_global(uint32_t bit, uint32_t sid, uint64_t address, Access kind, bool nested) {
  // 3.8.1 "Multiple fault conditions": full details only when SMMU_sGFSR is 0, MULTI included;
  // otherwise only MULTI is set.
  if (gfsr_ != 0) {
    gfsr_ |= kGfsrMulti;
    return false;
  }
  gfsr_ = bit;
  gfar_ = address;
  // 3.4: a global fault records the default input attributes. 9.6.17: NSATTR and NSSTATE are reserved in
  // the Non-secure SMMU_GFSYNR0; the model has no privilege input, so PNU is 0.
  gfsynr0_ = (nested ? kGfsynr0Nested : 0) | (kind == Access::write ? kGfsynr0Wnr : 0) |
             (kind == Access::exec ? kGfsynr0Ind : 0);
  gfsynr1_ = sid & 0xFFFF;  // 9.6.18: StreamID [15:0]; SSD_Index is RAZ/WI to Non-secure accesses
  gfsynr2_ = 0;
  return true;
}

bool Model::record_context(unsigned n, uint32_t bit, uint32_t sid, uint64_t address, Access kind, unsigned level,
                           bool ptwf, bool privileged) {
  Bank& b = banks_[n];
  // 3.7.2 "Multiple faults": full details only when every field of SMMU_CBn_FSR is 0 (Format aside,
  // 3.7.3 FaultSetIn()); otherwise MULTI is set and nothing else changes.
  if ((b.fsr & ~kFsrFormat) != 0) {
    b.fsr |= kFsrMulti;
    return false;
  }
  b.fsr = bit;
  b.far = address;                      // 16.5.8: the input address
  b.ipafar = address & ~uint64_t{0xFFF};  // 17.3.2: FADDR [M-1:12], the IPA; bits [11:0] UNKNOWN
  // 17.3.1: PLVL [1:0], WNR [4], PNU [5], IND [6] (after the S2CRn transformations, 3.4), PTWF [10].
  b.fsynr0 = (level & 3) | (kind == Access::write ? kFsynr0Wnr : 0) | (privileged ? kFsynr0Pnu : 0) |
             (kind == Access::exec ? kFsynr0Ind : 0) | (ptwf ? kFsynr0Ptwf : 0);
  b.cbfrsynra = sid & 0xFFFF;  // 10.2.3: StreamID [15:0]
  return true;
}

// ---- Transactions --------------------------------------------------------------------------------

// 2.3.2 / 2.3.7: the stream mapping group of `sid`, and how many match. With stream matching,
// VALID entries are searched for ((StreamID ^ ID) & ~MASK) == 0 over the 15 implemented StreamID
// bits (9.6.25); with stream indexing (2.3.8) the StreamID selects the group.
int Model::match_group(uint32_t sid, unsigned& matches) const {
  int match = -1;
  matches = 0;
  if (sms_) {
    for (unsigned g = 0; g < numsmrg_; ++g) {
      const uint32_t smr = groups_[g].smr;
      if (!(smr & kSmrValid)) continue;
      const uint32_t id = smr & kSmrId, mask = static_cast<uint32_t>(bits(smr, 30, 16));
      if (((sid ^ id) & ~mask & kSmrId) == 0 && matches++ == 0) match = static_cast<int>(g);
    }
  } else if (sid < numsmrg_) {
    match = static_cast<int>(sid);
    matches = 1;
  }
  return match;
}

Outcome Model::access(uint32_t sid, uint64_t address, Access kind) {
  Outcome out;
  if (cr0_ & kCr0ClientPd) {  // 2.1: client transactions bypass translation and protection checks
    out.allowed = true;
    out.pa = address;
    return out;
  }
  unsigned matches = 0;
  const int match = match_group(sid, matches);
  if (matches == 0) {
    if (!(cr0_ & kCr0UsfCfg)) {  // 2.3.6 / 9.6.3 USFCFG = 0: pass through
      out.allowed = true;
      out.pa = address;
      return out;
    }
    out.global = true;  // 3.8: Unidentified stream fault
    out.fault_recorded = record_global(kGfsrUsf, sid, address, kind, false);
    return out;
  }
  if (matches > 1) {
    if (!(cr0_ & kCr0SmcfCfg)) {  // 2.3.5: SMCFCFG = 0 bypasses (never on the MMU-500: fixed at 1)
      out.allowed = true;
      out.pa = address;
      return out;
    }
    out.global = true;  // 3.8: Stream match conflict fault
    out.fault_recorded = record_global(kGfsrSmcf, sid, address, kind, false);
    return out;
  }
  const uint32_t s2cr = groups_[static_cast<unsigned>(match)].s2cr;
  switch (bits(s2cr, 17, 16)) {
    case kS2crBypass:  // 2.3.4 Bypass mode: no translation, no protection check
      out.allowed = true;
      out.pa = address;
      return out;
    case kS2crTranslate: return translate(static_cast<unsigned>(bits(s2cr, 7, 0)), sid, address, kind, s2cr);
    default:  // 0b10 fault, 0b11 "treated as a fault context" (9.6.23): an Invalid context fault (2.3.4, 3.8)
      out.global = true;
      out.fault_recorded = record_global(kGfsrIcf, sid, address, kind, false);
      return out;
  }
}

// The same rules as walk(), over every entry, reading memory only.
void Model::list_leaves(unsigned n, uint64_t table, unsigned level, unsigned index_bits, uint64_t base, uint64_t parent,
                        unsigned ps_bits, std::vector<sim::ProgrammedLeaf>& out) const {
  const bool affd = (banks_[n].sctlr & kSctlrAffd) != 0;
  const uint64_t entries = uint64_t{1} << index_bits;
  for (uint64_t index = 0; index < entries; ++index) {
    const uint64_t at = table + index * 8;
    if (!mem_.contains(at, 8)) return;  // an external abort: nothing below is reachable
    const uint64_t d = descriptor(n, at);
    if (bits(d, 0, 0) == 0) continue;
    const uint64_t ia = base + (index << kLevelLo[level]);
    const bool table_or_page = bits(d, 1, 1) != 0;
    if (level < 3 && table_or_page) {
      const uint64_t next = bits(d, 47, 12) << 12;
      if ((next >> ps_bits) != 0) continue;  // address size fault
      list_leaves(n, next, level + 1, 9, ia, at, ps_bits, out);
      continue;
    }
    if (level == 0 || (level == 3 && !table_or_page)) continue;  // translation fault
    const uint64_t size = uint64_t{1} << kLevelLo[level];
    const uint64_t out_base = bits(d, 47, kLevelLo[level]) << kLevelLo[level];
    if ((out_base >> ps_bits) != 0) continue;         // address size fault
    if (bits(d, 10, 10) == 0 && !affd) continue;      // access flag fault
    out.push_back(sim::ProgrammedLeaf{ia, size, out_base, bits(d, 6, 6) != 0, bits(d, 7, 7) != 0,
                                      bits(d, 54, 54) == 0, at, parent});
  }
}

sim::ProgrammedStream Model::programmed(uint32_t sid) {
  using Kind = sim::ProgrammedStream::Kind;
  sim::ProgrammedStream out;
  if (cr0_ & kCr0ClientPd) {
    out.kind = Kind::bypass;
    return out;
  }
  unsigned matches = 0;
  const int match = match_group(sid, matches);
  if (matches == 0) {
    out.kind = (cr0_ & kCr0UsfCfg) ? Kind::abort : Kind::bypass;
    return out;
  }
  if (matches > 1) {
    out.kind = (cr0_ & kCr0SmcfCfg) ? Kind::abort : Kind::bypass;
    return out;
  }
  const uint32_t s2cr = groups_[static_cast<unsigned>(match)].s2cr;
  if (bits(s2cr, 17, 16) == kS2crBypass) {
    out.kind = Kind::bypass;
    return out;
  }
  if (bits(s2cr, 17, 16) != kS2crTranslate) return out;
  const unsigned n = static_cast<unsigned>(bits(s2cr, 7, 0));
  if (n >= numcb_) return out;
  const Bank& b = banks_[n];
  if (bits(b.cbar, 17, 16) != kCbarStage2 || !(b.cba2r & kCba2rVa64)) return out;  // denied, as translate() does
  if (!(b.sctlr & kSctlrM)) {  // untranslated, below the output size
    out.kind = Kind::bypass;
    return out;
  }
  const unsigned t0sz = static_cast<unsigned>(bits(b.tcr, 5, 0));
  const unsigned sl0 = static_cast<unsigned>(bits(b.tcr, 7, 6));
  const unsigned ps_bits = std::min(kAddressSizeBits[bits(b.tcr, 18, 16)], oas_bits_);
  if (bits(b.tcr, 15, 14) != 0 || sl0 > 2 || t0sz < kT0szMin[2 - sl0] || t0sz > kT0szMax[2 - sl0]) return out;
  out.kind = Kind::translate;
  const unsigned start = 2 - sl0;
  const unsigned start_bits = 64 - t0sz - kLevelLo[start];
  // 9.6.23 INSTCFG, as translate() applies it: 0b10 checks instruction fetches
  // as data reads, 0b11 (and reserved 0b01) checks data reads as fetches.
  const unsigned instcfg = static_cast<unsigned>(bits(s2cr, 27, 26));
  const uint64_t root_align = uint64_t{8} << start_bits;
  const uint64_t table = bits(b.ttbr0, 47, 0) & ~(root_align - 1);
  if ((table >> ps_bits) != 0) return out;
  // Input addresses above the IPA size fault: list only the part of the root below it.
  const unsigned ia_bits = std::min(64u - t0sz, ias_bits_);
  const unsigned index_bits = std::min(start_bits, ia_bits > kLevelLo[start] ? ia_bits - kLevelLo[start] : 0u);
  list_leaves(n, table, start, index_bits, 0, 0, ps_bits, out.leaves);
  for (auto& leaf : out.leaves) {
    if (instcfg == 2) leaf.exec = leaf.read;
    if (instcfg == 3 || instcfg == 1) leaf.read = leaf.exec;
  }
  return out;
}

Outcome Model::translate(unsigned n, uint32_t sid, uint64_t address, Access kind, uint32_t s2cr) {
  Outcome out;
  // 3.8.4 CheckBankValidityAndRecordFaults(): an unimplemented bank first.
  if (n >= numcb_) {
    out.global = true;
    out.fault_recorded = record_global(kGfsrUcbf, sid, address, kind, false);
    return out;
  }
  Bank& b = banks_[n];
  const unsigned type = static_cast<unsigned>(bits(b.cbar, 17, 16));
  if (type == kCbarS1S2Fault) {  // 10.2.1 TYPE 0b10 and 3.8.4: Invalid context fault, Nested flag set
    out.global = true;
    out.fault_recorded = record_global(kGfsrIcf, sid, address, kind, true);
    return out;
  }
  if (type == kCbarS1S2Bypass || type == kCbarNested) {
    config_hazard(n, fmt::format("context bank {}: CBAR.TYPE {} ({}) is a stage 1 context, which this model does "
                                 "not translate; its transactions are denied (IHI0062 10.2.1)",
                                 n, type, type == kCbarNested ? "stage 1 followed by stage 2" : "stage 1, stage 2 bypass"));
    return out;
  }
  if (!(b.cba2r & kCba2rVa64)) {
    config_hazard(n, fmt::format("context bank {}: CBA2R.VA64 is 0 (AArch32 Long-descriptor stage 2), which this "
                                 "model does not translate; its transactions are denied (IHI0062 10.2.2)",
                                 n));
    return out;
  }
  // 9.6.23: INSTCFG [27:26] (0b10 data, 0b11 or reserved 0b01 instruction; writes are always data) and
  // PRIVCFG [25:24] precondition the transaction; 3.4: the context fault records the result.
  Access effective = kind;
  const unsigned instcfg = static_cast<unsigned>(bits(s2cr, 27, 26));
  if (kind != Access::write && instcfg == 2) effective = Access::read;
  if (kind == Access::read && (instcfg == 3 || instcfg == 1)) effective = Access::exec;
  const bool privileged = bits(s2cr, 25, 24) == 3;

  // 3.7.3 pseudocode CheckForFaultsInBank(), terminate model: with a fault outstanding in FSR and
  // HUPCF = 0 the transaction aborts and nothing is recorded. Stall mode (CFCFG = 1) is modelled as
  // terminate: a stalled transaction never completes here.
  if ((b.fsr & ~kFsrFormat) != 0 && !(b.sctlr & kSctlrHupcf)) return out;

  const auto context_fault = [&](uint32_t bit, unsigned level, bool ptwf) {
    out.fault_recorded = record_context(n, bit, sid, address, effective, level, ptwf, privileged);
    return out;
  };

  if (!(b.sctlr & kSctlrM)) {
    // 2.1 (Figure 2-4) / 17.3.3: with stage 2 translation disabled the output comes from the bank's
    // SCTLR defaults, untranslated. 3.7.2: no input address check; Table 3-4 (VA64 = 1, M = 0): a PA
    // above the output address size is an address size fault.
    if (oas_bits_ < 64 && (address >> oas_bits_) != 0) return context_fault(kFsrAsf, 0, false);
    out.allowed = true;
    out.pa = address;
    return out;
  }
  const WalkResult r = walk(n, address, effective);
  switch (r.fault) {
    case Fault::none:
      out.allowed = true;
      out.pa = r.pa;
      return out;
    case Fault::translation: return context_fault(kFsrTf, r.level, false);
    case Fault::access_flag: return context_fault(kFsrAff, r.level, false);
    case Fault::permission: return context_fault(kFsrPf, r.level, false);
    case Fault::external: return context_fault(kFsrEf, r.level, true);
    case Fault::address_size: return context_fault(kFsrAsf, r.level, false);
  }
  return out;
}

uint64_t Model::descriptor(unsigned n, uint64_t at) const {
  const uint64_t d = mem_.read64(at);
  return (banks_[n].sctlr & kSctlrE) ? __builtin_bswap64(d) : d;  // 17.3.3 SCTLR.E: big-endian tables
}

Model::WalkResult Model::walk(unsigned n, uint64_t ia, Access kind) {
  const Bank& b = banks_[n];
  const uint16_t vmid = vmid_of(n);
  WalkResult r;
  // 17.3.8 SMMU_CBn_TCR, VA64 = 1 format: T0SZ [5:0], SL0 [7:6], TG0 [15:14], PASize [18:16].
  const unsigned t0sz = static_cast<unsigned>(bits(b.tcr, 5, 0));
  const unsigned sl0 = static_cast<unsigned>(bits(b.tcr, 7, 6));
  const unsigned tg0 = static_cast<unsigned>(bits(b.tcr, 15, 14));
  const unsigned ps_bits = std::min(kAddressSizeBits[bits(b.tcr, 18, 16)], oas_bits_);

  // 3.7.2 Table 3-2 (stage 2, M = 1): an IPA above the IPA size or above 2^(64 - T0SZ) is a translation
  // fault; 16.5.11: an address out of range is reported at level 0 for AArch64 (17.3.1 says level 1; the
  // SMMUv2 text of 16.5.11 and 3.7.1 is followed).
  const unsigned ia_bits = std::min(64u - std::min(t0sz, 63u), ias_bits_);
  if (ia_bits < 64 && (ia >> ia_bits) != 0) {
    r.fault = Fault::translation;
    return r;
  }
  const auto permitted = [&](const TlbEntry& e) {
    return kind == Access::read ? e.read : kind == Access::write ? e.write : e.exec;
  };
  // 2.5: a TLB entry for this VMID that covers the address is used without walking (Table 2-5: stage 2
  // entries are tagged with the VMID only, so banks sharing a VMID share entries).
  for (const TlbEntry& e : tlb_) {
    if (e.vmid == vmid && ia >= e.base && ia - e.base < e.size) {
      r.level = e.level;
      r.pa = e.pa + (ia - e.base);
      if (!permitted(e)) r.fault = Fault::permission;
      return r;
    }
  }
  // The walk's configuration.
  if (tg0 != 0) {
    config_hazard(n, fmt::format("context bank {}: TCR.TG0 = {} selects a {} granule, which this model does not "
                                 "translate; only 4 KiB (TG0 = 0) is modelled (IHI0062 17.3.8)",
                                 n, tg0, tg0 == 1 ? "64 KiB" : tg0 == 2 ? "16 KiB (not implemented by the MMU-500)"
                                                                        : "reserved"));
    r.fault = Fault::translation;
    return r;
  }
  if (sl0 > 2 || t0sz < kT0szMin[2 - sl0] || t0sz > kT0szMax[2 - sl0]) {
    // DDI0487 D8.2.8.2: SL0 inconsistent with T0SZ, or reserved, is a stage 2 level 0 translation fault.
    config_hazard(n, fmt::format("context bank {}: TCR.SL0 = {} is inconsistent with TCR.T0SZ = {} for a 4 KiB "
                                 "stage 2 walk (IHI0062 2.6.4 Table 2-9; DDI0487 D8.2.8.2): level 0 translation fault",
                                 n, sl0, t0sz));
    r.fault = Fault::translation;
    return r;
  }
  const unsigned start = 2 - sl0;  // 17.3.8: SL0 0, 1, 2 start at level 2, 1, 0
  const unsigned start_bits = 64 - t0sz - kLevelLo[start];  // up to 4 extra bits: 16 concatenated tables
  // 2.6.4 Table 2-9: the initial table is BaseAddr[PAMax-1:x] with x = start_bits + 3 (e.g. 46 - T0SZ for
  // level 2); TTBR0 bits [x-1:0] are reserved (17.3.9) and ignored here.
  const uint64_t root_align = uint64_t{8} << start_bits;
  uint64_t table = bits(b.ttbr0, 47, 0) & ~(root_align - 1);
  if ((bits(b.ttbr0, 47, 0) & (root_align - 1)) != 0) {
    config_hazard(n, fmt::format("context bank {}: TTBR0 {:#x} is not aligned to its {}-byte initial table; the low "
                                 "bits are ignored (IHI0062 17.3.9, 2.6.4)",
                                 n, b.ttbr0, root_align));
  }
  // 3.7.2 Table 3-4: the TTBR0 address above the output size is an address size fault.
  if ((table >> ps_bits) != 0) {
    r.fault = Fault::address_size;
    r.level = start;
    return r;
  }
  // Start from the deepest cached table descriptor for this VMID that covers the address.
  unsigned level = start;
  unsigned index_bits = start_bits;
  for (const WalkEntry& w : walks_) {
    if (w.vmid == vmid && ia >= w.base && ia - w.base < w.span && w.level > level) {
      level = w.level;
      table = w.table;
      index_bits = 9;
    }
  }
  const bool affd = (b.sctlr & kSctlrAffd) != 0;
  for (;;) {
    r.level = level;
    const uint64_t index = bits(ia, kLevelLo[level] + index_bits - 1, kLevelLo[level]);
    const uint64_t at = table + index * 8;
    if (!mem_.contains(at, 8)) {  // 3.7.2 / 3.10: an external abort on a walk is recorded synchronously
      r.fault = Fault::external;
      return r;
    }
    const uint64_t d = descriptor(n, at);
    if (bits(d, 0, 0) == 0) {  // DDI0487 D8.3 Table D8-48: bit 0 clear, an invalid descriptor
      r.fault = Fault::translation;
      return r;
    }
    const bool table_or_page = bits(d, 1, 1) != 0;
    if (level < 3 && table_or_page) {  // a table descriptor: next-level address [47:12]
      const uint64_t next = bits(d, 47, 12) << 12;
      if ((next >> ps_bits) != 0) {
        r.fault = Fault::address_size;
        return r;
      }
      // 5.4.1: a table entry returned without fault may be cached; keep one copy per table.
      const uint64_t span = uint64_t{1} << kLevelLo[level];
      const uint64_t base = ia & ~(span - 1);
      const bool known = std::any_of(walks_.begin(), walks_.end(), [&](const WalkEntry& w) {
        return w.vmid == vmid && w.level == level + 1 && w.base == base && w.table == next;
      });
      if (!known) {
        if (walks_.size() >= kWalkCapacity) walks_.pop_front();
        walks_.push_back(WalkEntry{vmid, static_cast<uint8_t>(level + 1), base, span, next});
      }
      table = next;
      ++level;
      index_bits = 9;
      continue;
    }
    // DDI0487 D8.3 Table D8-48 and D8.3.1.2: with the 4 KiB granule and no TCR.DS (FEAT_LPA2, absent on
    // the MMU-500), blocks exist at levels 1 and 2 only; at level 3, bits[1:0] = 0b01 are reserved and
    // treated as invalid.
    if (level == 0 || (level == 3 && !table_or_page)) {
      r.fault = Fault::translation;
      return r;
    }
    const uint64_t size = uint64_t{1} << kLevelLo[level];
    const uint64_t out_base = bits(d, 47, kLevelLo[level]) << kLevelLo[level];
    if ((out_base >> ps_bits) != 0) {  // 3.7.2 Table 3-4: PA above min(PASize, OAS)
      r.fault = Fault::address_size;
      return r;
    }
    // 17.3.3 AFFD: with AFFD = 0, AF (descriptor bit 10) = 0 is an access flag fault; with AFFD = 1 the
    // SMMU behaves as if AF were 1. AF faults are not cached (5.4.1).
    if (bits(d, 10, 10) == 0 && !affd) {
      r.fault = Fault::access_flag;
      return r;
    }
    // DDI0487 D8.4.2.1 Tables D8-76 and D8-77 (FEAT_XNX absent, as on the MMU-500): S2AP[0] (bit 6)
    // grants reads, S2AP[1] (bit 7) writes; XN (bit 54) alone decides execution, which needs no read
    // permission at stage 2.
    TlbEntry e{vmid, static_cast<uint8_t>(level), ia & ~(size - 1), size, out_base,
               bits(d, 6, 6) != 0, bits(d, 7, 7) != 0, bits(d, 54, 54) == 0};
    if (tlb_.size() >= kTlbCapacity) tlb_.pop_front();
    tlb_.push_back(e);
    r.pa = e.pa + (ia - e.base);
    if (!permitted(e)) r.fault = Fault::permission;
    return r;
  }
}

}  // namespace smmuv2_model
