// Text forms of core values, shared by messages, summaries and tests.
#include <fmt/format.h>

#include "smmuman/core/deployment.hpp"
#include "smmuman/core/manager.hpp"
#include "smmuman/core/perms.hpp"
#include "smmuman/core/range.hpp"
#include "smmuman/core/result.hpp"

namespace smmuman::core {

std::string format_hex(uint64_t value) { return fmt::format("{:#x}", value); }

std::string format_size(u128 size) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (size == 0) return "0 B";
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && size % 1024 == 0) {
    size /= 1024;
    ++unit;
  }
  if (unit + 1 == std::size(kUnits) && size == 16) return "16 EiB";
  return fmt::format("{} {}", static_cast<uint64_t>(size), kUnits[unit]);
}

std::string to_string(Perms p) {
  std::string out;
  out += p.has(Perm::read) ? 'r' : '-';
  out += p.has(Perm::write) ? 'w' : '-';
  out += p.has(Perm::exec) ? 'x' : '-';
  return out;
}

const char* to_string(AccessKind kind) {
  switch (kind) {
    case AccessKind::read: return "read";
    case AccessKind::write: return "write";
    case AccessKind::exec: return "exec";
  }
  return "?";
}

const char* to_string(Errc code) {
  switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::busy: return "busy";
    case Errc::permission_denied: return "permission denied";
    case Errc::no_such_object: return "no such object";
    case Errc::out_of_range: return "out of range";
    case Errc::reserved_region: return "reserved region";
    case Errc::no_resources: return "no resources";
  }
  return "?";
}

const std::string& Origin::file() const {
  static const std::string none;
  return file_ ? *file_ : none;
}

std::string to_string(const Origin& origin) {
  if (origin.file().empty()) return "<built-in>";
  if (origin.line == 0) return origin.file();
  return fmt::format("{}:{}", origin.file(), origin.line);
}

const char* to_string(Role role) { return role == Role::host ? "host" : "guest"; }

std::string to_string(const DeviceIdent& ident) {
  if (const auto* mmio = std::get_if<MmioId>(&ident)) {
    return fmt::format("mmio {:#x}+{}", mmio->registers.first(), format_size(mmio->registers.size()));
  }
  const auto& pci = std::get<PciAddress>(ident);
  return fmt::format("pci {}:{}.{}", pci.bus, pci.dev, pci.func);
}

std::string to_string(const DeviceSelector& sel) {
  if (const auto* mmio = std::get_if<MmioSelector>(&sel)) return fmt::format("mmio {:#x}", mmio->phys);
  const auto& pci = std::get<PciSelector>(sel);
  auto field = [](uint32_t v) { return v == kAnyPciField ? std::string("*") : std::to_string(v); };
  return fmt::format("pci {}:{}.{}", field(pci.bus), field(pci.dev), field(pci.func));
}

}  // namespace smmuman::core
