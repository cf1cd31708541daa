// An Arm SMMUv2 as the CoreLink MMU-500 implements it, written from the
// architecture manual (Arm IHI 0062D.c, "SMMU architecture versions 1.0 and
// 2.0"), the MMU-500 TRM (Arm DDI 0517) and the VMSAv8-64 stage-2 rules of
// Arm DDI 0487 chapter D8, with its own constants and decoding: it includes
// nothing generated from spec/hw and nothing of the backend, so a wrong
// description or a wrong backend shows up as a disagreement.
//
// It sees only register accesses (the non-secure view) and the simulated
// physical memory. Transactions go through stream matching (SMRn/S2CRn),
// the context bank attributes (CBARn/CBA2Rn) and an AArch64 4 KiB-granule
// stage-2 walk from the bank's TTBR0/TCR; faults are recorded in the global
// (sGFSR/sGFAR/sGFSYNRn) or context (CBn_FSR/FAR/FSYNR0/IPAFAR, CBFRSYNRAn)
// fault registers with the manual's first-fault/MULTI rules. Leaf
// translations and table descriptors are cached per VMID and dropped only by
// the architected TLB invalidations, and only once a TLBSYNC of the bank (for
// that bank's invalidations) or an sTLBGSYNC (for all) has been written, so a
// missing invalidation or a missing sync shows up as a stale translation. It
// also checks rules a driver must follow and lists every breach.
//
// Choices where the manual leaves room (each is cited in the .cpp):
//  - reset: sCR0 = CLIENTPD | SMCFCFG (all client traffic bypasses), SMRn
//    invalid, S2CRn TYPE = fault, CBARn = 0, CBA2Rn.VA64 = 0, SCTLR = 0;
//  - SMCFCFG, GSE, STALLD, GCFGFRE and GCFGFIE are fixed as on the MMU-500;
//  - SCTLR.M = 0 on a stage-2 bank bypasses translation, as the manual says;
//  - SCTLR.HUPCF = 0 with a fault outstanding in FSR terminates every later
//    transaction of that bank, unrecorded (IHI0062 3.7.3);
//  - stall mode (SCTLR.CFCFG = 1) is modelled as terminate;
//  - stage-1, nested and AArch32 contexts, and granules other than 4 KiB,
//    are not modelled: a hazard is recorded and the transaction denied.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "smmuman/models/programmed.hpp"
#include "smmuman/models/sim_dma.hpp"
#include "smmuman/hw/machine.hpp"

namespace smmuv2_model {

// ID register values a model reports (IHI0062 9.6.1).
struct Ids {
  uint32_t idr0 = 0, idr1 = 0, idr2 = 0, idr7 = 0;
  // An MMU-500 as Arm ships it (DDI0517): stream matching, stage 1, stage 2
  // and nested support, 15-bit StreamIDs, 4 KiB register pages, `numcb`
  // context banks (no stage-2-only ones), `numsmrg` stream mapping groups,
  // 48-bit IPA and PA, a 49-bit upstream bus, 4 KiB and 64 KiB granules and
  // 16-bit VMIDs.
  static Ids mmu500(unsigned numcb = 8, unsigned numsmrg = 48);
};

enum class Access : uint8_t { read, write, exec };

struct Outcome {
  bool allowed = false;
  uint64_t pa = 0;
  bool fault_recorded = false;  // a context or global fault was recorded in the fault registers
  bool global = false;          // the fault was a global fault (sGFSR), not a context fault (CBn_FSR)
};

class Model : public smmuman::hw::Mmio {
 public:
  Model(sim::SimDma& memory, Ids ids);  // reads page tables through memory.contains()/read64()

  uint32_t read32(uint64_t offset) override;  // offsets from the SMMU's base
  uint64_t read64(uint64_t offset) override;
  void write32(uint64_t offset, uint32_t value) override;
  void write64(uint64_t offset, uint64_t value) override;

  // One DMA transaction from stream `sid` to input address `address`.
  Outcome access(uint32_t sid, uint64_t address, Access kind);

  // What the registers and memory give stream `sid` now, read without any
  // cache or outstanding fault: its stream mapping group, S2CR and context
  // bank, then every valid leaf of the bank's stage-2 tables.
  sim::ProgrammedStream programmed(uint32_t sid);

  // Breaches of rules a driver must follow, in order (empty when none), each naming the manual section.
  const std::vector<std::string>& hazards() const;
  uint64_t tlb_entries() const;

