// MappedMmio through a file standing in for /dev/mem: accesses land at their
// offsets with their widths, bad frames are refused with the path named, an
// access outside the frame stops the process, and a backend probes through it.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fstream>

#include "smmuman/hw/arm_smmuv3_backend.hpp"
#include "smmuman/hw/mapped_mmio.hpp"

namespace {

using namespace smmuman;

std::string frame_file(uint64_t size) {
  const int fd = memfd_create("frame", 0);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
  return "/proc/self/fd/" + std::to_string(fd);
}

TEST(MappedMmio, AccessesLandAtTheirOffsetsWithTheirWidths) {
  const std::string path = frame_file(0x20000);
  auto mmio = hw::MappedMmio::open(path, 0, 0x20000);
  ASSERT_TRUE(mmio.ok()) << mmio.error().message;
  hw::Mmio& m = *mmio.value();
  m.write64(0x80, 0x1122334455667788);
  EXPECT_EQ(m.read32(0x80), 0x55667788u);
  EXPECT_EQ(m.read32(0x84), 0x11223344u);
  m.write32(0x100ac, 0xabcd);
  EXPECT_EQ(m.read64(0x100a8), uint64_t{0xabcd} << 32);
  auto again = hw::MappedMmio::open(path, 0x10000, 0x10000);  // the frame is shared: page 1 seen from its start
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value()->read32(0xac), 0xabcdu);
}

TEST(MappedMmio, BadFramesAreRefusedNamingThePath) {
  auto missing = hw::MappedMmio::open("/nonexistent/mem", 0, 0x1000);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/mem"), std::string::npos);
  auto unaligned = hw::MappedMmio::open(frame_file(0x2000), 0x10, 0x1000);
  ASSERT_FALSE(unaligned.ok());
  EXPECT_NE(unaligned.error().message.find("multiples"), std::string::npos);
}

TEST(MappedMmioDeathTest, AnAccessOutsideTheFrameStops) {
  auto mmio = hw::MappedMmio::open(frame_file(0x1000), 0, 0x1000);
  ASSERT_TRUE(mmio.ok());
  EXPECT_DEATH(mmio.value()->read32(0x1000), "");
  EXPECT_DEATH(mmio.value()->write64(0x4, 0), "");
}

// A unit whose ID registers read as zeros has no stage 2: the backend says so.
TEST(MappedMmio, ABackendProbesThroughIt) {
  auto mmio = hw::MappedMmio::open(frame_file(0x20000), 0, 0x20000);
  ASSERT_TRUE(mmio.ok());
  struct NoDma : hw::Dma {
    hw::TablePage allocate(uint64_t) override { return {}; }
    void release(hw::TablePage, uint64_t) override {}
    uint64_t* words_at(uint64_t) override { return nullptr; }
    void store64(uint64_t, uint64_t) override {}
    void publish() override {}
  } dma;
  core::Unit unit{"board", {}, "", std::nullopt, false, {}};
  auto b = hw::arm_smmuv3::Backend::create(*mmio.value(), dma, unit, 0);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("S2P"), std::string::npos) << b.error().message;
}

}  // namespace
