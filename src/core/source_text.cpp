#include "core/source_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace qg {

std::size_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) { i += 8; continue; }
    }
    const unsigned char c = p[i];
    if (c < 0x80) { ++i; continue; }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return i;
    if (i + len > n) return i;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Reject overlongs, surrogates and out-of-range code points.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return std::string_view::npos;
}

static void classify(SourceText& out, std::uint64_t max_size) {
  if (out.bytes.size() > max_size) {
    out.skip_reason = fmt::format("file too large ({} bytes > max-file-size {})", out.bytes.size(), max_size);
    out.bytes.clear();
    return;
  }
  std::string_view head(out.bytes.data(), std::min<std::size_t>(out.bytes.size(), 8192));
  if (head.find('\0') != std::string_view::npos) {
    out.skip_reason = "binary file (NUL byte)";
    out.bytes.clear();
    return;
  }
  if (out.bytes.size() >= 3 && std::string_view(out.bytes).substr(0, 3) == "\xEF\xBB\xBF")
    out.bom_length = 3;
  if (auto bad = find_invalid_utf8(out.bytes); bad != std::string_view::npos) {
    out.skip_reason = fmt::format("invalid UTF-8 at byte {}", bad);
    out.bytes.clear();
  }
}

SourceText make_source(std::string text, std::uint64_t max_size) {
  SourceText out;
  out.bytes = std::move(text);
  classify(out, max_size);
  return out;
}

SourceText read_source(const std::filesystem::path& path, std::uint64_t max_size) {
  SourceText out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    out.skip_reason = fmt::format("unreadable: {}", std::strerror(errno));
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.skip_reason = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
    ::close(fd);
    return out;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    out.skip_reason = fmt::format("file too large ({} bytes > max-file-size {})", st.st_size, max_size);
    ::close(fd);
    return out;
  }
  out.bytes.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.bytes.size()) {
    ssize_t r = ::read(fd, out.bytes.data() + got, out.bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      out.skip_reason = fmt::format("unreadable: {}", std::strerror(errno));
      out.bytes.clear();
      ::close(fd);
      return out;
    }
    if (r == 0) break;  // the file shrank while we read it
    got += static_cast<std::size_t>(r);
  }
  out.bytes.resize(got);
  ::close(fd);
  classify(out, max_size);
  return out;
}

}  // namespace qg
