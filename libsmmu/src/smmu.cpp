// libsmmu: smmu.h's calls as requests to the daemon (docs/protocol.md). One
// connection per process, shared by its threads under a lock, as QNX's
// library keeps one connection to its resource manager.
#include "smmu.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>

#include "smmuman/wire/wire.hpp"

struct smmu_object {
  uint64_t id;
};

namespace {

using namespace smmuman;

std::mutex lock;
int connection = -1;
unsigned users = 0;  // smmu_init calls not yet matched by smmu_fini
uint32_t next_request = 1;

bool send_all(int fd, const std::vector<uint8_t>& bytes) {
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// One request and its reply, under the lock; nullopt with errno set when the
// daemon cannot be reached or answered out of protocol.
std::optional<wire::Reply> call(const wire::Request& request) {
  if (connection < 0) {
    errno = ENOTCONN;
    return std::nullopt;
  }
  const uint32_t id = next_request++;
  if (!send_all(connection, wire::encode_request(id, request))) return std::nullopt;
  wire::FrameReader reader;
  uint8_t chunk[4096];
  for (;;) {
    if (auto frame = reader.next()) {
      const auto type = wire::type_of(request);
      if (frame->header.request_id != id ||
          frame->header.type != (static_cast<uint16_t>(type) | wire::kReplyBit)) {
        errno = EPROTO;
        return std::nullopt;
      }
      auto reply = wire::decode_reply(type, frame->payload);
      if (auto* r = std::get_if<wire::Reply>(&reply)) return *r;
      errno = EPROTO;
      return std::nullopt;
    }
    if (reader.failure()) {
      errno = EPROTO;
      return std::nullopt;
    }
    const ssize_t n = recv(connection, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ECONNRESET;  // the daemon went away
      return std::nullopt;
    }
    reader.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
  }
}

// The reply's value, or -1 with errno from the daemon.
template <class Body>
std::optional<Body> body_of(const std::optional<wire::Reply>& reply) {
  if (!reply) return std::nullopt;
  if (reply->error != 0) {
    errno = reply->error;
    return std::nullopt;
  }
  if (const Body* b = std::get_if<Body>(&reply->body)) return *b;
  errno = EPROTO;
  return std::nullopt;
}

bool devid_to_wire(const union smmu_devid* devid, wire::DevId& out) {
  if (devid == nullptr) {
    errno = EINVAL;
    return false;
  }
  if (devid->type == SDT_PCI) {
    out = wire::DevId{wire::kDevPci, devid->pci.bus, devid->pci.dev, devid->pci.func, 0, 0};
    return true;
  }
  if (devid->type == SDT_MMIO) {
    out = wire::DevId{wire::kDevMmio, 0, 0, 0, devid->mmio.phys, devid->mmio.length};
    return true;
  }
  errno = EINVAL;
  return false;
}

}  // namespace

extern "C" {

int smmu_init(unsigned flags) {
  if (flags != 0) {
    errno = EINVAL;
    return -1;
  }
  std::lock_guard guard(lock);
  if (connection >= 0) {  // another part of this process connected already: share it
    ++users;
    return 0;
  }
  const std::string path = wire::socket_path_from_environment();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    close(fd);
    errno = e;  // ENOENT or ECONNREFUSED: the service is not running
    return -1;
  }
  connection = fd;
  const auto hello = body_of<wire::rep::Hello>(call(wire::req::Hello{0}));
  if (!hello) {
    const int e = errno;
    close(fd);
    connection = -1;
    errno = e;
    return -1;
  }
  users = 1;
  return 0;
}

int smmu_safety(void) { return SMMUMAN_SAFETY_NO; }

void smmu_fini(void) {
  std::lock_guard guard(lock);
  if (connection < 0 || --users > 0) return;
  // Closing the connection is the goodbye: the daemon destroys what is left.
  close(connection);
  connection = -1;
}

struct smmu_object* smmu_obj_create(unsigned flags) {
  auto* object = new (std::nothrow) smmu_object{0};
  if (!object) {
    errno = ENOMEM;
    return nullptr;
  }
  std::lock_guard guard(lock);
  const auto created = body_of<wire::rep::Object>(call(wire::req::ObjCreate{flags}));
  if (!created) {
    delete object;
    return nullptr;
  }
  object->id = created->object;
  return object;
}

void smmu_obj_destroy(struct smmu_object* sop) {
  if (!sop) return;
  {
    std::lock_guard guard(lock);
    const int saved = errno;  // a void call leaves errno as it was
    (void)call(wire::req::ObjDestroy{sop->id});
    errno = saved;
  }
  delete sop;
}

int smmu_device_add_generic(struct smmu_object* sop, const union smmu_devid* devid) {
  wire::req::DeviceAdd request;
  if (!devid_to_wire(devid, request.device)) return -1;
  request.object = sop ? sop->id : 0;
  std::lock_guard guard(lock);
  const auto value = body_of<wire::rep::Value>(call(request));
  return value ? value->value : -1;
}

unsigned smmu_device_report_reserved(const union smmu_devid* devid, unsigned offset, struct smmu_map_entry* resv,
                                     unsigned nresv) {
  wire::req::ReportReserved request;
  if (!devid_to_wire(devid, request.device)) return static_cast<unsigned>(-1);
  if (nresv == 0 || resv == nullptr) {
    errno = EINVAL;
    return static_cast<unsigned>(-1);
  }
  request.offset = offset;
  request.max = nresv;
  std::lock_guard guard(lock);
  const auto list = body_of<wire::rep::Reserved>(call(request));
  if (!list) return static_cast<unsigned>(-1);
  for (size_t i = 0; i < list->entries.size() && i < nresv; ++i) {
    resv[i].phys = list->entries[i].phys;
    resv[i].len = list->entries[i].len;
  }
  return list->count;
}

int smmu_mapping_add(struct smmu_object* sop, unsigned flags, pid_t pid, unsigned num_entries,
                     const struct smmu_map_entry* entries, _Uint64t target) {
  if (!sop || (num_entries > 0 && entries == nullptr)) {
    errno = EINVAL;
    return -1;
  }
  // One request is one atomic change; a list longer than a frame holds is refused, not split.
  if (num_entries > wire::kMaxEntries) {
    errno = E2BIG;
    return -1;
  }
  wire::req::MappingAdd request;
  request.object = sop->id;
  request.flags = flags;
  request.pid = static_cast<uint32_t>(pid);
  // QNX: the target is ignored unless SMF_TARGET is set.
  request.target = (flags & SMF_TARGET) ? target : 0;
  request.entries.reserve(num_entries);
  for (unsigned i = 0; i < num_entries; ++i) request.entries.push_back({entries[i].phys, entries[i].len});
  std::lock_guard guard(lock);
  const auto value = body_of<wire::rep::Value>(call(request));
  return value ? value->value : -1;
}

int smmu_xfer_notify(const struct sigevent* evp) {
  wire::req::XferNotify request;
  if (evp != nullptr && evp->sigev_notify == SIGEV_SIGNAL) {
    request.kind = wire::req::kNotifySignal;
    request.signo = static_cast<uint32_t>(evp->sigev_signo);
    request.value = reinterpret_cast<uintptr_t>(evp->sigev_value.sival_ptr);
  } else if (evp != nullptr && evp->sigev_notify != SIGEV_NONE) {
    errno = EINVAL;  // the daemon can only signal this process (docs/client-api.md)
    return -1;
  }
  std::lock_guard guard(lock);
  return body_of<wire::rep::Empty>(call(request)) ? 0 : -1;
}

int smmu_xfer_status(struct smmu_status* ssp) {
  if (!ssp) {
    errno = EINVAL;
    return -1;
  }
  std::lock_guard guard(lock);
  const auto status = body_of<wire::rep::Status>(call(wire::req::XferStatus{}));
  if (!status) return -1;
  std::memset(ssp, 0, sizeof *ssp);
  ssp->flags = status->flags;
  if (!status->present) return 0;
  ssp->hw_specific = status->hw_specific;
  ssp->fault_addr = status->fault_addr;
  ssp->devid.type = status->device.type;
  if (status->device.type == wire::kDevPci) {
    ssp->devid.pci.bus = status->device.bus;
    ssp->devid.pci.dev = status->device.dev;
    ssp->devid.pci.func = status->device.func;
  } else if (status->device.type == wire::kDevMmio) {
    ssp->devid.mmio.phys = status->device.phys;
    ssp->devid.mmio.length = static_cast<unsigned>(status->device.length);
  }
  return 1;
}

}  // extern "C"
