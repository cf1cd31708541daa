// The client protocol's encoders and decoders (docs/protocol.md).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "smmuman/wire/wire.hpp"

namespace smmuman::wire {
namespace {

rc::Gen<DevId> gen_devid() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<uint32_t>(), rc::gen::arbitrary<uint32_t>(),
                                  rc::gen::arbitrary<uint32_t>()),
                   [](auto t) { return DevId{kDevPci, std::get<0>(t), std::get<1>(t), std::get<2>(t), 0, 0}; }),
      rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<uint64_t>(), rc::gen::arbitrary<uint64_t>()),
                   [](auto t) { return DevId{kDevMmio, 0, 0, 0, std::get<0>(t), std::get<1>(t)}; }));
}

rc::Gen<std::string> gen_name() {
  return rc::gen::map(rc::gen::nonEmpty(rc::gen::string<std::string>()),
                      [](std::string s) { return s.substr(0, kMaxDeviceName); });
}

rc::Gen<req::VmMapping> gen_mapping() {
  return rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<uint64_t>(), rc::gen::arbitrary<uint64_t>(),
                                     rc::gen::arbitrary<uint64_t>(), rc::gen::inRange<uint32_t>(1, 8)),
                      [](auto t) {
                        auto [a, b, gpa, perms] = t;
                        return req::VmMapping{std::min(a, b), std::max(a, b), gpa, perms};
                      });
}

rc::Gen<req::VmStep> gen_step() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::tuple(rc::gen::inRange<uint32_t>(0, 2), rc::gen::inRange<uint64_t>(1, UINT64_MAX)),
                   [](auto t) {
                     req::VmStep s;
                     s.kind = std::get<0>(t) == 0 ? req::kStepCreate : req::kStepDestroy;
                     s.domain = std::get<1>(t);
                     return s;
                   }),
      rc::gen::map(rc::gen::tuple(rc::gen::inRange<uint64_t>(1, UINT64_MAX), gen_mapping(), rc::gen::arbitrary<bool>()),
                   [](auto t) {
                     req::VmStep s;
                     s.domain = std::get<0>(t);
                     s.mapping = std::get<1>(t);
                     if (std::get<2>(t)) {
                       s.kind = req::kStepMap;
                     } else {
                       s.kind = req::kStepUnmap;
                       s.mapping.gpa = s.mapping.perms = 0;
                     }
                     return s;
                   }),
      rc::gen::map(rc::gen::tuple(gen_name(), rc::gen::inRange<uint32_t>(0, 3), rc::gen::inRange<uint64_t>(1, 100),
                                  rc::gen::inRange<uint32_t>(0, 3),
                                  rc::gen::container<std::vector<req::VmMapping>>(gen_mapping())),
                   [](auto t) {
                     req::VmStep s;
                     s.kind = req::kStepBind;
                     s.device = std::get<0>(t);
                     s.from = {std::get<1>(t), std::get<1>(t) == req::kTargetDomain ? std::get<2>(t) : 0};
                     s.to = {std::get<3>(t), std::get<3>(t) == req::kTargetDomain ? std::get<2>(t) + 1 : 0};
                     if (s.to.kind == req::kTargetStartup) s.startup = std::get<4>(t);
                     return s;
                   }));
}

// Every request kind, with every field drawn from its whole domain.
rc::Gen<Request> gen_request() {
  using namespace rc;
  return gen::oneOf(
      gen::map(gen::arbitrary<uint32_t>(), [](uint32_t f) -> Request { return req::Hello{f}; }),
      gen::map(gen::arbitrary<uint32_t>(), [](uint32_t f) -> Request { return req::ObjCreate{f}; }),
      gen::map(gen::arbitrary<uint64_t>(), [](uint64_t o) -> Request { return req::ObjDestroy{o}; }),
      gen::map(gen::tuple(gen::arbitrary<uint64_t>(), gen_devid()),
               [](auto t) -> Request {
                 return req::DeviceAdd{std::get<0>(t), std::get<1>(t)};
               }),
      gen::map(gen::tuple(gen_devid(), gen::arbitrary<uint32_t>(), gen::arbitrary<uint32_t>()),
               [](auto t) -> Request {
                 return req::ReportReserved{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
               }),
      gen::map(gen::tuple(gen::arbitrary<uint64_t>(), gen::arbitrary<uint32_t>(), gen::arbitrary<uint32_t>(),
                          gen::arbitrary<uint64_t>(),
                          gen::container<std::vector<std::pair<uint64_t, uint64_t>>>(
                              gen::pair(gen::arbitrary<uint64_t>(), gen::arbitrary<uint64_t>()))),
               [](auto t) -> Request {
                 req::MappingAdd m{std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t), {}};
                 for (auto [p, l] : std::get<4>(t)) m.entries.push_back({p, l});
                 return m;
               }),
      gen::map(gen::tuple(gen::arbitrary<uint32_t>(), gen::arbitrary<uint64_t>()),
               [](auto t) -> Request {
                 return req::XferNotify{req::kNotifySignal, std::get<0>(t), std::get<1>(t)};
               }),
      gen::just<Request>(req::XferNotify{}), gen::just<Request>(req::XferStatus{}),
      gen::just<Request>(req::CtlStatus{}),
      gen::map(gen::tuple(gen_name(), gen::arbitrary<uint64_t>(), gen::inRange<uint32_t>(0, 3)),
               [](auto t) -> Request {
                 return req::CtlDma{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
               }),
      gen::just<Request>(req::VmHello{}), gen::just<Request>(req::VmCommit{}), gen::just<Request>(req::VmAbandon{}),
      gen::map(gen::container<std::vector<req::VmStep>>(gen_step()),
               [](auto steps) -> Request { return req::VmPrepare{steps}; }),
      gen::map(gen::tuple(gen_name(), gen::arbitrary<uint64_t>(), gen::inRange<uint32_t>(0, 4),
                          gen::inRange<uint32_t>(0, 12), gen::inRange<uint32_t>(0, 3), gen::arbitrary<uint32_t>()),
               [](auto t) -> Request {
                 return req::VmFault{std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t), std::get<4>(t),
                                     std::get<5>(t)};
               }));
}

