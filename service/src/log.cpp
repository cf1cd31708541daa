#include "smmuman/service/log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <syslog.h>

#include <chrono>

#include "smmuman/input/text.hpp"

namespace smmuman::service {

const char* to_string(Level level) {
  switch (level) {
    case Level::error: return "error";
    case Level::warn: return "warn";
    case Level::info: return "info";
    case Level::debug: return "debug";
    case Level::trace: return "trace";
  }
  return "?";
}

void Log::to_syslog() {
  openlog("smmuman", LOG_PID, LOG_DAEMON);
  syslog_ = true;
}

void Log::write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  // syslog stamps its own time.
  std::string line = syslog_ ? fmt::format("{} {}", to_string(level), event)
                             : fmt::format("{:%Y-%m-%dT%H:%M:%S}Z {} {}", now, to_string(level), event);
  for (const auto& [key, value] : fields) {
    std::string shown = input::escape_for_display(value);
    const bool quote = shown.empty() || shown.find_first_of(" =\"") != std::string::npos;
    if (quote) {
      std::string q = "\"";
      for (char c : shown) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
      }
      shown = q + "\"";
    }
    line += fmt::format(" {}={}", key, shown);
  }
  if (syslog_) {
    static constexpr int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG};
    ::syslog(kPriority[static_cast<int>(level)], "%s", line.c_str());
    return;
  }
  line += '\n';
  std::fputs(line.c_str(), sink_);
  std::fflush(sink_);
}

}  // namespace smmuman::service
