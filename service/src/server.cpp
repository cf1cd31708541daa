#include "smmuman/service/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

namespace smmuman::service {

namespace {

// A client that stops reading its replies stops being read once this much waits for it.
constexpr size_t kMaxPendingOutput = size_t{4} << 20;
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxReadPerTurn = size_t{2} << 20;  // fairness between clients
// Beyond this many client connections the client socket waits (no accept,
// so no spinning on a full descriptor table); VM channels are not counted,
// so a guest can always come back. One user (but root and the daemon's own)
// holds at most kMaxConnectionsPerUser of them.
constexpr size_t kMaxConnections = 1024;
constexpr size_t kMaxConnectionsPerUser = 64;

struct Connection {
  int fd = -1;
  uint32_t uid = 0;
  bool vm = false;
  Service::SessionId session = 0;
  wire::FrameReader reader;
  std::vector<uint8_t> out;
  size_t out_at = 0;
  size_t pending() const { return out.size() - out_at; }
};

std::optional<Peer> peer_of(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
  Peer peer{cred.pid, cred.uid, cred.gid, {}, -1};
  std::vector<gid_t> groups(64);
  socklen_t glen = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
  if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen) != 0) {
    // Too many for the first buffer: ask again with room; any other failure: no groups.
    const bool retry = errno == ERANGE;
    if (retry) groups.resize(glen / sizeof(gid_t));
    if (!retry || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &glen) != 0) glen = 0;
  }
  for (size_t i = 0; i < glen / sizeof(gid_t) && i < groups.size(); ++i) peer.groups.push_back(groups[i]);
  // The process as it is now: a later process with the same pid is another (notifications).
  peer.pidfd = static_cast<int>(syscall(SYS_pidfd_open, cred.pid, 0));
  return peer;
}

int listen_on(const std::string& path, mode_t mode, Log& log) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    log.error("socket.bad_path", {{"path", path}, {"reason", "empty, or longer than 107 bytes"}});
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // A socket file left by a daemon that died is replaced; one a live daemon
  // answers on is not.
  if (const int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); probe >= 0) {
    const bool live = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(probe);
    if (live) {
      log.error("socket.in_use", {{"path", path}, {"reason", "another daemon listens there"}});
      ::close(fd);
      return -1;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 64) != 0) {
    log.error("socket.bind_failed", {{"path", path}, {"error", std::strerror(errno)}});
    ::close(fd);
    return -1;
  }
  // The client socket: anyone may connect, what a peer may do is the access
  // rules' business (SO_PEERCRED). A VM channel: the VMM's user only.
  chmod(path.c_str(), mode);
  return fd;
}

}  // namespace

