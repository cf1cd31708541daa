// The service suite. A daemon serves on a thread of this process (the same
// event loop, Service and backends `smmuman run` uses, on an SMMUv3 model,
// with the invariant checks as built), and clients on their own connections
// send mapping_add requests, each one page mapped then unmapped, waiting for
// each reply: what a driver's smmu_mapping_add costs. The baseline is an
// echo server on the same kind of socket and event loop, answering each
// request of the same size (64 bytes) with a reply of the same size
// (32 bytes): what any daemon round trip costs on this machine. Rows:
// one client (latency), eight clients (throughput under contention).
#include "service_suite.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "smmuman/config/yaml_config.hpp"
#include "smmuman/service/model_board.hpp"
#include "smmuman/service/server.hpp"
#include "smmuman/service/service.hpp"

namespace smmuman::bench {
namespace {

constexpr int kMaxClients = 8;

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

int connect_to(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, const uint8_t* data, size_t n) {
  for (size_t at = 0; at < n;) {
    const ssize_t w = send(fd, data + at, n - at, MSG_NOSIGNAL);
    if (w <= 0) return false;
    at += static_cast<size_t>(w);
  }
  return true;
}

// The baseline: one thread, poll over every connection, each 64-byte
// request answered with 32 bytes, as the daemon's loop answers frames.
class EchoServer {
 public:
  explicit EchoServer(std::string path) : path_(std::move(path)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    unlink(path_.c_str());
    ok_ = bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(listener_, 64) == 0;
    if (ok_) thread_ = std::thread([this] { loop(); });
  }
  ~EchoServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(listener_);
    unlink(path_.c_str());
  }
  bool ok() const { return ok_; }

 private:
  void loop() {
    std::vector<pollfd> fds;
    std::vector<std::vector<uint8_t>> in;
    uint8_t reply[32] = {};
    while (!stop_) {
      fds.resize(1);
      fds[0] = {listener_, POLLIN, 0};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        for (int fd; (fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
          clients_.push_back(fd);
          buffered_.emplace_back();
        }
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        uint8_t chunk[65536];
        const ssize_t n = recv(fds[i].fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n <= 0) continue;
        auto& b = buffered_[i - 1];
        b.insert(b.end(), chunk, chunk + n);
        while (b.size() >= 64) {
          b.erase(b.begin(), b.begin() + 64);
          write_all(fds[i].fd, reply, sizeof reply);
        }
      }
    }
    for (int fd : clients_) close(fd);
  }
  std::string path_;
  int listener_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::vector<int> clients_;
  std::vector<std::vector<uint8_t>> buffered_;
  std::thread thread_;
};

struct Latencies {
  std::vector<uint64_t> ns;  // every round trip of every client
  double seconds = 0;        // wall time of the whole run
  std::string problem;
  uint64_t percentile(double p) const {
    if (ns.empty()) return 0;
    std::vector<uint64_t> sorted = ns;
    const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(at), sorted.end());
    return sorted[at];
  }
  double per_second() const { return seconds > 0 ? static_cast<double>(ns.size()) / seconds : 0; }
};

// `clients` threads, each `requests` round trips of `one(fd, i)`.
template <class Setup, class One>
Latencies run_clients(const std::string& path, int clients, uint64_t requests, Setup setup, One one) {
  Latencies out;
  std::vector<std::vector<uint64_t>> per(static_cast<size_t>(clients));
  std::vector<std::string> problems(static_cast<size_t>(clients));
  std::vector<int> fds;
  for (int c = 0; c < clients; ++c) {
    fds.push_back(connect_to(path));
    if (fds.back() < 0 || !setup(fds.back(), c)) out.problem = "cannot connect or set up";
  }
  if (!out.problem.empty()) return out;
  const uint64_t t0 = now_ns();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      per[c].reserve(requests);
      for (uint64_t i = 0; i < requests; ++i) {
        const uint64_t s = now_ns();
        if (!one(fds[c], c, i)) {
          problems[c] = fmt::format("request {} of client {} failed", i, c);
          return;
        }
        per[c].push_back(now_ns() - s);
      }
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = static_cast<double>(now_ns() - t0) / 1e9;
  for (int c = 0; c < clients; ++c) {
    if (!problems[c].empty()) out.problem = problems[c];
    out.ns.insert(out.ns.end(), per[c].begin(), per[c].end());
    close(fds[c]);
  }
  return out;
}