std::optional<FrameReader::Frame> one_frame(const std::vector<uint8_t>& bytes) {
  FrameReader reader;
  reader.feed(bytes);
  auto frame = reader.next();
  if (reader.buffered() != 0) return std::nullopt;  // exactly one frame
  return frame;
}

// Encoding then decoding gives back the request, whatever its fields.
RC_GTEST_PROP(WireRequests, RoundTrip, ()) {
  const Request request = *gen_request();
  const uint32_t id = *rc::gen::arbitrary<uint32_t>();
  const auto frame = one_frame(encode_request(id, request));
  RC_ASSERT(frame.has_value());
  RC_ASSERT(frame->header.request_id == id);
  RC_ASSERT(frame->header.type == static_cast<uint16_t>(type_of(request)));
  const auto decoded = decode_request(frame->header.type, frame->payload);
  RC_ASSERT(std::holds_alternative<Request>(decoded));
  RC_ASSERT(std::get<Request>(decoded) == request);
}

// Accepted payloads are canonical: re-encoding what was decoded gives the same bytes.
void expect_refused_or_canonical(uint16_t type, const std::vector<uint8_t>& payload) {
  const auto decoded = decode_request(type, payload);
  if (const auto* request = std::get_if<Request>(&decoded)) {
    const auto again = one_frame(encode_request(1, *request));
    RC_ASSERT(again.has_value());
    RC_ASSERT(again->header.type == type);
    RC_ASSERT(again->payload == payload);
  } else {
    RC_ASSERT(!std::get<DecodeError>(decoded).message.empty());
  }
}

// The decoder is strict: random bytes, or a valid payload with any one byte
// changed, cut short or extended, are either refused or are exactly the
// encoding of what they decode to. So no reserved bit, padding or trailing
// byte can carry meaning a later version would read differently.
RC_GTEST_PROP(WireRequests, AcceptsOnlyCanonicalPayloads, ()) {
  const uint16_t random_type = *rc::gen::element<uint16_t>(1, 2, 3, 4, 5, 6, 7, 8, 32, 33, 64, 65, 66, 67, 68, 9, 100);
  expect_refused_or_canonical(random_type, *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>()));

  const auto frame = one_frame(encode_request(1, *gen_request()));
  RC_ASSERT(frame.has_value());
  const std::vector<uint8_t>& payload = frame->payload;
  const uint8_t mask = *rc::gen::inRange<uint8_t>(1, 255);
  for (size_t i = 0; i < std::min<size_t>(payload.size(), 512); ++i) {
    auto changed = payload;
    changed[i] ^= mask;
    expect_refused_or_canonical(frame->header.type, changed);
  }
  for (size_t n = 0; n < std::min<size_t>(payload.size(), 512); ++n) {
    expect_refused_or_canonical(
        frame->header.type, std::vector<uint8_t>(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n)));
  }
  auto longer = payload;
  longer.push_back(*rc::gen::arbitrary<uint8_t>());
  expect_refused_or_canonical(frame->header.type, longer);
}

// However a stream of frames is cut into reads, the same frames come out.
RC_GTEST_PROP(WireFrames, ChunkingDoesNotMatter, ()) {
  const auto requests = *rc::gen::container<std::vector<Request>>(gen_request());
  std::vector<uint8_t> stream;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto bytes = encode_request(static_cast<uint32_t>(i), requests[i]);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  FrameReader reader;
  std::vector<Request> got;
  size_t at = 0;
  while (at < stream.size()) {
    const size_t n = std::min(stream.size() - at, *rc::gen::inRange<size_t>(1, 64));
    reader.feed(std::span<const uint8_t>(stream).subspan(at, n));
    at += n;
    while (auto frame = reader.next()) {
      auto d = decode_request(frame->header.type, frame->payload);
      RC_ASSERT(std::holds_alternative<Request>(d));
      got.push_back(std::get<Request>(d));
    }
  }
  RC_ASSERT(!reader.failure().has_value());
  RC_ASSERT(got == requests);
  RC_ASSERT(reader.buffered() == 0u);
}

