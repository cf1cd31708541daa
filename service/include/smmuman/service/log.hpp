// Structured log lines for the daemon: one event per line, `key=value`
// fields (logfmt), values escaped so no input byte reaches a terminal raw.
// Levels follow QNX `debug 1|2`: info by default, debug with 1, trace with 2.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace smmuman::service {

enum class Level { error, warn, info, debug, trace };
const char* to_string(Level level);

class Log {
 public:
  using Field = std::pair<std::string_view, std::string>;
  explicit Log(Level level = Level::info, std::FILE* sink = stderr) : level_(level), sink_(sink) {}
  bool enabled(Level level) const { return level <= level_; }
  void set_level(Level level) { level_ = level; }
  // From now on to syslog (facility daemon, tagged smmuman), not the file:
  // a daemon in the background has no terminal (QNX: stderr while starting,
  // then slog2 only).
  void to_syslog();
  void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
  void error(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::error, event, fields); }
  void warn(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::warn, event, fields); }
  void info(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::info, event, fields); }
  void debug(std::string_view event, std::initializer_list<Field> fields = {}) { write(Level::debug, event, fields); }

 private:
  Level level_;
  std::FILE* sink_;
  bool syslog_ = false;
};

// QNX `debug N` as a level.
constexpr Level level_for_debug(int debug) {
  return debug >= 2 ? Level::trace : debug == 1 ? Level::debug : Level::info;
}

}  // namespace smmuman::service
