#include "smmuman/service/vdev_channel.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace smmuman::service {

namespace {

// The host answers with errno values (core::to_errno); back to the core's codes.
core::Errc errc_of(int error) {
  switch (error) {
    case ENOENT: return core::Errc::not_found;
    case EBUSY: return core::Errc::busy;
    case EPERM: return core::Errc::permission_denied;
    case EFAULT: return core::Errc::out_of_range;
    case EACCES: return core::Errc::reserved_region;
    case ENOMEM: return core::Errc::no_resources;
    default: return core::Errc::invalid_argument;
  }
}

wire::req::VmTarget target_of(const core::StreamTarget& t) {
  if (const auto* domain = std::get_if<core::DomainId>(&t)) return {wire::req::kTargetDomain, domain->object.value()};
  if (std::holds_alternative<core::StartupTarget>(t)) return {wire::req::kTargetStartup, 0};
  return {wire::req::kTargetAbort, 0};
}

wire::req::VmMapping mapping_of(const core::DomainEntry& e) {
  return {e.in.first(), e.in.last(), e.out_first, e.attr.perms.bits()};
}

}  // namespace

VdevChannel::VdevChannel(int fd, const core::Deployment& guest, core::UnitIndex unit, Log& log)
    : fd_(fd), guest_(guest), unit_(unit), log_(log) {}

VdevChannel::~VdevChannel() { ::close(fd_); }

core::Result<std::unique_ptr<VdevChannel>> VdevChannel::connect(const std::string& path, const core::Deployment& guest,
                                                                core::UnitIndex unit, Log& log) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return core::make_error(core::Errc::invalid_argument, fmt::format("vdev-smmu channel '{}': bad socket path", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return core::make_error(core::Errc::not_found,
                            fmt::format("vdev-smmu channel {}: cannot reach the host smmuman: {}", path, why));
  }
  return over(fd, path, guest, unit, log);
}

core::Result<std::unique_ptr<VdevChannel>> VdevChannel::over(int fd, const std::string& path,
                                                             const core::Deployment& guest, core::UnitIndex unit,
                                                             Log& log) {
  std::unique_ptr<VdevChannel> channel(new VdevChannel(fd, guest, unit, log));
  channel->path_ = path;
  // A host that stops reading must not hang the guest in send either.
  const timeval send_timeout{channel->reply_timeout_ms / 1000, (channel->reply_timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  const auto reply = channel->call(wire::req::VmHello{});
  if (!reply || reply->error != 0) {
    return core::make_error(core::Errc::permission_denied,
                            fmt::format("vdev-smmu channel {}: the host refused the guest ({})", path,
                                        reply ? std::strerror(reply->error) : "no answer"));
  }
  std::vector<std::string> host_devices;
  try {
    const auto hello = nlohmann::json::parse(std::get<wire::rep::Text>(reply->body).json);
    channel->vm_ = hello.at("vm").get<std::string>();
    host_devices = hello.at("devices").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return core::make_error(core::Errc::invalid_argument, fmt::format("vdev-smmu channel {}: a malformed hello", path));
  }
  for (const core::Device& dev : guest.devices) {
    if (dev.unit != unit) continue;
    if (std::find(host_devices.begin(), host_devices.end(), dev.name) == host_devices.end()) {
      return core::make_error(core::Errc::not_found,
                              fmt::format("{}: device {}: the host does not pass a device of that name through to VM "
                                          "{}", core::to_string(dev.origin), dev.name, channel->vm_));
    }
  }
  log.info("vdev.connected", {{"path", path}, {"vm", channel->vm_}});
  return channel;
}

void VdevChannel::lost(const char* why) {
  if (broken_) return;
  broken_ = true;
  log_.error("vdev.lost", {{"path", path_}, {"vm", vm_}, {"reason", why}});
  if (on_lost) on_lost();
}

// Reads what has arrived (waiting for something when `block`); false once the channel is gone.
bool VdevChannel::read_some(bool block) {
  if (broken_) return false;
  if (block) {
    pollfd p{fd_, POLLIN, 0};
    int ready;
    do {
      ready = poll(&p, 1, reply_timeout_ms);
    } while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      lost("the host did not answer in time");
      return false;
    }
  }
  uint8_t chunk[65536];
  for (;;) {
    const ssize_t n = recv(fd_, chunk, sizeof chunk, block ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      reader_.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
      take_frames();
      if (reader_.failure()) {
        lost("the host sent a malformed frame");
        return false;
      }
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    lost(n == 0 ? "the host closed the channel" : std::strerror(errno));
    return false;
  }
}

void VdevChannel::take_frames() {
  while (auto frame = reader_.next()) {
    if (frame->header.type == static_cast<uint16_t>(wire::Type::vm_fault)) {
      auto decoded = wire::decode_request(frame->header.type, frame->payload);
      if (auto* f = std::get_if<wire::Request>(&decoded)) faults_.push_back(std::get<wire::req::VmFault>(*f));
      continue;
    }
    replies_.push_back(std::move(*frame));
  }
}

std::optional<wire::Reply> VdevChannel::call(const wire::Request& request) {
  if (broken_) return std::nullopt;
  const uint32_t id = next_request_++;
  const auto bytes = wire::encode_request(id, request);
  for (size_t at = 0; at < bytes.size();) {
    const ssize_t n = send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      lost(std::strerror(errno));
      return std::nullopt;
    }
    at += static_cast<size_t>(n);
  }
  const auto type = wire::type_of(request);
  // A reply that arrived whole before the channel broke still counts.
  while (replies_.empty()) {
    if (!read_some(/*block=*/true)) break;
  }
  if (replies_.empty()) return std::nullopt;
  auto frame = std::move(replies_.front());
  replies_.pop_front();
  if (frame.header.request_id != id || frame.header.type != (static_cast<uint16_t>(type) | wire::kReplyBit)) {
    lost("the host answered out of order");
    return std::nullopt;
  }
  auto reply = wire::decode_reply(type, frame.payload);
  if (auto* r = std::get_if<wire::Reply>(&reply)) return *r;
  lost("the host sent a malformed reply");
  return std::nullopt;
}

core::Status VdevChannel::prepare(const hw::UnitSteps& steps) {
  wire::req::VmPrepare request;
  for (const core::PlanStep* step : steps) {
    wire::req::VmStep out;
    std::visit(
        [&](const auto& s) {
          using S = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<S, core::step::CreateDomain>) {
            out.kind = wire::req::kStepCreate;
            out.domain = s.domain.object.value();
          } else if constexpr (std::is_same_v<S, core::step::Map>) {
            out.kind = wire::req::kStepMap;
            out.domain = s.domain.object.value();
            out.mapping = mapping_of(s.entry);
          } else if constexpr (std::is_same_v<S, core::step::BindStreams>) {
            out.kind = wire::req::kStepBind;
            out.device = guest_.devices.at(s.device).name;
            out.from = target_of(s.from);
            out.to = target_of(s.to);
            for (const auto& e : s.startup) out.startup.push_back(mapping_of(e));
          } else if constexpr (std::is_same_v<S, core::step::Unmap>) {
            out.kind = wire::req::kStepUnmap;
            out.domain = s.domain.object.value();
            out.mapping = {s.range.first(), s.range.last(), 0, 0};
          } else {
            out.kind = wire::req::kStepDestroy;
            out.domain = s.domain.object.value();
          }
        },
        *step);
    request.steps.push_back(std::move(out));
  }
  // One plan is one frame, so that the host performs it whole or not at all.
  const size_t bytes = wire::encode_request(0, request).size();
  if (bytes > wire::kHeaderBytes + wire::kMaxPayload) {
    return core::make_error(core::Errc::no_resources,
                            fmt::format("a plan of {} steps ({} bytes) is larger than one vdev-smmu frame ({} bytes)",
                                        request.steps.size(), bytes, wire::kMaxPayload));
  }
  const auto reply = call(request);
  if (!reply) return core::make_error(core::Errc::no_resources, "the vdev-smmu channel to the host is gone");
  if (reply->error != 0) {
    return core::make_error(errc_of(reply->error), fmt::format("the host smmuman refused it ({}); its log says why",
                                                               std::strerror(reply->error)));
  }
  ++plans_;
  return core::Ok{};
}

