// A host-physical address, or a bare number, does not pass for a device address.
#include "smmuman/core/manager.hpp"
using namespace smmuman::core;
AccessResult f(const Manager& m, DeviceIndex device, Hpa hpa, Iova iova) {
#ifdef SHOULD_FAIL
  (void)iova;
  return m.access(device, hpa, AccessKind::read);
#else
  (void)hpa;
  return m.access(device, iova, AccessKind::read);
#endif
}
