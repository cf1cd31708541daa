// The daemon's logic in process: requests as frames, on the hardware models.
// Ownership, access rules, transgression records and their notification,
// refused requests changing nothing (software or hardware), clients that go
// away, the VM channel's prepare/commit/abandon, and fail-closed at every
// register write while a daemon starts, restarts and stops.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <tuple>

#include "smmuman/config/yaml_config.hpp"
#include "smmuman/service/model_board.hpp"
#include "smmuman/service/service.hpp"
#include "smmuman/wire/wire.hpp"

namespace smmuman::service {
namespace {

namespace req = wire::req;
namespace rep = wire::rep;

// Eight DMA engines and a VM's NIC on an SMMUv3, a GPU and a boot-time DMA
// engine (startup mapping) on an MMU-500.
constexpr const char* kDeployment = R"(
deployment: service-test
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
  - { name: dma2, unit: smmu0, mmio: { base: 0x0a002000, size: 4K }, stream_ids: [0x12] }
  - { name: dma3, unit: smmu0, mmio: { base: 0x0a003000, size: 4K }, stream_ids: [0x13] }
  - { name: dma4, unit: smmu0, mmio: { base: 0x0a004000, size: 4K }, stream_ids: [0x14] }
  - { name: dma5, unit: smmu0, mmio: { base: 0x0a005000, size: 4K }, stream_ids: [0x15] }
  - { name: dma6, unit: smmu0, mmio: { base: 0x0a006000, size: 4K }, stream_ids: [0x16] }
  - { name: dma7, unit: smmu0, mmio: { base: 0x0a007000, size: 4K }, stream_ids: [0x17] }
  - { name: eth0, unit: smmu0, pci: "1:0.0", stream_ids: [0x100] }
  - { name: gpu0, unit: mmu500, mmio: { base: 0x0b000000, size: 64K }, stream_ids: [0x20, 0x21] }
  - { name: boot-dma, unit: mmu500, mmio: { base: 0x0b100000, size: 4K }, stream_ids: [0x30] }
vms:
  - name: vm1
    memory:
      - { guest: 0x40000000, host: 0x60000000, size: 256M }
    passthrough: [eth0]
startup_mappings:
  - { device: boot-dma, iova: 0x50000000, size: 64K, perms: rw }
access:
  - { user: "1234", devices: [dma0, dma1] }
  - { group: "777", devices: all, target: true }
  - { user: "4242", monitor: true }
)";

constexpr uint32_t kDaemonUid = 99;  // neither root nor any test peer
const Peer kDriver{1000, 1234, 1234, {}};   // may attach dma0 and dma1
const Peer kTrusted{1001, 5000, 777, {}};   // group 777: every device, targets
const Peer kStranger{1002, 4321, 4321, {}};  // named by no rule
const Peer kMonitor{1003, 4242, 4242, {}};  // sees every transgression
const Peer kVmm{1004, 0, 0, {}};            // root: the VMM

config::LoadResult load() {
  auto loaded = config::load_yaml_config(kDeployment, "service-test.yaml");
  for (const auto& e : loaded.errors) ADD_FAILURE() << config::to_string(e);
  return loaded;
}

// A quiet log: the tests read what they check from replies and state.
Log& quiet_log() {
  static std::FILE* sink = std::fopen("/dev/null", "w");
  static Log log(Level::error, sink);
  return log;
}

// A daemon in process: the board (hardware) outlives each service on it.
struct Daemon {
  config::LoadResult loaded = load();
  std::unique_ptr<ModelBoard> board;
  std::unique_ptr<hw::HardwareSystem> hardware;
  std::unique_ptr<Service> service;
  std::vector<Service::Notification> notified;
  uint32_t next_id = 1;

