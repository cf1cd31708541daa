// The typed register and structure library, through the header smmu-gen
// writes for the made-up test IOMMU: access rules, W1C-safe read-modify-write,
// reserved bits, register arrays and blocks, the generic dumper and snapshot
// diff, multi-word fields and fixed command fields.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "smmuman/hw/test_iommu.hpp"

namespace {

using namespace smmuman::hw;
using namespace smmuman::hw::test_iommu;

// A register file that records every access, as Fuchsia's hwreg::Mock does.
struct FakeIo {
  std::map<uint64_t, uint64_t> mem;
  std::vector<std::pair<uint64_t, uint64_t>> writes;
  uint32_t read32(uint64_t offset) { return static_cast<uint32_t>(mem[offset]); }
  uint64_t read64(uint64_t offset) { return mem[offset]; }
  void write32(uint64_t offset, uint32_t v) { mem[offset] = v; writes.emplace_back(offset, v); }
  void write64(uint64_t offset, uint64_t v) { mem[offset] = v; writes.emplace_back(offset, v); }
};

// Fields land where the description says, enums included.
TEST(Registers, SetPlacesFields) {
  auto v = WriteValue<regs::CTRL>::zero();
  v.set<regs::CTRL::MODE>(regs::CTRL::MODE::Value::TRANSLATE).set<regs::CTRL::QUEUE_SIZE>(0xa);
  EXPECT_EQ(v.raw(), (uint64_t{2} << 30) | (0xa << 4));
  EXPECT_EQ(v.get<regs::CTRL::QUEUE_SIZE>(), 0xau);
}

// A run-time value that does not fit is refused and changes nothing.
TEST(Registers, TrySetRefusesTooWide) {
  auto v = WriteValue<regs::CTRL>::zero();
  EXPECT_FALSE(v.try_set<regs::CTRL::QUEUE_SIZE>(0x10));
  EXPECT_EQ(v.raw(), 0u);
  EXPECT_TRUE(v.try_set<regs::CTRL::QUEUE_SIZE>(0xf));
  EXPECT_EQ(v.raw(), 0xf0u);
}

// A write clears reserved bits that a raw value carried.
TEST(Registers, WriteClearsReservedBits) {
  FakeIo io;
  write<regs::CTRL>(io, WriteValue<regs::CTRL>::from_bits(0xffffffff));
  ASSERT_EQ(io.writes.size(), 1u);
  EXPECT_EQ(io.writes[0].second, 0xc00101f3u);  // MODE, KICK, FAULT, QUEUE_SIZE, BUSY, ENABLE
}

// Read-modify-write never writes 1 to a write-1-to-clear field it read as 1.
TEST(Registers, ModifyNeverClearsW1cByAccident) {
  FakeIo io;
  io.mem[regs::CTRL::offset] = (1u << 8) | 0x30;  // FAULT pending, QUEUE_SIZE 3
  modify<regs::CTRL>(io, [](auto& v) { v.template set<regs::CTRL::ENABLE>(1); });
  ASSERT_EQ(io.writes.size(), 1u);
  EXPECT_EQ(io.writes[0].second, 0x31u);
  // Clearing it on purpose is a write of 1.
  write<regs::CTRL>(io, WriteValue<regs::CTRL>::zero().set<regs::CTRL::FAULT>(1));
  EXPECT_EQ(io.writes[1].second, 1u << 8);
}

// Arrays and blocks: instance i lives at offset + i * stride from its block's
// base, and the base comes from the block's description.
TEST(Registers, ArraysAndBlocks) {
  FakeIo io;
  write<regs::STREAM_MAP>(io, WriteValue<regs::STREAM_MAP>::zero().set<regs::STREAM_MAP::STREAM>(0x42), 3);
  EXPECT_EQ(io.writes.back().first, 0x10cu);
  // Context 2 of block CTX: base 0x1000 + 2 * 0x1000, as the description says.
  write<regs::CTX_TTBR>(io, WriteValue<regs::CTX_TTBR>::zero().set<regs::CTX_TTBR::ADDR>(0x1234), Layout{}, 2);
  EXPECT_EQ(io.writes.back(), (std::pair<uint64_t, uint64_t>{0x3000, 0x1234000}));
  EXPECT_STREQ(regs::CTX_TTBR::block_name, "CTX");
  EXPECT_EQ(regs::STREAM_MAP::offset_of(2), 0x108u);
}

// Reset values come from the description.
TEST(Registers, ResetValue) {
  EXPECT_EQ(ReadValue<regs::ID>::reset().get<regs::ID::VERSION>(), 1u);
  EXPECT_EQ(ReadValue<regs::ID>::reset().get<regs::ID::FORMAT>(), 2u);
}

// An enumerated field reads as its enum; a value the manual reserves reads
// as reserved, with its raw value.
TEST(Registers, EnumeratedFieldsReadAsEnums) {
  const auto defined = ReadValue<regs::ID>::from_raw(0x11).variant<regs::ID::FORMAT>();
  EXPECT_TRUE(defined.defined);
  EXPECT_EQ(defined.value, regs::ID::FORMAT::Value::TWO_LEVEL);
  const auto reserved = ReadValue<regs::ID>::reset().variant<regs::ID::FORMAT>();  // FORMAT 2
  EXPECT_FALSE(reserved.defined);
  EXPECT_EQ(reserved.raw, 2u);
}

// A value read becomes a write only through modifying, which drops the
// write-1-to-clear and write-only fields it read.
TEST(Registers, ReadValueBecomesAWriteOnlyByModifying) {
  FakeIo io;
  io.mem[regs::CTRL::offset] = (1u << 16) | (1u << 8) | 0x31;  // KICK and FAULT read as 1
  const auto read_back = read<regs::CTRL>(io);
  EXPECT_EQ(read_back.get<regs::CTRL::FAULT>(), 1u);
  const auto w = WriteValue<regs::CTRL>::modifying(read_back);
  EXPECT_EQ(w.get<regs::CTRL::FAULT>(), 0u);
  EXPECT_EQ(w.get<regs::CTRL::KICK>(), 0u);
  EXPECT_EQ(w.get<regs::CTRL::QUEUE_SIZE>(), 3u);
  EXPECT_EQ(w.get<regs::CTRL::ENABLE>(), 1u);
}

// The one generic dumper names every field with its value.
TEST(Registers, DumperNamesFields) {
  std::string text;
  dump<regs::CTRL>(0x80000031, [&](const char* reg, const char* field, unsigned hi, unsigned lo, uint64_t value) {
    text += std::string(reg) + "." + field + "[" + std::to_string(hi) + ":" + std::to_string(lo) + "]=" + std::to_string(value) + " ";
  });
  EXPECT_EQ(text,
            "CTRL.MODE[31:30]=2 CTRL.KICK[16:16]=0 CTRL.FAULT[8:8]=0 CTRL.QUEUE_SIZE[7:4]=3 CTRL.BUSY[1:1]=0 "
            "CTRL.ENABLE[0:0]=1 ");
}

// Two snapshots differ field by field, array instances and reserved bits
// included; registers of different blocks at one offset are kept apart.
TEST(Registers, SnapshotDiff) {
  using Snapshot = std::map<std::pair<std::string, uint64_t>, uint64_t>;
  Snapshot a, b;
  a[{"GLOBAL", regs::CTRL::offset}] = 0x1;
  b[{"GLOBAL", regs::CTRL::offset}] = 0x1 | (1u << 20);  // reserved bit
  a[{"GLOBAL", regs::STREAM_MAP::offset_of(1)}] = 0x80000005;
  b[{"GLOBAL", regs::STREAM_MAP::offset_of(1)}] = 0x80000006;
  // CTX_TTBR is at offset 0 of block CTX, as ID is at offset 0 of GLOBAL.
  a[{"CTX", 0}] = 0x1000;
  b[{"CTX", 0}] = 0x2000;
  std::vector<std::string> seen;
  auto reader = [](Snapshot& s) { return [&s](const char* block, uint64_t offset) { return s[{block, offset}]; }; };
  const unsigned n = diff_snapshots(regs::all, reader(a), reader(b), [&](const char* reg, const char* field, uint64_t, uint64_t) {
    seen.push_back(std::string(reg) + "." + field);
  });
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(seen, (std::vector<std::string>{"CTRL.(reserved)", "STREAM_MAP.STREAM", "CTX_TTBR.ADDR"}));
}

// A modify writes no write-only field back: its read value means nothing, and
// writing it back could start an operation nobody asked for.
TEST(Registers, ModifyDoesNotWriteBackWriteOnlyFields) {
  static_assert(not_written_back_bits<regs::CTRL>() == ((1u << 16) | (1u << 8)));
  FakeIo io;
  io.mem[regs::CTRL::offset] = (1u << 16) | 0x40;  // KICK reads back as 1, QUEUE_SIZE 4
  modify<regs::CTRL>(io, [](auto& v) { v.template set<regs::CTRL::ENABLE>(1); });
  ASSERT_EQ(io.writes.size(), 1u);
  EXPECT_EQ(io.writes[0].second, 0x41u);
}

// A field crossing a 64-bit word boundary is split and reassembled exactly.
TEST(Structures, FieldAcrossWords) {
  uint64_t words[2] = {0, 0};
  structs::ENTRY::encode(words, {1, 5, 0xfedcba9876543210 & structs::ENTRY::ROOT::mask, 0xbeef});
  EXPECT_EQ(words[0] & 0xfff, (5u << 1) | 1u);
  // ROOT is 64 bits at [75:12]: its low 52 bits end word 0, its high 12 start word 1.
  EXPECT_EQ(words[0] >> 12, 0xcba9876543210u);
  EXPECT_EQ(words[1] & 0xfff, 0xfedu);
  const auto d = structs::ENTRY::decode(words);
  EXPECT_EQ(d.ROOT, 0xfedcba9876543210 & structs::ENTRY::ROOT::mask);
  EXPECT_EQ(d.DOMAIN, 0xbeefu);
  EXPECT_EQ(words[1] >> 48, 0xbeefu);
}

// Encoders never truncate: a value wider than its field is refused by
// try_encode, which leaves the words as they were; values that fit encode.
TEST(Structures, TryEncodeRefusesValuesWiderThanTheirField) {
  uint64_t words[2] = {0x1234, 0x5678};
  EXPECT_FALSE(structs::ENTRY::fits({2, 5, 0, 0xbeef}));          // VALID is 1 bit
  EXPECT_FALSE(structs::ENTRY::try_encode(words, {1, 8, 0, 0}));   // MODE is 3 bits
  EXPECT_FALSE(structs::ENTRY::try_encode(words, {1, 5, 0, 0x10000}));  // DOMAIN is 16 bits
  EXPECT_EQ(words[0], 0x1234u);
  EXPECT_EQ(words[1], 0x5678u);
  ASSERT_TRUE(structs::ENTRY::try_encode(words, {1, 5, ~uint64_t{0}, 0xffff}));  // ROOT is 64 bits
  EXPECT_EQ(structs::ENTRY::decode(words).DOMAIN, 0xffffu);
  EXPECT_EQ(structs::ENTRY::decode(words).ROOT, ~uint64_t{0});
}

// A value too wide for its field stops the program where it is written,
// rather than lose its high bits.
TEST(StructuresDeathTest, EncodingAValueTooWideStops) {
  uint64_t words[2] = {0, 0};
  volatile uint64_t domain = 0x10000;
  EXPECT_DEATH(structs::ENTRY::encode(words, {1, 5, 0, domain}), "");
}

// Commands carry their fixed opcode, whatever the caller passes.
TEST(Structures, FixedOpcode) {
  uint64_t words[2] = {~uint64_t{0}, ~uint64_t{0}};
  structs::CMD_SYNC::encode(words, {1, 0xcafe});
  EXPECT_EQ(words[0], (uint64_t{0xcafe} << 32) | (1u << 12) | 0x46);
  EXPECT_EQ(words[1], 0u);
  EXPECT_TRUE(matches_fixed<structs::CMD_SYNC>(words));
  words[0] ^= 1;
  EXPECT_FALSE(matches_fixed<structs::CMD_SYNC>(words));
}

// Page-table format parameters come through as data.
TEST(PageTables, FormatParameters) {
  constexpr auto& f = page_tables::test_4k;
  EXPECT_EQ(f.level_count, 3u);
  EXPECT_EQ(f.levels[0].index_hi, 38u);
  EXPECT_EQ(f.levels[2].index_lo, 12u);
  EXPECT_TRUE(f.output_address.present);
  EXPECT_EQ(f.output_address.value, 12u);
  EXPECT_EQ(f.exec_never.lo, 54u);
  EXPECT_FALSE(f.exec.present);
}

}  // namespace
