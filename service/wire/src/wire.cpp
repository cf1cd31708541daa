// Encoders and strict decoders for docs/protocol.md. Integers are little-endian.
#include "smmuman/wire/wire.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

namespace smmuman::wire {

namespace {

class Writer {
 public:
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void i32(int32_t v) { put(static_cast<uint32_t>(v), 4); }
  void u64(uint64_t v) { put(v, 8); }
  void bytes(const std::string& s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void devid(const DevId& d) {
    u32(d.type);
    u32(d.bus);
    u32(d.dev);
    u32(d.func);
    u64(d.phys);
    u64(d.length);
  }
  void entry(const Entry& e) {
    u64(e.phys);
    u64(e.len);
  }
  void mapping(const req::VmMapping& m) {
    u64(m.first);
    u64(m.last);
    u64(m.gpa);
    u32(m.perms);
    u32(0);
  }
  void step(const req::VmStep& st) {
    u32(st.kind);
    u32(st.mapping.perms);
    u64(st.domain);
    u64(st.mapping.first);
    u64(st.mapping.last);
    u64(st.mapping.gpa);
    u32(st.from.kind);
    u32(st.to.kind);
    u64(st.from.domain);
    u64(st.to.domain);
    u32(static_cast<uint32_t>(st.device.size()));
    u32(static_cast<uint32_t>(st.startup.size()));
    bytes(st.device);
    for (const auto& m : st.startup) mapping(m);
  }
  std::vector<uint8_t>& out() { return out_; }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> out_;
};

// Reads fields in order; the first problem sticks and names the field.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  uint16_t u16(const char* what) { return static_cast<uint16_t>(get(2, what)); }
  uint32_t u32(const char* what) { return static_cast<uint32_t>(get(4, what)); }
  int32_t i32(const char* what) { return static_cast<int32_t>(u32(what)); }
  uint64_t u64(const char* what) { return get(8, what); }
  void zero32(const char* what) {
    if (u32(what) != 0) fail(std::string(what) + " is reserved and must be 0");
  }
  std::string bytes(size_t n, const char* what) {
    if (!need(n, what)) return {};
    std::string s(reinterpret_cast<const char*>(in_.data() + at_), n);
    at_ += n;
    return s;
  }
  // `in_record`: a transgression record may name no device (kDevUnknown, all else 0).
  DevId devid(bool in_record = false) {
    DevId d;
    d.type = u32("device type");
    d.bus = u32("device bus");
    d.dev = u32("device dev");
    d.func = u32("device func");
    d.phys = u64("device phys");
    d.length = u64("device length");
    if (!ok()) return d;
    const bool no_pci = d.bus == 0 && d.dev == 0 && d.func == 0;
    const bool no_mmio = d.phys == 0 && d.length == 0;
    if (d.type == kDevPci) {
      if (!no_mmio) fail("a PCI device's phys and length must be 0");
    } else if (d.type == kDevMmio) {
      if (!no_pci) fail("an MMIO device's bus, dev and func must be 0");
    } else if (!(in_record && d.type == kDevUnknown && no_pci && no_mmio)) {
      fail("device type " + std::to_string(d.type) + " is neither SDT_PCI (0) nor SDT_MMIO (1)");
    }
    return d;
  }
  Entry entry() {
    Entry e;
    e.phys = u64("entry phys");
    e.len = u64("entry len");
    return e;
  }
  req::VmMapping mapping(const char* what) {
    req::VmMapping m;
    m.first = u64(what);
    m.last = u64(what);
    m.gpa = u64(what);
    m.perms = u32(what);
    zero32(what);
    if (ok() && (m.first > m.last || m.perms == 0 || m.perms > 7))
      fail(std::string(what) + ": an empty range or bad permissions");
    return m;
  }
  // One guest plan step; fields the kind does not use must be 0.
  req::VmStep step() {
    req::VmStep st;
    st.kind = u32("step kind");
    st.mapping.perms = u32("step perms");
    st.domain = u64("step domain");
    st.mapping.first = u64("step first");
    st.mapping.last = u64("step last");
    st.mapping.gpa = u64("step gpa");
    st.from.kind = u32("step from");
    st.to.kind = u32("step to");
    st.from.domain = u64("step from domain");
    st.to.domain = u64("step to domain");
    const uint32_t name_len = u32("step device name length");
    const uint32_t startup = u32("step startup count");
    if (!ok()) return st;
    const bool no_bind = st.from == req::VmTarget{} && st.to == req::VmTarget{} && name_len == 0 && startup == 0;
    const bool no_mapping = st.mapping == req::VmMapping{};
    const auto target_ok = [](const req::VmTarget& t) {
      return t.kind == req::kTargetDomain ? t.domain != 0 : (t.kind <= req::kTargetStartup && t.domain == 0);
    };
    switch (st.kind) {
      case req::kStepCreate:
      case req::kStepDestroy:
        if (st.domain == 0 || !no_bind || !no_mapping)
          fail("a create or destroy step names one domain and nothing else");
        break;
      case req::kStepMap:
        if (st.domain == 0 || !no_bind || st.mapping.first > st.mapping.last || st.mapping.perms == 0 ||
            st.mapping.perms > 7) {
          fail("a map step names a domain, a non-empty range and permissions (r, w, x), nothing else");
        }
        break;
      case req::kStepUnmap:
        if (st.domain == 0 || !no_bind || st.mapping.first > st.mapping.last || st.mapping.gpa != 0 ||
            st.mapping.perms != 0) {
          fail("an unmap step names a domain and a non-empty range, nothing else");
        }
        break;
      case req::kStepBind:
        if (st.domain != 0 || !no_mapping || !target_ok(st.from) || !target_ok(st.to) || name_len == 0 ||
            name_len > kMaxDeviceName || (startup != 0 && st.to.kind != req::kTargetStartup)) {
          fail(
              "a bind step names a device (1 to 128 bytes), two targets, and startup mappings only when bound to them");
        }
        break;
      default: fail("unknown step kind " + std::to_string(st.kind));
    }
    if (!ok()) return st;
    st.device = bytes(name_len, "step device name");
    if (ok() && startup > left() / 32) fail("startup count exceeds the payload");
    for (uint32_t i = 0; ok() && i < startup; ++i) st.startup.push_back(mapping("startup mapping"));
    return st;
  }
  size_t left() const { return in_.size() - at_; }
  bool ok() const { return !error_; }
  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }
  // Every byte consumed, nothing missing.
  std::optional<std::string> finish() {
    if (!error_ && at_ != in_.size()) error_ = std::to_string(in_.size() - at_) + " bytes after the last field";
    return error_;
  }

