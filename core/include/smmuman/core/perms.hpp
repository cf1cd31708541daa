// Access permissions and attributes of a mapping, as an extensible bit set.
#pragma once

#include <cstdint>
#include <string>

namespace smmuman::core {

// One bit per permission or attribute. Later backends add attributes (e.g.
// privileged-only, non-cacheable) by adding enumerators; the set grows with it.
enum class Perm : uint32_t {
  read = 1u << 0,
  write = 1u << 1,
  exec = 1u << 2,
};

// What a device attempts; exec is an instruction fetch on IOMMUs that tell it apart.
enum class AccessKind : uint8_t { read, write, exec };

class Perms {
 public:
  constexpr Perms() = default;
  constexpr Perms(Perm p) : bits_(static_cast<uint32_t>(p)) {}  // NOLINT: implicit on purpose
  static constexpr Perms from_bits(uint32_t bits) { return Perms(bits); }
  static constexpr Perms rw() { return Perms(Perm::read) | Perm::write; }
  static constexpr Perms rwx() { return rw() | Perm::exec; }

  constexpr uint32_t bits() const { return bits_; }
  constexpr bool none() const { return bits_ == 0; }
  constexpr bool has(Perm p) const { return (bits_ & static_cast<uint32_t>(p)) != 0; }
  constexpr bool allows(AccessKind kind) const {
    switch (kind) {
      case AccessKind::read: return has(Perm::read);
      case AccessKind::write: return has(Perm::write);
      case AccessKind::exec: return has(Perm::exec);
    }
    return false;
  }
  // Only known permission bits are set.
  constexpr bool known() const { return (bits_ & ~rwx().bits_) == 0; }
  // Every permission of other is also in this set.
  constexpr bool covers(Perms other) const { return (other.bits_ & ~bits_) == 0; }

  friend constexpr Perms operator|(Perms a, Perms b) { return Perms(a.bits_ | b.bits_); }
  friend constexpr Perms operator&(Perms a, Perms b) { return Perms(a.bits_ & b.bits_); }
  constexpr bool operator==(const Perms&) const = default;

 private:
  explicit constexpr Perms(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};

// "rwx" with '-' for absent bits.
std::string to_string(Perms p);
const char* to_string(AccessKind kind);

}  // namespace smmuman::core
