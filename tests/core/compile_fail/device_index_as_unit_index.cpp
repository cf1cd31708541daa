// A device index does not silently become a unit index, though both index tables.
#include "smmuman/core/manager.hpp"
using namespace smmuman::core;
AccessResult f(const Manager& m, DeviceIndex device, UnitIndex unit) {
#ifdef SHOULD_FAIL
  (void)unit;
  return m.access_stream(device, 1, Iova{0x1000}, AccessKind::read);
#else
  (void)device;
  return m.access_stream(unit, 1, Iova{0x1000}, AccessKind::read);
#endif
}