 private:
  bool need(size_t n, const char* what) {
    if (error_) return false;
    if (in_.size() - at_ < n) {
      error_ = std::string("payload ends inside ") + what;
      return false;
    }
    return true;
  }
  uint64_t get(int n, const char* what) {
    if (!need(static_cast<size_t>(n), what)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t{in_[at_ + static_cast<size_t>(i)]} << (8 * i);
    at_ += static_cast<size_t>(n);
    return v;
  }
  std::span<const uint8_t> in_;
  size_t at_ = 0;
  std::optional<std::string> error_;
};

std::vector<uint8_t> frame(uint16_t type, uint32_t request_id, std::vector<uint8_t> payload) {
  Writer w;
  w.u32(kMagic);
  w.u16(kVersion);
  w.u16(type);
  w.u32(request_id);
  w.u32(static_cast<uint32_t>(payload.size()));
  auto& out = w.out();
  out.insert(out.end(), payload.begin(), payload.end());
  return std::move(out);
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // clang 14 has no deduction for aggregates

}  // namespace

std::string socket_path_from_environment() {
  const char* env = std::getenv("SMMUMAN_SOCKET");
  return env && *env ? env : kDefaultSocket;
}

const char* to_string(Type type) {
  switch (type) {
    case Type::hello: return "hello";
    case Type::obj_create: return "obj_create";
    case Type::obj_destroy: return "obj_destroy";
    case Type::device_add: return "device_add";
    case Type::report_reserved: return "report_reserved";
    case Type::mapping_add: return "mapping_add";
    case Type::xfer_notify: return "xfer_notify";
    case Type::xfer_status: return "xfer_status";
    case Type::ctl_status: return "ctl_status";
    case Type::ctl_dma: return "ctl_dma";
    case Type::vm_hello: return "vm_hello";
    case Type::vm_prepare: return "vm_prepare";
    case Type::vm_commit: return "vm_commit";
    case Type::vm_abandon: return "vm_abandon";
    case Type::vm_fault: return "vm_fault";
  }
  return "unknown";
}

Type type_of(const Request& request) {
  return std::visit(Overloaded{
                        [](const req::Hello&) { return Type::hello; },
                        [](const req::ObjCreate&) { return Type::obj_create; },
                        [](const req::ObjDestroy&) { return Type::obj_destroy; },
                        [](const req::DeviceAdd&) { return Type::device_add; },
                        [](const req::ReportReserved&) { return Type::report_reserved; },
                        [](const req::MappingAdd&) { return Type::mapping_add; },
                        [](const req::XferNotify&) { return Type::xfer_notify; },
                        [](const req::XferStatus&) { return Type::xfer_status; },
                        [](const req::CtlStatus&) { return Type::ctl_status; },
                        [](const req::CtlDma&) { return Type::ctl_dma; },
                        [](const req::VmHello&) { return Type::vm_hello; },
                        [](const req::VmPrepare&) { return Type::vm_prepare; },
                        [](const req::VmCommit&) { return Type::vm_commit; },
                        [](const req::VmAbandon&) { return Type::vm_abandon; },
                        [](const req::VmFault&) { return Type::vm_fault; },
                    },
                    request);
}

std::vector<uint8_t> encode_request(uint32_t request_id, const Request& request) {
  Writer w;
  std::visit(Overloaded{
                 [&](const req::Hello& r) { w.u32(r.flags); },
                 [&](const req::ObjCreate& r) { w.u32(r.flags); },
                 [&](const req::ObjDestroy& r) { w.u64(r.object); },
                 [&](const req::DeviceAdd& r) {
                   w.u64(r.object);
                   w.devid(r.device);
                 },
                 [&](const req::ReportReserved& r) {
                   w.devid(r.device);
                   w.u32(r.offset);
                   w.u32(r.max);
                 },
                 [&](const req::MappingAdd& r) {
                   w.u64(r.object);
                   w.u32(r.flags);
                   w.u32(r.pid);
                   w.u64(r.target);
                   w.u32(static_cast<uint32_t>(r.entries.size()));
                   w.u32(0);
                   for (const Entry& e : r.entries) w.entry(e);
                 },
                 [&](const req::XferNotify& r) {
                   w.u32(r.kind);
                   w.u32(r.signo);
                   w.u64(r.value);
                 },
                 [&](const req::XferStatus&) {},
                 [&](const req::CtlStatus&) {},
                 [&](const req::CtlDma& r) {
                   w.u64(r.address);
                   w.u32(r.access);
                   w.u32(static_cast<uint32_t>(r.device.size()));
                   w.bytes(r.device);
                 },
                 [&](const req::VmHello&) {},
                 [&](const req::VmPrepare& r) {
                   w.u32(static_cast<uint32_t>(r.steps.size()));
                   w.u32(0);
                   for (const auto& st : r.steps) w.step(st);
                 },
                 [&](const req::VmCommit&) {},
                 [&](const req::VmAbandon&) {},
                 [&](const req::VmFault& r) {
                   w.u64(r.address);
                   w.u32(r.access);
                   w.u32(r.reason);
                   w.u32(r.stage);
                   w.u32(r.raw_type);
                   w.u32(static_cast<uint32_t>(r.device.size()));
                   w.u32(0);
                   w.bytes(r.device);
                 },
             },
             request);
  return frame(static_cast<uint16_t>(type_of(request)), request_id, std::move(w.out()));
}

std::vector<uint8_t> encode_reply(Type type, uint32_t request_id, const Reply& reply) {
  Writer w;
  w.i32(reply.error);
  w.u32(0);
  if (reply.error == 0) {
    std::visit(Overloaded{
                   [&](const rep::Empty&) {},
                   [&](const rep::Hello& r) {
                     w.u32(r.version);
                     w.u32(0);
                     w.u64(r.client);
                   },
                   [&](const rep::Object& r) { w.u64(r.object); },
                   [&](const rep::Value& r) {
                     w.i32(r.value);
                     w.u32(0);
                   },
                   [&](const rep::Reserved& r) {
                     w.u32(r.count);
                     w.u32(static_cast<uint32_t>(r.entries.size()));
                     for (const Entry& e : r.entries) w.entry(e);
                   },
                   [&](const rep::Status& r) {
                     w.u32(r.present ? 1 : 0);
                     w.u32(r.flags);
                     w.u64(r.hw_specific);
                     w.u64(r.fault_addr);
                     w.devid(r.device);
                   },
                   [&](const rep::Text& r) {
                     w.u32(static_cast<uint32_t>(r.json.size()));
                     w.u32(0);
                     w.bytes(r.json);
                   },
               },
               reply.body);
  }
  return frame(static_cast<uint16_t>(static_cast<uint16_t>(type) | kReplyBit), request_id, std::move(w.out()));
}

std::variant<Request, DecodeError> decode_request(uint16_t type, std::span<const uint8_t> payload) {
  Reader r(payload);
  Request out;
  switch (static_cast<Type>(type)) {
    case Type::hello: out = req::Hello{r.u32("flags")}; break;
    case Type::obj_create: out = req::ObjCreate{r.u32("flags")}; break;
    case Type::obj_destroy: out = req::ObjDestroy{r.u64("object")}; break;
    case Type::device_add: {
      req::DeviceAdd d;
      d.object = r.u64("object");
      d.device = r.devid();
      out = d;
      break;
    }
    case Type::report_reserved: {
      req::ReportReserved d;
      d.device = r.devid();
      d.offset = r.u32("offset");
      d.max = r.u32("max");
      out = d;
      break;
    }
    case Type::mapping_add: {
      req::MappingAdd m;
      m.object = r.u64("object");
      m.flags = r.u32("flags");
      m.pid = r.u32("pid");
      m.target = r.u64("target");
      const uint32_t count = r.u32("entry count");
      r.zero32("the word after the entry count");
      // The count must match the payload before anything is allocated for it.
      if (r.ok() && (count > kMaxEntries || r.left() != size_t{count} * kEntryBytes)) {
        r.fail("entry count " + std::to_string(count) + " does not match the " + std::to_string(r.left()) +
               " bytes of entries");
      }
      if (r.ok()) {
        m.entries.reserve(count);
        for (uint32_t i = 0; i < count; ++i) m.entries.push_back(r.entry());
      }
      out = std::move(m);
      break;
    }
    case Type::xfer_notify: {
      req::XferNotify n;
      n.kind = r.u32("notify kind");
      n.signo = r.u32("signal");
      n.value = r.u64("value");
      if (r.ok() && n.kind != req::kNotifyNone && n.kind != req::kNotifySignal) r.fail("unknown notify kind");
      if (r.ok() && n.kind == req::kNotifyNone && (n.signo != 0 || n.value != 0)) r.fail("a disarm carries no signal");
      out = n;
      break;
    }
    case Type::xfer_status: out = req::XferStatus{}; break;
    case Type::ctl_status: out = req::CtlStatus{}; break;
    case Type::ctl_dma: {
      req::CtlDma d;
      d.address = r.u64("address");
      d.access = r.u32("access");
      const uint32_t len = r.u32("device name length");
      if (r.ok() && d.access > req::kAccessExec) r.fail("access is neither read (0), write (1) nor exec (2)");
      if (r.ok() && (len == 0 || len > kMaxDeviceName)) r.fail("device name length must be 1 to 128 bytes");
      if (r.ok()) d.device = r.bytes(len, "device name");
      out = std::move(d);
      break;
    }
    case Type::vm_hello: out = req::VmHello{}; break;
    case Type::vm_commit: out = req::VmCommit{}; break;
    case Type::vm_abandon: out = req::VmAbandon{}; break;
    case Type::vm_prepare: {
      req::VmPrepare p;
      const uint32_t count = r.u32("step count");
      r.zero32("the word after the step count");
      constexpr size_t kFixedStepBytes = 72;
      if (r.ok() && count > r.left() / kFixedStepBytes)
        r.fail("step count " + std::to_string(count) + " exceeds the payload");
      for (uint32_t i = 0; r.ok() && i < count; ++i) p.steps.push_back(r.step());
      out = std::move(p);
      break;
    }
    case Type::vm_fault: {
      req::VmFault f;
      f.address = r.u64("address");
      f.access = r.u32("access");
      f.reason = r.u32("reason");
      f.stage = r.u32("stage");
      f.raw_type = r.u32("raw type");
      const uint32_t len = r.u32("device name length");
      r.zero32("the word after the device name length");
      if (r.ok() && (f.access > 3 || f.reason > 11 || f.stage > 2)) r.fail("access, reason or stage out of range");
      if (r.ok() && (len == 0 || len > kMaxDeviceName)) r.fail("device name length must be 1 to 128 bytes");
      if (r.ok()) f.device = r.bytes(len, "device name");
      out = std::move(f);
      break;
    }
    default: return DecodeError{"unknown request type " + std::to_string(type)};
  }
  if (auto problem = r.finish()) {
    return DecodeError{std::string(to_string(static_cast<Type>(type))) + ": " + *problem};
  }
  return out;
}

std::variant<Reply, DecodeError> decode_reply(Type type, std::span<const uint8_t> payload) {
  Reader r(payload);
  Reply out;
  out.error = r.i32("error");
  r.zero32("the word after the error");
  if (r.ok() && out.error < 0) r.fail("negative errno");
  if (r.ok() && out.error == 0) {
    switch (type) {
      case Type::hello: {
        rep::Hello h;
        h.version = r.u32("version");
        r.zero32("the word after the version");
        h.client = r.u64("client");
        out.body = h;
        break;
      }
      case Type::obj_create: out.body = rep::Object{r.u64("object")}; break;
      case Type::device_add:
      case Type::mapping_add: {
        rep::Value v{r.i32("value")};
        r.zero32("the word after the value");
        out.body = v;
        break;
      }
      case Type::report_reserved: {
        rep::Reserved s;
        s.count = r.u32("count");
        const uint32_t n = r.u32("entries");
        if (r.ok() && (n > s.count || r.left() != size_t{n} * kEntryBytes)) r.fail("entries do not match the payload");
        for (uint32_t i = 0; r.ok() && i < n; ++i) s.entries.push_back(r.entry());
        out.body = std::move(s);
        break;
      }
      case Type::xfer_status: {
        rep::Status s;
        const uint32_t present = r.u32("present");
        if (r.ok() && present > 1) r.fail("present is 0 or 1");
        s.present = present == 1;
        s.flags = r.u32("flags");
        s.hw_specific = r.u64("hw_specific");
        s.fault_addr = r.u64("fault_addr");
        s.device = r.devid(/*in_record=*/true);
        out.body = s;
        break;
      }
      case Type::ctl_status:
      case Type::ctl_dma:
      case Type::vm_hello: {
        const uint32_t len = r.u32("text length");
        r.zero32("the word after the text length");
        if (r.ok() && len != r.left()) r.fail("text length does not match the payload");
        out.body = rep::Text{r.bytes(len, "text")};
        break;
      }
      case Type::obj_destroy:
      case Type::xfer_notify:
      case Type::vm_prepare:
      case Type::vm_commit:
      case Type::vm_abandon:
      case Type::vm_fault: out.body = rep::Empty{}; break;
    }
  }
  if (auto problem = r.finish()) return DecodeError{std::string(to_string(type)) + " reply: " + *problem};
  return out;
}

void FrameReader::feed(std::span<const uint8_t> bytes) {
  if (failure_) return;
  // Drop what was consumed before growing, so the buffer holds at most one
  // frame and what arrived with it.
  if (consumed_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<FrameReader::Frame> FrameReader::next() {
  if (failure_ || buffered() < kHeaderBytes) return std::nullopt;
  Reader r(std::span<const uint8_t>(buffer_).subspan(consumed_, kHeaderBytes));
  const uint32_t magic = r.u32("magic");
  Header h;
  h.version = r.u16("version");
  h.type = r.u16("type");
  h.request_id = r.u32("request id");
  h.length = r.u32("length");
  if (magic != kMagic) {
    failure_ = "not an smmuman frame (bad magic)";
    return std::nullopt;
  }
  if (h.version != kVersion) {
    failure_ = "protocol version " + std::to_string(h.version) + " (this side speaks " + std::to_string(kVersion) + ")";
    return std::nullopt;
  }
  if (h.length > kMaxPayload) {
    failure_ = "payload of " + std::to_string(h.length) + " bytes exceeds the limit of " + std::to_string(kMaxPayload);
    return std::nullopt;
  }
  if (buffered() < kHeaderBytes + h.length) return std::nullopt;
  Frame f;
  f.header = h;
  const auto first = buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_ + kHeaderBytes);
  f.payload.assign(first, first + h.length);
  consumed_ += kHeaderBytes + h.length;
  return f;
}

}  // namespace smmuman::wire
