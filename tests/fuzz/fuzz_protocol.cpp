// Fuzz target: the daemon's decoder and request handling, on both sockets.
// The first input byte picks the session: even, a connected client holding
// an object with a device and a mapping; odd, a VM's vdev-smmu channel whose
// guest has said hello. The rest is the byte stream that session sends.
// Properties (tests/README.md, "Fuzzing"): nothing crashes; every frame gets
// one reply that decodes; a refused request changes no grant (clients,
// objects, devices, mappings); a header that is not ours ends the stream,
// as the server then closes the connection; a rejected VM plan leaves
// nothing behind.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& loaded = deployment();
  auto board = service::ModelBoard::create(*loaded.deployment);
  std::vector<std::string> unknown;
  service::Service daemon(*loaded.deployment, service::AccessPolicy::resolve({}, 0, unknown).value(), quiet());
  daemon.deliver = [](const service::Service::Notification&) {};
  auto hardware = board.value()->bring_up(daemon.manager().deployment());
  fuzz::require(hardware.ok() && daemon.start({hardware.value().get(), board.value().get()}).ok(), "the daemon starts");

  const bool vm = (data[0] & 1) != 0;
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
