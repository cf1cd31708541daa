// Deployment theorems: the static rules of one concrete configuration, asked
// of Z3 over a symbolic address and symbolic choices of items, so that a
// failure comes back as a witness — an address and the items it breaks —
// printed in the configuration's terms.
//
// Encoding: addresses are 65-bit, so that a range whose end passes 2^64 - 1
// is a range of large addresses rather than a wrapped one. An item choice is
// a 32-bit selector s; "s picks an item with property P" is the disjunction
// over items k of (s = k ∧ P_k), linear in the number of items.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "smmuman/core/range.hpp"
#include "smmuman/proofs/suites.hpp"

namespace smmuman::proofs {
namespace {

using core::Deployment;
using core::Origin;

constexpr unsigned kAddressBits = 65;
using core::u128;  // 65-bit addresses fit

std::string at(const Origin& origin) {
  const std::string where = core::to_string(origin);
  return where.empty() ? "" : " (" + where + ")";
}

// One address range of the deployment, as the theorems see it: 65-bit first
// and last, with what it is and where it was declared.
struct Span {
  u128 first = 0;
  u128 last = 0;
  std::string what;  // "VM 'vm-net' memory gpa 0x0..0xfff -> hpa 0x8000_0000"
  Origin origin;
};

std::string hex128(u128 v) {
  if (v >> 64) return fmt::format("2^64+{:#x}", static_cast<uint64_t>(v));
  return fmt::format("{:#x}", static_cast<uint64_t>(v));
}

z3::expr number(z3::context& ctx, u128 v) {
  return z3::concat(ctx.bv_val(static_cast<uint64_t>(v >> 64), kAddressBits - 64),
                    ctx.bv_val(static_cast<uint64_t>(v), 64));
}

u128 value128(const z3::model& m, const z3::expr& e) {
  const std::string digits = m.eval(e, true).get_decimal_string(0);
  u128 v = 0;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') break;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  return v;
}

// Symbols, items and the explanation of one theorem.
class Encoding {
 public:
  explicit Encoding(z3::context& ctx) : ctx_(ctx), address_(ctx.bv_const("address", kAddressBits)) {}
  z3::context& ctx() { return ctx_; }
  const z3::expr& address() const { return address_; }
  z3::expr selector(const char* name) { return ctx_.bv_const(name, 32); }
  z3::expr index(size_t k) { return ctx_.bv_val(static_cast<uint64_t>(k), 32); }

  z3::expr in(const Span& s) {
    return z3::ule(number(ctx_, s.first), address_) && z3::ule(address_, number(ctx_, s.last));
  }
  // s picks one of `items` for which `property(k)` holds.
  template <class Property>
  z3::expr pick(const z3::expr& s, size_t items, Property property) {
    z3::expr out = ctx_.bool_val(false);
    for (size_t k = 0; k < items; ++k) out = out || (s == index(k) && property(k));
    return out;
  }
  z3::expr picks_address_in(const z3::expr& s, const std::vector<Span>& spans) {
    return pick(s, spans.size(), [&](size_t k) { return in(spans[k]); });
  }

