// A bare number does not pass for a device address: say which space it is in.
#include "smmuman/core/manager.hpp"
using namespace smmuman::core;
AccessResult f(const Manager& m, DeviceIndex device) {
#ifdef SHOULD_FAIL
  return m.access(device, 0x1000, AccessKind::read);
#else
  return m.access(device, Iova{0x1000}, AccessKind::read);
#endif
}
