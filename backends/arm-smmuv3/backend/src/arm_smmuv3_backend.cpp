#include "smmuman/hw/arm_smmuv3_backend.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "smmuman/hw/arm_smmuv3.hpp"

namespace smmuman::hw::arm_smmuv3 {

Backend::Backend(Mmio& mmio, Dma& dma, uint32_t unit_index) : DomainBackend(dma, unit_index), driver_(mmio, dma, unit_index) {}

core::Result<std::unique_ptr<Backend>> Backend::create(Mmio& mmio, Dma& dma, const core::Unit& unit,
                                                       uint32_t unit_index, Options options) {
  std::unique_ptr<Backend> b(new Backend(mmio, dma, unit_index));
  const auto fail = [&](const std::string& what) {
    return core::make_error(core::Errc::no_resources, fmt::format("unit {} (arm-smmuv3): {}", unit.name, what));
  };
  if (Error e = b->driver_.probe(); e != Error::none) return fail(to_string(e));
  const Features& f = b->driver_.features();
  const auto& caps = unit.capabilities;
  const unsigned input = std::min<unsigned>(caps.input_address_bits, f.input_bits);
  const unsigned output = std::min<unsigned>({caps.output_address_bits, f.output_bits, 48u});
  Geometry g;
  if (GeometryProblem p = derive_geometry(page_tables::aarch64_s2_4k, g, input, output, caps.page_sizes);
      p != GeometryProblem::none) {
    return fail(fmt::format("stage-2 tables of {}-bit input and {}-bit output: {}", input, output, to_string(p)));
  }
  b->set_geometry(g);
  b->vmid_limit_ = f.vmid16 ? 0xffff : 0xff;
  b->fail_closed_root_ = dma.allocate(g.root_bytes);
  if (b->fail_closed_root_.words == nullptr) return fail(to_string(Error::no_memory));
  if (options.stream_bits == 0) options.stream_bits = std::min<unsigned>(caps.stream_id_bits, f.sid_bits);
  if (caps.stream_id_count != 0) {
    unsigned bits = 0;
    while ((uint64_t{1} << bits) < caps.stream_id_count) ++bits;
    options.stream_bits = std::min(options.stream_bits, bits);
  }
  options.bypass_unconfigured = unit.bypass_unconfigured;
  if (Error e = b->driver_.bring_up(options, b->fail_closed_root_, b->geometry()); e != Error::none) {
    return fail(to_string(e));
  }
  return b;
}

bool Backend::pick_contexts(unsigned count, std::vector<Context>& out) {
  out.clear();
  for (uint32_t v = 1; v <= vmid_limit_ && out.size() < count; ++v) {  // VMID 0 is the fail-closed table's
    if (!vmids_in_use_.contains(static_cast<uint16_t>(v))) out.push_back(Context{static_cast<uint16_t>(v), 0});
  }
  return out.size() == count;
}

core::Status Backend::prepare_streams(const core::step::BindStreams& b) {
  for (uint32_t sid : b.stream_ids) {
    if ((uint64_t{sid} >> driver_.stream_bits()) != 0) {
      return core::make_error(core::Errc::invalid_argument,
                              fmt::format("stream {:#x} is beyond the stream table ({} bits)", sid, driver_.stream_bits()));
    }
    if (driver_.two_level() && !driver_.stream_present(sid) && !pending_l2_.contains(driver_.l1_index(sid))) {
      TablePage l2 = driver_.allocate_l2();
      if (l2.words == nullptr) return core::make_error(core::Errc::no_resources, "out of DMA memory for a level-2 stream table");
      pending_l2_[driver_.l1_index(sid)] = l2;
    }
  }
  return core::Ok{};
}

void Backend::abandon_streams() noexcept {
  for (const auto& [index, l2] : pending_l2_) driver_.release_l2(l2);
  pending_l2_.clear();
}

void Backend::program_context(const Domain& d) { vmids_in_use_.insert(d.context.vmid); }

void Backend::bind_streams(const core::step::BindStreams& b, const Domain* target) {
  for (uint32_t sid : b.stream_ids) {
    if (driver_.two_level() && !driver_.stream_present(sid)) {
      auto it = pending_l2_.find(driver_.l1_index(sid));
      if (it == pending_l2_.end()) __builtin_trap();  // prepare allocated it
      driver_.install_l2(sid, it->second);
      pending_l2_.erase(it);
    }
    if (target == nullptr) {
      driver_.set_stream_fail_closed(sid);
    } else {
      StreamConfig c;
      c.kind = StreamConfig::Kind::stage2;
      c.vmid = target->context.vmid;
      c.root = target->engine->root();
      c.geometry = &geometry();
      driver_.set_stream(sid, c);
    }
  }
}

void Backend::invalidate(const Domain& d, const Invalidation& inv) { driver_.invalidate_s2(d.context.vmid, inv); }
void Backend::invalidate_context(const Domain& d) { driver_.invalidate_vmid(d.context.vmid); }

void Backend::collect_faults(std::vector<FaultRecord>& out) {
  driver_.drain_events([&](FaultRecord r) {
    // A stream outside every domain translates with the empty table: its
    // translation fault is the abort of a detached or unconfigured stream.
    if (r.stream_known && r.reason == FaultReason::translation) {
      auto it = streams().find(r.stream);
      if (it == streams().end() || it->second.kind == TargetKind::fail_closed) r.reason = FaultReason::stream_aborted;
    }
    out.push_back(r);
  });
}

std::string Backend::describe() const {
  const Features& f = driver_.features();
  std::string out = fmt::format(
      "arm-smmuv3: SIDSIZE {} ({}), stage-2 input {} bits, output {} bits, VMID{}, RIL {}, queue {} commands\n",
      f.sid_bits, driver_.two_level() ? "2-level stream table" : "linear stream table", geometry().input_bits,
      geometry().output_bits, f.vmid16 ? 16 : 8, f.range_invalidation ? "yes" : "no", driver_.queue_capacity());
  for (const auto& [sid, s] : streams()) {
    std::string target;
    switch (s.kind) {
      case TargetKind::fail_closed: target = "abort (empty stage-2 table, VMID 0)"; break;
      case TargetKind::domain: {
        const Domain& d = domains().at(s.domain);
        target = fmt::format("stage 2, VMID {}, S2TTB {:#x} (object {})", d.context.vmid, d.engine->root(), s.domain.object);
        break;
      }
      case TargetKind::startup: {
        const Domain& d = startup_domains().at(s.device);
        target = fmt::format("stage 2, VMID {}, S2TTB {:#x} (startup mappings of {})", d.context.vmid,
                             d.engine->root(), device_label(s.device));
        break;
      }
    }
    const uint64_t* w = driver_.ste_words(sid);
    out += fmt::format("  stream {:#x}: {}; STE {:016x} {:016x} {:016x} {:016x}\n", sid, target, w[0], w[1], w[2], w[3]);
  }
  const auto summarize = [&](const std::string& name, const Domain& d) {
    const auto census = d.engine->census();
    out += fmt::format("  {}: VMID {}, {} tables, {} leaves written\n", name, d.context.vmid, census.tables,
                       d.engine->stats().leaves_written);
  };
  for (const auto& [id, d] : domains()) summarize(fmt::format("domain of object {}", id.object), d);
  for (const auto& [dev, d] : startup_domains()) summarize("startup domain of " + device_label(dev), d);
  return out;
}

}  // namespace smmuman::hw::arm_smmuv3
