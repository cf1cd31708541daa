#include "smmuman/hw/arm_smmuv2_backend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace smmuman::hw::arm_smmuv2 {

std::vector<std::pair<uint32_t, uint32_t>> match_groups(std::vector<uint32_t> streams) {
  std::sort(streams.begin(), streams.end());
  streams.erase(std::unique(streams.begin(), streams.end()), streams.end());
  const std::set<uint32_t> set(streams.begin(), streams.end());
  std::vector<std::pair<uint32_t, uint32_t>> out;
  std::set<uint32_t> covered;
  for (uint32_t sid : streams) {
    if (covered.contains(sid)) continue;
    unsigned k = 0;
    while (k < 15) {  // SMRn.MASK is 15 bits (IHI0062 9, SMMU_SMRn)
      const uint64_t size = uint64_t{2} << k;
      if (sid % size != 0) break;
      bool whole = true;
      for (uint64_t s = sid; s < sid + size && whole; ++s) whole = set.contains(static_cast<uint32_t>(s));
      if (!whole) break;
      ++k;
    }
    const uint32_t size = uint32_t{1} << k;
    for (uint32_t s = sid; s < sid + size; ++s) covered.insert(s);
    out.emplace_back(sid, size - 1);
  }
  return out;
}

core::Result<std::unique_ptr<Backend>> Backend::create(Mmio& mmio, Dma& dma, const core::Unit& unit,
                                                       uint32_t unit_index, Options options) {
  std::unique_ptr<Backend> b(new Backend(mmio, dma, unit_index));
  const auto fail = [&](const std::string& what) {
    return core::make_error(core::Errc::no_resources, fmt::format("unit {} (arm-smmuv2): {}", unit.name, what));
  };
  if (Error e = b->driver_.probe(); e != Error::none) return fail(to_string(e));
  const Features& f = b->driver_.features();
  const auto& caps = unit.capabilities;
  const unsigned input = std::min<unsigned>(caps.input_address_bits, f.ias_bits);
  const unsigned output = std::min<unsigned>(caps.output_address_bits, f.oas_bits);
  Geometry g;
  if (GeometryProblem p = derive_geometry(page_tables::aarch64_s2_4k, g, input, output, caps.page_sizes);
      p != GeometryProblem::none) {
    return fail(fmt::format("stage-2 tables of {}-bit input and {}-bit output: {}", input, output, to_string(p)));
  }
  b->set_geometry(g);
  b->bypass_unconfigured_ = unit.bypass_unconfigured;
  options.bypass_unconfigured = unit.bypass_unconfigured;
  b->empty_root_ = dma.allocate(g.root_bytes);
  if (b->empty_root_.words == nullptr) return fail("out of DMA memory");
  b->bank_used_.assign(f.banks, false);
  b->group_used_.assign(f.groups, false);
  if (Error e = b->driver_.bring_up(options); e != Error::none) return fail(to_string(e));
  return b;
}

bool Backend::pick_contexts(unsigned count, std::vector<Context>& out) {
  out.clear();
  for (uint32_t bank = 0; bank < bank_used_.size() && out.size() < count; ++bank) {
    // One VMID per bank: a bank's VMID is never another live bank's.
    if (!bank_used_[bank]) out.push_back(Context{static_cast<uint16_t>(bank + 1), bank});
  }
  return out.size() == count;
}

core::Status Backend::prepare_streams(const core::step::BindStreams& b) {
  const bool needs_groups = !std::holds_alternative<core::AbortTarget>(b.to) || bypass_unconfigured_;
  unsigned needed = 0;
  // SMRn.ID is 15 bits without EXIDENABLE (IHI0062 9, SMMU_SMRn), whatever NUMSIDB says.
  const unsigned bits = std::min(driver_.features().sid_bits, 15u);
  for (uint32_t sid : b.stream_ids) {
    if ((uint64_t{sid} >> bits) != 0) {
      return core::make_error(core::Errc::invalid_argument,
                              fmt::format("stream {:#x} is beyond the {} StreamID bits stream matching takes", sid, bits));
    }
  }
  if (needs_groups) {
    for (const auto& key : match_groups(b.stream_ids)) needed += groups_.contains(key) ? 0 : 1;
  }
  const unsigned free = static_cast<unsigned>(group_used_.size() - groups_.size()) - pending_groups_;
  if (needed > free) {
    return core::make_error(core::Errc::no_resources, fmt::format("no free stream match group ({} needed, {} of {} in use)",
                                                                  needed, groups_.size(), group_used_.size()));
  }
  pending_groups_ += needed;
  return core::Ok{};
}

