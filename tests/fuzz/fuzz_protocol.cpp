// Fuzz target: both ends of the protocol. The first input byte picks the
// side (its value modulo 3); the rest is the byte stream the other end sends:
//   0: the daemon, from a connected client holding an object with a device
//      and a mapping;
//   1: the host daemon, from a VM's vdev-smmu channel whose guest said hello;
//   2: a guest daemon, from its host: after a well-formed hello reply, the
//      host's replies and vm_fault records are the input, while the guest
//      boots and a client attaches, maps and leaves.
// Properties (tests/README.md, "Fuzzing"): nothing crashes or hangs; every
// frame gets one reply that decodes; a refused request changes no grant
// (clients, objects, devices, mappings); a header that is not ours ends the
// stream, as the server then closes the connection; a rejected VM plan
// leaves nothing behind; a guest turns host records only into records of
// its own devices, and once the channel is lost changes nothing its devices
// use.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "fuzz_support.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/service/model_board.hpp"
#include "smmuman/service/service.hpp"
#include "smmuman/service/vdev_channel.hpp"
#include "smmuman/wire/wire.hpp"

namespace {

using namespace smmuman;

constexpr const char* kDeployment = R"(
deployment: fuzz-protocol
role: host
platform:
  memory:
    - { base: 0x40000000, size: 1G }
  reserved:
    - { name: firmware, base: 0x40000000, size: 1M }
units:
  - name: smmu0
    type: arm-smmuv3
    registers: { base: 0x09050000, size: 128K }
    stream_id_bits: 16
  - name: mmu500
    type: arm-smmuv2
    registers: { base: 0x09100000, size: 128K }
    stream_id_bits: 15
    contexts: 8
devices:
  - { name: dma0, unit: smmu0, mmio: { base: 0x0a000000, size: 4K }, stream_ids: [0x10] }
  - { name: dma1, unit: smmu0, mmio: { base: 0x0a001000, size: 4K }, stream_ids: [0x11] }
  - { name: gpu0, unit: mmu500, mmio: { base: 0x0b000000, size: 64K }, stream_ids: [0x20, 0x21] }
  - { name: eth0, unit: smmu0, pci: "1:0.0", stream_ids: [0x100] }
  - { name: nic1, unit: mmu500, pci: "2:0.0", stream_ids: [0x40] }
vms:
  - name: vm1
    memory:
      - { guest: 0x40000000, host: 0x60000000, size: 256M }
    passthrough: [eth0, nic1]
)";

const config::LoadResult& deployment() {
  static const config::LoadResult loaded = [] {
    auto l = config::load_yaml_config(kDeployment, "fuzz-protocol.yaml");
    fuzz::require(l.deployment.has_value(), "the fuzz deployment loads");
    return l;
  }();
  return loaded;
}

// Silent unless SMMUMAN_FUZZ_LOG is set (to replay a finding with the daemon's debug log).
service::Log& quiet() {
  static const bool shown = std::getenv("SMMUMAN_FUZZ_LOG") != nullptr;
  static std::FILE* sink = shown ? stderr : std::fopen("/dev/null", "w");
  static service::Log log(shown ? service::Level::trace : service::Level::error, sink);
  return log;
}

bool same_grants(const core::State& a, const core::State& b) {
  return a.clients == b.clients && a.objects == b.objects && a.device_object == b.device_object;
}

constexpr const char* kGuest = R"(
deployment: fuzz-protocol guest
role: guest
platform:
  memory:
    - { base: 0x40000000, size: 256M }
units:
  - { name: vsmmu, type: vdev-smmu, stream_id_bits: 16 }
devices:
  - { name: eth0, unit: vsmmu, pci: "0:1.0", stream_ids: [0x8] }
  - { name: nic1, unit: vsmmu, pci: "0:2.0", stream_ids: [0x10] }
startup_mappings:
  - { device: eth0, iova: 0x4ff00000, size: 64K, perms: rw }
)";