struct Row {
  std::string workload;
  int clients = 0;
  Latencies daemon, echo;
};

void print(const Row& r, bool json) {
  const std::string problem = !r.daemon.problem.empty() ? r.daemon.problem : r.echo.problem;
  const double ratio = r.echo.percentile(0.5) > 0 ? static_cast<double>(r.daemon.percentile(0.5)) /
                                                         static_cast<double>(r.echo.percentile(0.5))
                                                   : 0;
  if (json) {
    nlohmann::ordered_json j{{"suite", "service"},
                             {"workload", r.workload},
                             {"clients", r.clients},
                             {"requests", r.daemon.ns.size()},
                             {"p50_ns", r.daemon.percentile(0.5)},
                             {"p99_ns", r.daemon.percentile(0.99)},
                             {"requests_per_second", r.daemon.per_second()},
                             {"baseline", "unix-socket echo, same sizes"},
                             {"baseline_p50_ns", r.echo.percentile(0.5)},
                             {"baseline_p99_ns", r.echo.percentile(0.99)},
                             {"baseline_requests_per_second", r.echo.per_second()},
                             {"ratio", ratio}};
    if (!problem.empty()) j["problem"] = problem;
    fmt::print("{}\n", j.dump());
    return;
  }
  if (!problem.empty()) {
    fmt::print("{:<22} {:>7} FAILED: {}\n", r.workload, r.clients, problem);
    return;
  }
  fmt::print("{:<22} {:>7} {:>9} {:>9} {:>9} {:>11.0f} {:>9} {:>9} {:>11.0f} {:>6.2f}\n", r.workload, r.clients,
             r.daemon.ns.size(), r.daemon.percentile(0.5), r.daemon.percentile(0.99), r.daemon.per_second(),
             r.echo.percentile(0.5), r.echo.percentile(0.99), r.echo.per_second(), ratio);
}

}  // namespace

