// A daemon on the hardware models serving on a thread of the test (the same
// event loop `smmuman run` uses), its socket in a directory of its own, and
// stopped, joined and cleaned up when it goes.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "smmuman/service/model_board.hpp"
#include "smmuman/service/server.hpp"
#include "smmuman/service/service.hpp"

namespace smmuman::service::test {

class ServedDaemon {
 public:
  // `name` names the directory; `daemon_uid` is whose rights are implicit (the daemon's own user).
  ServedDaemon(const core::Deployment& deployment, const std::string& name,
               uint32_t daemon_uid = static_cast<uint32_t>(geteuid()))
      : sink_(std::fopen("/dev/null", "w")), log_(Level::error, sink_), service_(deployment, policy(daemon_uid), log_) {
    auto board = ModelBoard::create(service_.manager().deployment());
    if (board) board_ = std::move(board.value());
    auto hardware = board_ ? board_->bring_up(service_.manager().deployment())
                           : core::Result<std::unique_ptr<hw::HardwareSystem>>(core::make_error(core::Errc::not_found, ""));
    if (hardware) hardware_ = std::move(hardware.value());
    started_ = hardware_ && service_.start({hardware_.get(), board_.get()}).ok();
    dir_ = std::filesystem::temp_directory_path() / ("smmuman-" + name + "-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "s.sock").string();
    stop_ok_ = pipe(stop_) == 0;
  }
  ~ServedDaemon() {
    stop();
    if (stop_ok_) {
      close(stop_[0]);
      close(stop_[1]);
    }
    std::filesystem::remove_all(dir_);
    std::fclose(sink_);
  }
  ServedDaemon(const ServedDaemon&) = delete;
  ServedDaemon& operator=(const ServedDaemon&) = delete;

  // Whether the service started on its models (and the stop pipe exists).
  bool started() const { return started_ && stop_ok_; }
  // Serves on a thread; returns once the socket exists (or after 2 s).
  void serve() {
    ServerOptions options;
    options.socket_path = path_;
    options.turn_ms = 5;
    options.stop_fd = stop_[0];
    server_ = std::thread([this, options] { served_ = smmuman::service::serve(service_, options, log_); });
    for (int i = 0; i < 400 && !std::filesystem::exists(path_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // Stops the loop as SIGTERM would and waits for it; returns serve's result (-1 if it never ran).
  int stop() {
    if (server_.joinable()) {
      if (write(stop_[1], "x", 1) != 1) return -1;
      server_.join();
    }
    return served_;
  }

  Service& service() { return service_; }
  const std::string& path() const { return path_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  static AccessPolicy policy(uint32_t daemon_uid) {
    std::vector<std::string> unknown;
    return AccessPolicy::resolve({}, daemon_uid, unknown).value();
  }

  std::FILE* sink_;
  Log log_;
  Service service_;
  std::unique_ptr<ModelBoard> board_;
  std::unique_ptr<hw::HardwareSystem> hardware_;
  bool started_ = false;
  std::filesystem::path dir_;
  std::string path_;
  int stop_[2] = {-1, -1};
  bool stop_ok_ = false;
  std::thread server_;
  int served_ = -1;
};

}  // namespace smmuman::service::test
