// Text without a C library, and the harness's report: one line per check
// ("PASS name" or "FAIL name: why"), then "N passed, M failed".
#pragma once

#include <cstdint>

#include "platform.hpp"

struct Hex {
  uint64_t value;
};

// A fixed buffer that formats strings, decimal and hex; text past the end is dropped.
class Text {
 public:
  Text& operator<<(const char* s) {
    while (s != nullptr && *s != '\0') put(*s++);
    return *this;
  }
  Text& operator<<(uint64_t v) {
    char digits[20];
    unsigned n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n != 0) put(digits[--n]);
    return *this;
  }
  Text& operator<<(unsigned v) { return *this << static_cast<uint64_t>(v); }
  Text& operator<<(int v) {
    if (v < 0) {
      put('-');
      return *this << static_cast<uint64_t>(-static_cast<int64_t>(v));
    }
    return *this << static_cast<uint64_t>(v);
  }
  Text& operator<<(Hex h) {
    put('0');
    put('x');
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
      const unsigned digit = static_cast<unsigned>(h.value >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        put("0123456789abcdef"[digit]);
        started = true;
      }
    }
    return *this;
  }
  const char* c_str() const { return buffer_; }
  bool empty() const { return length_ == 0; }
  void clear() {
    length_ = 0;
    buffer_[0] = '\0';
  }

 private:
  void put(char c) {
    if (length_ + 1 < sizeof(buffer_)) {
      buffer_[length_++] = c;
      buffer_[length_] = '\0';
    }
  }
  char buffer_[512] = {};
  uint64_t length_ = 0;
};

class Report {
 public:
  // Records one check; `why` says what was seen when it failed.
  bool check(const char* name, bool ok, const Text& why = Text{}) {
    Text line;
    line << (ok ? "PASS " : "FAIL ") << name;
    if (!ok && !why.empty()) line << ": " << why.c_str();
    line << "\n";
    platform::write_text(line.c_str());
    (ok ? passed_ : failed_)++;
    return ok;
  }
  void note(const char* text) {
    Text line;
    line << "# " << text << "\n";
    platform::write_text(line.c_str());
  }
  int finish() {
    Text line;
    line << passed_ << " passed, " << failed_ << " failed\n";
    platform::write_text(line.c_str());
    return failed_ == 0 ? 0 : 1;
  }
  uint64_t failed() const { return failed_; }

 private:
  uint64_t passed_ = 0, failed_ = 0;
};