 private:
  z3::context& ctx_;
  z3::expr address_;
};

// The items of a deployment the theorems range over.
struct Items {
  struct Region {
    size_t vm;
    Span guest;
    Span host;
    const core::VmMemoryRegion* decl;
  };
  struct Passthrough {
    size_t vm;
    size_t device;
  };
  struct Stream {
    size_t device;
    size_t unit;
    uint32_t sid;
  };
  std::vector<Region> regions;
  std::vector<Span> host_ranges;  // regions[k].host
  std::vector<Span> permitted;
  std::vector<Span> frames;  // reserved regions, unit and device register frames
  std::vector<Span> unit_frames;
  std::vector<Passthrough> passthrough;
  std::vector<Stream> streams;
  std::vector<Span> startup;  // host ranges of startup mappings
  std::vector<size_t> startup_device;
};

Span span_of(const core::HpaRange& r, std::string what, Origin origin) {
  return Span{r.first(), r.last(), std::move(what), std::move(origin)};
}

Items items_of(const Deployment& d) {
  Items it;
  for (const auto& r : d.platform.memory.ranges()) {
    it.permitted.push_back(span_of(r, fmt::format("permitted memory {}", core::to_string(r)), d.platform.origin));
  }
  for (const auto& r : d.platform.reserved) {
    it.frames.push_back(
        span_of(r.range, fmt::format("reserved region '{}' {}", r.name, core::to_string(r.range)), r.origin));
  }
  for (const auto& u : d.units) {
    if (u.registers) {
      it.frames.push_back(span_of(
          *u.registers, fmt::format("the registers {} of unit '{}'", core::to_string(*u.registers), u.name), u.origin));
      it.unit_frames.push_back(it.frames.back());
    }
  }
  for (size_t k = 0; k < d.devices.size(); ++k) {
    const auto& dev = d.devices[k];
    if (const auto* mmio = std::get_if<core::MmioId>(&dev.ident)) {
      it.frames.push_back(span_of(
          mmio->registers, fmt::format("the registers {} of device '{}'", core::to_string(mmio->registers), dev.name),
          dev.origin));
    }
    for (uint32_t sid : dev.stream_ids) it.streams.push_back({k, dev.unit, sid});
  }
  for (size_t v = 0; v < d.vms.size(); ++v) {
    const auto& vm = d.vms[v];
    for (const auto& region : vm.memory) {
      const u128 host_last = static_cast<u128>(region.host_first) + (region.guest.last() - region.guest.first());
      const std::string what =
          fmt::format("VM '{}' memory {} -> hpa {}", vm.name, core::to_string(region.guest), hex128(region.host_first));
      it.regions.push_back({v, Span{region.guest.first(), region.guest.last(), what, region.origin},
                            Span{region.host_first, host_last, what, region.origin}, &region});
      it.host_ranges.push_back(it.regions.back().host);
    }
    for (core::DeviceIndex dev : vm.passthrough) {
      if (dev < d.devices.size()) it.passthrough.push_back({v, dev});
    }
  }
  for (const auto& m : d.startup_mappings) {
    if (m.device >= d.devices.size()) continue;
    const u128 last = static_cast<u128>(m.hpa_first) + (m.iova.last() - m.iova.first());
    it.startup.push_back(Span{m.hpa_first, last,
                              fmt::format("startup mapping of device '{}' {} -> hpa {}", d.devices[m.device].name,
                                          core::to_string(m.iova), hex128(m.hpa_first)),
                              m.origin});
    it.startup_device.push_back(m.device);
  }
  return it;
}

size_t chosen(const z3::model& m, const z3::expr& s) { return static_cast<size_t>(value_of(m, s)); }

using Stream = Items::Stream;

struct Builder {
  z3::context& ctx;
  const Deployment& d;
  std::shared_ptr<const Items> items;
  std::vector<Theorem>& out;

  void add(std::string id, std::string meaning, const z3::expr& premises, const z3::expr& claim,
           std::function<std::string(const z3::model&)> explain) {
    out.push_back(
        Theorem{"deployment." + id, std::move(meaning), premises, claim, std::move(explain), Expect::proof, {}});
  }

  z3::expr permitted(Encoding& e) {
    z3::expr any = ctx.bool_val(false);
    for (const auto& p : items->permitted) any = any || e.in(p);
    return any;
  }

