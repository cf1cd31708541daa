#include "smmuman/service/service.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <sstream>

#include "smmuman/api/qnx_mapping.hpp"

namespace smmuman::service {

namespace {

// smmu.h's enum smmu_mapping_flags.
constexpr uint32_t kSmfRead = 0x01, kSmfWrite = 0x02, kSmfExec = 0x04, kSmfVirt = 0x08, kSmfTarget = 0x10;
// smmu.h's enum smmu_obj_create_flags.
constexpr uint32_t kSocfReservedManual = 0x0001;

wire::Reply failure(int error) { return wire::Reply{error, wire::rep::Empty{}}; }
wire::Reply ok(wire::ReplyBody body = wire::rep::Empty{}) { return wire::Reply{0, std::move(body)}; }

std::optional<uint32_t> numeric(const std::string& text) {
  uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

core::AccessKind kind_of(uint32_t access) {
  return access == wire::req::kAccessWrite  ? core::AccessKind::write
         : access == wire::req::kAccessExec ? core::AccessKind::exec
                                            : core::AccessKind::read;
}

// hw_specific of a record: what the hardware said, in fixed fields (docs/protocol.md).
uint64_t hw_specific_of(const hw::FaultRecord& r) {
  return uint64_t{r.raw_type} | uint64_t{static_cast<uint8_t>(r.reason)} << 32 |
         uint64_t{static_cast<uint8_t>(r.access)} << 40 | uint64_t{r.stage} << 48 | uint64_t{r.unit & 0xff} << 56;
}

}  // namespace

core::DeviceSelector selector_of(const wire::DevId& device) {
  if (device.type == wire::kDevMmio) return core::MmioSelector{device.phys, device.length};
  return core::PciSelector{device.bus, device.dev, device.func};
}

core::Result<AccessPolicy> AccessPolicy::resolve(const std::vector<config::AccessRule>& rules, uint32_t daemon_uid,
                                                 std::vector<std::string>& unknown) {
  AccessPolicy policy;
  policy.daemon_uid_ = daemon_uid;
  for (const config::AccessRule& r : rules) {
    Rule rule;
    if (r.user) {
      rule.uid = numeric(*r.user);
      if (!rule.uid) {
        if (const passwd* pw = getpwnam(r.user->c_str())) rule.uid = pw->pw_uid;
      }
      if (!rule.uid) {
        unknown.push_back(fmt::format("{}: access rule: no user '{}' on this machine; it grants nothing",
                                      core::to_string(r.origin), *r.user));
        continue;
      }
    } else {
      rule.gid = numeric(*r.group);
      if (!rule.gid) {
        if (const group* gr = getgrnam(r.group->c_str())) rule.gid = gr->gr_gid;
      }
      if (!rule.gid) {
        unknown.push_back(fmt::format("{}: access rule: no group '{}' on this machine; it grants nothing",
                                      core::to_string(r.origin), *r.group));
        continue;
      }
    }
    rule.rights.connect = true;
    rule.rights.all_devices = r.all_devices;
    rule.rights.devices.insert(r.devices.begin(), r.devices.end());
    rule.rights.target = r.target;
    rule.rights.monitor = r.monitor;
    rule.rights.control = r.control;
    policy.rules_.push_back(std::move(rule));
  }
  return policy;
}

Rights AccessPolicy::rights_of(const Peer& peer) const {
  Rights out;
  if (peer.uid == 0 || peer.uid == daemon_uid_) {
    out.connect = out.all_devices = out.target = out.monitor = out.control = true;
    return out;
  }
  for (const Rule& rule : rules_) {
    const bool match = (rule.uid && *rule.uid == peer.uid) ||
                       (rule.gid && (*rule.gid == peer.gid || std::find(peer.groups.begin(), peer.groups.end(),
                                                                        *rule.gid) != peer.groups.end()));
    if (!match) continue;
    out.connect = true;
    out.all_devices |= rule.rights.all_devices;
    out.devices.insert(rule.rights.devices.begin(), rule.rights.devices.end());
    out.target |= rule.rights.target;
    out.monitor |= rule.rights.monitor;
    out.control |= rule.rights.control;
  }
  return out;
}

Service::Service(const core::Deployment& deployment, AccessPolicy policy, Log& log)
    : manager_(std::make_unique<core::Manager>(deployment)), policy_(std::move(policy)), log_(log) {
  deliver = [this](const Notification& n) {
    // sigqueue's signal, through the process's pidfd: never to a process that reused its pid.
    siginfo_t info{};
    info.si_signo = n.signo;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(n.value));
    if (n.pidfd < 0 || syscall(SYS_pidfd_send_signal, n.pidfd, n.signo, &info, 0) != 0) {
      log_.warn("notify.failed", {{"pid", std::to_string(n.pid)}, {"signal", std::to_string(n.signo)},
                                  {"error", n.pidfd < 0 ? "no pidfd" : std::strerror(errno)}});
    }
  };
}

Service::~Service() = default;

core::Status Service::start(Machine machine) {
  machine_ = machine;
  if (auto s = manager_->attach_hardware(*machine_.hardware); !s) return s;
  const core::Deployment& d = manager_->deployment();
  log_.info("service.started", {{"deployment", d.name},
                                {"role", core::to_string(d.role)},
                                {"units", std::to_string(d.units.size())},
                                {"devices", std::to_string(d.devices.size())},
                                {"machine", machine_.board ? "models" : "hardware"}});
  return core::Ok{};
}

Service::SessionId Service::open(const Peer& peer) {
  const SessionId id = next_session_++;
  Session s;
  s.peer = peer;
  s.rights = policy_.rights_of(peer);
  s.name = fmt::format("pid {} uid {}", peer.pid, peer.uid);
  log_.debug("session.open", {{"session", std::to_string(id)}, {"pid", std::to_string(peer.pid)},
                              {"uid", std::to_string(peer.uid)}});
  sessions_.emplace(id, std::move(s));
  return id;
}

Service::SessionId Service::open_vm(core::VmIndex vm, const Peer& peer) {
  const SessionId id = open(peer);
  Session& s = sessions_.at(id);
  s.vm = vm;
  s.name = fmt::format("vm {} (guest smmuman, pid {})", manager_->deployment().vms.at(vm).name, peer.pid);
  return id;
}

bool Service::refused(SessionId id) const {
  auto it = sessions_.find(id);
  return it != sessions_.end() && it->second.refused;
}

std::vector<uint8_t> Service::take_output(SessionId id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return {};
  return std::exchange(it->second.outbox, {});
}

void Service::close(SessionId id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  if (it->second.client) {
    poll_faults();  // this client's records are its own, not its devices' next owner's
    const auto client = *it->second.client;
    size_t devices = 0;
    for (core::ObjectId o : manager_->state().clients.at(client).objects) {
      devices += manager_->state().objects.at(o).devices.size();
    }
    if (auto s = manager_->disconnect(client); !s) {
      // Tearing down needs no new resources, so this is a broken invariant.
      log_.error("client.disconnect_failed", {{"client", it->second.name}, {"error", s.error().message}});
    } else {
      log_.info("client.gone", {{"client", it->second.name}, {"devices_blocked", std::to_string(devices)}});
    }
  }
  if (it->second.peer.pidfd >= 0) ::close(it->second.peer.pidfd);
  sessions_.erase(it);
}

void Service::stop() {
  while (!sessions_.empty()) close(sessions_.begin()->first);
  poll_faults();
  log_.info("service.stopped", {{"left_programmed", "startup mappings only; every other stream aborts"}});
}

std::vector<uint8_t> Service::handle(SessionId id, const wire::FrameReader::Frame& frame) {
  Session& session = sessions_.at(id);
  const auto type = static_cast<wire::Type>(frame.header.type);
  auto decoded = wire::decode_request(frame.header.type, frame.payload);
  if (auto* bad = std::get_if<wire::DecodeError>(&decoded)) {
    log_.debug("request.malformed", {{"client", session.name}, {"error", bad->message}});
    return wire::encode_reply(type, frame.header.request_id, failure(EINVAL));
  }
  const wire::Request& request = std::get<wire::Request>(decoded);
  if (log_.enabled(Level::trace))
    log_.write(Level::trace, "request", {{"client", session.name}, {"type", wire::to_string(type)}});
  const bool vm_type = frame.header.type >= static_cast<uint16_t>(wire::Type::vm_hello);
  if (vm_type != session.vm.has_value()) {
    // Client requests belong on the client socket, channel requests on a VM's.
    log_.debug("request.wrong_socket", {{"client", session.name}, {"type", wire::to_string(type)}});
    return wire::encode_reply(type, frame.header.request_id, failure(EINVAL));
  }
  if (type == wire::Type::vm_fault) return {};  // the host's to send, never to answer
  // Records drained now go to the devices' owners before this request can
  // change who owns them.
  poll_faults();
  const wire::Reply reply = vm_type ? vm_request(session, request) : dispatch(session, request);
  return wire::encode_reply(type, frame.header.request_id, reply);
}

wire::Reply Service::refuse(const Session& session, const char* operation, const core::Error& error) {
  // A guest's refused plan is worth knowing about by default; a client's, when debugging.
  log_.write(session.vm ? Level::info : Level::debug, "request.refused",
             {{"client", session.name},
              {"operation", operation},
              {"errno", std::to_string(core::to_errno(error.code))},
              {"reason", error.message}});
  return failure(core::to_errno(error.code));
}

wire::Reply Service::dispatch(Session& session, const wire::Request& request) {
  if (auto* r = std::get_if<wire::req::Hello>(&request)) return hello(session, *r);
  if (std::holds_alternative<wire::req::CtlStatus>(request)) return ctl_status(session);
  if (auto* r = std::get_if<wire::req::CtlDma>(&request)) return ctl_dma(session, *r);
  if (!session.client) return failure(ENOTCONN);  // smmu_init first
  const core::ClientId client = *session.client;
  if (auto* r = std::get_if<wire::req::ObjCreate>(&request)) {
    if ((r->flags & ~kSocfReservedManual) != 0) return failure(EINVAL);
    if (manager_->state().clients.at(client).objects.size() >= kMaxObjectsPerClient) return failure(ENOMEM);
    auto object = manager_->create_object(client);
    if (!object) return refuse(session, "obj_create", object.error());
    return ok(wire::rep::Object{object.value().value()});
  }
  if (auto* r = std::get_if<wire::req::ObjDestroy>(&request)) {
    if (r->object == 0 || r->object > UINT32_MAX) return failure(EINVAL);
    if (auto s = manager_->destroy_object(client, core::ObjectId(static_cast<uint32_t>(r->object))); !s) {
      return refuse(session, "obj_destroy", s.error());
    }
    return ok();
  }
  if (auto* r = std::get_if<wire::req::DeviceAdd>(&request)) return device_add(session, *r);
  if (auto* r = std::get_if<wire::req::ReportReserved>(&request)) return report_reserved(session, *r);
  if (auto* r = std::get_if<wire::req::MappingAdd>(&request)) return mapping_add(session, *r);
  if (auto* r = std::get_if<wire::req::XferNotify>(&request)) return xfer_notify(session, *r);
  return xfer_status(session);
}

wire::Reply Service::hello(Session& session, const wire::req::Hello& r) {
  if (r.flags != 0) return failure(EINVAL);  // smmu_init: flags must be 0
  if (session.client) return failure(EISCONN);
  if (!session.rights.connect) {
    log_.info("client.refused", {{"client", session.name}, {"reason", "no access rule names this user or group"}});
    session.refused = true;
    return failure(EPERM);
  }
  auto client = manager_->connect(core::ClientSpec{session.name, std::nullopt, session.rights.target});
  if (!client) return refuse(session, "hello", client.error());
  session.client = client.value();
  log_.info("client.connected", {{"client", session.name}, {"id", fmt::format("{}", client.value())}});
  return ok(wire::rep::Hello{wire::kVersion, client.value().value()});
}

wire::Reply Service::device_add(Session& session, const wire::req::DeviceAdd& r) {
  const core::DeviceSelector selector = selector_of(r.device);
  const core::ClientId client = *session.client;
  if (r.object == 0) {
    if (auto s = manager_->detach(client, selector); !s) return refuse(session, "device_remove", s.error());
    log_.info("device.removed", {{"client", session.name}, {"device", core::to_string(selector)}});
    return ok(wire::rep::Value{0});
  }
  if (r.object > UINT32_MAX) return failure(EINVAL);
  const auto devices = manager_->resolve(selector);
  if (devices.empty()) return failure(ENOENT);
  for (core::DeviceIndex d : devices) {
    if (!session.rights.may_attach(d)) {
      log_.info("device.refused", {{"client", session.name}, {"device", manager_->deployment().devices[d].name},
                                   {"reason", "no access rule lets this client attach it"}});
      return failure(EPERM);
    }
  }
  auto outcome = manager_->attach(client, core::ObjectId(static_cast<uint32_t>(r.object)), selector);
  if (!outcome) return refuse(session, "device_add", outcome.error());
  for (core::DeviceIndex d : devices) {
    log_.info("device.attached", {{"client", session.name}, {"device", manager_->deployment().devices[d].name},
                                  {"object", std::to_string(r.object)}});
  }
  return ok(wire::rep::Value{outcome.value().reissue_mappings ? 1 : 0});
}

wire::Reply Service::report_reserved(Session& session, const wire::req::ReportReserved& r) {
  if (r.max == 0) return failure(EINVAL);  // nresv must be > 0
  if (manager_->resolve(selector_of(r.device)).empty()) return failure(ENOENT);
  (void)session;
  // No device of a deployment declares reserved memory of its own (the
  // platform's reserved regions are never mappable at all), so every list is
  // empty: 0 means the offset is past the last entry.
  return ok(wire::rep::Reserved{0, {}});
}

wire::Reply Service::mapping_add(Session& session, const wire::req::MappingAdd& r) {
  if ((r.flags & ~(kSmfRead | kSmfWrite | kSmfExec | kSmfVirt | kSmfTarget)) != 0) return failure(EINVAL);
  if ((r.flags & kSmfVirt) != 0) return failure(EINVAL);  // reserved for future use
  if (r.pid != 0 && static_cast<int32_t>(r.pid) != session.peer.pid) return failure(EINVAL);  // reserved
  if ((r.flags & kSmfTarget) == 0 && r.target != 0) return failure(EINVAL);
  if (r.object == 0 || r.object > UINT32_MAX) return failure(EINVAL);
  api::qnx::MapRequest request;
  request.perms = core::Perms::from_bits(r.flags & (kSmfRead | kSmfWrite | kSmfExec));
  if ((r.flags & kSmfTarget) != 0) request.target = r.target;
  request.entries.reserve(r.entries.size());
  for (const wire::Entry& e : r.entries) request.entries.push_back({e.phys, e.len});
  const auto object = core::ObjectId(static_cast<uint32_t>(r.object));
  if (auto s = api::qnx::mapping_add(*manager_, *session.client, object, request); !s) {
    return refuse(session, "mapping_add", s.error());
  }
  if (log_.enabled(Level::debug)) {
    log_.debug("mapping.changed", {{"client", session.name}, {"object", std::to_string(r.object)},
                                   {"entries", std::to_string(r.entries.size())},
                                   {"perms", core::to_string(request.perms)}});
  }
  return ok(wire::rep::Value{0});
}

wire::Reply Service::xfer_notify(Session& session, const wire::req::XferNotify& r) {
  if (r.kind == wire::req::kNotifyNone) {
    session.armed.reset();
    return ok();
  }
  // Notification signals only: SIGUSR1, SIGUSR2 and the real-time ones, never one that stops or kills.
  const int signo = static_cast<int>(std::min<uint32_t>(r.signo, 1024));
  if (signo != SIGUSR1 && signo != SIGUSR2 && (signo < SIGRTMIN || signo > SIGRTMAX)) return failure(EINVAL);
  session.armed = r;
  notify_if_armed(session);  // records already waiting: no lost wake-up
  return ok();
}

wire::Reply Service::xfer_status(Session& session) {
  wire::rep::Status out;
  if (!session.records.empty()) {
    out = session.records.front();
    session.records.pop_front();
  }
  if (session.dropped) {
    out.flags |= kDroppedFaults;
    session.dropped = false;
  }
  return ok(out);
}

void Service::notify_if_armed(Session& session) {
  if (!session.armed || session.records.empty()) return;
  const Notification n{session.peer.pid, session.peer.pidfd, static_cast<int>(session.armed->signo),
                       session.armed->value};
  session.armed.reset();  // one-shot, as QNX
  deliver(n);
}

void Service::queue_record(Session& session, const Record& record) {
  if (session.records.size() >= kRecordsPerClient) {
    session.dropped = true;
    return;
  }
  session.records.push_back(record);
  notify_if_armed(session);
}

Service::Session* Service::session_of(core::ClientId client) {
  for (auto& [id, s] : sessions_) {
    if (s.client == client) return &s;
  }
  return nullptr;
}

wire::DevId Service::devid_of(core::DeviceIndex device) const {
  wire::DevId out;
  const auto& ident = manager_->deployment().devices.at(device).ident;
  if (const auto* pci = std::get_if<core::PciAddress>(&ident)) {
    out.type = wire::kDevPci;
    out.bus = pci->bus;
    out.dev = pci->dev;
    out.func = pci->func;
  } else {
    const auto& mmio = std::get<core::MmioId>(ident);
    out.type = wire::kDevMmio;
    out.phys = mmio.registers.first();
    out.length = mmio.registers.last() - mmio.registers.first() + 1;
  }
  return out;
}

std::vector<std::string> Service::route(const hw::DeviceFault& fault) {
  const core::Deployment& d = manager_->deployment();
  const hw::FaultRecord& r = fault.record;
  Record record;
  record.present = true;
  record.hw_specific = hw_specific_of(r);
  record.fault_addr = r.address;
  record.device.type = wire::kDevUnknown;
  std::string owner = "none";
  Session* owner_session = nullptr;
  if (fault.device) {
    record.device = devid_of(*fault.device);
    if (const auto& object = manager_->state().device_object.at(*fault.device)) {
      const core::ClientId client = manager_->state().objects.at(*object).owner;
      owner_session = session_of(client);
      owner = manager_->state().clients.at(client).spec.name;
    } else if (!d.device_startup.at(*fault.device).empty()) {
      owner = "configuration";
    }
  }
  std::vector<std::string> told;
  if (owner_session && owner_session->vm && fault.device) {
    // The guest smmuman hears of it, and tells its own client.
    constexpr size_t kMaxChannelBacklog = size_t{1} << 20;
    if (owner_session->outbox.size() < kMaxChannelBacklog) {
      wire::req::VmFault f{d.devices[*fault.device].name, r.address, static_cast<uint32_t>(r.access),
                           static_cast<uint32_t>(r.reason), r.stage, r.raw_type};
      const auto bytes = wire::encode_request(0, f);
      owner_session->outbox.insert(owner_session->outbox.end(), bytes.begin(), bytes.end());
    }
    told.push_back(owner_session->name);
  } else if (owner_session) {
    queue_record(*owner_session, record);
    told.push_back(owner_session->name);
  }
  for (auto& [id, s] : sessions_) {
    if (&s == owner_session || !s.client || s.vm || !s.rights.monitor) continue;
    queue_record(s, record);
    told.push_back(s.name);
  }
  const std::string device = fault.device ? d.devices.at(*fault.device).name : "none";
  const std::string unit = r.unit < d.units.size() ? d.units[r.unit].name : std::to_string(r.unit);
  const std::string address = r.address_known ? core::format_hex(r.address) : "unknown";
  const std::string stream = r.stream_known ? fmt::format("{:#x}", r.stream) : "unknown";
  std::string told_text;
  for (const auto& t : told) told_text += (told_text.empty() ? "" : ", ") + t;
  log_.warn("dma.denied", {{"device", device}, {"unit", unit}, {"stream", stream}, {"address", address},
                           {"access", hw::to_string(r.access)}, {"reason", hw::to_string(r.reason)},
                           {"owner", owner}, {"reported_to", told_text.empty() ? "nobody" : told_text}});
  nlohmann::json j = {{"device", device},  {"unit", unit},          {"stream", stream},
                      {"address", address}, {"access", hw::to_string(r.access)}, {"reason", hw::to_string(r.reason)},
                      {"owner", owner},    {"reported_to", told}};
  recent_.push_back(std::move(j));
  if (recent_.size() > kRecentFaults) recent_.pop_front();
  ++faults_seen_;
  return told;
}

size_t Service::poll_faults() {
  if (!machine_.hardware) return 0;
  const auto faults = machine_.hardware->collect_faults();
  for (const auto& f : faults) route(f);
  return faults.size();
}

nlohmann::json Service::status_json() const {
  const core::Deployment& d = manager_->deployment();
  const core::State& st = manager_->state();
  nlohmann::json out;
  out["deployment"] = d.name;
  out["role"] = core::to_string(d.role);
  out["machine"] = machine_.board ? "models" : "hardware";
  out["units"] = nlohmann::json::array();
  for (size_t i = 0; i < d.units.size(); ++i) {
    nlohmann::json u = {{"name", d.units[i].name}, {"architecture", d.units[i].capabilities.architecture}};
    if (machine_.hardware) {
      std::vector<std::string> lines;
      std::istringstream text(machine_.hardware->unit(core::UnitIndex{static_cast<uint32_t>(i)}).describe());
      for (std::string line; std::getline(text, line);) lines.push_back(line);
      u["programmed"] = lines;
    }
    out["units"].push_back(u);
  }
  out["clients"] = nlohmann::json::array();
  for (const auto& [id, s] : sessions_) {
    if (!s.client) continue;
    std::vector<uint32_t> objects;
    for (core::ObjectId o : st.clients.at(*s.client).objects) objects.push_back(o.value());
    out["clients"].push_back({{"id", s.client->value()}, {"name", s.name}, {"pid", s.peer.pid}, {"uid", s.peer.uid},
                              {"objects", objects}, {"records_waiting", s.records.size()},
                              {"notify_armed", s.armed.has_value()}});
  }
  out["objects"] = nlohmann::json::array();
  for (const auto& [id, o] : st.objects) {
    std::vector<std::string> devices;
    for (core::DeviceIndex dev : o.devices) devices.push_back(d.devices[dev].name);
    nlohmann::json mappings = nlohmann::json::array();
    for (const auto& e : o.mappings.entries()) {
      mappings.push_back({{"iova", core::format_hex(e.in.first())},
                          {"to", core::format_hex(e.out_first)},
                          {"size", core::format_size(e.in.size())},
                          {"pages", static_cast<uint64_t>(e.in.size() / core::kGranule)},
                          {"perms", core::to_string(e.attr.perms)}});
    }
    out["objects"].push_back({{"id", id.value()}, {"owner", st.clients.at(o.owner).spec.name}, {"devices", devices},
                              {"mappings", mappings}});
  }
  out["devices"] = nlohmann::json::array();
  for (size_t i = 0; i < d.devices.size(); ++i) {
    const core::Device& dev = d.devices[i];
    std::string owner = "none (blocked)";
    nlohmann::json object = nullptr;
    if (const auto& o = st.device_object[i]) {
      owner = st.clients.at(st.objects.at(*o).owner).spec.name;
      object = o->value();
    } else if (!d.device_startup[i].empty()) {
      owner = "configuration (startup mappings)";
    }
    out["devices"].push_back({{"name", dev.name},
                              {"unit", d.units[dev.unit].name},
                              {"ident", core::to_string(dev.ident)},
                              {"stream_ids", dev.stream_ids},
                              {"owner", owner},
                              {"object", object}});
  }
  out["faults_seen"] = faults_seen_;
  out["faults"] = nlohmann::json::array();
  for (const auto& f : recent_) out["faults"].push_back(f);
  return out;
}

wire::Reply Service::ctl_status(Session& session) {
  if (!session.rights.control) return failure(EPERM);
  return ok(wire::rep::Text{status_json().dump()});
}

wire::Reply Service::ctl_dma(Session& session, const wire::req::CtlDma& r) {
  if (!session.rights.control) return failure(EPERM);
  if (!machine_.board) return failure(EOPNOTSUPP);  // real hardware: DMA is the devices' business
  const core::Deployment& d = manager_->deployment();
  const auto it =
      std::find_if(d.devices.begin(), d.devices.end(), [&](const core::Device& dev) { return dev.name == r.device; });
  if (it == d.devices.end()) return failure(ENOENT);
  const core::DeviceIndex device{static_cast<uint32_t>(it - d.devices.begin())};
  if (it->stream_ids.empty()) return failure(ENOENT);
  poll_faults();  // earlier records are not this DMA's
  const core::AccessKind kind = kind_of(r.access);
  const DmaOutcome outcome = machine_.board->dma(it->unit, it->stream_ids.front(), r.address, kind);
  const core::AccessResult expected = manager_->access(device, core::Iova{r.address}, kind);
  nlohmann::json out = {
      {"device", it->name},
      {"stream", fmt::format("{:#x}", it->stream_ids.front())},
      {"address", core::format_hex(r.address)},
      {"access", core::to_string(kind)},
      {"allowed", outcome.allowed},
      {"core_agrees", outcome.allowed == expected.allowed && (!outcome.allowed || outcome.pa == expected.hpa.value())}};
  if (outcome.allowed) out["physical"] = core::format_hex(outcome.pa);
  const auto faults = machine_.hardware->collect_faults();
  out["faults"] = nlohmann::json::array();
  for (const auto& f : faults) {
    route(f);
    out["faults"].push_back(recent_.back());
  }
  log_.info("dma.simulated", {{"device", it->name}, {"address", core::format_hex(r.address)},
                              {"access", core::to_string(kind)}, {"allowed", outcome.allowed ? "yes" : "no"}});
  return ok(wire::rep::Text{out.dump()});
}


// ---- The VM channel: a guest smmuman's plans, performed for its VM's client ----

wire::Reply Service::vm_request(Session& session, const wire::Request& request) {
  if (std::holds_alternative<wire::req::VmHello>(request)) return vm_hello(session);
  if (!session.client) return failure(ENOTCONN);
  if (auto* r = std::get_if<wire::req::VmPrepare>(&request)) return vm_prepare(session, *r);
  if (!session.prepared) return failure(EINVAL);  // nothing prepared to keep or undo
  const bool abandon = std::holds_alternative<wire::req::VmAbandon>(request);
  if (abandon) {
    vm_undo(session);
  } else {
    for (core::ObjectId o : session.dying) {
      // Its devices left it in this plan: tearing it down needs nothing and cannot be refused.
      if (auto s = manager_->destroy_object(*session.client, o); !s) {
        log_.error("vm.commit_failed", {{"guest", session.name}, {"error", s.error().message}});
      }
    }
  }
  session.dying.clear();
  log_.debug(abandon ? "vm.abandoned" : "vm.committed", {{"guest", session.name}});
  session.undo.clear();
  session.prepared = false;
  return ok();
}

wire::Reply Service::vm_hello(Session& session) {
  if (session.client) return failure(EISCONN);
  // The channel stands in for the VMM's virtual device: only the VMM's user.
  if (!session.rights.control) {
    session.refused = true;
    return failure(EPERM);
  }
  const core::Deployment& d = manager_->deployment();
  const core::Vm& vm = d.vms.at(*session.vm);
  for (const auto& [id, other] : sessions_) {
    if (&other != &session && other.vm == session.vm && other.client) {
      session.refused = true;
      return failure(EBUSY);  // one guest per VM
    }
  }
  auto client = manager_->connect(core::ClientSpec{"vm " + vm.name, session.vm, true});
  if (!client) return refuse(session, "vm_hello", client.error());
  session.client = client.value();
  std::vector<std::string> devices;
  for (core::DeviceIndex dev : vm.passthrough) devices.push_back(d.devices[dev].name);
  log_.info("vm.connected", {{"vm", vm.name}, {"guest", session.name}, {"devices", std::to_string(devices.size())}});
  return ok(wire::rep::Text{nlohmann::json{{"vm", vm.name}, {"devices", devices}}.dump()});
}

wire::Reply Service::vm_prepare(Session& session, const wire::req::VmPrepare& r) {
  if (session.prepared) return failure(EBUSY);  // the last plan is neither committed nor abandoned
  session.undo.clear();
  for (size_t at = 0; at < r.steps.size();) {
    if (auto s = vm_step(session, r.steps, at); !s) {
      vm_undo(session);
      session.undo.clear();
      session.dying.clear();
      return refuse(session, "vm_prepare", s.error());
    }
  }
  session.prepared = true;
  log_.debug("vm.prepared", {{"guest", session.name}, {"steps", std::to_string(r.steps.size())}});
  return ok();
}

void Service::vm_undo(Session& session) {
  while (!session.undo.empty()) {
    auto step = std::move(session.undo.back());
    session.undo.pop_back();
    step();
  }
}

// Performs steps[at] (with the map steps after it for the same domain, as one
// request) for the VM's client, recording how to undo it; advances `at`.
core::Status Service::vm_step(Session& session, const std::vector<wire::req::VmStep>& steps, size_t& at) {
  using core::Errc;
  const core::Deployment& d = manager_->deployment();
  const core::ClientId client = *session.client;
  const wire::req::VmStep& st = steps[at++];
  auto object_of = [&](uint64_t guest_object) -> core::Result<core::ObjectId> {
    auto it = session.guest_objects.find(guest_object);
    if (it == session.guest_objects.end()) {
      return core::make_error(Errc::invalid_argument,
                              fmt::format("the guest's domain {} does not exist", guest_object));
    }
    return it->second;
  };
  auto spec_of = [](const wire::req::VmMapping& m) {
    return core::MappingSpec{core::IovaRange::from_first_last(m.first, m.last), core::Gpa{m.gpa},
                             core::Perms::from_bits(m.perms)};
  };
  // The entries of an object that meet `within` (all when unset), whole, as
  // specs that map them again (guest-physical sources): a replace with them
  // restores the object's table entry for entry.
  auto entries_of = [&](core::ObjectId object, std::optional<core::IovaRange> within) {
    std::vector<core::MappingSpec> out;
    for (const auto& e : manager_->state().objects.at(object).mappings.entries()) {
      if (within && (e.in.last() < within->first() || e.in.first() > within->last())) continue;
      out.push_back({e.in, core::Gpa{e.attr.source_first.value_or(e.out_first)}, e.attr.perms});
    }
    return out;
  };
  auto logged = [&](const core::Status& s) {
    if (!s) log_.error("vm.undo_failed", {{"guest", session.name}, {"error", s.error().message}});
  };
  switch (st.kind) {
    case wire::req::kStepCreate: {
      if (session.guest_objects.count(st.domain)) {
        return core::make_error(Errc::invalid_argument, fmt::format("the guest's domain {} exists already", st.domain));
      }
      auto object = manager_->create_object(client);
      if (!object) return object.error();
      session.guest_objects[st.domain] = object.value();
      session.undo.push_back([this, &session, client, g = st.domain, o = object.value()] {
        session.guest_objects.erase(g);
        (void)manager_->destroy_object(client, o);
      });
      return core::Ok{};
    }
    case wire::req::kStepMap: {
      auto object = object_of(st.domain);
      if (!object) return object.error();
      std::vector<core::MappingSpec> specs{spec_of(st.mapping)};
      while (at < steps.size() && steps[at].kind == wire::req::kStepMap && steps[at].domain == st.domain) {
        specs.push_back(spec_of(steps[at++].mapping));
      }
      if (auto s = manager_->map(client, object.value(), specs); !s) return s;
      std::vector<core::IovaRange> ranges;
      for (const auto& spec : specs) ranges.push_back(spec.iova);
      session.undo.push_back(
          [this, client, o = object.value(), ranges, logged] { logged(manager_->unmap(client, o, ranges)); });
      return core::Ok{};
    }
    case wire::req::kStepUnmap: {
      auto object = object_of(st.domain);
      if (!object) return object.error();
      const auto range = core::IovaRange::from_first_last(st.mapping.first, st.mapping.last);
      auto touched = entries_of(object.value(), range);
      if (auto s = manager_->unmap(client, object.value(), {range}); !s) return s;
      session.undo.push_back([this, client, o = object.value(), touched, logged] {
        if (!touched.empty()) logged(manager_->replace(client, o, touched));
      });
      return core::Ok{};
    }
    case wire::req::kStepDestroy: {
      // The domain is gone for the guest now; the host object goes at commit,
      // so that undo never has to make it again (under another handle).
      auto object = object_of(st.domain);
      if (!object) return object.error();
      session.guest_objects.erase(st.domain);
      session.dying.push_back(object.value());
      session.undo.push_back([&session, g = st.domain, o = object.value()] {
        session.guest_objects[g] = o;
        std::erase(session.dying, o);
      });
      return core::Ok{};
    }
    case wire::req::kStepBind: break;
    default: return core::make_error(Errc::invalid_argument, "unknown step");
  }
  // Bind: the guest names its device; the host knows it by the same name,
  // and only among this VM's pass-through devices.
  const core::Vm& vm = d.vms.at(*session.vm);
  const auto dev_it = std::find_if(vm.passthrough.begin(), vm.passthrough.end(),
                                   [&](core::DeviceIndex dev) { return d.devices[dev].name == st.device; });
  if (dev_it == vm.passthrough.end()) {
    return core::make_error(Errc::permission_denied, fmt::format("device '{}' is not passed through to VM {}",
                                                                 core::brief(st.device), vm.name));
  }
  const core::DeviceIndex device = *dev_it;
  core::DeviceSelector selector;
  if (const auto* pci = std::get_if<core::PciAddress>(&d.devices[device].ident)) {
    selector = core::PciSelector{pci->bus, pci->dev, pci->func};
  } else {
    const auto& mmio = std::get<core::MmioId>(d.devices[device].ident);
    selector = core::MmioSelector{mmio.registers.first(), mmio.registers.last() - mmio.registers.first() + 1};
  }
  // Where the device is now, on the host, so that undo can put it back.
  const std::optional<core::ObjectId> before = manager_->state().device_object.at(device);
  auto put_back = [this, client, device, selector, before, logged] {
    if (before) {
      logged(status_of(manager_->attach(client, *before, selector)));
    } else if (manager_->state().device_object.at(device)) {
      logged(manager_->detach(client, selector));
    }
  };
  if (st.to.kind == wire::req::kTargetAbort) {
    // A device in no object aborts already (the guest's boot plan says so explicitly).
    if (before) {
      if (auto s = manager_->detach(client, selector); !s) return s;
    }
  } else if (st.to.kind == wire::req::kTargetDomain) {
    auto object = object_of(st.to.domain);
    if (!object) return object.error();
    if (auto a = manager_->attach(client, object.value(), selector); !a) return a.error();
  } else {
    // The guest's startup mappings for this device: an object of their own.
    if (session.startup_objects.count(device)) {
      return core::make_error(
          Errc::invalid_argument,
          fmt::format("device '{}' is bound to its startup mappings already", d.devices[device].name));
    }
    auto object = manager_->create_object(client);
    if (!object) return object.error();
    std::vector<core::MappingSpec> specs;
    for (const auto& m : st.startup) specs.push_back(spec_of(m));
    core::Status s = specs.empty() ? core::Status(core::Ok{}) : manager_->map(client, object.value(), specs);
    if (s) s = status_of(manager_->attach(client, object.value(), selector));
    if (!s) {
      (void)manager_->destroy_object(client, object.value());
      return s;
    }
    session.startup_objects[device] = object.value();
    session.undo.push_back([this, &session, client, device, o = object.value()] {
      session.startup_objects.erase(device);
      (void)manager_->destroy_object(client, o);
    });
  }
  // A device leaving its startup mappings leaves their object empty: it
  // goes at commit, like a destroyed domain.
  const auto startup_left = st.from.kind == wire::req::kTargetStartup && st.to.kind != wire::req::kTargetStartup
                                ? session.startup_objects.find(device)
                                : session.startup_objects.end();
  session.undo.push_back(put_back);
  if (startup_left != session.startup_objects.end()) {
    const core::ObjectId o = startup_left->second;
    session.startup_objects.erase(startup_left);
    session.dying.push_back(o);
    session.undo.push_back([&session, device, o] {
      session.startup_objects[device] = o;
      std::erase(session.dying, o);
    });
  }
  return core::Ok{};
}

}  // namespace smmuman::service
