// A client id cannot stand where an object id belongs (the populated start of
// the state machine once passed one and it compiled); the right id can.
#include "smmuman/core/manager.hpp"
using namespace smmuman::core;
Status f(Manager& m, ClientId client, ObjectId object) {
#ifdef SHOULD_FAIL
  (void)object;
  return m.destroy_object(client, client);
#else
  return m.destroy_object(client, object);
#endif
}
