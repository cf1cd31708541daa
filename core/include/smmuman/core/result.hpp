// Errors and results of core operations.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace smmuman::core {

// Each code has one errno equivalent, the value the QNX-compatible client API
// will report (smmu.h functions return -1 and set errno).
enum class Errc {
  invalid_argument,   // EINVAL: malformed request (zero length, wrap-around, bad flags)
  not_found,          // ENOENT: no unit controls the device, or the caller does not own it
  busy,               // EBUSY: the device belongs to another client or to the configuration
  permission_denied,  // EPERM: the caller lacks the right (target ability, another VM's device)
  no_such_object,     // EINVAL: the object or client does not exist or is not the caller's
  out_of_range,       // EFAULT: memory outside what the caller may grant
  reserved_region,    // EACCES: memory that may never be mapped
  no_resources,       // ENOMEM: the hardware layer refused in prepare (no page-table memory,
                      // no free context, command queue full); QNX names no errno for this,
                      // so ENOMEM is our choice (docs/core-semantics.md)
};

constexpr int to_errno(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return EINVAL;
    case Errc::not_found: return ENOENT;
    case Errc::busy: return EBUSY;
    case Errc::permission_denied: return EPERM;
    case Errc::no_such_object: return EINVAL;
    case Errc::out_of_range: return EFAULT;
    case Errc::reserved_region: return EACCES;
    case Errc::no_resources: return ENOMEM;
  }
  return EINVAL;
}

const char* to_string(Errc code);

struct Error {
  Errc code;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit, like std::expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {
  bool operator==(const Ok&) const = default;
};
using Status = Result<Ok>;

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Whether a result succeeded, without its value.
template <class T>
Status status_of(const Result<T>& result) {
  if (!result) return result.error();
  return Ok{};
}

}  // namespace smmuman::core