int serve(Service& service, const ServerOptions& options, Log& log) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int sfd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  struct Listener {
    int fd;
    std::optional<core::VmIndex> vm;
    std::string path;
  };
  std::vector<Listener> listeners;
  auto close_all = [&] {
    for (const auto& l : listeners) {
      ::close(l.fd);
      unlink(l.path.c_str());
    }
    if (sfd >= 0) ::close(sfd);
  };
  bool listening = sfd >= 0;
  if (listening) {
    const int fd = listen_on(options.socket_path, 0666, log);
    listening = fd >= 0;
    if (listening) listeners.push_back({fd, std::nullopt, options.socket_path});
  }
  for (size_t i = 0; listening && i < options.vm_sockets.size(); ++i) {
    const int fd = listen_on(options.vm_sockets[i].path, 0600, log);
    listening = fd >= 0;
    if (listening) listeners.push_back({fd, options.vm_sockets[i].vm, options.vm_sockets[i].path});
  }
  if (!listening) {
    close_all();
    return 1;
  }
  for (const auto& l : listeners)
    log.info("socket.listening", {{"path", l.path}, {"for", l.vm ? "vm channel" : "clients"}});
  if (options.ready_fd >= 0) {
    const char ready = 'R';
    [[maybe_unused]] const auto n = write(options.ready_fd, &ready, 1);
    ::close(options.ready_fd);
  }
  if (options.on_ready) options.on_ready();

  std::map<int, Connection> connections;
  size_t clients = 0;  // connections on the client socket
  std::map<uint32_t, size_t> per_user;
  auto drop = [&](Connection& c) {
    service.close(c.session);  // devices fail closed now, in this turn
    ::close(c.fd);
    c.fd = -1;
    if (!c.vm) {
      --clients;
      if (--per_user[c.uid] == 0) per_user.erase(c.uid);
    }
  };
  // Answers the frames read so far, while the client's unread replies stay
  // under the limit: a client that sends without reading is served no faster
  // than it reads, and makes the daemon hold no more than that.
  auto answer = [&](Connection& c) {
    while (c.pending() < kMaxPendingOutput && !service.refused(c.session)) {
      auto frame = c.reader.next();
      if (!frame) break;
      auto reply = service.handle(c.session, *frame);
      c.out.insert(c.out.end(), reply.begin(), reply.end());
    }
    // What the service sends unasked (a VM's fault records) waits while the peer does not read.
    if (c.pending() < kMaxPendingOutput) {
      auto sent = service.take_output(c.session);
      c.out.insert(c.out.end(), sent.begin(), sent.end());
    }
  };

  bool running = true;
  std::vector<pollfd> fds;
  std::vector<uint8_t> chunk(kReadChunk);
  while (running) {
    fds.clear();
    fds.push_back({sfd, POLLIN, 0});
    const bool room = clients < kMaxConnections;
    for (const auto& l : listeners) fds.push_back({room || l.vm ? l.fd : -1, POLLIN, 0});
    const size_t stop_slot = fds.size();
    fds.push_back({options.stop_fd, POLLIN, 0});  // a negative fd is skipped by poll
    for (auto& [fd, c] : connections) {
      short events = 0;
      if (c.pending() < kMaxPendingOutput) events |= POLLIN;
      if (c.pending() > 0) events |= POLLOUT;
      fds.push_back({fd, events, 0});
    }
    if (poll(fds.data(), fds.size(), options.turn_ms) < 0 && errno != EINTR) {
      log.error("poll.failed", {{"error", std::strerror(errno)}});
      break;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (read(sfd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) running = false;
        else log.info("signal.ignored", {{"signal", std::to_string(info.ssi_signo)}});
      }
    }
    for (size_t l = 0; l < listeners.size(); ++l) {
      if (!(fds[1 + l].revents & POLLIN)) continue;
      const bool vm = listeners[l].vm.has_value();
      while (vm || clients < kMaxConnections) {
        const int fd = accept4(listeners[l].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        const auto peer = peer_of(fd);
        const bool privileged = peer && (peer->uid == 0 || peer->uid == geteuid());
        if (!peer || (!vm && !privileged && per_user[peer->uid] >= kMaxConnectionsPerUser)) {
          if (peer) {
            log.debug("connection.refused", {{"uid", std::to_string(peer->uid)}, {"reason", "too many connections"}});
            if (peer->pidfd >= 0) ::close(peer->pidfd);
          }
          ::close(fd);
          continue;
        }
        Connection c;
        c.fd = fd;
        c.uid = peer->uid;
        c.vm = vm;
        c.session = vm ? service.open_vm(*listeners[l].vm, *peer) : service.open(*peer);
        if (!vm) {
          ++clients;
          ++per_user[c.uid];
        }
        connections.emplace(fd, std::move(c));
      }
    }
    if (fds[stop_slot].revents != 0) running = false;
    for (size_t i = stop_slot + 1; i < fds.size(); ++i) {
      auto it = connections.find(fds[i].fd);
      if (it == connections.end()) continue;
      Connection& c = it->second;
      const short rev = fds[i].revents;
      bool gone = (rev & (POLLERR | POLLNVAL)) != 0;
      if (!gone && (rev & (POLLIN | POLLHUP))) {
        size_t taken = 0;
        while (taken < kMaxReadPerTurn && c.pending() < kMaxPendingOutput) {
          const ssize_t n = recv(c.fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
          if (n > 0) {
            c.reader.feed(std::span<const uint8_t>(chunk.data(), static_cast<size_t>(n)));
            taken += static_cast<size_t>(n);
            answer(c);
            if (c.reader.failure()) {
              log.info("connection.protocol_error", {{"session", std::to_string(c.session)},
                                                     {"error", *c.reader.failure()}});
              gone = true;
              break;
            }
            // A short read took everything there was: poll says when more comes,
            // without a recv that would only answer EAGAIN.
            if (static_cast<size_t>(n) < chunk.size()) break;
            continue;
          }
          if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) gone = true;
          break;
        }
      }
      // Replies go out even to a client that already shut its sending side.
      while (c.pending() > 0) {
        const ssize_t n = send(c.fd, c.out.data() + c.out_at, c.pending(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
          c.out_at += static_cast<size_t>(n);
          continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) gone = true;
        break;
      }
      if (c.pending() == 0) {
        c.out.clear();
        c.out_at = 0;
        answer(c);  // frames held back while the client was not reading
      }
      // A peer refused at hello is let go once it has its answer.
      if (service.refused(c.session) && c.pending() == 0) gone = true;
      if (gone) {
        drop(c);
        connections.erase(it);
      }
    }
    // Faults drained now reach a VM's guest on its channel next turn at the latest.
    service.poll_faults();
    for (auto& [fd, c] : connections) {
      if (c.pending() >= kMaxPendingOutput) continue;  // its backlog stays in the service, capped there
      auto sent = service.take_output(c.session);
      c.out.insert(c.out.end(), sent.begin(), sent.end());
    }
  }
  for (auto& [fd, c] : connections) drop(c);
  connections.clear();
  service.stop();
  close_all();
  log.info("socket.closed", {{"path", options.socket_path}});
  return 0;
}

}  // namespace smmuman::service
