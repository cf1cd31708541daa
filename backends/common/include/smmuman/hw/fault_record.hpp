// One fault, as every backend reports it, whatever the hardware's own record
// looked like (an SMMUv3 event, an SMMUv2 FSR/FAR/FSYNR0 read, a VT-d fault
// record). The service adds the device that owns the stream.
//
// Freestanding: no heap, exceptions, RTTI or iostreams.
#pragma once

#include <cstdint>

namespace smmuman::hw {

enum class FaultAccess : uint8_t { read, write, exec, unknown };

enum class FaultReason : uint8_t {
  translation,     // nothing mapped at the address
  permission,      // mapped, without the access's permission
  address_size,    // the address lies beyond the input or output size
  access_flag,     // a leaf without its access flag
  stream_aborted,  // the stream's configuration aborts every transaction (detached, unconfigured)
  bad_stream,      // a stream ID beyond the stream table
  bad_config,      // a malformed stream configuration (STE, context bank)
  walk_abort,      // an external abort reading a table
  command_error,   // the unit refused a command the backend issued
  global_error,    // a global error the unit reported
  overflow,        // the unit's fault record storage overflowed: records were lost
  other,
};

constexpr const char* to_string(FaultReason r) {
  switch (r) {
    case FaultReason::translation: return "translation";
    case FaultReason::permission: return "permission";
    case FaultReason::address_size: return "address size";
    case FaultReason::access_flag: return "access flag";
    case FaultReason::stream_aborted: return "stream aborted";
    case FaultReason::bad_stream: return "bad stream";
    case FaultReason::bad_config: return "bad configuration";
    case FaultReason::walk_abort: return "walk abort";
    case FaultReason::command_error: return "command error";
    case FaultReason::global_error: return "global error";
    case FaultReason::overflow: return "overflow";
    case FaultReason::other: return "other";
  }
  return "?";
}

constexpr const char* to_string(FaultAccess a) {
  switch (a) {
    case FaultAccess::read: return "read";
    case FaultAccess::write: return "write";
    case FaultAccess::exec: return "exec";
    case FaultAccess::unknown: return "unknown";
  }
  return "?";
}

struct FaultRecord {
  uint32_t unit = 0;          // the backend's unit index
  uint32_t stream = 0;
  bool stream_known = false;  // false for global errors and overflow
  uint64_t address = 0;       // input address, when the record has one
  bool address_known = false;
  FaultAccess access = FaultAccess::unknown;
  FaultReason reason = FaultReason::other;
  uint8_t stage = 0;          // 1 or 2; 0 when not a translation stage's fault
  uint32_t raw_type = 0;      // the hardware's own code (SMMUv3 event number, SMMUv2 FSR bits)
};

}  // namespace smmuman::hw
