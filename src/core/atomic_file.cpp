#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace qg {

namespace {

// Devices and pipes (`-o /dev/null`, `-o /dev/stdout`, a FIFO) are written in place: renaming a
// temporary file over them would replace /dev/null itself with a regular file when run as root.
void write_in_place(const std::filesystem::path& path, std::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
  for (std::size_t done = 0; done < contents.size();) {
    const ssize_t w = ::write(fd, contents.data() + done, contents.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(path.string() + ": write failed: " + std::strerror(err));
    }
    done += static_cast<std::size_t>(w);
  }
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& link_or_path, std::string_view contents) {
  struct stat target {};
  if (::stat(link_or_path.c_str(), &target) == 0 && !S_ISREG(target.st_mode)) return write_in_place(link_or_path, contents);
  // Through a symlink, the file it points to is replaced and the link stays.
  std::error_code ec;
  std::filesystem::path path = link_or_path;
  if (std::filesystem::is_symlink(link_or_path, ec)) {
    auto resolved = std::filesystem::weakly_canonical(link_or_path, ec);
    if (!ec && !resolved.empty()) path = std::move(resolved);
  }
  auto fail = [&](const char* what) {
    throw std::runtime_error(path.string() + ": " + what + ": " + std::strerror(errno));
  };
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ("." + path.filename().string() + ".qg-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) fail("cannot create a temporary file");
  struct stat st {};
  mode_t mode = 0644;
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  else {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t w = ::write(fd, contents.data() + done, contents.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      ::close(fd);
      ::unlink(tmpl.c_str());
      fail("write failed");
    }
    done += static_cast<std::size_t>(w);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    fail("cannot finish the temporary file");
  }
  ::close(fd);
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    ::unlink(tmpl.c_str());
    fail("rename failed");
  }
}

}  // namespace qg
