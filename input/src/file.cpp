#include "smmuman/input/file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace smmuman::input {

namespace {

// Closes the descriptor whatever path the read takes.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

FileText problem(std::string why) { return FileText{std::nullopt, std::move(why)}; }

}  // namespace

FileText read_input_file(const std::string& path, size_t max_bytes) {
  const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return problem(std::strerror(errno));
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return problem(std::strerror(errno));
  if (S_ISDIR(info.st_mode)) return problem("it is a directory");
  // Pipes and devices have no size; read them up to the limit like files.
  std::string text;
  if (S_ISREG(info.st_mode) && static_cast<uint64_t>(info.st_size) <= max_bytes) {
    text.reserve(static_cast<size_t>(info.st_size));
  }
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return problem(std::strerror(errno));
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > max_bytes) {
      return problem(max_bytes % (size_t{1} << 20) == 0
                         ? fmt::format("it is larger than {} MiB, the most an input may be", max_bytes >> 20)
                         : fmt::format("it is larger than {} bytes, the most an input may be", max_bytes));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return FileText{std::move(text), {}};
}

}  // namespace smmuman::input
