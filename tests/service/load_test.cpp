// Load through real sockets: eight clients, each on its own connection and
// thread, send SMMUMAN_LOAD_REQUESTS mapping requests in all (default
// 100,000) to a daemon serving on a thread. At the end the daemon's state,
// read through smmuctl's control request, must hold exactly what each
// client's own bookkeeping says (nothing lost, nothing applied twice), and
// the hardware models must agree on sampled pages.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "smmuman/config/yaml_config.hpp"
#include "smmuman/service/model_board.hpp"
#include "smmuman/service/server.hpp"
#include "smmuman/service/service.hpp"
#include "served_daemon.hpp"

namespace smmuman::service {
namespace {

namespace req = wire::req;
namespace rep = wire::rep;

constexpr int kClients = 8;
constexpr uint64_t kWindowPages = 64;

std::string deployment_yaml() {
  std::string y = R"(
deployment: load-test
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
)";
  for (int i = 0; i < kClients; ++i) {
    y += "  - { name: dma" + std::to_string(i) +
         ", unit: smmu0, mmio: { base: " + std::to_string(0x0a000000 + i * 0x1000) + ", size: 4K }, stream_ids: [" +
         std::to_string(0x10 + i) + "] }\n";
  }
  return y;
}

// A blocking client speaking the wire protocol directly (libsmmu keeps one
// connection per process; here each thread is a client of its own).
class Connection {
 public:
  explicit Connection(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  wire::Reply call(const wire::Request& request) {
    const auto bytes = wire::encode_request(++id_, request);
    for (size_t at = 0; at < bytes.size();) {
      const ssize_t n = send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return {EPIPE, rep::Empty{}};
      at += static_cast<size_t>(n);
    }
    uint8_t chunk[65536];
    for (;;) {
      if (auto frame = reader_.next()) {
        if (frame->header.request_id != id_) return {EPROTO, rep::Empty{}};
        auto reply = wire::decode_reply(wire::type_of(request), frame->payload);
        if (auto* r = std::get_if<wire::Reply>(&reply)) return *r;
        return {EPROTO, rep::Empty{}};
      }
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {ECONNRESET, rep::Empty{}};
      reader_.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  uint32_t id_ = 0;
  wire::FrameReader reader_;
};

uint64_t requested_total() {
  const char* env = std::getenv("SMMUMAN_LOAD_REQUESTS");
  return env && *env ? std::strtoull(env, nullptr, 10) : 100000;
}

TEST(ServiceLoad, EightClientsManyRequestsNothingLostOrDuplicated) {
  auto loaded = config::load_yaml_config(deployment_yaml(), "load-test.yaml");
  ASSERT_TRUE(loaded.deployment) << (loaded.errors.empty() ? "" : config::to_string(loaded.errors[0]));
  test::ServedDaemon daemon(*loaded.deployment, "load");
  ASSERT_TRUE(daemon.started());
  Service& service = daemon.service();
  const std::string& path = daemon.path();
  daemon.serve();

  const uint64_t per_client = requested_total() / kClients;
  std::vector<std::set<uint64_t>> expected(kClients);  // mapped pages, per client's own bookkeeping
  std::vector<uint64_t> objects(kClients), failures(kClients);
  std::vector<std::unique_ptr<Connection>> connections;
  for (int c = 0; c < kClients; ++c) connections.push_back(std::make_unique<Connection>(path));
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Connection& conn = *connections[c];
      if (!conn.connected() || conn.call(req::Hello{}).error != 0) {
        ++failures[c];
        return;
      }
      const auto created = conn.call(req::ObjCreate{});
      if (created.error != 0) {
        ++failures[c];
        return;
      }
      objects[c] = std::get<rep::Object>(created.body).object;
      const uint64_t base = 0x48000000 + static_cast<uint64_t>(c) * 0x1000000;
      if (conn.call(req::DeviceAdd{objects[c], {wire::kDevMmio, 0, 0, 0, 0x0a000000u + c * 0x1000u, 0x1000}}).error !=
          0) {
        ++failures[c];
      }
      std::mt19937_64 random(static_cast<uint64_t>(c) + 1);
      for (uint64_t i = 0; i < per_client; ++i) {
        // One or two pages; mapping what is free, unmapping what is mapped.
        const uint64_t page = random() % kWindowPages;
        const uint64_t pages = (page + 1 < kWindowPages && random() % 2) ? 2 : 1;
        bool any_mapped = false, all_free = true;
        for (uint64_t p = page; p < page + pages; ++p) {
          any_mapped |= expected[c].count(p) != 0;
          all_free &= expected[c].count(p) == 0;
        }
        const uint32_t flags = all_free ? 0x3 : 0x0;
        if (!all_free && !any_mapped) continue;
        const auto r = conn.call(req::MappingAdd{objects[c], flags, 0, 0, {{base + page * 0x1000, pages * 0x1000}}});
        if (r.error != 0) {
          ++failures[c];
          continue;
        }
        for (uint64_t p = page; p < page + pages; ++p) {
          if (flags != 0) expected[c].insert(p);
          else expected[c].erase(p);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  for (int c = 0; c < kClients; ++c) EXPECT_EQ(failures[c], 0u) << "client " << c;

  // The daemon's view, as smmuctl reads it.
  Connection control(path);
  const auto status = control.call(req::CtlStatus{});
  ASSERT_EQ(status.error, 0);
  const auto j = nlohmann::json::parse(std::get<rep::Text>(status.body).json);
  for (int c = 0; c < kClients; ++c) {
    std::set<uint64_t> held;
    for (const auto& o : j["objects"]) {
      if (o["id"].get<uint64_t>() != objects[c]) continue;
      EXPECT_EQ(o["devices"], nlohmann::json::array({"dma" + std::to_string(c)}));
      const uint64_t base = 0x48000000 + static_cast<uint64_t>(c) * 0x1000000;
      for (const auto& m : o["mappings"]) {
        const uint64_t iova = std::stoull(m["iova"].get<std::string>(), nullptr, 16);
        const uint64_t to = std::stoull(m["to"].get<std::string>(), nullptr, 16);
        EXPECT_EQ(iova, to) << "identity mappings";
        for (uint64_t p = 0; p < m["pages"].get<uint64_t>(); ++p) {
          EXPECT_TRUE(held.insert((iova - base) / 0x1000 + p).second) << "a page held twice";
        }
      }
    }
    EXPECT_EQ(held, expected[c]) << "client " << c << ": the core holds what the client's own bookkeeping says";
    // Every page the client believes mapped is mapped on the models, and no other page of its window.
    for (uint64_t p = 0; p < kWindowPages; ++p) {
      const uint64_t address = 0x48000000 + static_cast<uint64_t>(c) * 0x1000000 + p * 0x1000;
      const auto dma = control.call(req::CtlDma{"dma" + std::to_string(c), address, req::kAccessWrite});
      ASSERT_EQ(dma.error, 0);
      const auto out = nlohmann::json::parse(std::get<rep::Text>(dma.body).json);
      EXPECT_EQ(out["allowed"].get<bool>(), expected[c].count(p) != 0) << "client " << c << " page " << p;
      EXPECT_TRUE(out["core_agrees"].get<bool>());
    }
  }
  EXPECT_EQ(j["clients"].size(), static_cast<size_t>(kClients) ) << "the control connection is no client";

  connections.clear();  // all eight go away
  EXPECT_EQ(daemon.stop(), 0);
  EXPECT_TRUE(service.manager().state().objects.empty());
}

// Someone no access rule names is told EPERM, then let go: a refused peer
// holds no connection slot. Needs root, to connect as another user.
TEST(ServiceLoad, AStrangerIsAnsweredThenLetGo) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect as another user";
  auto loaded = config::load_yaml_config(deployment_yaml(), "load-test.yaml");
  ASSERT_TRUE(loaded.deployment);
  test::ServedDaemon daemon(*loaded.deployment, "stranger", /*daemon_uid=*/0);
  ASSERT_TRUE(daemon.started());
  Service& service = daemon.service();
  const std::string& path = daemon.path();
  std::filesystem::permissions(daemon.dir(), std::filesystem::perms::all);
  // The child is forked before the server thread exists: a single-threaded
  // fork, so it may allocate freely. It waits until the daemon listens.
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  const pid_t child = fork();
  if (child == 0) {
    char byte;
    if (read(go[0], &byte, 1) != 1) _exit(9);
    // As nobody: hello is refused, then the daemon closes the connection.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    Connection c(path);
    if (!c.connected()) _exit(11);
    if (c.call(req::Hello{}).error != EPERM) _exit(12);
    const int after = c.call(req::ObjCreate{}).error;  // the connection is gone: nothing answers
    if (after != ECONNRESET && after != EPIPE) _exit(13);
    _exit(0);
  }
  daemon.serve();
  ASSERT_EQ(write(go[1], "g", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: could not become nobody, 11: no connection, 12: hello not EPERM, "
                                       "13: the connection stayed open";
  close(go[0]);
  close(go[1]);
  for (int i = 0; i < 200 && service.session_count() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(service.session_count(), 0u);
}

// A client that sends many requests without reading its replies is served at
// its own pace: the daemon stops answering it once its unread replies reach
// the limit (so it holds no more), keeps serving everyone else meanwhile, and
// answers every request, in order, once the client reads.
TEST(ServiceLoad, AClientThatDoesNotReadIsServedAtItsOwnPace) {
  auto loaded = config::load_yaml_config(deployment_yaml(), "load-test.yaml");
  ASSERT_TRUE(loaded.deployment);
  test::ServedDaemon daemon(*loaded.deployment, "slow");
  ASSERT_TRUE(daemon.started());
  const std::string& path = daemon.path();
  daemon.serve();

  // Status replies are a few KiB each: 4,000 of them are well past the 4 MiB limit.
  constexpr uint32_t kRequests = 4000;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int slow = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_EQ(connect(slow, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::thread writer([&] {
    for (uint32_t i = 1; i <= kRequests; ++i) {
      const auto bytes = wire::encode_request(i, req::CtlStatus{});
      for (size_t at = 0; at < bytes.size();) {
        const ssize_t n = send(slow, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
        if (n <= 0) return;
        at += static_cast<size_t>(n);
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    Connection other(path);  // meanwhile, someone else is answered at once
    ASSERT_TRUE(other.connected());
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(other.call(req::Hello{}).error, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  }
  wire::FrameReader reader;
  uint8_t chunk[65536];
  uint32_t answered = 0;
  while (answered < kRequests) {
    const ssize_t n = recv(slow, chunk, sizeof chunk, 0);
    ASSERT_GT(n, 0) << "after " << answered << " replies";
    reader.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
    while (auto frame = reader.next()) {
      ASSERT_EQ(frame->header.request_id, answered + 1) << "in order, none lost or repeated";
      ++answered;
    }
  }
  writer.join();
  close(slow);
}

}  // namespace
}  // namespace smmuman::service