  void vm_theorems() {
    const auto it = items;
    if (it->regions.empty()) return;
    {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr i = e->selector("region");
      const auto well_formed = [&](size_t k) {
        const auto& r = it->regions[k];
        const bool ok = (r.guest.first & core::kGranuleMask) == 0 &&
                        (r.guest.last & core::kGranuleMask) == core::kGranuleMask &&
                        (r.host.first & core::kGranuleMask) == 0 && (r.host.last >> 64) == 0 && !r.decl->perms.none();
        return ctx.bool_val(ok);
      };
      add("vm_regions_well_formed",
          "every VM memory region is granule-aligned, has permissions, and its host range ends below 2^64",
          z3::ult(i, e->index(it->regions.size())), e->pick(i, it->regions.size(), well_formed),
          [e, i, it](const z3::model& m) {
            const auto& r = it->regions[chosen(m, i)];
            return fmt::format("{}{}: host range ends at {}, permissions {}", r.host.what, at(r.host.origin),
                               hex128(r.host.last), core::to_string(r.decl->perms));
          });
    }
    {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr i = e->selector("region"), j = e->selector("other_region");
      add("vm_host_ranges_disjoint", "no host address belongs to two VM memory regions",
          e->picks_address_in(i, it->host_ranges),
          !e->pick(j, it->host_ranges.size(), [&](size_t k) { return i != e->index(k) && e->in(it->host_ranges[k]); }),
          [e, i, j, it](const z3::model& m) {
            const auto& a = it->host_ranges[chosen(m, i)];
            const auto& b = it->host_ranges[chosen(m, j)];
            return fmt::format("host address {} is in {}{} and in {}{}", hex128(value128(m, e->address())), a.what,
                               at(a.origin), b.what, at(b.origin));
          });
    }
    {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr i = e->selector("region"), j = e->selector("other_region"), v = e->selector("vm");
      add("vm_guest_ranges_disjoint", "within each VM, no guest-physical address belongs to two memory regions",
          e->pick(i, it->regions.size(),
                  [&](size_t k) { return e->in(it->regions[k].guest) && v == e->index(it->regions[k].vm); }),
          !e->pick(j, it->regions.size(),
                   [&](size_t k) {
                     return i != e->index(k) && v == e->index(it->regions[k].vm) && e->in(it->regions[k].guest);
                   }),
          [e, i, j, it](const z3::model& m) {
            const auto& a = it->regions[chosen(m, i)];
            const auto& b = it->regions[chosen(m, j)];
            return fmt::format("guest address {} is in {}{} and in {}{}", hex128(value128(m, e->address())),
                               a.guest.what, at(a.guest.origin), b.guest.what, at(b.guest.origin));
          });
    }
    {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr i = e->selector("region");
      add("vm_ranges_permitted", "every host address of every VM memory region is permitted memory",
          e->picks_address_in(i, it->host_ranges), permitted(*e), [e, i, it](const z3::model& m) {
            const auto& a = it->host_ranges[chosen(m, i)];
            return fmt::format("host address {} of {}{} is not permitted memory", hex128(value128(m, e->address())),
                               a.what, at(a.origin));
          });
    }
    if (!it->frames.empty()) {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr i = e->selector("region"), f = e->selector("frame");
      add("vm_ranges_clear_of_reserved",
          "no VM memory region reaches a reserved region, a unit's register frame or a device's registers",
          e->picks_address_in(i, it->host_ranges), !e->picks_address_in(f, it->frames),
          [e, i, f, it](const z3::model& m) {
            const auto& a = it->host_ranges[chosen(m, i)];
            const auto& b = it->frames[chosen(m, f)];
            return fmt::format("host address {} of {}{} is in {}{}", hex128(value128(m, e->address())), a.what,
                               at(a.origin), b.what, at(b.origin));
          });
    }
  }

