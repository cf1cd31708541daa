// smmuctl: what a running smmuman daemon holds (units, clients, objects,
// devices, mappings, faults), and on the hardware models one simulated DMA.
//
// Exit codes: 0 done (for dma: the DMA was performed, allowed or denied);
// 1 the daemon refused or cannot be reached; 2 the command line is wrong.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "smmuman/input/text.hpp"
#include "smmuman/wire/wire.hpp"

namespace {

using smmuman::input::escape_for_display;
namespace wire = smmuman::wire;

constexpr int kExitDone = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// One control request; the JSON the daemon answered, or why not.
std::optional<nlohmann::json> ask(const std::string& path, const wire::Request& request, std::string& problem) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    problem = "socket path too long";
    return std::nullopt;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    problem = fmt::format("cannot reach the daemon at {}: {}", path, std::strerror(errno));
    if (fd >= 0) close(fd);
    return std::nullopt;
  }
  const auto bytes = wire::encode_request(1, request);
  size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
  wire::FrameReader reader;
  std::optional<wire::FrameReader::Frame> frame;
  uint8_t chunk[65536];
  while (!(frame = reader.next()) && !reader.failure()) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    reader.feed(std::span<const uint8_t>(chunk, static_cast<size_t>(n)));
  }
  close(fd);
  if (!frame) {
    problem = "the daemon closed the connection without answering";
    return std::nullopt;
  }
  auto reply = wire::decode_reply(wire::type_of(request), frame->payload);
  if (auto* bad = std::get_if<wire::DecodeError>(&reply)) {
    problem = "malformed reply: " + bad->message;
    return std::nullopt;
  }
  const auto& r = std::get<wire::Reply>(reply);
  if (r.error != 0) {
    problem = r.error == EPERM        ? "not allowed: the access rules give this user no control right"
              : r.error == EOPNOTSUPP ? "the daemon drives real hardware: only devices make DMA there"
              : r.error == ENOENT     ? "no such device"
                                      : std::strerror(r.error);
    return std::nullopt;
  }
  const auto& text = std::get<wire::rep::Text>(r.body).json;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    problem = "the daemon's answer is not JSON";
    return std::nullopt;
  }
  return parsed;
}

std::string text_of(const nlohmann::json& j) {
  if (j.is_array()) {  // names, for people: "a, b"; "nobody" when empty
    std::string out;
    for (const auto& item : j) out += (out.empty() ? "" : ", ") + text_of(item);
    return out.empty() ? "nobody" : out;
  }
  return escape_for_display(j.is_string() ? j.get<std::string>() : j.dump());
}