  // `started`: false leaves the models as they come out of reset.
  explicit Daemon(bool started = true) {
    auto b = ModelBoard::create(*loaded.deployment);
    EXPECT_TRUE(b) << b.error().message;
    board = std::move(b.value());
    if (started) start();
  }
  // A new service and new backends on the same board: a daemon's (re)start.
  void start() {
    std::vector<std::string> unknown;
    auto policy = AccessPolicy::resolve(loaded.access, kDaemonUid, unknown);
    EXPECT_TRUE(unknown.empty());
    service = std::make_unique<Service>(*loaded.deployment, std::move(policy.value()), quiet_log());
    service->deliver = [this](const Service::Notification& n) { notified.push_back(n); };
    auto h = board->bring_up(service->manager().deployment());
    EXPECT_TRUE(h) << h.error().message;
    hardware = std::move(h.value());
    EXPECT_TRUE(service->start({hardware.get(), board.get()}));
  }
  // The process dies: the hardware stays as it was programmed.
  void crash() {
    service.reset();
    hardware.reset();
  }

  wire::Reply call(Service::SessionId session, const wire::Request& request) {
    wire::FrameReader in;
    in.feed(wire::encode_request(next_id++, request));
    auto frame = in.next();
    EXPECT_TRUE(frame);
    const auto bytes = service->handle(session, *frame);
    wire::FrameReader out;
    out.feed(bytes);
    auto reply_frame = out.next();
    EXPECT_TRUE(reply_frame);
    auto reply = wire::decode_reply(wire::type_of(request), reply_frame->payload);
    EXPECT_TRUE(std::holds_alternative<wire::Reply>(reply));
    return std::get<wire::Reply>(reply);
  }
  Service::SessionId connect(const Peer& peer) {
    const auto s = service->open(peer);
    EXPECT_EQ(call(s, req::Hello{}).error, 0);
    return s;
  }
  uint64_t create(Service::SessionId s) {
    const auto r = call(s, req::ObjCreate{});
    EXPECT_EQ(r.error, 0);
    return r.error == 0 ? std::get<rep::Object>(r.body).object : 0;
  }
  int attach(Service::SessionId s, uint64_t object, const std::string& device) {
    const auto& d = service->manager().deployment();
    for (const auto& dev : d.devices) {
      if (dev.name != device) continue;
      wire::DevId id;
      if (const auto* mmio = std::get_if<core::MmioId>(&dev.ident)) {
        id = {wire::kDevMmio, 0, 0, 0, mmio->registers.first(), mmio->registers.last() - mmio->registers.first() + 1};
      } else {
        const auto& pci = std::get<core::PciAddress>(dev.ident);
        id = {wire::kDevPci, pci.bus, pci.dev, pci.func, 0, 0};
      }
      const auto r = call(s, req::DeviceAdd{object, id});
      return r.error != 0 ? -r.error : std::get<rep::Value>(r.body).value;
    }
    ADD_FAILURE() << "no device " << device;
    return -EINVAL;
  }
  int map(Service::SessionId s, uint64_t object, uint32_t flags, std::vector<wire::Entry> entries,
          uint64_t target = 0) {
    const auto r = call(s, req::MappingAdd{object, flags, 0, target, std::move(entries)});
    return r.error != 0 ? -r.error : std::get<rep::Value>(r.body).value;
  }
  std::optional<rep::Status> status(Service::SessionId s) {
    const auto r = call(s, req::XferStatus{});
    EXPECT_EQ(r.error, 0);
    return std::get<rep::Status>(r.body);
  }
  DmaOutcome dma(const std::string& device, uint64_t address, core::AccessKind kind) {
    const auto& d = service->manager().deployment();
    for (const auto& dev : d.devices) {
      if (dev.name == device) return board->dma(dev.unit, dev.stream_ids.front(), address, kind);
    }
    ADD_FAILURE() << "no device " << device;
    return {};
  }
};

constexpr uint32_t kRW = 0x3, kTarget = 0x10;
constexpr core::AccessKind kRead = core::AccessKind::read, kWrite = core::AccessKind::write;

TEST(Service, AClientAttachesMapsAndIsToldOfItsDevicesTransgressions) {
  Daemon d;
  const auto s = d.connect(kDriver);
  const uint64_t o = d.create(s);
  EXPECT_EQ(d.attach(s, o, "dma0"), 0);
  EXPECT_EQ(d.map(s, o, kRW, {{0x48000010, 0x20}}), 0);  // rounded out to the page
  EXPECT_TRUE(d.dma("dma0", 0x48000ff8, kWrite).allowed);
  EXPECT_EQ(d.dma("dma0", 0x48000ff8, kWrite).pa, 0x48000ff8u);
  EXPECT_FALSE(d.dma("dma0", 0x48001000, kRead).allowed);
  EXPECT_EQ(d.service->poll_faults(), 1u);
  const auto record = d.status(s);
  ASSERT_TRUE(record && record->present);
  EXPECT_EQ(record->fault_addr, 0x48001000u);
  EXPECT_EQ(record->device, (wire::DevId{wire::kDevMmio, 0, 0, 0, 0x0a000000, 0x1000}));
  EXPECT_EQ(record->hw_specific >> 32 & 0xff, static_cast<uint64_t>(hw::FaultReason::translation));
  EXPECT_FALSE(d.status(s)->present) << "a record is handed out once";
  // Removing permissions removes the mapping.
  EXPECT_EQ(d.map(s, o, 0, {{0x48000000, 0x1000}}), 0);
  EXPECT_FALSE(d.dma("dma0", 0x48000ff8, kWrite).allowed);
}

TEST(Service, OneOwnerPerDeviceAndAccessRulesDecideWhoMayAttachWhat) {
  Daemon d;
  const auto driver = d.connect(kDriver);
  const auto trusted = d.connect(kTrusted);
  const uint64_t od = d.create(driver), ot = d.create(trusted);
  EXPECT_EQ(d.attach(driver, od, "dma0"), 0);
  EXPECT_EQ(d.attach(trusted, ot, "dma0"), -EBUSY) << "dma0 is the driver's";
  EXPECT_EQ(d.attach(driver, od, "dma2"), -EPERM) << "no rule lets uid 1234 attach dma2";
  EXPECT_EQ(d.attach(trusted, ot, "dma2"), 0) << "group 777 may attach every device";
  EXPECT_EQ(d.attach(trusted, ot, "boot-dma"), -EBUSY) << "the configuration owns boot-dma";
  EXPECT_EQ(d.attach(trusted, ot, "eth0"), -EPERM) << "eth0 is vm1's";
  EXPECT_EQ(d.map(driver, od, kRW | kTarget, {{0x48000000, 0x1000}}, 0x49000000), -EPERM) << "no target right";
  EXPECT_EQ(d.map(trusted, ot, kRW | kTarget, {{0x10000000, 0x1000}}, 0x49000000), 0);
  EXPECT_EQ(d.dma("dma2", 0x10000008, kRead).pa, 0x49000008u);
  // Someone no rule names cannot even connect; nor use smmuctl.
  const auto stranger = d.service->open(kStranger);
  EXPECT_EQ(d.call(stranger, req::Hello{}).error, EPERM);
  EXPECT_EQ(d.call(stranger, req::CtlStatus{}).error, EPERM);
  EXPECT_EQ(d.call(stranger, req::ObjCreate{}).error, ENOTCONN);
  // Moving a device between one's own objects is fine; another client's object is not one's own.
  const uint64_t od2 = d.create(driver);
  EXPECT_EQ(d.attach(driver, od2, "dma0"), 0);
  EXPECT_LT(d.attach(driver, ot, "dma1"), 0);
}

TEST(Service, RecordsAreKeptSixtyFourPerClientThenDroppedAndFlagged) {
  Daemon d;
  const auto s = d.connect(kDriver);
  const uint64_t o = d.create(s);
  ASSERT_EQ(d.attach(s, o, "dma0"), 0);
  for (uint64_t i = 0; i < 70; ++i) {
    EXPECT_FALSE(d.dma("dma0", 0x48000000 + i * 0x1000, kRead).allowed);
    d.service->poll_faults();
  }
  uint64_t got = 0;
  bool flagged = false;
  while (true) {
    const auto r = d.status(s);
    if (r->flags & Service::kDroppedFaults) flagged = true;
    if (!r->present) break;
    EXPECT_EQ(r->fault_addr, 0x48000000 + got * 0x1000) << "oldest first";
    ++got;
  }
  EXPECT_EQ(got, Service::kRecordsPerClient);
  EXPECT_TRUE(flagged) << "SSF_DROPPED_FAULTS after the 64th unread record";
  EXPECT_FALSE(d.status(s)->flags & Service::kDroppedFaults) << "the flag is reported once";
}

TEST(Service, NotificationIsOneShotAndNeverLost) {
  Daemon d;
  const auto s = d.connect(kDriver);
  const uint64_t o = d.create(s);
  ASSERT_EQ(d.attach(s, o, "dma1"), 0);
  EXPECT_EQ(d.call(s, req::XferNotify{req::kNotifySignal, 10, 77}).error, 0);
  d.dma("dma1", 0x48000000, kRead);
  d.dma("dma1", 0x48001000, kRead);
  d.service->poll_faults();
  ASSERT_EQ(d.notified.size(), 1u) << "two records, one notification: it is one-shot";
  EXPECT_EQ(d.notified[0].pid, kDriver.pid);
  EXPECT_EQ(d.notified[0].signo, 10);
  EXPECT_EQ(d.notified[0].value, 77u);
  // Re-arming with records waiting notifies at once: no wake-up is lost.
  EXPECT_EQ(d.call(s, req::XferNotify{req::kNotifySignal, 10, 78}).error, 0);
  EXPECT_EQ(d.notified.size(), 2u);
  EXPECT_EQ(d.call(s, req::XferNotify{req::kNotifySignal, 0, 0}).error, EINVAL) << "signal 0";
  // A monitor sees every device's records; another client sees none of them.
  const auto monitor = d.connect(kMonitor);
  const auto other = d.connect(kTrusted);
  d.dma("dma1", 0x48002000, kRead);
  d.service->poll_faults();
  EXPECT_EQ(d.status(monitor)->fault_addr, 0x48002000u);
  EXPECT_FALSE(d.status(other)->present);
}

TEST(Service, AClientThatGoesAwayLeavesItsDevicesBlocked) {
  Daemon d;
  const auto s = d.connect(kTrusted);
  const uint64_t o = d.create(s);
  ASSERT_EQ(d.attach(s, o, "gpu0"), 0);
  ASSERT_EQ(d.attach(s, o, "dma3"), 0);
  ASSERT_EQ(d.map(s, o, kRW, {{0x48000000, 0x10000}}), 0);
  EXPECT_TRUE(d.dma("gpu0", 0x48000000, kRead).allowed);
  EXPECT_TRUE(d.dma("dma3", 0x48000000, kRead).allowed);
  d.service->close(s);
  EXPECT_FALSE(d.dma("gpu0", 0x48000000, kRead).allowed);
  EXPECT_FALSE(d.dma("dma3", 0x48000000, kRead).allowed);
  EXPECT_TRUE(d.service->manager().state().objects.empty());
  EXPECT_TRUE(d.dma("boot-dma", 0x50000000, kWrite).allowed) << "the configuration's own mapping stays";
}

TEST(Service, MalformedAndMisplacedRequestsAreRefused) {
  Daemon d;
  const auto s = d.connect(kDriver);
  const uint64_t o = d.create(s);
  wire::FrameReader::Frame garbage{{wire::kVersion, static_cast<uint16_t>(wire::Type::mapping_add), 5, 3}, {1, 2, 3}};
  const auto bytes = d.service->handle(s, garbage);
  wire::FrameReader r;
  r.feed(bytes);
  const auto f = r.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(std::get<wire::Reply>(wire::decode_reply(wire::Type::mapping_add, f->payload)).error, EINVAL);
  EXPECT_EQ(d.call(s, req::Hello{}).error, EISCONN);
  EXPECT_EQ(d.call(s, req::VmHello{}).error, EINVAL) << "a channel request on the client socket";
  EXPECT_EQ(d.map(s, o, kRW | 0x8, {{0x48000000, 0x1000}}), -EINVAL) << "SMF_VIRT is reserved";
  EXPECT_EQ(d.map(s, o, kRW | 0x100, {{0x48000000, 0x1000}}), -EINVAL) << "unknown flag";
  EXPECT_EQ(d.map(s, o, kRW, {}), -EINVAL) << "no entries";
  EXPECT_EQ(d.map(s, o, kRW, {{0xfffffffffffff000, 0x2000}}), -EINVAL) << "wraps";
  EXPECT_EQ(d.map(s, o, kRW, {{0x40000000, 0x1000}}), -EACCES) << "reserved firmware";
  EXPECT_EQ(d.map(s, o, kRW, {{0x80000000, 0x1000}}), -EFAULT) << "not platform memory";
  EXPECT_EQ(d.map(s, o + 100, kRW, {{0x48000000, 0x1000}}), -EINVAL) << "no such object";
  EXPECT_EQ(d.call(s, req::ReportReserved{{wire::kDevMmio, 0, 0, 0, 0x0a000000, 0x1000}, 0, 0}).error, EINVAL);
  EXPECT_EQ(d.call(s, req::ReportReserved{{wire::kDevMmio, 0, 0, 0, 0x0c000000, 0x1000}, 0, 4}).error, ENOENT);
  const auto reserved = d.call(s, req::ReportReserved{{wire::kDevMmio, 0, 0, 0, 0x0a000000, 0x1000}, 0, 4});
  EXPECT_EQ(reserved.error, 0);
  EXPECT_EQ(std::get<rep::Reserved>(reserved.body).count, 0u);
  EXPECT_EQ(d.call(s, req::CtlDma{"nonesuch", 0, 0}).error, EPERM) << "no control right";
  const auto root = d.service->open(kVmm);
  EXPECT_EQ(d.call(root, req::CtlDma{"nonesuch", 0, 0}).error, ENOENT);
}

// The daemon's observable hardware: which (unit, stream, address, access)
// the models let through, and where to. Undeclared streams are sampled too.
using Sample = std::set<std::tuple<uint32_t, uint32_t, uint64_t, int, uint64_t>>;
Sample sample(ModelBoard& board, const core::Deployment& deployment, const std::vector<uint64_t>& addresses) {
  Sample out;
  for (uint32_t u = 0; u < deployment.units.size(); ++u) {
    std::set<uint32_t> streams = {0x7, 0x1ff};
    for (const auto& dev : deployment.devices) {
      if (dev.unit == u) streams.insert(dev.stream_ids.begin(), dev.stream_ids.end());
    }
    for (uint32_t sid : streams) {
      for (uint64_t a : addresses) {
        for (auto kind : {kRead, kWrite}) {
          const auto r = board.dma(core::UnitIndex{u}, sid, a, kind);
          if (r.allowed) out.insert({u, sid, a, static_cast<int>(kind), r.pa});
        }
      }
    }
  }
  return out;
}

const std::vector<uint64_t> kProbe = {0x48000000, 0x48001000, 0x4800f000, 0x50000000,
                                      0x5000f000, 0x50010000, 0x10000000};

// Clients holding mappings on both units, as a daemon may be when it dies.
void populate(Daemon& d) {
  const auto s = d.connect(kTrusted);
  const uint64_t a = d.create(s), b = d.create(s);
  ASSERT_EQ(d.attach(s, a, "dma0"), 0);
  ASSERT_EQ(d.attach(s, a, "gpu0"), 0);
  ASSERT_EQ(d.attach(s, b, "dma5"), 0);
  ASSERT_EQ(d.map(s, a, kRW, {{0x48000000, 0x10000}}), 0);
  ASSERT_EQ(d.map(s, b, 0x1, {{0x48000000, 0x2000}}), 0);
  ASSERT_EQ(d.map(s, b, kRW | kTarget, {{0x10000000, 0x1000}}, 0x4800f000), 0);
}

// Every register write of a start-up, restart or shutdown: nothing the
// models let through that was not let through before or is not meant to be
// afterwards, and afterwards exactly what the core says.
class FailClosed : public ::testing::Test {
 protected:
  void watch(const Sample& allowed_before, const Sample& allowed_after) {
    d.board->after_register_write = [this, allowed_before, allowed_after](core::UnitIndex) {
      if (sampling) return;
      sampling = true;
      ++writes;
      for (const auto& t : sample(*d.board, *d.loaded.deployment, kProbe)) {
        if (!allowed_before.count(t) && !allowed_after.count(t)) {
          ADD_FAILURE() << "at register write " << writes << ": unit " << std::get<0>(t) << " stream " << std::hex
                        << std::showbase << std::get<1>(t) << " reaches " << std::get<4>(t) << " from "
                        << std::get<2>(t);
        }
      }
      sampling = false;
    };
  }
  Sample config_only() {
    // What a freshly started daemon with no clients lets through: the configuration's startup mapping.
    Sample s;
    for (uint64_t a : {0x50000000ull, 0x5000f000ull}) {
      for (auto kind : {kRead, kWrite}) s.insert({1, 0x30, a, static_cast<int>(kind), a});
    }
    return s;
  }
  Daemon d;
  bool sampling = false;
  int writes = 0;
};

TEST_F(FailClosed, AStartedDaemonLetsThroughExactlyTheConfiguration) {
  EXPECT_EQ(sample(*d.board, *d.loaded.deployment, kProbe), config_only());
}

// The first start on hardware out of reset (which may let everything
// through): every register write only takes access away, apart from what the
// configuration grants, and at the end exactly the configuration is left.
TEST(FailClosedFirstStart, EveryRegisterWriteOnlyTakesAccessAway) {
  Daemon fresh(/*started=*/false);
  const auto& deployment = *fresh.loaded.deployment;
  Sample config;
  for (uint64_t a : {0x50000000ull, 0x5000f000ull}) {
    for (auto kind : {kRead, kWrite}) config.insert({1, 0x30, a, static_cast<int>(kind), a});
  }
  Sample previous = sample(*fresh.board, deployment, kProbe);
  int writes = 0;
  bool sampling = false;
  fresh.board->after_register_write = [&](core::UnitIndex) {
    if (sampling) return;
    sampling = true;
    ++writes;
    const Sample now = sample(*fresh.board, deployment, kProbe);
    for (const auto& t : now) {
      if (!previous.count(t) && !config.count(t)) {
        ADD_FAILURE() << "register write " << writes << " opened unit " << std::get<0>(t) << " stream " << std::hex
                      << std::showbase << std::get<1>(t) << " at " << std::get<2>(t);
      }
    }
    previous = now;
    sampling = false;
  };
  fresh.start();
  fresh.board->after_register_write = nullptr;
  EXPECT_GT(writes, 10);
  EXPECT_EQ(sample(*fresh.board, deployment, kProbe), config);
}

TEST_F(FailClosed, ARestartAfterACrashOpensNoWindow) {
  populate(d);
  const Sample before = sample(*d.board, *d.loaded.deployment, kProbe);
  ASSERT_GT(before.size(), config_only().size());
  d.crash();
  EXPECT_EQ(sample(*d.board, *d.loaded.deployment, kProbe), before) << "the hardware outlives the process";
  watch(before, config_only());
  d.start();
  d.board->after_register_write = nullptr;
  EXPECT_GT(writes, 10);
  EXPECT_EQ(sample(*d.board, *d.loaded.deployment, kProbe), config_only())
      << "the restarted daemon's clients are new: the old mappings are gone, caches included";
}

TEST_F(FailClosed, AStoppingDaemonOnlyTakesAccessAway) {
  populate(d);
  const Sample before = sample(*d.board, *d.loaded.deployment, kProbe);
  watch(before, {});
  d.service->stop();
  d.board->after_register_write = nullptr;
  EXPECT_GT(writes, 0);
  EXPECT_EQ(sample(*d.board, *d.loaded.deployment, kProbe), config_only());
}

// A refused request changes nothing: not the core's state, not what the
// hardware lets through. Requests are drawn near the valid ones (real
// objects and devices, addresses around memory, reserved and unit frames,
// every flag bit) so that both refusals and successes occur.
RC_GTEST_PROP(ServiceProperty, ARefusedRequestChangesNothing, ()) {
  Daemon d;
  const auto s = d.connect(kDriver);
  const uint64_t o = d.create(s);
  RC_ASSERT(d.attach(s, o, "dma0") == 0);
  RC_ASSERT(d.map(s, o, kRW, {{0x48000000, 0x4000}}) == 0);
  const auto gen_addr = rc::gen::element<uint64_t>(0, 0x40000000, 0x400ff000, 0x48000000, 0x48003000, 0x50000000,
                                                   0x7ffff000, 0x80000000, 0x09050000, 0xfffffffffffff000);
  const auto gen_len = rc::gen::element<uint64_t>(0, 1, 0x1000, 0x10000, 0x40000000, UINT64_MAX);
  const auto gen_devid = rc::gen::element<wire::DevId>(
      wire::DevId{wire::kDevMmio, 0, 0, 0, 0x0a000000, 0x1000},
      wire::DevId{wire::kDevMmio, 0, 0, 0, 0x0a001000, 0x1000},
      wire::DevId{wire::kDevMmio, 0, 0, 0, 0x0a002000, 0x1000},
      wire::DevId{wire::kDevMmio, 0, 0, 0, 0x0b100000, 0x1000}, wire::DevId{wire::kDevPci, 1, 0, 0, 0, 0},
      wire::DevId{wire::kDevPci, ~0u, ~0u, ~0u, 0, 0}, wire::DevId{wire::kDevMmio, 0, 0, 0, 0x0c000000, 0x1000});
  const int steps = *rc::gen::inRange(1, 12);
  for (int i = 0; i < steps; ++i) {
    const uint64_t object = *rc::gen::element<uint64_t>(0, o, o + 1, 0xffffffffffull);
    wire::Request request;
    switch (*rc::gen::inRange(0, 5)) {
      case 0: {
        std::vector<wire::Entry> entries;
        const int n = *rc::gen::inRange(0, 4);
        for (int e = 0; e < n; ++e) entries.push_back({*gen_addr, *gen_len});
        request = req::MappingAdd{object, *rc::gen::inRange<uint32_t>(0, 0x40), 0, *gen_addr, entries};
        break;
      }
      case 1: request = req::DeviceAdd{object, *gen_devid}; break;
      case 2: request = req::ObjDestroy{object}; break;
      case 3: request = req::ObjCreate{*rc::gen::inRange<uint32_t>(0, 3)}; break;
      default: request = req::VmPrepare{}; break;
    }
    const core::State state_before = d.service->manager().state();
    const Sample hw_before = sample(*d.board, *d.loaded.deployment, kProbe);
    d.service->poll_faults();
    const auto reply = d.call(s, request);
    if (reply.error != 0) {
      RC_ASSERT(d.service->manager().state() == state_before);
      RC_ASSERT(sample(*d.board, *d.loaded.deployment, kProbe) == hw_before);
    }
  }
}

// What a state grants: clients, objects with their devices and mappings.
// Handles are not part of it: an abandoned plan uses up the object handles
// it made, so a later object never takes an earlier one's number.
bool same_grants(const core::State& a, const core::State& b) {
  return a.clients == b.clients && a.objects == b.objects && a.device_object == b.device_object;
}

// The VM channel: a guest's plan is performed for the VM's client and held;
// abandon puts everything back, a plan outside the VM's memory is refused
// whole, and commit keeps it.
TEST(ServiceVmChannel, PrepareAbandonCommit) {
  Daemon d;
  const auto vm = d.service->open_vm(core::VmIndex{0}, kVmm);
  ASSERT_EQ(d.call(vm, req::VmHello{}).error, 0);
  const auto second = d.service->open_vm(core::VmIndex{0}, kVmm);
  EXPECT_EQ(d.call(second, req::VmHello{}).error, EBUSY) << "one guest smmuman per VM";
  const auto stranger = d.service->open_vm(core::VmIndex{0}, kDriver);
  EXPECT_EQ(d.call(stranger, req::VmHello{}).error, EPERM);
  EXPECT_EQ(d.call(vm, req::XferStatus{}).error, EINVAL) << "a client request on a VM channel";

  req::VmStep create{req::kStepCreate, 7, {}, {}, {}, {}, {}};
  req::VmStep map{req::kStepMap, 7, {0x44000000, 0x4400ffff, 0x44000000, 0x3}, {}, {}, {}, {}};
  req::VmStep bind{req::kStepBind, 0, {}, "eth0", {req::kTargetAbort, 0}, {req::kTargetDomain, 7}, {}};
  const core::State empty = d.service->manager().state();
  ASSERT_EQ(d.call(vm, req::VmPrepare{{create, map, bind}}).error, 0);
  EXPECT_TRUE(d.dma("eth0", 0x44000010, kWrite).allowed);
  EXPECT_EQ(d.dma("eth0", 0x44000010, kWrite).pa, 0x64000010u) << "guest 0x44000010 -> host 0x64000010";
  EXPECT_EQ(d.call(vm, req::VmPrepare{{}}).error, EBUSY) << "the last plan is still held";
  ASSERT_EQ(d.call(vm, req::VmAbandon{}).error, 0);
  EXPECT_TRUE(same_grants(d.service->manager().state(), empty));
  EXPECT_FALSE(d.dma("eth0", 0x44000010, kWrite).allowed);

  // Outside the VM's 256 MiB: refused whole, nothing left behind.
  req::VmStep outside = map;
  outside.mapping = {0x44000000, 0x44000fff, 0x50000000, 0x3};
  EXPECT_EQ(d.call(vm, req::VmPrepare{{create, map, outside, bind}}).error, EFAULT);
  EXPECT_TRUE(same_grants(d.service->manager().state(), empty));
  // A device that is not the VM's.
  req::VmStep foreign = bind;
  foreign.device = "dma0";
  EXPECT_EQ(d.call(vm, req::VmPrepare{{create, foreign}}).error, EPERM);
  EXPECT_TRUE(same_grants(d.service->manager().state(), empty));

  ASSERT_EQ(d.call(vm, req::VmPrepare{{create, map, bind}}).error, 0);
  ASSERT_EQ(d.call(vm, req::VmCommit{}).error, 0);
  EXPECT_EQ(d.call(vm, req::VmCommit{}).error, EINVAL) << "nothing held";
  // A denial of the VM's device goes to its guest smmuman, on the channel.
  EXPECT_FALSE(d.dma("eth0", 0x44010000, kRead).allowed);
  d.service->poll_faults();
  wire::FrameReader out;
  out.feed(d.service->take_output(vm));
  const auto frame = out.next();
  ASSERT_TRUE(frame);
  const auto fault =
      std::get<req::VmFault>(std::get<wire::Request>(wire::decode_request(frame->header.type, frame->payload)));
  EXPECT_EQ(fault.device, "eth0");
  EXPECT_EQ(fault.address, 0x44010000u);
  // The guest smmuman goes away: its VM's devices are blocked.
  d.service->close(vm);
  EXPECT_FALSE(d.dma("eth0", 0x44000010, kWrite).allowed);
}

}  // namespace
}  // namespace smmuman::service