void Backend::program_context(const Domain& d) {
  bank_used_[d.context.bank] = true;
  driver_.program_bank(d.context.bank, d.context.vmid, d.engine->root(), geometry());
}

void Backend::retire_context(const Context& context) {
  driver_.park_bank(context.bank, empty_root_.phys);
  bank_used_[context.bank] = false;
}

unsigned Backend::take_group() {
  for (unsigned g = 0; g < group_used_.size(); ++g) {
    if (!group_used_[g]) {
      group_used_[g] = true;
      if (pending_groups_ > 0) --pending_groups_;
      return g;
    }
  }
  __builtin_trap();  // prepare counted the free groups
}

void Backend::bind_streams(const core::step::BindStreams& b, const Domain* target) {
  for (const auto& key : match_groups(b.stream_ids)) {
    auto it = groups_.find(key);
    if (target != nullptr) {
      if (it == groups_.end()) {
        Group g{take_group(), false, target->context.bank};
        driver_.enable_group(g.index, key.first, key.second, g.bank);
        groups_.emplace(key, g);
      } else {
        driver_.retarget_group(it->second.index, target->context.bank);
        it->second.faulting = false;
        it->second.bank = target->context.bank;
      }
    } else if (bypass_unconfigured_) {
      if (it == groups_.end()) it = groups_.emplace(key, Group{take_group(), true, 0}).first;
      driver_.fault_group(it->second.index, key.first, key.second);
      it->second.faulting = true;
    } else if (it != groups_.end()) {
      driver_.disable_group(it->second.index);
      group_used_[it->second.index] = false;
      groups_.erase(it);
    }
  }
}

void Backend::invalidate(const Domain& d, const Invalidation& inv) {
  driver_.invalidate_ipa(d.context.bank, d.context.vmid, inv);
}

void Backend::collect_faults(std::vector<FaultRecord>& out) {
  driver_.drain_faults([&](const FaultRecord& r) { out.push_back(r); });
}

std::string Backend::describe() const {
  const Features& f = driver_.features();
  std::string out = fmt::format(
      "arm-smmuv2: {} stream match groups, {} context banks ({} stage-2 only), {} StreamID bits, stage-2 input {} bits, "
      "output {} bits, {} KiB register pages\n",
      f.groups, f.banks, f.stage2_only_banks, f.sid_bits, geometry().input_bits, geometry().output_bits,
      f.page_bytes / 1024);
  auto& driver = const_cast<Driver<Mmio>&>(driver_);  // reading registers has no effect
  for (const auto& [key, g] : groups_) {
    const std::string target = g.faulting ? "fault" : fmt::format("translate, context bank {}", g.bank);
    out += fmt::format("  SMR{}: ID {:#x} MASK {:#x} -> S2CR {}; SMR {:08x} S2CR {:08x}\n", g.index, key.first, key.second,
                       target, driver.smr(g.index), driver.s2cr(g.index));
  }
  const auto bank = [&](const std::string& name, const Domain& d) {
    out += fmt::format("  context bank {}: stage 2, VMID {}, TTBR0 {:#x}, {} tables ({})\n", d.context.bank,
                       d.context.vmid, d.engine->root(), d.engine->census().tables, name);
  };
  for (const auto& [id, d] : domains()) bank(fmt::format("object {}", id.object), d);
  for (const auto& [dev, d] : startup_domains()) bank("startup mappings of " + device_label(dev), d);
  return out;
}

}  // namespace smmuman::hw::arm_smmuv2
