// libsmmu against a daemon serving on a thread of this process: the C calls
// with QNX's semantics (sharing one connection, reissue, errno, one-shot
// signal notification, records), and the C++ face (RAII objects, spans).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "smmu.h"
#include "smmu.hpp"
#include "smmuman/config/yaml_config.hpp"
#include "smmuman/service/model_board.hpp"
#include "smmuman/service/server.hpp"
#include "smmuman/service/service.hpp"
#include "served_daemon.hpp"

namespace smmuman::service {
namespace {

constexpr const char* kDeployment = R"(
deployment: libsmmu-test
role: host
platform:
  memory:
    - { base: 0x40000000, size: 1G }
units:
  - name: smmu0
    type: arm-smmuv3
    registers: { base: 0x09050000, size: 128K }
    stream_id_bits: 16
devices:
  - { name: dma0, unit: smmu0, mmio: { base: 0x0a000000, size: 4K }, stream_ids: [0x10] }
  - { name: dma1, unit: smmu0, mmio: { base: 0x0a001000, size: 4K }, stream_ids: [0x11] }
  - { name: nic, unit: smmu0, pci: "3:0.0", stream_ids: [0x300] }
)";

// The daemon on a thread, the socket in a directory of its own, SMMUMAN_SOCKET pointing at it.
class LibSmmu : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Notifications are taken with sigtimedwait: block the signal in every thread, before any starts.
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
  }
  void SetUp() override {
    loaded = config::load_yaml_config(kDeployment, "libsmmu-test.yaml");
    ASSERT_TRUE(loaded.deployment);
    daemon = std::make_unique<test::ServedDaemon>(*loaded.deployment, "libsmmu");
    ASSERT_TRUE(daemon->started());
    path = daemon->path();
    setenv("SMMUMAN_SOCKET", path.c_str(), 1);
    daemon->serve();
  }
  void TearDown() override {
    daemon.reset();
    unsetenv("SMMUMAN_SOCKET");
  }

  // One control request on a connection of its own (smmuctl's path).
  nlohmann::json control(const wire::Request& request) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const auto bytes = wire::encode_request(1, request);
    EXPECT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    wire::FrameReader reader;
    std::optional<wire::FrameReader::Frame> frame;
    uint8_t chunk[65536];
    while (!(frame = reader.next())) {
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      reader.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
    }
    close(fd);
    if (!frame) return nullptr;
    const auto reply = std::get<wire::Reply>(wire::decode_reply(wire::type_of(request), frame->payload));
    if (reply.error != 0) return reply.error;
    return nlohmann::json::parse(std::get<wire::rep::Text>(reply.body).json);
  }
  bool dma_allowed(const std::string& device, uint64_t address, uint32_t access = wire::req::kAccessWrite) {
    return control(wire::req::CtlDma{device, address, access})["allowed"].get<bool>();
  }

  config::LoadResult loaded;
  std::unique_ptr<test::ServedDaemon> daemon;
  std::string path;
};

TEST_F(LibSmmu, TheQnxSequenceWorksAsDocumented) {
  errno = 0;
  EXPECT_EQ(smmu_obj_create(SOCF_NONE), nullptr);
  EXPECT_EQ(errno, ENOTCONN) << "before smmu_init";
  EXPECT_EQ(smmu_init(1), -1);
  EXPECT_EQ(errno, EINVAL);
  ASSERT_EQ(smmu_init(0), 0);
  ASSERT_EQ(smmu_init(0), 0) << "a second init in one process shares the connection";
  smmu_object* sop = smmu_obj_create(SOCF_NONE);
  ASSERT_NE(sop, nullptr);
  EXPECT_EQ(smmu_device_add_mmio(sop, 0x0a000000, 0x1000), 0);
  const smmu_map_entry fifo{{.phys = 0x48000010}, 1};  // one byte: a FIFO register, as real drivers map
  EXPECT_EQ(smmu_mapping_add(sop, SMF_READ | SMF_WRITE, 0, 1, &fifo, 0), 0);
  EXPECT_TRUE(dma_allowed("dma0", 0x48000ff0)) << "rounded out to the whole page";
  EXPECT_FALSE(dma_allowed("dma0", 0x48001000));
  // A device joining an object that has mappings: 1, reissue (they are in place already).
  EXPECT_EQ(smmu_device_add_mmio(sop, 0x0a001000, 0x1000), 1);
  EXPECT_TRUE(dma_allowed("dma1", 0x48000000));
  EXPECT_EQ(smmu_device_add_pci(sop, 9, 9, 9), -1);
  EXPECT_EQ(errno, ENOENT) << "no unit controls PCI 9:9.9";
  EXPECT_EQ(smmu_mapping_add(sop, SMF_READ | SMF_VIRT, 0, 1, &fifo, 0), -1);
  EXPECT_EQ(errno, EINVAL) << "SMF_VIRT is reserved";
  const smmu_map_entry outside{{.phys = 0x90000000}, 0x1000};
  EXPECT_EQ(smmu_mapping_add(sop, SMF_READ, 0, 1, &outside, 0), -1);
  EXPECT_EQ(errno, EFAULT) << "not platform memory";
  smmu_map_entry reserved[2];
  smmu_devid devid{};
  devid.mmio.type = SDT_MMIO;
  devid.mmio.phys = 0x0a000000;
  devid.mmio.length = 0x1000;
  EXPECT_EQ(smmu_device_report_reserved(&devid, 0, reserved, 2), 0u);
  EXPECT_EQ(smmu_device_report_reserved(&devid, 0, reserved, 0), static_cast<unsigned>(-1));
  // Removing a device: the same call with a NULL object.
  EXPECT_EQ(smmu_device_add_mmio(nullptr, 0x0a001000, 0x1000), 0);
  EXPECT_FALSE(dma_allowed("dma1", 0x48000000));
  errno = 1234;
  smmu_obj_destroy(sop);
  EXPECT_EQ(errno, 1234) << "a void call leaves errno alone";
  EXPECT_FALSE(dma_allowed("dma0", 0x48000000)) << "destroying the object blocks its devices";
  smmu_fini();
  smmu_object* still = smmu_obj_create(SOCF_NONE);
  EXPECT_NE(still, nullptr) << "still connected: one init is unmatched";
  smmu_obj_destroy(still);
  smmu_fini();
  EXPECT_EQ(smmu_obj_create(SOCF_NONE), nullptr);
  EXPECT_EQ(errno, ENOTCONN);
}