int run_service_suite(const ServiceSettings& settings) {
  const uint64_t requests = settings.smoke ? 200 : settings.quick ? 20000 : 200000;
  std::string yaml = R"(
deployment: bench-service
role: host
platform:
  memory:
    - { base: 0x100000000, size: 4G }
units:
  - name: smmu0
    type: arm-smmuv3
    registers: { base: 0x09050000, size: 128K }
    stream_id_bits: 16
devices:
)";
  for (int i = 0; i < kMaxClients; ++i) {
    yaml += fmt::format("  - {{ name: dma{}, unit: smmu0, mmio: {{ base: {:#x}, size: 4K }}, stream_ids: [{:#x}] }}\n",
                        i, 0x0a000000 + i * 0x1000, 0x10 + i);
  }
  auto loaded = config::load_yaml_config(yaml, "bench-service.yaml");
  if (!loaded.deployment) {
    fmt::print(stderr, "service suite: the deployment does not load\n");
    return 1;
  }
  std::FILE* sink = std::fopen("/dev/null", "w");
  service::Log log(service::Level::error, sink);
  std::vector<std::string> unknown;
  service::Service daemon(*loaded.deployment,
                          service::AccessPolicy::resolve({}, static_cast<uint32_t>(geteuid()), unknown).value(), log);
  auto board = service::ModelBoard::create(daemon.manager().deployment());
  auto hardware = board.value()->bring_up(daemon.manager().deployment());
  if (!hardware || !daemon.start({hardware.value().get(), board.value().get()})) {
    fmt::print(stderr, "service suite: the daemon does not start\n");
    return 1;
  }
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("smmuman-bench-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "daemon.sock").string(), echo_path = (dir / "echo.sock").string();
  int stop[2];
  if (pipe(stop) != 0) return 1;
  service::ServerOptions options;
  options.socket_path = path;
  options.stop_fd = stop[0];
  std::thread server([&] { service::serve(daemon, options, log); });
  for (int i = 0; i < 400 && !std::filesystem::exists(path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EchoServer echo(echo_path);

  // Each client: hello, an object, its own device; then page i % 64 of its
  // window mapped (even i) or unmapped (odd i), one request at a time.
  std::vector<uint64_t> objects(kMaxClients);
  // As libsmmu does: one send, then reads of what has arrived until a whole frame is there.
  auto call = [](int fd, const wire::Request& r, wire::Reply& reply) {
    const auto bytes = wire::encode_request(1, r);
    if (!write_all(fd, bytes.data(), bytes.size())) return false;
    wire::FrameReader reader;
    uint8_t chunk[4096];
    std::optional<wire::FrameReader::Frame> frame;
    while (!(frame = reader.next())) {
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0 || reader.failure()) return false;
      reader.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
    }
    auto decoded = wire::decode_reply(wire::type_of(r), frame->payload);
    if (!std::holds_alternative<wire::Reply>(decoded)) return false;
    reply = std::get<wire::Reply>(decoded);
    return true;
  };
  auto setup = [&](int fd, int c) {
    wire::Reply r;
    if (!call(fd, wire::req::Hello{}, r) || r.error) return false;
    if (!call(fd, wire::req::ObjCreate{}, r) || r.error) return false;
    objects[c] = std::get<wire::rep::Object>(r.body).object;
    return call(fd, wire::req::DeviceAdd{objects[c], {wire::kDevMmio, 0, 0, 0, 0x0a000000u + c * 0x1000u, 0x1000}},
                r) &&
           r.error == 0;
  };
  auto mapping_add = [&](int fd, int c, uint64_t i) {
    const uint64_t page = 0x100000000 + static_cast<uint64_t>(c) * 0x10000000 + ((i / 2) % 64) * 0x1000;
    wire::Reply r;
    return call(fd, wire::req::MappingAdd{objects[c], (i % 2) == 0 ? 3u : 0u, 0, 0, {{page, 0x1000}}}, r) &&
           r.error == 0;
  };
  // Request and reply of exactly the sizes above: 64 and 32 bytes.
  const size_t request_bytes = wire::encode_request(1, wire::req::MappingAdd{1, 3, 0, 0, {{0, 0x1000}}}).size();
  auto echo_one = [&](int fd, int, uint64_t) {
    std::vector<uint8_t> out(request_bytes, 0x5a);
    uint8_t back[4096];
    if (!write_all(fd, out.data(), out.size())) return false;
    size_t got = 0;
    while (got < 32) {
      const ssize_t n = recv(fd, back + got, sizeof back - got, 0);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    return got == 32;
  };

  if (!settings.json) {
    fmt::print(
        "\nservice: smmu_mapping_add round trips through the daemon (SMMUv3 model), against a Unix-socket echo\n");
    fmt::print("{:<22} {:>7} {:>9} {:>9} {:>9} {:>11} {:>9} {:>9} {:>11} {:>6}\n", "workload", "clients", "requests",
               "p50 ns", "p99 ns", "req/s", "echo p50", "echo p99", "echo req/s", "ratio");
  }
  int failures = 0;
  for (int clients : {1, kMaxClients}) {
    Row row;
    row.workload = "mapping_add-4k";
    row.clients = clients;
    const uint64_t each = requests / static_cast<uint64_t>(clients);
    // A short warm-up of each first, so neither pays for cold caches or a sleeping CPU.
    run_clients(echo_path, clients, std::max<uint64_t>(each / 10, 1), [](int, int) { return true; }, echo_one);
    row.echo = run_clients(echo_path, clients, each, [](int, int) { return true; }, echo_one);
    run_clients(path, clients, std::max<uint64_t>(each / 10, 2), setup, mapping_add);
    row.daemon = run_clients(path, clients, each, setup, mapping_add);
    print(row, settings.json);
    failures += !row.daemon.problem.empty() || !row.echo.problem.empty();
    // Every client went away: its object and device must be gone before the next row.
    for (int i = 0; i < 200 && !daemon.manager().state().objects.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (write(stop[1], "x", 1) != 1) ++failures;
  server.join();
  close(stop[0]);
  close(stop[1]);
  std::filesystem::remove_all(dir);
  std::fclose(sink);
  return failures;
}

}  // namespace smmuman::bench