std::vector<uint8_t> header(uint32_t magic, uint16_t version, uint16_t type, uint32_t length) {
  std::vector<uint8_t> h;
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(magic >> (8 * i)));
  for (int i = 0; i < 2; ++i) h.push_back(static_cast<uint8_t>(version >> (8 * i)));
  for (int i = 0; i < 2; ++i) h.push_back(static_cast<uint8_t>(type >> (8 * i)));
  for (int i = 0; i < 4; ++i) h.push_back(0);
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<uint8_t>(length >> (8 * i)));
  return h;
}

TEST(WireFrames, ForeignHeadersFailTheStream) {
  struct Case {
    std::vector<uint8_t> bytes;
    const char* says;
  } cases[] = {
      {header(0x12345678, kVersion, 1, 4), "bad magic"},
      {header(kMagic, 2, 1, 4), "protocol version 2"},
      {header(kMagic, kVersion, 1, kMaxPayload + 1), "exceeds the limit"},
  };
  for (const auto& c : cases) {
    FrameReader reader;
    reader.feed(c.bytes);
    EXPECT_FALSE(reader.next().has_value());
    ASSERT_TRUE(reader.failure().has_value());
    EXPECT_NE(reader.failure()->find(c.says), std::string::npos) << *reader.failure();
    // A failed stream stays failed: later valid frames are not trusted.
    reader.feed(encode_request(1, req::XferStatus{}));
    EXPECT_FALSE(reader.next().has_value());
  }
  // A huge announced length is refused before any of it is buffered.
  FrameReader reader;
  reader.feed(header(kMagic, kVersion, 6, UINT32_MAX));
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_TRUE(reader.failure().has_value());
}

TEST(WireRequests, MappingCountMustMatchThePayload) {
  req::MappingAdd m{1, 3, 0, 0, {{0x1000, 0x1000}, {0x3000, 0x1000}}};
  auto frame = one_frame(encode_request(1, m));
  ASSERT_TRUE(frame);
  auto payload = frame->payload;
  payload[24] = 3;  // claims three entries, carries two
  auto d = decode_request(frame->header.type, payload);
  ASSERT_TRUE(std::holds_alternative<DecodeError>(d));
  EXPECT_NE(std::get<DecodeError>(d).message.find("entry count 3"), std::string::npos);
  payload[24] = 0xff;
  payload[25] = 0xff;
  payload[26] = 0xff;
  payload[27] = 0xff;  // 2^32 - 1 entries: refused without reserving for them
  EXPECT_TRUE(std::holds_alternative<DecodeError>(decode_request(frame->header.type, payload)));
}

TEST(WireReplies, RoundTripEachBody) {
  const std::pair<Type, Reply> replies[] = {
      {Type::hello, {0, rep::Hello{kVersion, 7}}},
      {Type::obj_create, {0, rep::Object{9}}},
      {Type::device_add, {0, rep::Value{1}}},
      {Type::report_reserved, {0, rep::Reserved{5, {{0x1000, 0x2000}, {0x8000, 0x1000}}}}},
      {Type::xfer_status,
       {0, rep::Status{true, 0x80000000u, 0x1234, 0x5000, DevId{kDevMmio, 0, 0, 0, 0xa000, 0x1000}}}},
      {Type::xfer_status, {0, rep::Status{true, 0, 1, 2, DevId{kDevUnknown, 0, 0, 0, 0, 0}}}},
      {Type::ctl_status, {0, rep::Text{"{\"a\":1}"}}},
      {Type::mapping_add, {EFAULT, rep::Empty{}}},
  };
  for (const auto& [type, reply] : replies) {
    const auto frame = one_frame(encode_reply(type, 42, reply));
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->header.type, static_cast<uint16_t>(type) | kReplyBit);
    const auto d = decode_reply(type, frame->payload);
    ASSERT_TRUE(std::holds_alternative<Reply>(d)) << to_string(type) << ": " << std::get<DecodeError>(d).message;
    const auto& r = std::get<Reply>(d);
    EXPECT_EQ(r.error, reply.error);
    EXPECT_EQ(encode_reply(type, 42, r), encode_reply(type, 42, reply)) << to_string(type);
  }
  // A device of no type is for records only, never a request.
  req::DeviceAdd bad{1, DevId{kDevUnknown, 0, 0, 0, 0, 0}};
  const auto frame = one_frame(encode_request(1, bad));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(decode_request(frame->header.type, frame->payload)));
}

}  // namespace
}  // namespace smmuman::wire
