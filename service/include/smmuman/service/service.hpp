// The daemon's logic without its sockets: sessions (one per client
// connection), requests decoded from docs/protocol.md turned into core
// operations, transgression records routed to the clients that should hear
// of them. The event loop (server.hpp) feeds it bytes and peers; tests drive
// it directly.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smmuman/config/access.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/hw/hardware_system.hpp"
#include "smmuman/service/log.hpp"
#include "smmuman/service/model_board.hpp"
#include "smmuman/wire/wire.hpp"

namespace smmuman::service {

// Who is on the other end of a connection (SO_PEERCRED, SO_PEERGROUPS).
struct Peer {
  int32_t pid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary
  // A pidfd of the connecting process, opened at accept, so a notification
  // never reaches another process that later got the same pid; -1 for none
  // (then notifications are not delivered). The session owns and closes it.
  int pidfd = -1;
};

struct Rights {
  bool connect = false;
  bool all_devices = false;
  std::set<core::DeviceIndex> devices;
  bool target = false;
  bool monitor = false;
  bool control = false;
  bool may_attach(core::DeviceIndex d) const { return all_devices || devices.count(d) != 0; }
};

// The access rules with users and groups resolved to numbers. root and the
// daemon's own user hold every right: either can take over the daemon anyway.
class AccessPolicy {
 public:
  struct Rule {
    std::optional<uint32_t> uid, gid;
    Rights rights;
  };
  // A rule naming a user or group this machine does not have grants nothing;
  // `unknown` says which (the daemon logs them).
  static core::Result<AccessPolicy> resolve(const std::vector<config::AccessRule>& rules, uint32_t daemon_uid,
                                            std::vector<std::string>& unknown);
  Rights rights_of(const Peer& peer) const;

 private:
  std::vector<Rule> rules_;
  uint32_t daemon_uid_ = 0;
};

// The hardware a service drives: the models here; a board's mapped registers later.
struct Machine {
  hw::HardwareSystem* hardware = nullptr;
  ModelBoard* board = nullptr;  // set when the hardware is simulated: smmuctl dma works
};

class Service {
 public:
  using SessionId = uint64_t;
  // One transgression record as smmu_xfer_status hands it out.
  using Record = wire::rep::Status;
  static constexpr size_t kRecordsPerClient = 64;        // QNX: 64 per client, then SSF_DROPPED_FAULTS
  static constexpr uint32_t kDroppedFaults = 0x80000000u;  // SSF_DROPPED_FAULTS
  static constexpr size_t kRecentFaults = 256;           // kept for smmuctl faults
  static constexpr size_t kMaxObjectsPerClient = 4096;   // then obj_create is ENOMEM

  // `deployment` must have passed validation.
  Service(const core::Deployment& deployment, AccessPolicy policy, Log& log);
  ~Service();

  // Programs the hardware with the configuration (every stream not started
  // by it aborts); refused, changing nothing, when the hardware refuses.
  core::Status start(Machine machine);

  SessionId open(const Peer& peer);
  // A connection on VM `vm`'s channel socket: the vdev-smmu of that VM, whose
  // guest smmuman forwards its plans (docs/protocol.md, "The VM channel").
  SessionId open_vm(core::VmIndex vm, const Peer& peer);
  // The connection is gone: the client's objects are destroyed and its
  // devices fail closed before this returns.
  void close(SessionId session);
  // One request frame in, one reply frame out. A request that does not
  // decode is answered EINVAL and changes nothing.
  std::vector<uint8_t> handle(SessionId session, const wire::FrameReader::Frame& frame);
  // Drains the hardware's fault records and routes each; returns how many.
  size_t poll_faults();
  // A peer refused at hello (no rights, or a VM that has its guest already):
  // the server answers, then closes the connection.
  bool refused(SessionId session) const;
  // Frames the service sends unasked (a VM channel's vm_fault records), to go out on that session's connection.
  std::vector<uint8_t> take_output(SessionId session);
  // Every session closed: what stays programmed is the configuration's
  // startup mappings; every other stream aborts.
  void stop();

  const core::Manager& manager() const { return *manager_; }
  size_t session_count() const { return sessions_.size(); }

  // How a notification reaches a client process (sigqueue by default; tests replace it).
  struct Notification {
    int32_t pid;
    int pidfd;
    int signo;
    uint64_t value;
  };
  std::function<void(const Notification&)> deliver;

 private:
  struct Session {
    Peer peer;
    Rights rights;
    std::optional<core::ClientId> client;
    std::string name;
    std::deque<Record> records;
    bool dropped = false;
    std::optional<wire::req::XferNotify> armed;
    // A VM channel session: the VM, its guest's objects as host objects, and
    // the undo of the last prepared plan until it is committed or abandoned.
    std::optional<core::VmIndex> vm;
    std::map<uint64_t, core::ObjectId> guest_objects;
    std::map<core::DeviceIndex, core::ObjectId> startup_objects;
    std::vector<std::function<void()>> undo;
    std::vector<core::ObjectId> dying;  // host objects the held plan destroys, at commit
    bool prepared = false;
    std::vector<uint8_t> outbox;
    bool refused = false;
  };

  wire::Reply dispatch(Session& session, const wire::Request& request);
  wire::Reply hello(Session& session, const wire::req::Hello& r);
  wire::Reply device_add(Session& session, const wire::req::DeviceAdd& r);
  wire::Reply report_reserved(Session& session, const wire::req::ReportReserved& r);
  wire::Reply mapping_add(Session& session, const wire::req::MappingAdd& r);
  wire::Reply xfer_notify(Session& session, const wire::req::XferNotify& r);
  wire::Reply xfer_status(Session& session);
  wire::Reply ctl_status(Session& session);
  wire::Reply ctl_dma(Session& session, const wire::req::CtlDma& r);
  wire::Reply refuse(const Session& session, const char* operation, const core::Error& error);
  wire::Reply vm_request(Session& session, const wire::Request& request);
  wire::Reply vm_hello(Session& session);
  wire::Reply vm_prepare(Session& session, const wire::req::VmPrepare& r);
  core::Status vm_step(Session& session, const std::vector<wire::req::VmStep>& steps, size_t& at);
  void vm_undo(Session& session);

  std::vector<std::string> route(const hw::DeviceFault& fault);
  void queue_record(Session& session, const Record& record);
  void notify_if_armed(Session& session);
  Session* session_of(core::ClientId client);
  wire::DevId devid_of(core::DeviceIndex device) const;
  nlohmann::json status_json() const;

  std::unique_ptr<core::Manager> manager_;
  AccessPolicy policy_;
  Log& log_;
  Machine machine_;
  std::map<SessionId, Session> sessions_;
  SessionId next_session_ = 1;
  std::deque<nlohmann::json> recent_;  // the latest faults, as smmuctl shows them
  uint64_t faults_seen_ = 0;
};

// A device selector from smmu.h's union smmu_devid.
core::DeviceSelector selector_of(const wire::DevId& device);

}  // namespace smmuman::service
