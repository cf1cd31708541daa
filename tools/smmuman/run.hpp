// `smmuman run CONFIG`: the daemon. Loads and validates the deployment,
// brings its units up (on the hardware models on this machine), then serves
// clients on the socket until SIGTERM or SIGINT.
#pragma once

#include <string>

#include "smmuman/config/diagnostic.hpp"

namespace smmuman::tools {

struct RunOptions {
  bool foreground = false;  // QNX runs in the background unless told `foreground`
  std::string socket_path;
  int debug = -1;           // overrides the configuration's `debug N` when >= 0
  // Host: where each VM's vdev-smmu channel socket goes (<dir>/<vm>.sock);
  // empty: a `vm` directory beside the client socket.
  std::string vm_socket_dir;
  // Guest: the host's channel socket for this VM (the vdev-smmu device).
  std::string vdev;
  // Written with the daemon's pid once it listens; removed when it stops.
  std::string pid_file;
};

// Returns the process's exit code. In the background the calling process
// returns 0 once the daemon listens (1 if it failed to start); the daemon
// itself exits from within.
int run_daemon(const config::LoadResult& loaded, const std::string& shown_path, const RunOptions& options);

}  // namespace smmuman::tools
