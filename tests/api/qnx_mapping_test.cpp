// smmu_mapping_add's wire rules, as the core operations they become: the
// mappings each request adds (the plan's Map steps on the object's one
// domain), for rounding, overlapping entries, targets and removal.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "smmuman/api/qnx_mapping.hpp"

namespace smmuman::api::qnx {
namespace {

using namespace core;
using namespace core::test;

class QnxMapping : public ::testing::Test {
 protected:
  Manager m{make_deployment(), /*check_invariants=*/true};
  ClientId host = m.connect({"host", std::nullopt, true}).value();
  ClientId vm = m.connect({"vm-a", VmIndex{0}, true}).value();
  ObjectId o = m.create_object(host).value();
  ObjectId ov = m.create_object(vm).value();

  void SetUp() override {
    ASSERT_TRUE(m.attach(host, o, PciSelector{0, 3, 0}).ok());
    ASSERT_TRUE(m.attach(vm, ov, PciSelector{0, 1, 0}).ok());
  }

  // "iova-first..iova-last->out perms" for each Map step, "unmap first..last" for each Unmap.
  std::vector<std::string> steps(ClientId c, ObjectId obj, const MapRequest& request) {
    auto plan = decide_mapping_add(m, c, obj, request);
    EXPECT_TRUE(plan.ok()) << plan.error().message;
    std::vector<std::string> out;
    if (!plan.ok()) return out;
    for (const auto& s : plan.value().steps) {
      if (const auto* map = std::get_if<step::Map>(&s)) {
        out.push_back(fmt::format("{:#x}..{:#x}->{:#x} {}", map->entry.in.first(), map->entry.in.last(),
                                  map->entry.out_first, to_string(map->entry.attr.perms)));
      } else if (const auto* unmap = std::get_if<step::Unmap>(&s)) {
        out.push_back(fmt::format("unmap {:#x}..{:#x}", unmap->range.first(), unmap->range.last()));
      }
    }
    EXPECT_TRUE(m.execute(plan.value()).ok());
    return out;
  }
  using Steps = std::vector<std::string>;
};

// An entry covers every page it touches: the start rounds down, the end up.
TEST_F(QnxMapping, EntriesRoundOutToWholePages) {
  EXPECT_EQ(steps(host, o, MapRequest{Perm::read, std::nullopt, {{0x100ffc, 8}}}),
            (Steps{"0x100000..0x101fff->0x100000 r--"}));
}

// Entries of one request share their permissions and map their own
// addresses, so overlapping or adjacent entries map their union, once.
TEST_F(QnxMapping, OverlappingEntriesMapTheirUnion) {
  EXPECT_EQ(steps(host, o, MapRequest{Perms::rw(), std::nullopt,
                                      {{0x100000, 0x3000}, {0x101000, 0x10}, {0x103000, 0x1000}, {0x105000, 1}}}),
            (Steps{"0x100000..0x103fff->0x100000 rw-", "0x105000..0x105fff->0x105000 rw-"}));
}

// A request over mapped addresses replaces them: the old entries go first.
TEST_F(QnxMapping, MappingOverMappedAddressesReplaces) {
  steps(host, o, MapRequest{Perms::rw(), std::nullopt, {{0x100000, 0x2000}}});
  EXPECT_EQ(steps(host, o, MapRequest{Perm::read, std::nullopt, {{0x101000, 0x1000}}}),
            (Steps{"unmap 0x101000..0x101fff", "0x101000..0x101fff->0x101000 r--"}));
}

// No permission bits means remove; removing what is not mapped does nothing.
TEST_F(QnxMapping, NoPermissionsRemoves) {
  steps(host, o, MapRequest{Perms::rw(), std::nullopt, {{0x100000, 0x2000}}});
  EXPECT_EQ(steps(host, o, MapRequest{Perms{}, std::nullopt, {{0x100800, 0x10}, {0x180000, 0x1000}}}),
            (Steps{"unmap 0x100000..0x100fff"}));
}

// With a target, the entry names device addresses and the target the memory
// (4 bytes into a page, 8 KiB long: three pages);
// a VM client's memory is guest-physical and reaches the hardware translated.
TEST_F(QnxMapping, TargetNamesTheMemory) {
  EXPECT_EQ(steps(vm, ov, MapRequest{Perm::write, uint64_t{0x5ff004}, {{0x10000004, 0x2000}}}),
            (Steps{"0x10000000..0x10000fff->0x9ff000 -w-", "0x10001000..0x10002fff->0xc00000 -w-"}));
}

// Wire-format errors are the API layer's: each named, nothing changed.
TEST_F(QnxMapping, MalformedRequestsAreRefused) {
  const State before = m.state();
  auto refused = [&](Errc code, const MapRequest& request) {
    auto plan = decide_mapping_add(m, host, o, request);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().code, code) << plan.error().message;
  };
  refused(Errc::invalid_argument, MapRequest{Perms::rw(), std::nullopt, {}});
  refused(Errc::invalid_argument, MapRequest{Perms::rw(), std::nullopt, {{0x100000, 0}}});
  refused(Errc::invalid_argument, MapRequest{Perms::rw(), std::nullopt, {{kU64Max, 2}}});
  refused(Errc::invalid_argument, MapRequest{Perms::from_bits(8), std::nullopt, {{0x100000, 0x1000}}});
  refused(Errc::invalid_argument, MapRequest{Perms::rw(), uint64_t{0x100000}, {{0x1000, 0x1000}, {0x3000, 0x1000}}});
  refused(Errc::invalid_argument, MapRequest{Perms::rw(), uint64_t{0x100010}, {{0x1000, 0x1000}}});
  refused(Errc::invalid_argument, MapRequest{Perms::rw(), kU64Max - 0xfff, {{0x1000, 0x2000}}});
  EXPECT_EQ(m.state(), before);
}

}  // namespace
}  // namespace smmuman::api::qnx
