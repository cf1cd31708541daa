#include "run.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "smmuman/service/model_board.hpp"
#include "smmuman/service/server.hpp"
#include "smmuman/service/service.hpp"
#include "smmuman/service/vdev_channel.hpp"

namespace smmuman::tools {

namespace {

// Everything after the fork: models, backends, service, socket.
int serve_deployment(const config::LoadResult& loaded, const std::string& shown_path, const RunOptions& options,
                     int ready_fd) {
  service::Log log(service::level_for_debug(options.debug >= 0 ? options.debug : loaded.debug_level));
  std::vector<std::string> unknown;
  auto policy = service::AccessPolicy::resolve(loaded.access, static_cast<uint32_t>(geteuid()), unknown);
  for (const auto& u : unknown) log.warn("config.access", {{"warning", u}});
  if (!policy) {
    log.error("config.access", {{"file", shown_path}, {"error", policy.error().message}});
    return 1;
  }
  service::Service service(*loaded.deployment, std::move(policy.value()), log);
  const core::Deployment& d = service.manager().deployment();
  service::ServerOptions server;
  server.socket_path = options.socket_path;
  server.ready_fd = ready_fd;
  std::unique_ptr<service::ModelBoard> board;
  std::unique_ptr<hw::HardwareSystem> hardware;
  if (d.role == core::Role::guest) {
    // A guest's units are its vdev-smmu channels to the host smmuman.
    std::vector<std::unique_ptr<hw::UnitBackend>> units;
    if (d.units.size() > 1) {
      // One VM has one channel to its host, and the host one guest per VM.
      log.error("hardware.unsupported", {{"error", "a guest daemon drives one vdev-smmu unit"}});
      return 1;
    }
    for (size_t i = 0; i < d.units.size(); ++i) {
      if (d.units[i].capabilities.architecture != "vdev-smmu") {
        log.error("hardware.unsupported", {{"unit", d.units[i].name},
                                           {"error", "a guest daemon drives vdev-smmu units only so far"}});
        return 1;
      }
      if (options.vdev.empty()) {
        log.error("config.vdev",
                  {{"unit", d.units[i].name}, {"error", "a guest needs --vdev, its VM's channel socket"}});
        return 1;
      }
      auto channel = service::VdevChannel::connect(options.vdev, d, core::UnitIndex{static_cast<uint32_t>(i)}, log);
      if (!channel) {
        log.error("vdev.unavailable", {{"error", channel.error().message}});
        return 1;
      }
      // The host failed this VM's devices closed when the channel broke;
      // without it this daemon cannot keep its promises: design safe state.
      channel.value()->on_lost = [&log] {
        log.error("service.design_safe_state", {{"reason", "the host's channel is gone; exiting"}});
        std::_Exit(1);
      };
      units.push_back(std::move(channel.value()));
    }
    hardware = std::make_unique<hw::HardwareSystem>(d, std::move(units));
  } else {
    // On this machine the units are models; on a board a MappedMmio per unit
    // takes the model's place (docs/daemon.md, "On a board").
    auto made = service::ModelBoard::create(d);
    if (!made) {
      log.error("hardware.unsupported", {{"file", shown_path}, {"error", made.error().message}});
      return 1;
    }
    board = std::move(made.value());
    auto brought = board->bring_up(d);
    if (!brought) {
      log.error("hardware.bring_up_failed", {{"error", brought.error().message}});
      return 1;
    }
    hardware = std::move(brought.value());
    const std::string dir = options.vm_socket_dir.empty()
                                ? (std::filesystem::path(options.socket_path).parent_path() / "vm").string()
                                : options.vm_socket_dir;
    for (core::VmIndex vm{0}; vm < d.vms.size(); ++vm) {
      const std::string& name = d.vms[vm].name;
      if (!std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
          })) {
        log.error(
            "config.vm_name",
            {{"vm", name}, {"error", "a VM's channel socket is named after it: letters, digits, '-', '_', '.' only"}});
        return 1;
      }
      server.vm_sockets.push_back({dir + "/" + name + ".sock", vm});
    }
  }
  if (auto s = service.start({hardware.get(), board.get()}); !s) {
    log.error("hardware.refused_configuration", {{"error", s.error().message}});
    return 1;
  }
  if (!options.pid_file.empty()) {
    // Written before the parent learns the daemon is ready, so it is there when `run` returns.
    if (std::FILE* f = std::fopen(options.pid_file.c_str(), "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    } else {
      log.error("pid_file.unwritable", {{"path", options.pid_file}, {"error", std::strerror(errno)}});
      return 1;
    }
  }
  if (ready_fd >= 0) {
    // In the background: once listening, the log goes to syslog and the
    // caller's terminal (or pipe) is let go, so whoever started us sees its end.
    server.on_ready = [&log] {
      log.to_syslog();
      if (const int null = open("/dev/null", O_RDWR); null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) close(null);
      }
    };
  }
  const int status = service::serve(service, server, log);
  if (!options.pid_file.empty()) unlink(options.pid_file.c_str());
  return status;
}

}  // namespace

int run_daemon(const config::LoadResult& loaded, const std::string& shown_path, const RunOptions& options) {
  if (options.foreground) return serve_deployment(loaded, shown_path, options, -1);
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child > 0) {
    // The parent returns once the daemon listens, so a boot script can start
    // its drivers right after it (QNX: start smmuman before any DMA driver).
    close(ready[1]);
    char byte = 0;
    const bool started = read(ready[0], &byte, 1) == 1;
    close(ready[0]);
    if (!started) {
      int status = 0;
      waitpid(child, &status, 0);
      fmt::print(stderr, "{}: the daemon did not start (see its log above)\n", shown_path);
      return 1;
    }
    return 0;
  }
  close(ready[0]);
  setsid();
  if (const int null = open("/dev/null", O_RDWR); null >= 0) {
    dup2(null, STDIN_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  std::_Exit(serve_deployment(loaded, shown_path, options, ready[1]));
}

}  // namespace smmuman::tools