void print_section(const nlohmann::json& s, const std::string& section) {
  if (section == "status") {
    fmt::print("deployment {} ({}), on {}\n", text_of(s["deployment"]), text_of(s["role"]), text_of(s["machine"]));
    fmt::print("{} units, {} devices, {} clients, {} objects, {} faults seen\n", s["units"].size(), s["devices"].size(),
               s["clients"].size(), s["objects"].size(), s["faults_seen"].get<uint64_t>());
    return;
  }
  if (section == "units") {
    for (const auto& u : s["units"]) {
      fmt::print("unit {} ({})\n", text_of(u["name"]), text_of(u["architecture"]));
      if (u.contains("programmed")) {
        for (const auto& line : u["programmed"]) fmt::print("  {}\n", text_of(line));
      }
    }
  } else if (section == "clients") {
    for (const auto& c : s["clients"]) {
      fmt::print("client {} ({}): objects {}, {} records waiting{}\n", c["id"].get<uint64_t>(), text_of(c["name"]),
                 c["objects"].dump(), c["records_waiting"].get<uint64_t>(),
                 c["notify_armed"].get<bool>() ? ", notification armed" : "");
    }
  } else if (section == "objects" || section == "mappings") {
    for (const auto& o : s["objects"]) {
      fmt::print("object {} of {}: devices {}\n", o["id"].get<uint64_t>(), text_of(o["owner"]),
                 o["devices"].empty() ? std::string("none") : text_of(o["devices"]));
      for (const auto& m : o["mappings"]) {
        fmt::print("  {} -> {} size {} {}\n", text_of(m["iova"]), text_of(m["to"]), text_of(m["size"]),
                   text_of(m["perms"]));
      }
    }
  } else if (section == "devices") {
    for (const auto& d : s["devices"]) {
      fmt::print("{} on {} ({}), streams {}: {}\n", text_of(d["name"]), text_of(d["unit"]), text_of(d["ident"]),
                 d["stream_ids"].dump(), text_of(d["owner"]));
    }
  } else if (section == "faults") {
    for (const auto& f : s["faults"]) {
      fmt::print("{} {} at {} on {} stream {}: {} fault (owner {}; reported to {})\n", text_of(f["device"]),
                 text_of(f["access"]), text_of(f["address"]), text_of(f["unit"]), text_of(f["stream"]),
                 text_of(f["reason"]), text_of(f["owner"]),
                 text_of(f["reported_to"]));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smmuctl: inspect a running smmuman daemon"};
  app.require_subcommand(1);
  app.footer("Exit codes: 0 done, 1 the daemon refused or cannot be reached, 2 usage error.");
  std::string socket = smmuman::wire::socket_path_from_environment();
  bool json = false;
  app.add_option("--socket", socket, "the daemon's socket (default: SMMUMAN_SOCKET, else /run/smmuman/smmuman.sock)");
  app.add_flag("--json", json, "print the daemon's answer as JSON");
  std::vector<std::string> sections = {"status", "units", "clients", "objects", "devices", "mappings", "faults"};
  std::vector<CLI::App*> section_cmds;
  for (const auto& name : sections) section_cmds.push_back(app.add_subcommand(name, "show " + name));
  auto* dma_cmd = app.add_subcommand("dma", "make DEVICE perform one simulated DMA (hardware models only)");
  std::string device, address_text, access_text;
  dma_cmd->add_option("device", device, "the device's configured name")->required();
  dma_cmd->add_option("address", address_text, "the device address (0x-prefixed hex or decimal)")->required();
  dma_cmd->add_option("access", access_text, "read, write or exec")
      ->required()
      ->check(CLI::IsMember({"read", "write", "exec"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    fmt::print(stderr, "{}\nRun with --help for more information.\n", escape_for_display(e.what()));
    return kExitUsage;
  }
  std::string problem;
  if (dma_cmd->parsed()) {
    uint64_t address = 0;
    const bool hex = address_text.rfind("0x", 0) == 0 || address_text.rfind("0X", 0) == 0;
    const char* first = address_text.data() + (hex ? 2 : 0);
    const char* last = address_text.data() + address_text.size();
    const auto [end, ec] = std::from_chars(first, last, address, hex ? 16 : 10);
    if (ec != std::errc() || end != last || first == last) {
      fmt::print(stderr, "address '{}' is not a number\n", escape_for_display(address_text));
      return kExitUsage;
    }
    if (device.empty() || device.size() > wire::kMaxDeviceName) {
      fmt::print(stderr, "a device name is 1 to {} bytes\n", wire::kMaxDeviceName);
      return kExitUsage;
    }
    const uint32_t access = access_text == "read" ? wire::req::kAccessRead
                            : access_text == "write" ? wire::req::kAccessWrite
                                                     : wire::req::kAccessExec;
    const auto answer = ask(socket, wire::req::CtlDma{device, address, access}, problem);
    if (!answer) {
      fmt::print(stderr, "smmuctl: {}\n", escape_for_display(problem));
      return kExitFailed;
    }
    if (json) {
      fmt::print("{}\n", answer->dump());
      return kExitDone;
    }
    const auto& a = *answer;
    if (a["allowed"].get<bool>()) {
      fmt::print("{} {} at {}: allowed, reaches physical {}\n", text_of(a["device"]), text_of(a["access"]),
                 text_of(a["address"]), text_of(a["physical"]));
    } else {
      fmt::print("{} {} at {}: denied\n", text_of(a["device"]), text_of(a["access"]), text_of(a["address"]));
    }
    for (const auto& f : a["faults"]) {
      fmt::print("  {} fault on {} stream {}, owner {}, reported to {}\n", text_of(f["reason"]), text_of(f["unit"]),
                 text_of(f["stream"]), text_of(f["owner"]),
                 text_of(f["reported_to"]));
    }
    if (!a["core_agrees"].get<bool>()) fmt::print("  WARNING: the hardware and the core disagree on this access\n");
    return kExitDone;
  }
  const auto answer = ask(socket, wire::req::CtlStatus{}, problem);
  if (!answer) {
    fmt::print(stderr, "smmuctl: {}\n", escape_for_display(problem));
    return kExitFailed;
  }
  for (size_t i = 0; i < sections.size(); ++i) {
    if (!section_cmds[i]->parsed()) continue;
    if (json) {
      fmt::print("{}\n", sections[i] == "status"
                             ? answer->dump(2)
                             : (*answer)[sections[i] == "mappings" ? "objects" : sections[i]].dump(2));
    } else {
      print_section(*answer, sections[i]);
      if (sections[i] == "status") {
        for (const char* s : {"devices", "objects", "faults"}) print_section(*answer, s);
      }
    }
  }
  return kExitDone;
}
