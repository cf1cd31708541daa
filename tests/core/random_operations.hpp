// One random client operation on the fixture platform (fixtures.hpp), for
// the differential tests that replay core histories on hardware: connects
// (host and VM clients, with or without the target ability), objects,
// attach and detach through the devices' selectors, maps and replaces
// (small, 2 MiB-aligned blocks, across 4 GiB, near the top of 48 bits),
// unmaps, object teardown and disconnects.
#pragma once

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "fixtures.hpp"
#include "smmuman/core/manager.hpp"

namespace smmuman::core::test {

inline DeviceSelector selector_of(const Deployment& d, DeviceIndex dev) {
  const Device& device = d.devices[dev];
  if (const auto* mmio = std::get_if<MmioId>(&device.ident)) {
    return MmioSelector{mmio->registers.first(), mmio->registers.last() - mmio->registers.first() + 1};
  }
  const auto& pci = std::get<PciAddress>(device.ident);
  return PciSelector{pci.bus, pci.dev, pci.func};
}

struct RandomClients {
  std::vector<ClientId> clients;
  std::vector<std::pair<ClientId, ObjectId>> objects;
};

enum class RandomOp { connect, create_object, attach, map, unmap, destroy_object, detach, disconnect, none };

struct RandomOutcome {
  RandomOp op = RandomOp::none;
  bool accepted = false;
};

// `vm_clients`: whether clients may be VMs' (a host deployment).
inline RandomOutcome random_operation(Manager& m, std::mt19937_64& rng, RandomClients& s, int step, bool vm_clients) {
  const Deployment& d = m.deployment();
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  constexpr uint64_t kPage = 0x1000;
  const uint64_t kind = below(20);
  RandomOutcome out;
  if (kind < 2 || s.clients.empty()) {
    out.op = RandomOp::connect;
    ClientSpec spec{"c" + std::to_string(step), std::nullopt, below(4) != 0};
    if (vm_clients && below(2) == 0) spec.vm = VmIndex{static_cast<uint32_t>(below(d.vms.size()))};
    auto c = m.connect(spec);
    if (c.ok()) s.clients.push_back(c.value());
    out.accepted = c.ok();
  } else if (kind < 4) {
    out.op = RandomOp::create_object;
    const ClientId c = s.clients[below(s.clients.size())];
    auto o = m.create_object(c);
    if (o.ok()) s.objects.emplace_back(c, o.value());
    out.accepted = o.ok();
  } else if (kind < 8 && !s.objects.empty()) {
    out.op = RandomOp::attach;
    const auto [c, o] = s.objects[below(s.objects.size())];
    out.accepted = m.attach(c, o, selector_of(d, DeviceIndex{static_cast<uint32_t>(below(d.devices.size()))})).ok();
  } else if (kind < 14 && !s.objects.empty()) {
    out.op = RandomOp::map;
    const auto [c, o] = s.objects[below(s.objects.size())];
    const bool vm = m.state().clients.at(c).spec.vm.has_value();
    // Mostly small maps low down; some 2 MiB-aligned blocks; some across 4 GiB or near the top of 48 bits.
    const uint64_t zone = below(8);
    const bool aligned = zone < 2;
    const uint64_t base = zone < 6 ? 0 : zone < 7 ? 0xffe00000 : 0xfffffff00000;
    const uint64_t iova = aligned ? below(8) << 21 : base + below(0x400) * kPage;
    const uint64_t pages = aligned ? 512 * (1 + below(2)) : 1 + below(below(4) == 0 ? 0x200 : 16);
    const ClientMemory memory = vm ? ClientMemory{Gpa{aligned ? 0x400000 : 0x400000 + below(0x300) * kPage}}
                                   : ClientMemory{Hpa{aligned ? 0x400000 : kMemFirst + below(0xf00) * kPage}};
    const Perms perms = Perms::from_bits(static_cast<uint32_t>(1 + below(7)));
    MappingSpec spec{IovaRange::from_first_last(iova, iova + pages * kPage - 1), memory, perms};
    out.accepted = (below(3) == 0 ? m.replace(c, o, {spec}) : m.map(c, o, {spec})).ok();
  } else if (kind < 18 && !s.objects.empty()) {
    out.op = RandomOp::unmap;
    const auto [c, o] = s.objects[below(s.objects.size())];
    const uint64_t first = below(0x800) * kPage;
    out.accepted = m.unmap(c, o, {IovaRange::from_first_last(first, first + (1 + below(0x200)) * kPage - 1)}).ok();
  } else if (kind == 18 && !s.objects.empty()) {
    out.op = RandomOp::destroy_object;
    const size_t i = below(s.objects.size());
    out.accepted = m.destroy_object(s.objects[i].first, s.objects[i].second).ok();
    if (out.accepted) s.objects.erase(s.objects.begin() + static_cast<long>(i));
  } else if (!s.clients.empty()) {
    const ClientId c = s.clients[below(s.clients.size())];
    if (below(2) == 0) {
      out.op = RandomOp::detach;
      out.accepted = m.detach(c, selector_of(d, DeviceIndex{static_cast<uint32_t>(below(d.devices.size()))})).ok();
    } else {
      out.op = RandomOp::disconnect;
      if (m.disconnect(c).ok()) {
        out.accepted = true;
        std::erase(s.clients, c);
        std::erase_if(s.objects, [&](const auto& co) { return co.first == c; });
      }
    }
  }
  return out;
}

}  // namespace smmuman::core::test
