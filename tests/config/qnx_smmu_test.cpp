// Tests of the QNX .smmu reader: number notation, each statement's mapping to
// the model, and the line every error reports.
#include "smmuman/config/qnx_smmu.hpp"
#include "smmuman/core/manager.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include <string>
#include <string_view>
#include <vector>

namespace smmuman::config {
namespace {

using core::HpaRange;
using core::IovaRange;
using core::Perm;
using core::Perms;
using ::testing::HasSubstr;

constexpr const char* kFile = "test.smmu";

// Lines 1-2 of most inputs: one MMU-500 unit, so later lines start at 3.
constexpr std::string_view kPrefix = "smmu armsmmu\nunit u0 0x10000000,1,2,0\n";
// The same on an SMMUv3, whose 65536 contexts leave room for a thousand
// devices with startup mappings (an MMU-500 has 128).
constexpr std::string_view kManyContextsPrefix = "smmu armsmmuv3\nunit u0 0x10000000\n";

LoadResult load(std::string_view text) { return load_qnx_smmu(text, kFile); }
LoadResult load_with_prefix(std::string_view rest) { return load(std::string(kPrefix) + std::string(rest)); }

std::string describe(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += to_string(e) + "\n";
  return out;
}

// The only error of r is on line and its message contains fragment.
void expect_one_error(const LoadResult& r, int line, std::string_view fragment) {
  ASSERT_EQ(r.errors.size(), 1u) << describe(r);
  EXPECT_EQ(r.errors[0].origin.file(), kFile);
  EXPECT_EQ(r.errors[0].origin.line, line) << describe(r);
  EXPECT_THAT(r.errors[0].message, HasSubstr(std::string(fragment))) << describe(r);
  EXPECT_FALSE(r.deployment.has_value());
}

// The range of the single startup mapping of a one-device load.
IovaRange only_mapping(const LoadResult& r) {
  EXPECT_TRUE(r.deployment.has_value()) << describe(r);
  if (!r.deployment || r.deployment->startup_mappings.size() != 1) {
    ADD_FAILURE() << "expected exactly one startup mapping";
    return IovaRange::whole();
  }
  return r.deployment->startup_mappings[0].iova;
}

Perms only_perms(std::string_view perms) {
  const auto r = load_with_prefix("allow a 0x4000,4096," + std::string(perms) + "\ndevice mem:0x20000000 a use u0 1\n");
  EXPECT_TRUE(r.errors.empty()) << describe(r);
  if (!r.deployment || r.deployment->startup_mappings.size() != 1) return Perms();
  return r.deployment->startup_mappings[0].perms;
}

// ---------------------------------------------------------------- numbers

TEST(QnxSmmuNumbers, SpellingsOfOneRegionGiveTheSameRange) {
  // Every spelling of start 0x4000, length 4096 yields the page [0x4000, 0x4fff]: addresses default to hex, sizes to decimal, 0x/0d override, K is 1024.
  const std::vector<std::string> spellings = {
      "0x4000,4096",   "4000,4096",   "0d16384,0x1000", "0x4000,0x1000",
      "4000,0x1000",   "0d16384,4096", "0d16k,4k",
  };
  for (const auto& s : spellings) {
    SCOPED_TRACE(s);
    const auto r = load_with_prefix("allow foo " + s + "\ndevice mem:0x20000000 foo use u0 1\n");
    EXPECT_EQ(only_mapping(r), IovaRange::from_first_last(0x4000, 0x4fff));
  }
}

TEST(QnxSmmuNumbers, MultiplierAppliesAfterTheDefaultBase) {
  // Pins our reading of K/M/G: `4K,1k` is 0x1000,0x400 (QNX's own example), rounded out to one page; `10K` as an address is 0x10 * 1024 = 0x4000, and `4K,4096` starts at 0x1000, not 0x4000.
  auto r = load_with_prefix("allow foo 4K,1k\ndevice mem:0x20000000 foo use u0 1\n");
  EXPECT_EQ(only_mapping(r), IovaRange::from_first_last(0x1000, 0x1fff));
  r = load_with_prefix("allow foo 10K,4096\ndevice mem:0x20000000 foo use u0 1\n");
  EXPECT_EQ(only_mapping(r), IovaRange::from_first_last(0x4000, 0x4fff));
  r = load_with_prefix("allow foo 4K,4096\ndevice mem:0x20000000 foo use u0 1\n");
  EXPECT_EQ(only_mapping(r), IovaRange::from_first_last(0x1000, 0x1fff));
}

TEST(QnxSmmuNumbers, AllowRangesRoundOutToFourKiB) {
  // The start rounds down and the end up to 4 KiB, as QNX does, so an unaligned range covers every page it touches.
  auto r = load_with_prefix("allow foo 0x4010,0x1000\ndevice mem:0x20000000 foo use u0 1\n");
  EXPECT_EQ(only_mapping(r), IovaRange::from_first_last(0x4000, 0x5fff));
  r = load_with_prefix("allow foo 0x4fff,1\ndevice mem:0x20000000 foo use u0 1\n");
  EXPECT_EQ(only_mapping(r), IovaRange::from_first_last(0x4000, 0x4fff));
}

TEST(QnxSmmuNumbers, OtherNumbersAreDecimal) {
  // Stream IDs and PCI bus/dev/func are decimal unless prefixed: sid `17` is 17 and `pci:0:18.0` is dev 18.
  const auto r = load_with_prefix("device mem:0x20000000 use u0 17\ndevice pci:0:18.0 use u0 0x20\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  ASSERT_EQ(r.deployment->devices.size(), 2u);
  EXPECT_EQ(r.deployment->devices[0].stream_ids, std::vector<uint32_t>{17});
  EXPECT_EQ(r.deployment->devices[1].name, "pci:0:18.0");
  EXPECT_EQ(std::get<core::PciAddress>(r.deployment->devices[1].ident), (core::PciAddress{0, 18, 0}));
  EXPECT_EQ(r.deployment->devices[1].stream_ids, std::vector<uint32_t>{32});
}

// ---------------------------------------------------------------- the example

TEST(QnxSmmuExample, Imx8ExampleLoads) {
  // examples/qnx/imx8-mmu500.smmu gives one MMU-500, five devices with their stream IDs and six identity startup mappings.
  const std::string path = std::string(SMMUMAN_SOURCE_DIR) + "/examples/qnx/imx8-mmu500.smmu";
  const auto r = load_qnx_smmu_file(path);
  ASSERT_TRUE(r.errors.empty()) << describe(r);
  ASSERT_TRUE(r.deployment.has_value());
  const core::Deployment& d = *r.deployment;
  EXPECT_EQ(r.debug_level, 1);
  EXPECT_EQ(d.name, path);
  EXPECT_EQ(d.role, core::Role::host);
  EXPECT_TRUE(d.vms.empty());

  ASSERT_EQ(d.units.size(), 1u);
  const core::Unit& u = d.units[0];
  EXPECT_EQ(u.name, "mmu500");
  EXPECT_EQ(u.capabilities.architecture, "arm-smmuv2");
  EXPECT_EQ(u.registers, HpaRange::from_base_len(0x51400000, 0x10000));
  EXPECT_EQ(u.capabilities.stream_id_bits, 16u);
  EXPECT_FALSE(u.bypass_unconfigured);
  EXPECT_EQ(u.origin.line, 19);

  struct Expected {
    const char* name;
    uint32_t sid;
  };
  const Expected expected[] = {
      {"mem:0x5b010000", 17}, {"mem:0x5b040000", 18}, {"mem:0x59050000", 19},
      {"mem:0x5b110000", 20}, {"pci:1:0.0", 0x100},
  };
  ASSERT_EQ(d.devices.size(), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(d.devices[i].name, expected[i].name);
    EXPECT_EQ(d.devices[i].unit, 0u);
    EXPECT_EQ(d.devices[i].stream_ids, std::vector<uint32_t>{expected[i].sid});
  }
  // Only the register base is known: QNX gives no length.
  EXPECT_EQ(std::get<core::MmioId>(d.devices[0].ident).registers, HpaRange::from_first_last(0x5b010000, 0x5b010000));

  struct Mapping {
    uint32_t device;
    uint64_t first;
    uint64_t size;
    Perms perms;
  };
  const Mapping mappings[] = {
      {0, 0x90000000, 16 << 20, Perms::rw()},    {1, 0x91000000, 2 << 20, Perm::write},
      {1, 0x91200000, 2 << 20, Perm::read},      {1, 0x91400000, 64 << 10, Perms::rw()},
      {2, 0x92000000, 1 << 20, Perm::read},      {4, 0xa0000000, 1 << 20, Perms::rw()},
  };
  ASSERT_EQ(d.startup_mappings.size(), std::size(mappings));
  for (size_t i = 0; i < std::size(mappings); ++i) {
    SCOPED_TRACE(i);
    const auto& m = d.startup_mappings[i];
    EXPECT_EQ(m.device, core::DeviceIndex{mappings[i].device});
    EXPECT_EQ(m.iova, IovaRange::from_base_len(mappings[i].first, mappings[i].size));
    EXPECT_EQ(m.hpa_first, mappings[i].first);  // identity
    EXPECT_EQ(m.perms, mappings[i].perms);
  }

  EXPECT_FALSE(d.platform.memory.contains(uint64_t{0x51400000}));
  EXPECT_FALSE(d.platform.memory.contains(uint64_t{0x5140ffff}));
  EXPECT_TRUE(d.platform.memory.contains(uint64_t{0x51410000}));
  EXPECT_TRUE(d.platform.memory.contains(HpaRange::from_base_len(0x80000000, 0x40000000).value()));
}

// ---------------------------------------------------------------- statements

TEST(QnxSmmuAllow, PermissionLetters) {
  // s (DMA source) is read, t (DMA target) is write, neither is both; r, w, x are our extension.
  EXPECT_EQ(only_perms("s"), Perms(Perm::read));
  EXPECT_EQ(only_perms("t"), Perms(Perm::write));
  EXPECT_EQ(only_perms("st"), Perms::rw());
  EXPECT_EQ(only_perms("ts"), Perms::rw());
  EXPECT_EQ(only_perms("r"), Perms(Perm::read));
  EXPECT_EQ(only_perms("w"), Perms(Perm::write));
  EXPECT_EQ(only_perms("x"), Perms::rwx());
  EXPECT_EQ(only_perms("sx"), Perms(Perm::read) | Perm::exec);
  // No letters at all: read and write.
  const auto r = load_with_prefix("allow a 0x4000,4096\ndevice mem:0x20000000 a use u0 1\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  EXPECT_EQ(r.deployment->startup_mappings[0].perms, Perms::rw());
}

TEST(QnxSmmuAllow, SeveralLinesAccumulateUnderOneName) {
  // Every allow line with one name counts, each becoming its own startup mapping, and the set may be defined after the device.
  const auto r = load_with_prefix(
      "device mem:0x20000000 a use u0 1\n"
      "allow a 0x4000,4096,s\n"
      "allow a 0x8000,8K,t\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  const auto& m = r.deployment->startup_mappings;
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].iova, IovaRange::from_first_last(0x4000, 0x4fff));
  EXPECT_EQ(m[0].origin.line, 4);
  EXPECT_EQ(m[1].iova, IovaRange::from_first_last(0x8000, 0x9fff));
  EXPECT_EQ(m[1].perms, Perms(Perm::write));
}

TEST(QnxSmmuAllow, OverlapWithEqualPermissionsMerges) {
  // Two small buffers in one page round to the same page; with equal permissions they become one mapping (choice), from the first line.
  const auto r = load_with_prefix(
      "allow a 0x4000,100\n"
      "allow a 0x4800,100\n"
      "allow a 0x4f00,0x200\n"
      "device mem:0x20000000 a use u0 1\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  ASSERT_EQ(r.deployment->startup_mappings.size(), 1u);
  EXPECT_EQ(r.deployment->startup_mappings[0].iova, IovaRange::from_first_last(0x4000, 0x5fff));
  EXPECT_EQ(r.deployment->startup_mappings[0].origin.line, 3);
}

TEST(QnxSmmuAllow, OverlapWithDifferentPermissionsIsAnError) {
  // Ranges of one set that overlap with different permissions are rejected on the later line, naming the earlier one.
  const auto r = load_with_prefix("allow a 0x4000,4096,s\nallow a 0x4800,16,t\ndevice mem:0x20000000 a use u0 1\n");
  expect_one_error(r, 4, "from line 3");
}

TEST(QnxSmmuAllow, UnusedSetIsAccepted) {
  // An allow set no device names is accepted and maps nothing.
  const auto r = load_with_prefix("allow lonely 0x4000,4096\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  EXPECT_TRUE(r.deployment->startup_mappings.empty());
}

TEST(QnxSmmuAllow, BadRangesAreErrors) {
  // A zero length, a range wrapping past 2^64, an unknown letter and empty letters are each an error on their line.
  expect_one_error(load("allow a 0x4000,0"), 1, "length is 0");
  expect_one_error(load("allow a 0xffffffffffffff00,0x200"), 1, "wraps past 2^64");
  expect_one_error(load("allow a 0x4000,4096,sq"), 1, "unknown permission 'q'");
  expect_one_error(load("allow a 0x4000,4096,"), 1, "permissions are empty");
  expect_one_error(load("allow a 0x4000"), 1, "expected '<start>,<len>[,<perms>]'");
}

TEST(QnxSmmuSmmu, TypesMapToUnitTypes) {
  // Each smmu type gives its units a hardware description's capabilities, with
  // its register frame and stream ID width (typed here from the manuals).
  struct Case {
    const char* text;
    const char* architecture;
    uint64_t frame;
    unsigned bits;
  };
  const Case cases[] = {
      {"smmu armsmmu\nunit u 0x10000000,1,2,0\n", "arm-smmuv2", 0x10000, 16},
      {"smmu armsmmuv3\nunit u 0x10000000\n", "arm-smmuv3", 0x20000, 32},
      {"smmu vtd\nunit u 0x10000000\n", "intel-vtd", 0x1000, 16},
      {"smmu rcar3 0xe67b0000,228,18\nunit u 0x10000000,3\n", "renesas-ipmmu", 0x1000, 6},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto r = load(c.text);
    ASSERT_TRUE(r.deployment) << describe(r);
    ASSERT_EQ(r.deployment->units.size(), 1u);
    EXPECT_EQ(r.deployment->units[0].capabilities.architecture, c.architecture);
    EXPECT_EQ(r.deployment->units[0].registers, HpaRange::from_base_len(0x10000000, c.frame));
    EXPECT_EQ(r.deployment->units[0].capabilities.stream_id_bits, c.bits);
    EXPECT_FALSE(r.deployment->platform.memory.overlaps(*r.deployment->units[0].registers));
  }
}

TEST(QnxSmmuSmmu, LastSmmuLineWins) {
  // A later smmu line replaces an earlier one while no unit is declared; after units of another type it is an error.
  auto r = load("smmu vtd\nsmmu armsmmu\nunit u 0x10000000,1,2,1\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  EXPECT_EQ(r.deployment->units[0].capabilities.architecture, "arm-smmuv2");
  EXPECT_TRUE(r.deployment->units[0].bypass_unconfigured);
  r = load("smmu armsmmu\nunit u 0x10000000,1,2,0\nsmmu vtd\n");
  expect_one_error(r, 3, "differs from type 'armsmmu' of unit 'u' declared on line 2");
}

TEST(QnxSmmuSmmu, TypeParametersAreChecked) {
  // vtd takes require or ignore, rcar3 needs its IPMMU-MM triple, armsmmu takes nothing, and unknown types are errors.
  EXPECT_TRUE(load("smmu vtd require\n").errors.empty());
  EXPECT_TRUE(load("smmu vtd ignore\n").errors.empty());
  expect_one_error(load("smmu vtd sometimes\n"), 1, "'require' or 'ignore', not 'sometimes'");
  expect_one_error(load("smmu rcar3\n"), 1, "smmu rcar3: expected");
  expect_one_error(load("smmu rcar3 0xe67b0000,228,32\n"), 1, "mm_fault_bit must be 0..31");
  expect_one_error(load("smmu rcar3 0xe67b0000,228,18,0x4f\n"), 1, "expected '<socid>.<revid>'");
  expect_one_error(load("smmu armsmmu extra\n"), 1, "takes no parameter");
  expect_one_error(load("smmu mmu9000\n"), 1, "unknown type 'mmu9000'");
}

TEST(QnxSmmuRcar, IpmmuMmPageIsReserved) {
  // On rcar3 the IPMMU-MM register page of the smmu line is a reserved region, and `use vi0 0` gives utlb 0 as stream ID (QNX's R-Car example).
  const auto ok = load(
      "smmu rcar3 0xe67b0000,228,18,0x4f.0x20\n"
      "unit vi0 0xfebd0000,9\n"
      "device mem:0xE6EF0000 use vi0 0\n");
  ASSERT_TRUE(ok.deployment) << describe(ok);
  const auto& d = *ok.deployment;
  ASSERT_EQ(d.platform.reserved.size(), 1u);
  EXPECT_EQ(d.platform.reserved[0].name, "ipmmu-mm");
  EXPECT_EQ(d.platform.reserved[0].range, HpaRange::from_base_len(0xe67b0000, 0x1000));
  EXPECT_EQ(d.platform.reserved[0].origin.line, 1);
  EXPECT_FALSE(d.platform.memory.contains(uint64_t{0xe67b0000}));
  ASSERT_EQ(d.devices.size(), 1u);
  EXPECT_EQ(d.devices[0].name, "mem:0xe6ef0000");
  EXPECT_EQ(d.devices[0].stream_ids, std::vector<uint32_t>{0});
}

TEST(QnxSmmuRcar, SharedUtlbIsRejectedUnlikeQnx) {
  // Pins a known incompatibility: QNX lets several devices share one utlb [S21], but the core's unique-stream-ID rule rejects the second device.
  const auto r = load(
      "smmu rcar3 0xe67b0000,228,18,0x4f.0x20\n"
      "unit vi0 0xfebd0000,9\n"
      "device mem:0xE6EF0000 use vi0 0\n"
      "device mem:0xE6EF1000 use vi0 0\n");
  expect_one_error(r, 4, "stream ID 0x0 on unit 'vi0' already belongs to device 'mem:0xe6ef0000'");
}

TEST(QnxSmmuVtd, UseTakesNoParameter) {
  // On vtd `use <unit>` has no parameter and the stream ID is the requester ID; a parameter or an MMIO device is an error.
  auto r = load("smmu vtd\nunit dmar0 0xfed90000\nunit dmar1 0xfed91000\ndevice pci:0:2.0 use dmar1\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  EXPECT_EQ(r.deployment->devices[0].unit, 1u);
  EXPECT_EQ(r.deployment->devices[0].stream_ids, std::vector<uint32_t>{0x10});
  expect_one_error(load("smmu vtd\nunit dmar0 0xfed90000\ndevice pci:0:2.0 use dmar0 5\n"), 3,
                   "takes no parameter");
  expect_one_error(load("smmu vtd\nunit dmar0 0xfed90000\ndevice mem:0x1000 use dmar0\n"), 3,
                   "an MMIO device cannot use it");
}

TEST(QnxSmmuDevice, PciWithoutUseGetsRequesterIdOnTheOnlyUnit) {
  // A PCI device with no `use` goes to the only unit with bus<<8 | dev<<3 | func as stream ID.
  const auto r = load_with_prefix("device pci:3:1.2\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  EXPECT_EQ(r.deployment->devices[0].stream_ids, std::vector<uint32_t>{(3u << 8) | (1u << 3) | 2u});
}

TEST(QnxSmmuDevice, PciWithoutUseNeedsExactlyOneUnit) {
  // With two units a PCI device must say which one controls it.
  const auto r = load("smmu armsmmu\nunit a 0x10000000,1,2,0\nunit b 0x10100000,1,2,0\ndevice pci:0:1.0\n");
  expect_one_error(r, 4, "device 'pci:0:1.0': no 'use' and 2 units declared, say which unit controls it");
}

TEST(QnxSmmuDevice, LinesAboutOneDeviceAddUp) {
  // A second line with the same spec adds to the device; repeating the same information is fine.
  const auto r = load_with_prefix(
      "device mem:0x20000000 a\n"
      "device mem:0x20000000 use u0 7\n"
      "device mem:0x20000000 a use u0 7\n"
      "allow a 0x4000,4096\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  ASSERT_EQ(r.deployment->devices.size(), 1u);
  // The device's origin is the line its stream came from (the first `use`).
  EXPECT_EQ(r.deployment->devices[0].origin.line, 4);
  EXPECT_EQ(r.deployment->devices[0].stream_ids, std::vector<uint32_t>{7});
  EXPECT_EQ(r.deployment->startup_mappings.size(), 1u);
}

TEST(QnxSmmuDevice, SpecsAreNormalised) {
  // Device names are the spec normalised: hex in lower case with 0x, PCI numbers in decimal.
  const auto r = load_with_prefix("device mem:E6EF0000 use u0 1\ndevice pci:0d0:0x12.0 use u0 2\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  EXPECT_EQ(r.deployment->devices[0].name, "mem:0xe6ef0000");
  EXPECT_EQ(std::get<core::MmioId>(r.deployment->devices[0].ident).registers,
            HpaRange::from_first_last(0xe6ef0000, 0xe6ef0000));
  EXPECT_EQ(r.deployment->devices[1].name, "pci:0:18.0");
}

TEST(QnxSmmuDebug, LevelIsOneOrTwo) {
  // `debug 2` sets the level, the last line wins, and any other level is an error.
  auto r = load("debug 1\ndebug 2\n");
  EXPECT_TRUE(r.errors.empty()) << describe(r);
  EXPECT_EQ(r.debug_level, 2);
  expect_one_error(load("debug 3\n"), 1, "level must be 1 or 2, not '3'");
}

TEST(QnxSmmuSyntax, CommentsAndBlankLinesAreIgnored) {
  // `#` starts a comment anywhere on a line (our extension) and blank lines count for line numbers only.
  const auto r = load("# header\n\n  smmu armsmmu   # trailing\n\t\nunit u 0x10000000,1,2,0#x\nfrob\n");
  expect_one_error(r, 6, "unknown statement 'frob'");
}

TEST(QnxSmmuFile, UnreadableFileIsOneDiagnostic) {
  // A file that cannot be read gives one diagnostic, for the whole file (line 0), saying why, and no deployment.
  const std::string path = "/nonexistent/dir/x.smmu";
  const auto r = load_qnx_smmu_file(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].origin.file(), path);
  EXPECT_EQ(r.errors[0].origin.line, 0);
  EXPECT_EQ(r.errors[0].message, "cannot read the file: No such file or directory");
  EXPECT_FALSE(r.deployment);
}

// ---------------------------------------------------------------- errors and their lines

TEST(QnxSmmuErrors, UnknownStatement) {
  // An unknown statement word is an error on its line naming the word.
  expect_one_error(load_with_prefix("frobnicate 1 2\n"), 3, "unknown statement 'frobnicate'");
  expect_one_error(load_with_prefix("foreground\n"), 3, "statement 'foreground'");
}

TEST(QnxSmmuErrors, MalformedNumber) {
  // A malformed number is an error on its line quoting the offending text.
  expect_one_error(load_with_prefix("allow a 0x40g0,4096\n"), 3, "'0x40g0'");
  expect_one_error(load_with_prefix("allow a 0x4000,10z\n"), 3, "'10z'");
  expect_one_error(load_with_prefix("device mem:0x20000000 use u0 1a\n"), 3, "'1a'");
  expect_one_error(load("smmu armsmmu\nunit u 0xq,1,2,0\n"), 2, "'0xq'");
}

TEST(QnxSmmuErrors, BypassMustBeZeroOrOne) {
  // The bypass field of an armsmmu unit is 0 or 1.
  expect_one_error(load("smmu armsmmu\n\nunit mmu500 0x51400000,64,66,2\n"), 3,
                   "unit 'mmu500': bypass must be 0 or 1, not '2'");
}

TEST(QnxSmmuErrors, UnknownUnitInUse) {
  // `use` naming an undeclared unit is an error on the device line naming the unit.
  expect_one_error(load_with_prefix("\ndevice mem:0x20000000 use nosuch 1\n"), 4, "unknown unit 'nosuch'");
}

TEST(QnxSmmuErrors, UnknownAllowName) {
  // An allow set that is never defined is an error on the device line that names it.
  expect_one_error(load_with_prefix("allow b 0x4000,4096\ndevice mem:0x20000000 a use u0 1\n"), 4,
                   "allow set 'a' is never defined");
}

TEST(QnxSmmuErrors, UnitBeforeSmmu) {
  // A unit line before any smmu line is an error on the unit line.
  expect_one_error(load("debug 1\nunit u 0x10000000,1,2,0\n"), 2, "no 'smmu' line before it");
}

TEST(QnxSmmuErrors, DuplicateUnit) {
  // A second unit with a name already used is an error naming the first line.
  expect_one_error(load("smmu armsmmu\nunit u 0x10000000,1,2,0\nunit u 0x20000000,1,2,0\n"), 3,
                   "unit 'u' is already declared on line 2");
}

TEST(QnxSmmuErrors, DuplicateStreamIdIsTheCoreRule) {
  // Two devices with one stream ID on one unit are rejected by the core's rule, on the second device's line.
  const auto r = load_with_prefix("device mem:0x20000000 use u0 9\n\ndevice mem:0x20001000 use u0 9\n");
  expect_one_error(r, 5, "already belongs to device 'mem:0x20000000'");
}

TEST(QnxSmmuErrors, StreamIdTooWideIsTheCoreRule) {
  // A stream ID wider than the unit's width is rejected by the core's rule.
  expect_one_error(load_with_prefix("device mem:0x20000000 use u0 65536\n"), 3, "does not fit unit 'u0'");
}

TEST(QnxSmmuErrors, ReservedStreamId) {
  // A device using a res_sid stream ID is an error on its use line.
  const auto r = load("smmu armsmmu\nunit mmu500 0x51400000,64,66,0,4:5:16,imx8\ndevice mem:0x20000000 use mmu500 5\n");
  expect_one_error(r, 3, "stream ID 5 is reserved for the system on unit 'mmu500'");
}

TEST(QnxSmmuErrors, ConflictingDeviceLines) {
  // Two lines giving one device different units, stream IDs or allow sets are an error naming both lines.
  const auto two_units = std::string("smmu armsmmu\nunit a 0x10000000,1,2,0\nunit b 0x10100000,1,2,0\n");
  expect_one_error(load(two_units + "device mem:0x20000000 use a 1\ndevice mem:0x20000000 use b 1\n"), 5,
                   "'use b 1' conflicts with 'use a 1' on line 4");
  expect_one_error(load(two_units + "device mem:0x20000000 use a 1\ndevice mem:0x20000000 use a 2\n"), 5,
                   "on line 4");
  expect_one_error(load_with_prefix("allow x 0x4000,4096\nallow y 0x8000,4096\n"
                                    "device mem:0x20000000 x use u0 1\ndevice mem:0x20000000 y\n"),
                   6, "allow set 'y' conflicts with allow set 'x' on line 5");
}

TEST(QnxSmmuErrors, MmioWithoutUse) {
  // An MMIO device without `use` has no known stream ID and is an error on its line.
  expect_one_error(load_with_prefix("device mem:0x20000000\n"), 3, "stream ID of an MMIO device is unknown");
}

TEST(QnxSmmuErrors, AllowOverUnitRegistersIsTheCoreRule) {
  // An allow range over a unit's register frame is rejected by the core, on the allow line (the core reports it both as outside permitted memory and as overlapping the frame).
  const auto r = load_with_prefix("allow a 0x10008000,4096\ndevice mem:0x20000000 a use u0 1\n");
  ASSERT_FALSE(r.errors.empty());
  EXPECT_FALSE(r.deployment.has_value());
  bool names_frame = false;
  for (const auto& e : r.errors) {
    EXPECT_EQ(e.origin.line, 3) << describe(r);
    names_frame = names_frame || e.message.find("the registers of unit 'u0'") != std::string::npos;
  }
  EXPECT_TRUE(names_frame) << describe(r);
}

TEST(QnxSmmuErrors, ArgumentCounts) {
  // Missing or extra words are errors naming the statement.
  expect_one_error(load_with_prefix("allow a\n"), 3, "allow: expected");
  expect_one_error(load_with_prefix("unit\n"), 3, "unit: expected");
  expect_one_error(load_with_prefix("device\n"), 3, "device: expected");
  expect_one_error(load_with_prefix("debug\n"), 3, "debug: expected");
  expect_one_error(load_with_prefix("device mem:0x20000000 use\n"), 3, "'use' needs a unit name");
  expect_one_error(load_with_prefix("device mem:0x20000000 use u0 1 2\n"), 3, "unexpected '2'");
  expect_one_error(load_with_prefix("device mem:0x20000000 a b\n"), 3, "unexpected 'b'");
  expect_one_error(load_with_prefix("device mem:0x20000000 use u0\n"), 3, "needs a stream ID");
  expect_one_error(load_with_prefix("device isa:5 use u0 1\n"), 3, "unknown device spec 'isa:5'");
  expect_one_error(load_with_prefix("device pci:0:32.0 use u0 1\n"), 3, "PCI address out of range");
  expect_one_error(load("smmu armsmmu\nunit u 0x10000000,1,2\n"), 2, "expected '<paddr>,<NScIrpt>");
}

TEST(QnxSmmuErrors, AllErrorsAreReportedInLineOrder) {
  // Errors do not stop the reading: every one is reported, sorted by line, each as file:line: message.
  const auto r = load(
      "smmu armsmmu\n"
      "unit u0 0x10000000,1,2,0\n"
      "bogus\n"
      "device mem:0x20000000 use u0 3\n"
      "allow a 0x4000,xyz\n"
      "device mem:0x20001000 use u0 3\n"
      "device mem:0x20002000 missing use u0 4\n"
      "debug 7\n");
  std::vector<int> lines;
  for (const auto& e : r.errors) lines.push_back(e.origin.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 5, 6, 7, 8})) << describe(r);
  EXPECT_FALSE(r.deployment.has_value());
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(to_string(r.errors[0]), "test.smmu:3: unknown statement 'bogus'");
}

TEST(QnxSmmuErrors, BrokenDeclarationsDoNotCascade) {
  // A unit or allow line in error is reported once; devices that name it add no second error.
  const auto r = load(
      "smmu armsmmu\n"
      "unit u0 0x10000000,1,2,9\n"
      "allow a 0x4000,0\n"
      "device mem:0x20000000 a use u0 3\n");
  std::vector<int> lines;
  for (const auto& e : r.errors) lines.push_back(e.origin.line);
  EXPECT_EQ(lines, (std::vector<int>{2, 3})) << describe(r);
}

TEST(QnxSmmuErrors, DeploymentAbsentOnError) {
  // One error anywhere means no deployment, even if everything else is sound.
  const auto good = load_with_prefix("device mem:0x20000000 use u0 1\n");
  EXPECT_TRUE(good.deployment.has_value()) << describe(good);
  const auto bad = load_with_prefix("device mem:0x20000000 use u0 1\ndebug 0\n");
  EXPECT_FALSE(bad.errors.empty());
  EXPECT_FALSE(bad.deployment.has_value());
}

// A `mem:` device keeps its exact register base, so a client names it by that
// address even when it is not page-aligned, and two devices in one page stay apart.
TEST(QnxSmmuDevices, MmioDeviceAttachesByItsExactBase) {
  const auto r = load_with_prefix("device mem:0xe6ef0800 use u0 5\ndevice mem:0xe6ef0000 use u0 6\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  core::Manager m(*r.deployment, true);
  const auto c = m.connect({"driver", std::nullopt, false}).value();
  const auto o = m.create_object(c).value();
  EXPECT_TRUE(m.attach(c, o, core::MmioSelector{0xe6ef0800, 0x100}).ok());
  EXPECT_EQ(m.state().objects.at(o).devices.size(), 1u);
  EXPECT_TRUE(m.attach(c, o, core::MmioSelector{0xe6ef0000, 0x100}).ok());
  EXPECT_EQ(m.state().objects.at(o).devices.size(), 2u);
}

// rcar3 units cannot grant write without read [S2]: the loaded unit holds
// write as read+write, as its description's long-descriptor format does.
TEST(QnxSmmuDevices, RcarWriteImpliesRead) {
  const auto r = load("smmu rcar3 0xe67b0000,228,18\nunit vi0 0xfebd0000,9\n");
  ASSERT_TRUE(r.deployment) << describe(r);
  ASSERT_EQ(r.deployment->units.size(), 1u);
  const auto& caps = r.deployment->units[0].capabilities;
  EXPECT_EQ(caps.permissions.held(core::Perm::write), core::Perms::rw());
  EXPECT_EQ(caps.input_address_bits, 32u);
  EXPECT_EQ(caps.output_address_bits, 40u);
  // Cache IPMMUs draw on their main IPMMU's contexts, and Gen3 has 48 micro-TLBs.
  EXPECT_EQ(r.deployment->units[0].context_pool, "ipmmu-mm");
  const auto two = load("smmu rcar3 0xe67b0000,228,18\nunit vi0 0xfebd0000,9\nunit vc0 0xfe6b0000,12\n"
                        "device mem:0xfea00000 use vi0 47\ndevice mem:0xfea10000 use vc0 48\n");
  ASSERT_FALSE(two.deployment);
  ASSERT_EQ(two.errors.size(), 1u) << describe(two);
  EXPECT_THAT(two.errors[0].message, HasSubstr("stream ID 0x30 does not fit unit 'vc0'"));
}

// A stream-ID error is reported at the `use` line that gave the stream, not at
// the first line that named the device.
TEST(QnxSmmuErrors, StreamErrorAtTheUseLine) {
  const auto r = load_with_prefix("device mem:0x5b040000 buf\nallow buf 0x90000000,4096\ndevice mem:0x5b040000 use u0 70000\n");
  expect_one_error(r, 5, "device 'mem:0x5b040000': stream ID 0x11170 does not fit unit 'u0' (16 bits)");
}

// Two units whose frames overlap or coincide are one SMMU declared twice: the
// second is refused on its line, naming the first.
TEST(QnxSmmuIsolation, OverlappingUnitFramesAreRefused) {
  expect_one_error(load("smmu armsmmu\nunit a 0x51400000,64,66,0\nunit b 0x51400000,64,66,0\n"), 3,
                   "unit 'b': its registers hpa [0x51400000, 0x5140ffff] overlap the registers hpa [0x51400000, "
                   "0x5140ffff] of unit 'a'");
  // 64 KiB frames 32 KiB apart overlap too; frames side by side do not.
  expect_one_error(load("smmu armsmmu\nunit a 0x51400000,64,66,0\nunit b 0x51408000,64,66,0\n"), 3,
                   "of unit 'a' (one SMMU declared twice?)");
  const auto apart = load("smmu armsmmu\nunit a 0x51400000,64,66,0\nunit b 0x51410000,64,66,0\n");
  EXPECT_TRUE(apart.deployment) << describe(apart);
}

// The example: a VM's device and a host device with an allow set on
// the same stream of "two" units at one address.
TEST(QnxSmmuIsolation, SameStreamOfOneSmmuDeclaredTwiceIsRefused) {
  const auto r = load(
      "smmu armsmmu\n"
      "unit a 0x51400000,64,66,0\n"
      "unit b 0x51400000,64,66,0\n"
      "allow buf 0x90000000,4096\n"
      "device mem:0x5b010000 use a 17\n"
      "device mem:0x5b020000 buf use b 17\n");
  expect_one_error(r, 3, "unit 'b': its registers");
}

// An MMIO device's registers may not lie in a unit's frame, and no allow range
// may grant DMA to them.
TEST(QnxSmmuIsolation, DeviceRegistersAreNeverDmaTargets) {
  expect_one_error(load_with_prefix("device mem:0x10000800 use u0 1\n"), 3,
                   "device 'mem:0x10000800': its registers hpa [0x10000800, 0x10000800] lie in the registers of unit 'u0'");
  // An allow range covering another device's register page is refused on the allow line, naming that device.
  const auto r = load_with_prefix(
      "device mem:0x5b010000 use u0 1\n"
      "allow buf 0x5b000000,1M\n"
      "device mem:0x5c020000 buf use u0 2\n");
  ASSERT_FALSE(r.deployment);
  ASSERT_EQ(r.errors.size(), 1u) << describe(r);
  EXPECT_EQ(r.errors[0].origin.line, 4);
  EXPECT_THAT(r.errors[0].message, HasSubstr("overlaps the registers of device 'mem:0x5b010000'"));
  // The loaded deployment leaves each device's registers out of permitted memory.
  const auto ok = load_with_prefix("device mem:0x5b010000 use u0 1\n");
  ASSERT_TRUE(ok.deployment) << describe(ok);
  EXPECT_FALSE(ok.deployment->platform.memory.contains(0x5b010000));
  EXPECT_TRUE(ok.deployment->platform.memory.contains(0x5b00ffff));
  EXPECT_TRUE(ok.deployment->platform.memory.contains(0x5b010001));
}

// An allow set shared by many devices expands to devices x ranges mappings;
// past a bound linear in the file that is refused on the device line.
TEST(QnxSmmuLimits, AllowSetExpansionIsBounded) {
  std::string text(kManyContextsPrefix);
  for (int i = 0; i < 400; ++i) text += fmt::format("allow big {:#x},4096\n", 0x100000000 + uint64_t(i) * 0x2000);
  for (int i = 0; i < 1000; ++i) text += fmt::format("device mem:{:#x} big use u0 {}\n", 0x20000000 + i * 0x1000, i);
  const auto r = load(text);
  ASSERT_FALSE(r.deployment);
  ASSERT_EQ(r.errors.size(), 1u) << describe(r);
  EXPECT_THAT(r.errors[0].message, HasSubstr("brings the startup mappings to more than"));
  EXPECT_GT(r.errors[0].origin.line, 400);
  // On an MMU-500 the devices also run out of contexts: one each (docs/core-semantics.md).
  const auto small = load(std::string(kPrefix) + text.substr(kManyContextsPrefix.size()));
  EXPECT_THAT(describe(small), HasSubstr("devices have startup mappings, but the unit holds 128 translation contexts"));
  // The same set given to a few devices is fine.
  std::string modest(kManyContextsPrefix);
  for (int i = 0; i < 400; ++i) modest += fmt::format("allow big {:#x},4096\n", 0x100000000 + uint64_t(i) * 0x2000);
  for (int i = 0; i < 10; ++i) modest += fmt::format("device mem:{:#x} big use u0 {}\n", 0x20000000 + i * 0x1000, i);
  const auto fine = load(modest);
  ASSERT_TRUE(fine.deployment) << describe(fine);
  EXPECT_EQ(fine.deployment->startup_mappings.size(), 4000u);
}

// Allow-set merging agrees with a per-page model: for random lines in a small
// window, a line is refused exactly when a page it covers already has other
// permissions, and the accepted ranges cover exactly the model's pages with
// the model's permissions, pairwise disjoint.
RC_GTEST_PROP(QnxSmmuAllow, MergingAgreesWithPageModel, ()) {
  // Half the cases use one permission set throughout, so merging (not only refusal) is exercised.
  const bool one_kind = *rc::gen::arbitrary<bool>();
  const int kinds = one_kind ? 1 : 3;
  const auto lines = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::tuple<int, int, int>>>(
      rc::gen::tuple(rc::gen::inRange(0, 48), rc::gen::inRange(1, 12), rc::gen::inRange(0, kinds))));
  const char* letters[] = {"s", "t", "st"};
  const Perms perms_of[] = {Perms(Perm::read), Perms(Perm::write), Perms::rw()};
  std::string text(kPrefix);
  std::map<int, Perms> model;  // page -> permissions
  std::set<int> refused_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto [page, pages, kind] = lines[i];
    text += fmt::format("allow a {:#x},{},{}\n", 0x40000000 + uint64_t(page) * 0x1000, pages * 0x1000, letters[kind]);
    bool conflict = false;
    for (int p = page; p < page + pages; ++p) conflict = conflict || (model.contains(p) && model.at(p) != perms_of[kind]);
    if (conflict) {
      refused_lines.insert(static_cast<int>(i) + 3);
      continue;
    }
    for (int p = page; p < page + pages; ++p) model[p] = perms_of[kind];
  }
  text += "device mem:0x20000000 a use u0 1\n";
  const auto r = load(text);
  std::set<int> error_lines;
  for (const auto& e : r.errors) {
    error_lines.insert(e.origin.line);
    RC_ASSERT(e.message.rfind("allow 'a': [", 0) == 0);  // the reader's own refusal, not a later rule's
  }
  RC_ASSERT(error_lines == refused_lines);
  if (!refused_lines.empty()) return;
  RC_ASSERT(r.deployment.has_value());
  std::map<int, Perms> got;
  for (const auto& m : r.deployment->startup_mappings) {
    for (uint64_t a = m.iova.first(); a < m.iova.last(); a += 0x1000) {
      const int page = static_cast<int>((a - 0x40000000) / 0x1000);
      RC_ASSERT(!got.contains(page));  // disjoint
      got[page] = m.perms;
    }
  }
  RC_ASSERT(got == model);
}

// Past the mapping bound the reader still reports every other error.
TEST(QnxSmmuLimits, ErrorsAfterTheBoundAreStillReported) {
  std::string text(kManyContextsPrefix);
  for (int i = 0; i < 400; ++i) text += fmt::format("allow big {:#x},4096\n", 0x100000000 + uint64_t(i) * 0x2000);
  for (int i = 0; i < 1000; ++i) text += fmt::format("device mem:{:#x} big use u0 {}\n", 0x20000000 + i * 0x1000, i);
  text += "device mem:0x30000000 use nosuch 1\n";
  text += "device mem:0x30001000 undefined use u0 5000\n";
  const auto r = load(text);
  ASSERT_EQ(r.errors.size(), 3u) << describe(r);
  EXPECT_THAT(r.errors[0].message, HasSubstr("brings the startup mappings to more than"));
  EXPECT_THAT(r.errors[1].message, HasSubstr("unknown unit 'nosuch'"));
  EXPECT_THAT(r.errors[2].message, HasSubstr("allow set 'undefined' is never defined"));
}

// A word longer than 256 bytes is refused on its line, quoted shortened, and the line is left out.
TEST(QnxSmmuLimits, LongWordsAreRefused) {
  const std::string name(300, 'n');
  const auto r = load_with_prefix("allow " + name + " 0x4000,4096\n");
  expect_one_error(r, 3, "a word of 300 bytes is longer than 256, the most a word may be: 'nnnn");
  EXPECT_LT(r.errors[0].message.size(), 200u);
  expect_one_error(load_with_prefix("unit " + std::string(200, 'u') + " 0x20000000,1,2,0\n"), 3,
                   "a name may be at most 128 bytes, not 200");
}

// Control bytes and bytes that are not UTF-8 in a .smmu file come back escaped
// in the printed message, never raw.
TEST(QnxSmmuErrors, MessagesEscapeControlBytes) {
  const auto r = load("smmu armsmmu\nfrob\x1b[2J\xff 1\n");
  ASSERT_EQ(r.errors.size(), 1u) << describe(r);
  EXPECT_EQ(to_string(r.errors[0]), "test.smmu:2: unknown statement 'frob\\x1B[2J\\xFF'");
}

// A directory given as the file says so.
TEST(QnxSmmuErrors, DirectoryIsNamed) {
  const auto r = load_qnx_smmu_file("/tmp");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(to_string(r.errors[0]), "/tmp: cannot read the file: it is a directory");
}

}  // namespace
}  // namespace smmuman::config
