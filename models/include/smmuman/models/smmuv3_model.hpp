// An Arm SMMUv3 written from the architecture manual (IHI 0070 G.b) and the
// stage-2 translation rules of DDI 0487, with its own constants and decoding:
// it includes nothing generated from spec/hw and nothing of the backend, so
// a wrong description or a wrong backend shows up as a disagreement.
//
// It sees only register accesses and the simulated physical memory. It
// walks stream tables and stage-2 tables as the hardware does, processes the
// command queue (an illegal command raises CERROR_ILL), writes event records
// in the manual's layout, and caches STEs, translations and table walks so
// that only the architecturally required invalidation, completed by a
// CMD_SYNC, drops them. It also checks the rules a driver must follow when
// it changes an STE the SMMU may be reading, and lists every breach.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "smmuman/models/programmed.hpp"
#include "smmuman/models/sim_dma.hpp"
#include "smmuman/hw/machine.hpp"

namespace smmuv3_model {

using sim::SimDma;

// ID register values a model reports; the defaults describe a recent SMMUv3.2
// with stage 1 and 2, 2-level stream tables, 16-bit SIDs, RIL and 48-bit OAS.
struct Ids {
  uint32_t idr0 = 0;
  uint32_t idr1 = 0;
  uint32_t idr3 = 0;
  uint32_t idr5 = 0;
  static Ids typical();
};

enum class Access : uint8_t { read, write, exec };

struct Outcome {
  bool allowed = false;
  uint64_t pa = 0;
  bool event_recorded = false;
  uint8_t event = 0;  // the event number recorded, when one was
};

class Model : public smmuman::hw::Mmio, public sim::StoreObserver {
 public:
  Model(SimDma& memory, Ids ids);

  uint32_t read32(uint64_t offset) override;
  uint64_t read64(uint64_t offset) override;
  void write32(uint64_t offset, uint32_t value) override;
  void write64(uint64_t offset, uint64_t value) override;

  // One DMA transaction from `sid` to input address `address`.
  Outcome access(uint32_t sid, uint64_t address, Access kind);

  // What the registers and memory give stream `sid` now, read without any
  // cache: its STE, then every valid leaf of its stage-2 tables.
  sim::ProgrammedStream programmed(uint32_t sid);

  // Called by SimDma before a store the SMMU may observe is made.
  void before_store(uint64_t phys, uint64_t value) override;

  // Breaches of the manual's rules a driver must follow, in order.
  const std::vector<std::string>& hazards() const { return hazards_; }
  uint64_t commands_processed() const { return commands_; }
  uint64_t command_errors() const { return command_errors_; }
  uint64_t tlb_entries() const { return tlb_.size(); }
  bool enabled() const;
  // Makes the next command of this opcode illegal once (command-error tests).
  std::optional<uint8_t> reject_opcode_once;
  // A unit that stops consuming its command queue (a hung or powered-down SMMU).
  bool stalled = false;

 private:
  struct Ste {
    bool valid_config = false;  // decodes to a legal configuration
    unsigned config = 0;        // STE.Config
    bool record = false;        // S2R
    uint16_t vmid = 0;
    unsigned t0sz = 0, sl0 = 0, ps_bits = 0;
    bool affd = false;
    uint64_t ttb = 0;
  };
  struct TlbEntry {
    uint16_t vmid;
    uint64_t base, size, pa;
    bool read, write, exec;
  };
  struct WalkEntry {  // a table descriptor the walk used
    uint16_t vmid;
    unsigned level;   // the level of the table it points to
    uint64_t base, span;  // the input range that table translates
    uint64_t table;
  };
  enum class Fault : uint8_t { none, translation, addr_size, access_flag, permission, walk_eabt };
  struct Pending {
    enum class Kind : uint8_t { ste_range, s2_range, s2_addr, vmall, all } kind;
    uint64_t first = 0, last = 0;  // SIDs or addresses
    uint16_t vmid = 0;
    bool leaf = false;
  };

  // Registers (IHI0070 6.3), by offset from the unit's base.
  uint32_t reg32(uint64_t offset) const;
  std::optional<Ste> fetch_ste(uint32_t sid, uint8_t& event);
  Ste decode_ste(const uint64_t* w) const;
  uint64_t ste_address(uint32_t sid, bool& in_range);
  Fault walk(const Ste& ste, uint64_t ia, Access kind, uint64_t& pa);
  void list_leaves(const Ste& ste, uint64_t table, unsigned level, unsigned index_bits, uint64_t base, uint64_t parent,
                   std::vector<sim::ProgrammedLeaf>& out);
  void record_event(uint8_t type, uint32_t sid, uint64_t ia, Access kind, bool s2);
  void process_commands();
  bool execute(const uint64_t* cmd);
  void apply_pending();
  void command_error(unsigned code);
  unsigned oas_bits() const;
  unsigned ias_bits() const;

  SimDma& mem_;
  Ids ids_;
  // Control state (IHI0070 6.3.9 - 6.3.29).
  uint32_t cr0_ = 0, cr1_ = 0, cr2_ = 0, gbpa_ = 0, irq_ctrl_ = 0, gerror_ = 0, gerrorn_ = 0;
  uint64_t strtab_base_ = 0;
  uint32_t strtab_cfg_ = 0;
  uint64_t cmdq_base_ = 0;
  uint32_t cmdq_prod_ = 0, cmdq_cons_ = 0;
  uint64_t eventq_base_ = 0;
  uint32_t eventq_prod_ = 0, eventq_cons_ = 0;
  // Caches.
  std::map<uint32_t, Ste> ste_cache_;
  std::vector<TlbEntry> tlb_;
  std::vector<WalkEntry> walks_;
  std::vector<Pending> pending_;
  std::vector<std::string> hazards_;
  uint64_t commands_ = 0;
  uint64_t command_errors_ = 0;
  bool injected_ = false;  // the command in error was rejected on purpose (reject_opcode_once)
};

}  // namespace smmuv3_model
