// A handle is built from a number only explicitly.
#include "smmuman/core/ids.hpp"
using namespace smmuman::core;
ObjectId f() {
#ifdef SHOULD_FAIL
  ObjectId o = 3;
#else
  ObjectId o{3};
#endif
  return o;
}
