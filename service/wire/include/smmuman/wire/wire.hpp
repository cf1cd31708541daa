// The client protocol of the smmuman daemon (docs/protocol.md): versioned,
// length-prefixed binary frames over a Unix-domain stream socket. Shared by
// the daemon, libsmmu and smmuctl; depends on the C++ standard library only.
//
// Every decoder is strict: a frame decodes only if re-encoding it gives the
// same bytes (reserved fields zero, lengths exact), so there is one encoding
// of every request and nothing a decoder skipped can change meaning later.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace smmuman::wire {

inline constexpr const char* kDefaultSocket = "/run/smmuman/smmuman.sock";
// SMMUMAN_SOCKET when set and not empty, else kDefaultSocket: the daemon,
// libsmmu and smmuctl agree on it.
std::string socket_path_from_environment();

inline constexpr uint32_t kMagic = 0x554d4d53;  // "SMMU" read as little-endian bytes
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 16;
// A request's payload is at most this long, so a client cannot make the
// daemon buffer more; it bounds the entries of one mapping request.
inline constexpr uint32_t kMaxPayload = 1u << 20;
inline constexpr size_t kEntryBytes = 16;
inline constexpr size_t kMappingAddFixedBytes = 32;
inline constexpr uint32_t kMaxEntries = (kMaxPayload - kMappingAddFixedBytes) / kEntryBytes;
inline constexpr uint32_t kMaxDeviceName = 128;
inline constexpr uint16_t kReplyBit = 0x8000;

enum class Type : uint16_t {
  hello = 1,
  obj_create = 2,
  obj_destroy = 3,
  device_add = 4,
  report_reserved = 5,
  mapping_add = 6,
  xfer_notify = 7,
  xfer_status = 8,
  // smmuctl: the daemon's state as JSON, and one simulated DMA on the models.
  ctl_status = 32,
  ctl_dma = 33,
  // The vdev-smmu channel between a guest's daemon and the host's (one per VM).
  vm_hello = 64,    // guest -> host: which VM, which pass-through devices (Text reply)
  vm_prepare = 65,  // guest -> host: one plan's steps for the VM's unit, performed and held
  vm_commit = 66,   // guest -> host: keep what the last prepare did
  vm_abandon = 67,  // guest -> host: undo what the last prepare did
  vm_fault = 68,    // host -> guest, unsolicited (request id 0, no reply): a denied DMA
};
const char* to_string(Type type);

struct Header {
  uint16_t version = kVersion;
  uint16_t type = 0;  // a Type, with kReplyBit on replies
  uint32_t request_id = 0;
  uint32_t length = 0;  // payload bytes after the header
};

// A device as smmu.h's union smmu_devid names it.
inline constexpr uint32_t kDevPci = 0;   // SDT_PCI
inline constexpr uint32_t kDevMmio = 1;  // SDT_MMIO
// SDT_NUM_TYPES, only in a transgression record whose stream no device owns.
inline constexpr uint32_t kDevUnknown = 2;
struct DevId {
  uint32_t type = kDevPci;
  uint32_t bus = 0, dev = 0, func = 0;  // PCI; each may be ~0u (any)
  uint64_t phys = 0, length = 0;        // MMIO register block
  bool operator==(const DevId&) const = default;
};

struct Entry {
  uint64_t phys = 0;
  uint64_t len = 0;
  bool operator==(const Entry&) const = default;
};

