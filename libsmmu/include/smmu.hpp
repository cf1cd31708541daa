// A C++ face on smmu.h: the connection and objects as RAII handles, entry
// lists as spans, failures as std::system_error carrying the errno.
#pragma once

#include <cerrno>
#include <cstdint>
#include <span>
#include <system_error>
#include <utility>

#include "smmu.h"

namespace smmu {

[[noreturn]] inline void raise(const char* call) { throw std::system_error(errno, std::generic_category(), call); }

// smmu_init on construction, smmu_fini on destruction.
class Connection {
 public:
  Connection() {
    if (smmu_init(0) != 0) raise("smmu_init");
  }
  ~Connection() { smmu_fini(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
};

// One SMMU object; destroyed (its devices blocked) when the handle goes.
class Object {
 public:
  explicit Object(unsigned flags = SOCF_NONE) : object_(smmu_obj_create(flags)) {
    if (!object_) raise("smmu_obj_create");
  }
  ~Object() { smmu_obj_destroy(object_); }
  Object(Object&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  Object& operator=(Object&& other) noexcept {
    std::swap(object_, other.object_);
    return *this;
  }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  smmu_object* get() const { return object_; }

  // True when the object's mappings must be reissued (smmu_device_add_* returned 1).
  bool add(const smmu_devid& device) {
    return checked(smmu_device_add_generic(object_, &device), "smmu_device_add_generic") == 1;
  }
  bool add_pci(unsigned bus, unsigned dev, unsigned func) {
    return checked(smmu_device_add_pci(object_, bus, dev, func), "smmu_device_add_pci") == 1;
  }
  bool add_mmio(uint64_t phys, unsigned length) {
    return checked(smmu_device_add_mmio(object_, phys, length), "smmu_device_add_mmio") == 1;
  }
  // Identity mappings (device address = physical address) with `flags` (SMF_READ | SMF_WRITE | SMF_EXEC).
  int map(unsigned flags, std::span<const smmu_map_entry> entries) {
    return checked(smmu_mapping_add(object_, flags, 0, static_cast<unsigned>(entries.size()), entries.data(), 0),
                   "smmu_mapping_add");
  }
  int unmap(std::span<const smmu_map_entry> entries) { return map(SMF_NONE, entries); }
  // A translating mapping: `entry.phys` is the device address, `target` the memory (needs smmu/target).
  int map_to(unsigned flags, const smmu_map_entry& entry, uint64_t target) {
    return checked(smmu_mapping_add(object_, flags | SMF_TARGET, 0, 1, &entry, target), "smmu_mapping_add");
  }

 private:
  static int checked(int result, const char* call) {
    if (result < 0) raise(call);
    return result;
  }
  smmu_object* object_;
};

// Removes a device from whichever of this client's objects holds it.
inline void remove_device(const smmu_devid& device) {
  if (smmu_device_add_generic(nullptr, &device) < 0) raise("smmu_device_add_generic");
}

}  // namespace smmu
