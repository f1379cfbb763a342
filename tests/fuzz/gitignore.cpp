// Fuzz target: the gitignore matcher (patterns per gitignore(5), git's wildmatch).
// Input: .gitignore text, then after a NUL byte the paths to match, one per line (a trailing
// '/' marks a directory); with no NUL, a few fixed paths and the pattern lines themselves.
// Invariants: no crash, hang or sanitizer report; a text matches itself with every character
// escaped; a single pattern's fast paths (literal, `*.ext`, literal prefix) agree with wildmatch;
// `!pattern` after a pattern re-includes exactly what the pattern ignores.
#include <vector>

#include "core/gitignore.h"
#include "support/harness.h"

namespace {

using namespace qg;

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) (out += '\\') += c;
  return out;
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// What gitignore(5) makes of a pattern line in the plain cases (no `!`, comment, trailing
// space, CR or backslash); false for the others.
struct Plain {
  std::string_view glob;
  bool anchored = false, dir_only = false;
};
bool plain(std::string_view line, Plain& out) {
  if (line.empty() || line[0] == '#' || line[0] == '!' || line.back() == ' ' || line.back() == '\\' ||
      line.find('\r') != std::string_view::npos)
    return false;
  out.dir_only = line.back() == '/';
  if (out.dir_only) line.remove_suffix(1);
  out.anchored = line.find('/') != std::string_view::npos;
  if (!line.empty() && line[0] == '/') line.remove_prefix(1);
  out.glob = line;
  return !line.empty();
}

void check_pattern(std::string_view line, std::string_view path, bool is_dir) {
  Plain p;
  if (!plain(line, p)) return;
  IgnoreList single("/base");
  single.add_line(line);
  const IgnoreMatch m = single.match(path, is_dir);
  const bool expected = (!p.dir_only || is_dir) && wildmatch(p.glob, p.anchored ? path : basename(path), p.anchored);
  if ((m == IgnoreMatch::Ignored) != expected || m == IgnoreMatch::Included)
    fuzz::fail("pattern `" + std::string(line) + "` on `" + std::string(path) + "`" + (is_dir ? " (dir)" : "") +
               ": the list says " + std::to_string(static_cast<int>(m)) + ", wildmatch " + std::to_string(expected));
  IgnoreList negated("/base");
  negated.add_line(line);
  negated.add_line("!" + std::string(line));
  if ((negated.match(path, is_dir) == IgnoreMatch::Included) != expected)
    fuzz::fail("`!" + std::string(line) + "` does not re-include exactly what `" + std::string(line) + "` ignores, on `" + std::string(path) + "`");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const auto nul = input.find('\0');
  const std::string_view patterns = input.substr(0, nul);
  std::vector<std::string_view> paths;
  if (nul != std::string_view::npos) {
    paths = lines(input.substr(nul + 1));
  } else {
    paths = {"a", "a/b", "src/app.py", "build/", "x/build/y.py", ".venv/", "deep/a/b/c/d.py"};
    for (std::string_view l : lines(patterns)) paths.push_back(l);
  }
  if (paths.size() > 64) paths.resize(64);  // keep one input's work bounded

  IgnoreList all("/base");
  all.add_text(patterns);
  const auto pattern_lines = lines(patterns);
  for (std::string_view path : paths) {
    if (path.find('\0') != std::string_view::npos) continue;  // paths are C strings to git
    const bool is_dir = !path.empty() && path.back() == '/';
    if (is_dir) path.remove_suffix(1);
    all.match(path, is_dir);
    all.match(path, is_dir, /*outside_base=*/true);
    for (bool pathname : {false, true})
      if (!wildmatch(escaped(path), path, pathname)) fuzz::fail("`" + std::string(path) + "` does not match itself escaped");
    for (std::size_t i = 0; i < pattern_lines.size() && i < 16; ++i) check_pattern(pattern_lines[i], path, is_dir);
  }
  return 0;
}