namespace req {
struct Hello {
  uint32_t flags = 0;
  bool operator==(const Hello&) const = default;
};
struct ObjCreate {
  uint32_t flags = 0;
  bool operator==(const ObjCreate&) const = default;
};
struct ObjDestroy {
  uint64_t object = 0;
  bool operator==(const ObjDestroy&) const = default;
};
struct DeviceAdd {
  uint64_t object = 0;  // 0: remove the device from whichever of the caller's objects holds it
  DevId device;
  bool operator==(const DeviceAdd&) const = default;
};
struct ReportReserved {
  DevId device;
  uint32_t offset = 0;
  uint32_t max = 0;
  bool operator==(const ReportReserved&) const = default;
};
struct MappingAdd {
  uint64_t object = 0;
  uint32_t flags = 0;  // smmu_mapping_flags
  uint32_t pid = 0;
  uint64_t target = 0;
  std::vector<Entry> entries;
  bool operator==(const MappingAdd&) const = default;
};
inline constexpr uint32_t kNotifyNone = 0;    // disarm
inline constexpr uint32_t kNotifySignal = 1;  // sigqueue(signo, value) to the client process
struct XferNotify {
  uint32_t kind = kNotifyNone;
  uint32_t signo = 0;
  uint64_t value = 0;
  bool operator==(const XferNotify&) const = default;
};
struct XferStatus {
  bool operator==(const XferStatus&) const = default;
};
struct CtlStatus {
  bool operator==(const CtlStatus&) const = default;
};
inline constexpr uint32_t kAccessRead = 0, kAccessWrite = 1, kAccessExec = 2;
struct CtlDma {
  std::string device;  // its configured name
  uint64_t address = 0;
  uint32_t access = kAccessRead;
  bool operator==(const CtlDma&) const = default;
};

// Where a guest device's streams go, in the guest's terms (core::StreamTarget).
inline constexpr uint32_t kTargetAbort = 0, kTargetStartup = 1, kTargetDomain = 2;
struct VmTarget {
  uint32_t kind = kTargetAbort;
  uint64_t domain = 0;  // the guest's object id, for kTargetDomain
  bool operator==(const VmTarget&) const = default;
};
// One translation in guest terms: device addresses [first, last] onto guest-physical from gpa.
struct VmMapping {
  uint64_t first = 0, last = 0, gpa = 0;
  uint32_t perms = 0;  // core::Perms bits
  bool operator==(const VmMapping&) const = default;
};
inline constexpr uint32_t kStepCreate = 1, kStepMap = 2, kStepBind = 3, kStepUnmap = 4, kStepDestroy = 5;
// One core plan step of the guest's vdev-smmu unit (core/plan.hpp), devices named.
struct VmStep {
  uint32_t kind = kStepCreate;
  uint64_t domain = 0;          // create, map, unmap, destroy: the guest's object id
  VmMapping mapping;            // map: the mapping; unmap: [first, last], gpa and perms 0
  std::string device;           // bind: the device's configured name
  VmTarget from, to;            // bind
  std::vector<VmMapping> startup;  // bind to kTargetStartup: the device's startup mappings
  bool operator==(const VmStep&) const = default;
};
struct VmHello {
  bool operator==(const VmHello&) const = default;
};
struct VmPrepare {
  std::vector<VmStep> steps;
  bool operator==(const VmPrepare&) const = default;
};
struct VmCommit {
  bool operator==(const VmCommit&) const = default;
};
struct VmAbandon {
  bool operator==(const VmAbandon&) const = default;
};
struct VmFault {
  std::string device;  // the host's name for it, which is the guest's
  uint64_t address = 0;
  uint32_t access = 3;    // hw::FaultAccess
  uint32_t reason = 11;   // hw::FaultReason
  uint32_t stage = 0;
  uint32_t raw_type = 0;
  bool operator==(const VmFault&) const = default;
};
}  // namespace req

using Request = std::variant<req::Hello, req::ObjCreate, req::ObjDestroy, req::DeviceAdd, req::ReportReserved,
                             req::MappingAdd, req::XferNotify, req::XferStatus, req::CtlStatus, req::CtlDma,
                             req::VmHello, req::VmPrepare, req::VmCommit, req::VmAbandon, req::VmFault>;
Type type_of(const Request& request);

// Replies carry the errno (0 on success) and, on success, a body.
namespace rep {
struct Empty {};
struct Hello {
  uint32_t version = kVersion;
  uint64_t client = 0;
};
struct Object {
  uint64_t object = 0;
};
struct Value {  // device_add, mapping_add: the call's non-negative return value
  int32_t value = 0;
};
struct Reserved {
  uint32_t count = 0;          // entries from the offset on (may exceed what was asked for)
  std::vector<Entry> entries;  // at most the request's max
};
struct Status {
  bool present = false;  // false: no record waiting
  uint32_t flags = 0;
  uint64_t hw_specific = 0;
  uint64_t fault_addr = 0;
  DevId device;
};
struct Text {  // control replies: one JSON document
  std::string json;
};
}  // namespace rep
using ReplyBody = std::variant<rep::Empty, rep::Hello, rep::Object, rep::Value, rep::Reserved, rep::Status, rep::Text>;

struct Reply {
  int32_t error = 0;  // an errno value; the body is Empty unless 0
  ReplyBody body;
};

// Whole frames.
std::vector<uint8_t> encode_request(uint32_t request_id, const Request& request);
std::vector<uint8_t> encode_reply(Type type, uint32_t request_id, const Reply& reply);

// Decodes a request payload of `type`; on failure, says what is wrong.
struct DecodeError {
  std::string message;
};
std::variant<Request, DecodeError> decode_request(uint16_t type, std::span<const uint8_t> payload);
// Decodes the reply to a request of `type`.
std::variant<Reply, DecodeError> decode_reply(Type type, std::span<const uint8_t> payload);

// Splits a byte stream into frames. A header that is not ours (magic,
// version, length beyond kMaxPayload) is a protocol error after which the
// stream cannot be trusted: the reader stays failed.
class FrameReader {
 public:
  struct Frame {
    Header header;
    std::vector<uint8_t> payload;
  };
  void feed(std::span<const uint8_t> bytes);
  // The next whole frame, or nullopt when more bytes are needed or the stream failed.
  std::optional<Frame> next();
  const std::optional<std::string>& failure() const { return failure_; }
  size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  std::vector<uint8_t> buffer_;
  size_t consumed_ = 0;
  std::optional<std::string> failure_;
};

}  // namespace smmuman::wire