void VdevChannel::abandon() noexcept {
  if (const auto reply = call(wire::req::VmAbandon{}); reply && reply->error != 0) {
    log_.error("vdev.abandon_refused", {{"vm", vm_}, {"errno", std::to_string(reply->error)}});
  }
}

void VdevChannel::commit(const hw::UnitSteps&) noexcept {
  if (const auto reply = call(wire::req::VmCommit{}); reply && reply->error != 0) {
    log_.error("vdev.commit_refused", {{"vm", vm_}, {"errno", std::to_string(reply->error)}});
  }
}

void VdevChannel::collect_faults(std::vector<hw::FaultRecord>& out) {
  // Everything that has arrived: the host's records must not pile up in the socket.
  for (size_t before = SIZE_MAX; !broken_ && before != reader_.buffered() + faults_.size() + replies_.size();) {
    before = reader_.buffered() + faults_.size() + replies_.size();
    read_some(/*block=*/false);
  }
  while (!faults_.empty()) {
    const wire::req::VmFault f = faults_.front();
    faults_.pop_front();
    const auto dev = std::find_if(guest_.devices.begin(), guest_.devices.end(), [&](const core::Device& d) {
      return d.unit == unit_ && d.name == f.device && !d.stream_ids.empty();
    });
    if (dev == guest_.devices.end()) {
      log_.warn("vdev.fault_for_unknown_device", {{"vm", vm_}, {"device", f.device}});
      continue;
    }
    hw::FaultRecord r;
    r.unit = unit_;
    r.stream = dev->stream_ids.front();
    r.stream_known = true;
    r.address = f.address;
    r.address_known = true;
    r.access = static_cast<hw::FaultAccess>(f.access);
    r.reason = static_cast<hw::FaultReason>(f.reason);
    r.stage = static_cast<uint8_t>(f.stage);
    r.raw_type = f.raw_type;
    out.push_back(r);
  }
}

std::string VdevChannel::describe() const {
  return fmt::format("vdev-smmu channel to the host smmuman for VM {} at {}: {} plans forwarded{}\n", vm_, path_,
                     plans_, broken_ ? " (channel lost)" : "");
}

}  // namespace smmuman::service