 private:
  struct Group {  // a stream mapping register group (IHI0062 2.3.3)
    uint32_t smr = 0;
    uint32_t s2cr = 0;
    bool s2cr_written = false;  // since the SMR was last invalid
  };
  struct Bank {  // a translation context bank and its global-space attributes
    uint32_t cbar = 0, cba2r = 0, cbfrsynra = 0;
    uint32_t sctlr = 0, actlr = 0, tcr = 0, fsr = 0, fsynr0 = 0, fsynr1 = 0;
    uint64_t ttbr0 = 0, far = 0, ipafar = 0;
    std::string last_config_hazard;  // reported once until the bank is reprogrammed
  };
  struct TlbEntry {
    uint16_t vmid;
    uint8_t level;
    uint64_t base, size, pa;
    bool read, write, exec;
  };
  struct WalkEntry {  // a table descriptor the walk used
    uint16_t vmid;
    uint8_t level;         // the level of the table it points to
    uint64_t base, span;   // the input range that table translates
    uint64_t table;
  };
  struct Pending {  // an accepted, not yet synchronized TLB invalidation (IHI0062 5.4.2)
    enum class Kind : uint8_t { ipa, ipa_leaf, vmid, all } kind;
    int bank;  // the context bank it was accepted in, or -1 for the global space
    uint16_t vmid;
    uint64_t ipa;
  };
  enum class Fault : uint8_t { none, translation, access_flag, permission, external, address_size };
  struct WalkResult {
    Fault fault = Fault::none;
    unsigned level = 0;
    uint64_t pa = 0;
  };

  uint32_t gr0_read(uint64_t off) const;
  uint32_t gr1_read(uint64_t off) const;
  uint32_t cb_read(unsigned n, uint64_t off) const;
  void gr0_write(uint64_t off, uint32_t value);
  void gr1_write(uint64_t off, uint32_t value);
  void cb_write(unsigned n, uint64_t off, uint32_t value);
  void cb_write64(unsigned n, uint64_t off, uint64_t value);
  // Which register space `offset` falls in: 0 = GR0, 1 = GR1, 2 = context bank (`bank` set), -1 = none.
  int decode(uint64_t offset, uint64_t& within, unsigned& bank) const;

  void write_smr(unsigned n, uint32_t value);
  void bank_changed(unsigned n, const char* reg);
  int live_group(unsigned n) const;
  uint16_t vmid_of(unsigned n) const;
  void apply_pending(int bank);
  void config_hazard(unsigned n, const std::string& what);

  Outcome translate(unsigned n, uint32_t sid, uint64_t address, Access kind, uint32_t s2cr);
  WalkResult walk(unsigned n, uint64_t ia, Access kind);
  bool record_global(uint32_t bit, uint32_t sid, uint64_t address, Access kind, bool nested);
  bool record_context(unsigned n, uint32_t bit, uint32_t sid, uint64_t address, Access kind, unsigned level,
                      bool ptwf, bool privileged);
  uint64_t descriptor(unsigned n, uint64_t at) const;
  // The first stream mapping group matching `sid` (-1: none); `matches` counts them.
  int match_group(uint32_t sid, unsigned& matches) const;
  void list_leaves(unsigned n, uint64_t table, unsigned level, unsigned index_bits, uint64_t base, uint64_t parent,
                   unsigned ps_bits, std::vector<sim::ProgrammedLeaf>& out) const;

  sim::SimDma& mem_;
  Ids ids_;
  unsigned numcb_ = 0, numsmrg_ = 0, numpage_ = 2, oas_bits_ = 48, ias_bits_ = 48;
  uint64_t page_size_ = 0x1000;
  bool vmid16s_ = false, sms_ = true;
  // Global register space 0 (IHI0062 9.1).
  uint32_t cr0_ = 0, cr2_ = 0, acr_ = 0;
  uint64_t gfar_ = 0;
  uint32_t gfsr_ = 0, gfsynr0_ = 0, gfsynr1_ = 0, gfsynr2_ = 0;
  std::vector<Group> groups_;
  std::vector<Bank> banks_;
  // Caches.
  std::deque<TlbEntry> tlb_;
  std::deque<WalkEntry> walks_;
  std::vector<Pending> pending_;
  std::vector<std::string> hazards_;
};

}  // namespace smmuv2_model
