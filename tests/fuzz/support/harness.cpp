#include "harness.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace qg::fuzz {

namespace fs = std::filesystem;

void fail(const std::string& what) {
  std::fprintf(stderr, "\n== quotaguard fuzz invariant broken ==\n%s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("qg-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch(), ec);
    });
    return d;
  }();
  return dir;
}

void write_file(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

struct Position {
  uint32_t line = 1, column = 1;
};

// The reference: lines end at '\n'; a column counts the code points before it on its line.
Position position_of(std::string_view text, uint32_t byte) {
  Position p;
  for (uint32_t i = 0; i < byte; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

std::string describe(const Finding& f) {
  std::ostringstream s;
  s << f.rule << " at " << f.path << ":" << f.range.line << ":" << f.range.column << "-" << f.range.end_line << ":"
    << f.range.end_column << " bytes [" << f.range.start_byte << ", " << f.range.end_byte << ")";
  return s.str();
}

}  // namespace

void check_position(const Finding& f, std::string_view text) {
  const SourceRange& r = f.range;
  if (r.start_byte > r.end_byte || r.end_byte > text.size()) fail(describe(f) + ": bytes outside the file of " + std::to_string(text.size()));
  const Position start = position_of(text, r.start_byte), end = position_of(text, r.end_byte);
  if (start.line != r.line || start.column != r.column || end.line != r.end_line || end.column != r.end_column)
    fail(describe(f) + ": the bytes are at " + std::to_string(start.line) + ":" + std::to_string(start.column) + "-" +
         std::to_string(end.line) + ":" + std::to_string(end.column));
  if (!text.substr(r.start_byte).starts_with(f.code)) fail(describe(f) + ": its code is not the text at its start");
}

}  // namespace qg::fuzz
