// Distinct identifier types. A client id, an object id and the indexes of
// units, devices and VMs never convert into one another, so passing one where
// another belongs does not compile.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <cstdint>

namespace smmuman::core {

// A number of one kind (Tag), built from a number only explicitly, compared
// and printed but never used as a number: handles and single addresses.
template <class Tag, class Rep>
class Tagged {
 public:
  constexpr Tagged() = default;
  constexpr explicit Tagged(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const Tagged&) const = default;
  // For test reports and logs; a template so that no stream header is needed.
  template <class Stream>
  friend Stream& operator<<(Stream& os, const Tagged& t) {
    return os << t.value_;
  }

 private:
  Rep value_{};
};

// An opaque handle the manager hands out (clients, objects).
template <class Tag>
class Handle : public Tagged<Tag, uint32_t> {
 public:
  using Tagged<Tag, uint32_t>::Tagged;
  // The handle after this one; wraps to 0, which is never handed out.
  constexpr Handle next() const { return Handle(this->value() + 1); }
  constexpr auto operator<=>(const Handle&) const = default;
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