  void device_theorems() {
    const auto it = items;
    const auto& dd = d;
    if (!it->passthrough.empty()) {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr p = e->selector("passthrough"), q = e->selector("other_passthrough"), dev = e->selector("device");
      add("devices_owned_once", "no device is passed through twice, to one VM or to two",
          e->pick(p, it->passthrough.size(), [&](size_t k) { return dev == e->index(it->passthrough[k].device); }),
          !e->pick(q, it->passthrough.size(),
                   [&](size_t k) { return p != e->index(k) && dev == e->index(it->passthrough[k].device); }),
          [&dd, p, q, it](const z3::model& m) {
            const auto& a = it->passthrough[chosen(m, p)];
            const auto& b = it->passthrough[chosen(m, q)];
            return fmt::format("device '{}'{} is passed through to VM '{}'{} and to VM '{}'{}",
                               dd.devices[a.device].name, at(dd.devices[a.device].origin), dd.vms[a.vm].name,
                               at(dd.vms[a.vm].origin), dd.vms[b.vm].name, at(dd.vms[b.vm].origin));
          });
      auto f = std::make_shared<Encoding>(ctx);
      const z3::expr fp = f->selector("passthrough");
      // A unit that lets unconfigured streams through cannot confine a VM's
      // device; nor can one the device reaches without a stream ID.
      const auto fails_closed = [&](size_t k) {
        const auto& dev = dd.devices[it->passthrough[k].device];
        const bool ok =
            dev.unit < dd.units.size() && !dd.units[dev.unit].bypass_unconfigured && !dev.stream_ids.empty();
        return ctx.bool_val(ok);
      };
      add("passthrough_units_fail_closed",
          "every pass-through device has stream IDs on a unit that aborts unconfigured streams",
          z3::ult(fp, f->index(it->passthrough.size())), f->pick(fp, it->passthrough.size(), fails_closed),
          [&dd, fp, it](const z3::model& m) {
            const auto& a = it->passthrough[chosen(m, fp)];
            const auto& dev = dd.devices[a.device];
            const std::string unit = dev.unit < dd.units.size() ? dd.units[dev.unit].name : "?";
            return fmt::format(
                "device '{}'{} is passed through to VM '{}' but {}", dev.name, at(dev.origin), dd.vms[a.vm].name,
                dev.stream_ids.empty() ? "has no stream IDs"
                                       : fmt::format("its unit '{}' bypasses unconfigured streams", unit));
          });
      // A pass-through device's unit reaches every host address of its VM.
      if (!it->regions.empty()) {
        auto g = std::make_shared<Encoding>(ctx);
        const z3::expr gp = g->selector("passthrough"), gi = g->selector("region"), v = g->selector("vm");
        const auto limit_of = [&](size_t k) {
          const auto& dev = dd.devices[it->passthrough[k].device];
          const unsigned bits = dev.unit < dd.units.size() ? dd.units[dev.unit].capabilities.output_address_bits : 64;
          return z3::ule(g->address(), number(ctx, (static_cast<u128>(1) << std::min(bits, 64u)) - 1));
        };
        add("vm_ranges_within_unit_output",
            "every host address of a VM's memory lies within the output address size of each unit its devices sit on",
            g->pick(gp, it->passthrough.size(), [&](size_t k) { return v == g->index(it->passthrough[k].vm); }) &&
                g->pick(gi, it->regions.size(),
                        [&](size_t k) { return v == g->index(it->regions[k].vm) && g->in(it->regions[k].host); }),
            g->pick(gp, it->passthrough.size(), limit_of), [&dd, g, gp, gi, it](const z3::model& m) {
              const auto& a = it->passthrough[chosen(m, gp)];
              const auto& dev = dd.devices[a.device];
              const auto& r = it->regions[chosen(m, gi)];
              const std::string unit = dev.unit < dd.units.size() ? dd.units[dev.unit].name : "?";
              return fmt::format(
                  "host address {} of {}{} is beyond the output addresses of unit '{}', which device '{}'{} "
                  "sits on",
                  hex128(value128(m, g->address())), r.host.what, at(r.host.origin), unit, dev.name, at(dev.origin));
            });
      }
    }
    if (it->unit_frames.size() > 1) {
      // Two frames that overlap are one SMMU declared twice: a stream could get two owners.
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr i = e->selector("unit"), j = e->selector("other_unit");
      add("unit_frames_disjoint", "no two units' register frames share an address",
          e->picks_address_in(i, it->unit_frames),
          !e->pick(j, it->unit_frames.size(), [&](size_t k) { return i != e->index(k) && e->in(it->unit_frames[k]); }),
          [e, i, j, it](const z3::model& m) {
            const auto& a = it->unit_frames[chosen(m, i)];
            const auto& b = it->unit_frames[chosen(m, j)];
            return fmt::format("address {} is in {}{} and in {}{}", hex128(value128(m, e->address())), a.what,
                               at(a.origin), b.what, at(b.origin));
          });
    }
    if (!it->streams.empty()) {
      streams_fit("stream_ids_fit_units", "every device's stream IDs lie within its unit's stream ID range",
                  [&dd](const Stream& x) { return dd.units[x.unit].capabilities.holds_stream_id(x.sid); },
                  [&dd](const Stream& x) {
                    const auto& caps = dd.units[x.unit].capabilities;
                    return fmt::format("unit '{}' ({} bits{})", dd.units[x.unit].name, caps.stream_id_bits,
                                       caps.stream_id_count ? fmt::format(", {} streams", caps.stream_id_count) : "");
                  });
    }
    if (!it->streams.empty()) {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr s = e->selector("stream"), t = e->selector("other_stream");
      const z3::expr unit = e->selector("unit"), sid = e->selector("stream_id"), dev = e->selector("device");
      add("stream_ids_unique", "no two devices present the same stream ID to the same unit",
          e->pick(s, it->streams.size(),
                  [&](size_t k) {
                    const auto& x = it->streams[k];
                    return unit == e->index(x.unit) && sid == e->index(x.sid) && dev == e->index(x.device);
                  }),
          !e->pick(t, it->streams.size(),
                   [&](size_t k) {
                     const auto& x = it->streams[k];
                     return unit == e->index(x.unit) && sid == e->index(x.sid) && dev != e->index(x.device);
                   }),
          [&dd, s, t, it](const z3::model& m) {
            const auto& a = it->streams[chosen(m, s)];
            const auto& b = it->streams[chosen(m, t)];
            const std::string unit = a.unit < dd.units.size() ? dd.units[a.unit].name : "?";
            return fmt::format("stream ID {:#x} of unit '{}' belongs to device '{}'{} and to device '{}'{}", a.sid,
                               unit, dd.devices[a.device].name, at(dd.devices[a.device].origin),
                               dd.devices[b.device].name, at(dd.devices[b.device].origin));
          });
    }
  }

