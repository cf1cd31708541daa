// Distinct identifier types. A client id, an object id and the indexes of
// units, devices and VMs never convert into one another, so passing one where
// another belongs does not compile.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstdint>

namespace smmuman::core {

// An opaque handle the manager hands out (clients, objects). Built from a
// number only explicitly; compared and printed, never used as a number.
template <class Tag>
class Handle {
 public:
  constexpr Handle() = default;
  constexpr explicit Handle(uint32_t value) : value_(value) {}
  constexpr uint32_t value() const { return value_; }
  // The handle after this one; wraps to 0, which is never handed out.
  constexpr Handle next() const { return Handle(value_ + 1); }
  constexpr auto operator<=>(const Handle&) const = default;
  // For test reports and logs; a template so that no stream header is needed.
  template <class Stream>
  friend Stream& operator<<(Stream& os, const Handle& h) {
    return os << h.value_;
  }

 private:
  uint32_t value_ = 0;
};

// A position in one of the deployment's tables (units, devices, VMs). It
// reads as a number, so it indexes its table; it is built from a number only
// explicitly, so an index of one table never silently becomes another's.
template <class Tag>
class Index {
 public:
  constexpr Index() = default;
  constexpr explicit Index(uint32_t value) : value_(value) {}
  constexpr operator uint32_t() const { return value_; }  // NOLINT: reads as a table position
  constexpr Index& operator++() {
    ++value_;
    return *this;
  }
  constexpr auto operator<=>(const Index&) const = default;
  constexpr bool operator==(const Index&) const = default;

 private:
  uint32_t value_ = 0;
};

using ClientId = Handle<struct ClientTag>;
using ObjectId = Handle<struct ObjectTag>;
using UnitIndex = Index<struct UnitTag>;
using DeviceIndex = Index<struct DeviceTag>;
using VmIndex = Index<struct VmTag>;

}  // namespace smmuman::core

template <class Tag>
struct fmt::formatter<smmuman::core::Handle<Tag>> : fmt::formatter<uint32_t> {
  template <class Context>
  auto format(const smmuman::core::Handle<Tag>& h, Context& ctx) const {
    return fmt::formatter<uint32_t>::format(h.value(), ctx);
  }
};
template <class Tag>
struct fmt::formatter<smmuman::core::Index<Tag>> : fmt::formatter<uint32_t> {
  template <class Context>
  auto format(const smmuman::core::Index<Tag>& i, Context& ctx) const {
    return fmt::formatter<uint32_t>::format(static_cast<uint32_t>(i), ctx);
  }
};