// The guest side: the host's stream is the input.
void guest_side(const uint8_t* data, size_t size) {
  static const config::LoadResult loaded = [] {
    auto l = config::load_yaml_config(kGuest, "fuzz-guest.yaml");
    fuzz::require(l.deployment.has_value(), "the fuzz guest deployment loads");
    return l;
  }();
  int ends[2];
  fuzz::require(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0, "a socket pair");
  // All the host will ever say, written before the guest starts; a request
  // it has no reply for is lost after the reply timeout (1 ms here).
  const auto hello = wire::encode_reply(wire::Type::vm_hello, 1,
                                        wire::Reply{0, wire::rep::Text{R"({"vm":"vm1","devices":["eth0","nic1"]})"}});
  std::vector<uint8_t> host(hello.begin(), hello.end());
  host.insert(host.end(), data, data + size);
  int sndbuf = static_cast<int>(host.size() + 4096);
  setsockopt(ends[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  setsockopt(ends[0], SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof sndbuf);
  for (size_t at = 0; at < host.size();) {
    const ssize_t n = send(ends[1], host.data() + at, host.size() - at, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;  // what does not fit is cut: a shorter host stream
    at += static_cast<size_t>(n);
  }

  std::vector<std::string> unknown;
  service::Service daemon(*loaded.deployment, service::AccessPolicy::resolve({}, 0, unknown).value(), quiet());
  daemon.deliver = [](const service::Service::Notification&) {};
  const core::Deployment& d = daemon.manager().deployment();
  auto channel = service::VdevChannel::over(ends[0], "fuzz", d, core::UnitIndex{0}, quiet());
  fuzz::require(channel.ok(), "a well-formed hello is accepted");
  channel.value()->reply_timeout_ms = 1;
  bool lost = false;
  channel.value()->on_lost = [&lost] { lost = true; };
  std::vector<std::unique_ptr<hw::UnitBackend>> units;
  units.push_back(std::move(channel.value()));
  hw::HardwareSystem hardware(d, std::move(units));
  const bool started = daemon.start({&hardware, nullptr}).ok();
  auto check_faults = [&] {
    for (const auto& f : hardware.collect_faults()) {
      fuzz::require(f.device.has_value() && f.record.stream_known, "a host record becomes a record of a guest device");
    }
  };
  if (started) {
    const auto session = daemon.open(service::Peer{4242, 0, 0, {}});
    uint32_t id = 1;
    auto send_request = [&](const wire::Request& r) {
      wire::FrameReader reader;
      reader.feed(wire::encode_request(id++, r));
      const core::State before = daemon.manager().state();
      const bool was_lost = lost;
      const auto bytes = daemon.handle(session, *reader.next());
      wire::FrameReader replies;
      replies.feed(bytes);
      const auto frame = replies.next();
      fuzz::require(frame.has_value(), "the guest daemon answers");
      const auto reply = std::get<wire::Reply>(wire::decode_reply(wire::type_of(r), frame->payload));
      if (reply.error != 0) fuzz::require(daemon.manager().state() == before, "a refused request changes nothing");
      if (was_lost) {
        // What needs the host is refused: no device moves, no mapping of an object with devices changes.
        const core::State& after = daemon.manager().state();
        fuzz::require(after.device_object == before.device_object, "a guest without its host channel moves no device");
        for (const auto& [o, object] : before.objects) {
          if (object.devices.empty() || !after.objects.count(o)) continue;
          fuzz::require(after.objects.at(o).mappings == object.mappings,
                        "a guest without its host channel changes no mapping its devices use");
        }
      }
    };
    send_request(wire::req::Hello{});
    send_request(wire::req::ObjCreate{});
    send_request(wire::req::DeviceAdd{1, {wire::kDevPci, 0, 2, 0, 0, 0}});
    send_request(wire::req::MappingAdd{1, 3, 0, 0, {{0x44000000, 0x10000}}});
    send_request(wire::req::MappingAdd{1, 0, 0, 0, {{0x44000000, 0x1000}}});
    daemon.close(session);
  }
  check_faults();
  shutdown(ends[1], SHUT_RDWR);
  close(ends[1]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 3 == 2) {
    guest_side(data + 1, size - 1);
    return 0;
  }
  const auto& loaded = deployment();
  auto board = service::ModelBoard::create(*loaded.deployment);
  std::vector<std::string> unknown;
  service::Service daemon(*loaded.deployment, service::AccessPolicy::resolve({}, 0, unknown).value(), quiet());
  daemon.deliver = [](const service::Service::Notification&) {};
  auto hardware = board.value()->bring_up(daemon.manager().deployment());
  fuzz::require(hardware.ok() && daemon.start({hardware.value().get(), board.value().get()}).ok(), "the daemon starts");

  const bool vm = data[0] % 3 == 1;
  const service::Peer root{4242, 0, 0, {}};
  const auto session = vm ? daemon.open_vm(core::VmIndex{0}, root) : daemon.open(root);
  uint32_t id = 1;
  auto send = [&](const wire::Request& r) {
    wire::FrameReader reader;
    reader.feed(wire::encode_request(id++, r));
    return daemon.handle(session, *reader.next());
  };
  // A realistic starting point, so that fuzzed requests meet real objects.
  if (vm) {
    send(wire::req::VmHello{});
  } else {
    send(wire::req::Hello{});
    send(wire::req::ObjCreate{});
    send(wire::req::DeviceAdd{1, {wire::kDevMmio, 0, 0, 0, 0x0a000000, 0x1000}});
    send(wire::req::MappingAdd{1, 3, 0, 0, {{0x48000000, 0x4000}}});
  }

  wire::FrameReader stream;
  stream.feed(std::span<const uint8_t>(data + 1, size - 1));
  while (auto frame = stream.next()) {
    const core::State before = daemon.manager().state();
    const auto reply_bytes = daemon.handle(session, *frame);
    if (reply_bytes.empty()) {
      // Only the host sends vm_fault, and nobody answers it.
      fuzz::require(vm && frame->header.type == static_cast<uint16_t>(wire::Type::vm_fault),
                    "every request but a vm_fault on a VM channel is answered");
      continue;
    }
    wire::FrameReader replies;
    replies.feed(reply_bytes);
    const auto reply_frame = replies.next();
    fuzz::require(reply_frame.has_value() && replies.buffered() == 0, "one whole reply frame per request");
    fuzz::require(reply_frame->header.request_id == frame->header.request_id, "the reply carries the request's id");
    const auto type = static_cast<wire::Type>(frame->header.type);
    const bool known = wire::to_string(type) != std::string("unknown");
    if (!known) {
      fuzz::require(reply_bytes.size() == wire::kHeaderBytes + 8, "an unknown request gets an error, no body");
      continue;
    }
    const auto reply = wire::decode_reply(type, reply_frame->payload);
    fuzz::require(std::holds_alternative<wire::Reply>(reply), "the reply decodes", [&] {
      return std::get<wire::DecodeError>(reply).message;
    });
    if (std::get<wire::Reply>(reply).error != 0) {
      fuzz::require(same_grants(daemon.manager().state(), before), "a refused request changes no grant", [&] {
        return std::string(wire::to_string(type)) + " refused with errno " +
               std::to_string(std::get<wire::Reply>(reply).error);
      });
    }
  }
  daemon.close(session);
  fuzz::require(daemon.manager().state().objects.empty(), "a closed session leaves no object behind");
  return 0;
}