  // Every stream (a device's stream ID at its unit) is one `holds` accepts;
  // a counterexample names the device and, through `limit`, the unit's limit.
  void streams_fit(std::string id, std::string meaning, std::function<bool(const Stream&)> holds,
                   std::function<std::string(const Stream&)> limit) {
    const auto it = items;
    const Deployment& dd = d;
    auto f = std::make_shared<Encoding>(ctx);
    const z3::expr s = f->selector("stream");
    // Stream IDs as 64-bit words: a unit's limit may be 2^32.
    const auto fits = [&](size_t k) {
      const auto& x = it->streams[k];
      return ctx.bool_val(x.unit < dd.units.size() && holds(x));
    };
    add(std::move(id), std::move(meaning), z3::ult(s, f->index(it->streams.size())),
        f->pick(s, it->streams.size(), fits), [&dd, s, it, limit](const z3::model& m) {
          const auto& x = it->streams[chosen(m, s)];
          const auto& dev = dd.devices[x.device];
          if (x.unit >= dd.units.size()) return fmt::format("device '{}'{} names no unit", dev.name, at(dev.origin));
          return fmt::format("stream ID {:#x} of device '{}'{} is beyond {}", x.sid, dev.name, at(dev.origin),
                             limit(x));
        });
  }

  void startup_theorems() {
    const auto it = items;
    const auto& dd = d;
    if (it->startup.empty()) return;
    if (dd.role == core::Role::host && !it->passthrough.empty()) {
      auto e = std::make_shared<Encoding>(ctx);
      const z3::expr m_ = e->selector("startup"), p = e->selector("passthrough"), dev = e->selector("device");
      add("startup_mappings_not_passed_through",
          "a host configuration has no startup mapping for a device passed through to a VM",
          e->pick(m_, it->startup.size(), [&](size_t k) { return dev == e->index(it->startup_device[k]); }),
          !e->pick(p, it->passthrough.size(), [&](size_t k) { return dev == e->index(it->passthrough[k].device); }),
          [&dd, m_, p, it](const z3::model& m) {
            const auto& s = it->startup[chosen(m, m_)];
            const auto& a = it->passthrough[chosen(m, p)];
            return fmt::format("{}{} is in a host configuration, but the device is passed through to VM '{}'{}", s.what,
                               at(s.origin), dd.vms[a.vm].name, at(dd.vms[a.vm].origin));
          });
    }
    auto e = std::make_shared<Encoding>(ctx);
    const z3::expr m_ = e->selector("startup"), f = e->selector("frame"), i = e->selector("region");
    add("startup_mappings_permitted",
        "every startup mapping reaches only permitted memory, clear of reserved regions, register frames and VM memory",
        e->picks_address_in(m_, it->startup),
        permitted(*e) && !e->picks_address_in(f, it->frames) && !e->picks_address_in(i, it->host_ranges),
        [e, m_, f, i, it](const z3::model& m) {
          const auto& s = it->startup[chosen(m, m_)];
          const std::string where = hex128(value128(m, e->address()));
          std::string why;
          if (m.eval(e->picks_address_in(f, it->frames), true).is_true()) {
            const auto& b = it->frames[chosen(m, f)];
            why = fmt::format("is in {}{}", b.what, at(b.origin));
          } else if (m.eval(e->picks_address_in(i, it->host_ranges), true).is_true()) {
            const auto& b = it->host_ranges[chosen(m, i)];
            why = fmt::format("is in {}{}", b.what, at(b.origin));
          } else {
            why = "is not permitted memory";
          }
          return fmt::format("host address {} of {}{} {}", where, s.what, at(s.origin), why);
        });
  }
};

}  // namespace

std::vector<Theorem> hardware_stream_theorems(z3::context& ctx, const Deployment& deployment,
                                              const std::vector<uint64_t>& told_apart) {
  std::vector<Theorem> out;
  Builder b{ctx, deployment, std::make_shared<const Items>(items_of(deployment)), out};
  if (b.items->streams.empty()) return out;
  const auto count = [told_apart](const Stream& x) { return x.unit < told_apart.size() ? told_apart[x.unit] : 0; };
  b.streams_fit("stream_ids_fit_hardware",
                "every device's stream ID is one its unit's ID registers say the hardware tells apart (no two stream "
                "IDs alias in the hardware)",
                [count](const Stream& x) { return count(x) == 0 || x.sid < count(x); },
                [&deployment, count](const Stream& x) {
                  return fmt::format("the {} stream IDs unit '{}' tells apart (its ID registers)", count(x),
                                     deployment.units[x.unit].name);
                });
  return out;
}

std::vector<Theorem> deployment_theorems(z3::context& ctx, const Deployment& deployment) {
  std::vector<Theorem> out;
  Builder b{ctx, deployment, std::make_shared<const Items>(items_of(deployment)), out};
  b.vm_theorems();
  b.device_theorems();
  b.startup_theorems();
  return out;
}

}  // namespace smmuman::proofs
