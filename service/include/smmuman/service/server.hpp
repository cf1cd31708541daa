// The daemon's event loop: a Unix-domain stream socket, one session per
// connection identified by SO_PEERCRED, frames in and replies out without
// ever blocking on one client, and hardware faults drained every turn.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "smmuman/service/log.hpp"
#include "smmuman/service/service.hpp"

namespace smmuman::service {

// One VM's vdev-smmu channel socket on the host (owner-only: the VMM's user).
struct VmSocket {
  std::string path;
  core::VmIndex vm;
};

struct ServerOptions {
  std::string socket_path;
  std::vector<VmSocket> vm_sockets;
  // Written one byte and closed once the socket listens (a backgrounded
  // daemon's parent waits for it); -1 for none.
  int ready_fd = -1;
  int turn_ms = 50;  // longest wait for input before faults are drained again
  // Readable (or hung up) = stop, as SIGTERM does; for a server running on a
  // thread of a test. -1 for none.
  int stop_fd = -1;
  // Called once the sockets listen (after ready_fd is written): a daemon in
  // the background detaches from its terminal there.
  std::function<void()> on_ready;
};

// Serves until SIGTERM or SIGINT (blocked on the calling thread and read
// through a signalfd) or until stop_fd is readable; then closes every session (their devices
// fail closed) and removes the socket. Returns 0, or 1 when the socket could
// not be set up (another daemon listens there, the path is too long...).
int serve(Service& service, const ServerOptions& options, Log& log);

}  // namespace smmuman::service