TEST_F(LibSmmu, TransgressionsArriveAsOneShotSignalsAndRecords) {
  ASSERT_EQ(smmu_init(0), 0);
  smmu_object* sop = smmu_obj_create(SOCF_NONE);
  ASSERT_EQ(smmu_device_add_mmio(sop, 0x0a000000, 0x1000), 0);
  sigevent thread_event{};
  thread_event.sigev_notify = SIGEV_THREAD;
  EXPECT_EQ(smmu_xfer_notify(&thread_event), -1);
  EXPECT_EQ(errno, EINVAL) << "the daemon cannot start a thread in the client";
  sigevent event{};
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  event.sigev_value.sival_int = 42;
  ASSERT_EQ(smmu_xfer_notify(&event), 0);
  EXPECT_FALSE(dma_allowed("dma0", 0x48002000, wire::req::kAccessRead));
  EXPECT_FALSE(dma_allowed("dma0", 0x48003000, wire::req::kAccessRead));
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  siginfo_t info{};
  const timespec wait{5, 0};
  ASSERT_EQ(sigtimedwait(&usr1, &info, &wait), SIGUSR1);
  EXPECT_EQ(info.si_value.sival_int, 42);
  const timespec none{0, 50'000'000};
  EXPECT_EQ(sigtimedwait(&usr1, &info, &none), -1) << "one-shot: the second record sends no second signal";
  smmu_status status{};
  ASSERT_EQ(smmu_xfer_status(&status), 1);
  EXPECT_EQ(status.fault_addr, 0x48002000u);
  EXPECT_EQ(status.devid.type, static_cast<unsigned>(SDT_MMIO));
  EXPECT_EQ(status.devid.mmio.phys, 0x0a000000u);
  EXPECT_EQ(status.hw_specific >> 40 & 0xff, 0u) << "a read";
  ASSERT_EQ(smmu_xfer_status(&status), 1);
  EXPECT_EQ(status.fault_addr, 0x48003000u);
  EXPECT_EQ(smmu_xfer_status(&status), 0) << "none left";
  smmu_obj_destroy(sop);
  smmu_fini();
}

TEST_F(LibSmmu, TheCxxFaceOwnsWhatItMakes) {
  smmu::Connection connection;
  {
    smmu::Object object;
    EXPECT_FALSE(object.add_mmio(0x0a000000, 0x1000));
    const std::array<smmu_map_entry, 2> entries{{{{.phys = 0x48000000}, 0x2000}, {{.phys = 0x48010000}, 0x1000}}};
    EXPECT_EQ(object.map(SMF_READ | SMF_WRITE, entries), 0);
    EXPECT_TRUE(dma_allowed("dma0", 0x48011000 - 8));
    EXPECT_EQ(object.map_to(SMF_READ, {{.phys = 0x10000000}, 0x1000}, 0x48020000), 0);
    EXPECT_EQ(control(wire::req::CtlDma{"dma0", 0x10000010, wire::req::kAccessRead})["physical"], "0x48020010");
    EXPECT_EQ(object.unmap(std::span(entries).first(1)), 0);
    EXPECT_FALSE(dma_allowed("dma0", 0x48000000));
    try {
      object.add_pci(7, 7, 7);
      ADD_FAILURE() << "no exception";
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code().value(), ENOENT);
    }
  }
  EXPECT_FALSE(dma_allowed("dma0", 0x48010000)) << "the object went with its handle";
}

}  // namespace
}  // namespace smmuman::service
