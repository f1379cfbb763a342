// gitignore matching: pattern parsing per gitignore(5), git's wildmatch algorithm, and the stack
// of lists a directory walk keeps. No std::regex: patterns are classified once (literal, `*.ext`
// suffix, glob with a literal prefix) so that most checks are a string compare.
#include "core/gitignore.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace qg {
namespace {

enum WildResult { kMatch, kNoMatch, kAbortAll, kAbortToStarStar };

char at(std::string_view s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }
bool is_glob_special(char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// `[:name:]` inside a bracket expression; false for an unknown class name.
bool class_contains(std::string_view name, unsigned char c, bool& known) {
  known = true;
  if (name == "alnum") return std::isalnum(c);
  if (name == "alpha") return std::isalpha(c);
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return std::iscntrl(c);
  if (name == "digit") return std::isdigit(c);
  if (name == "graph") return std::isgraph(c);
  if (name == "lower") return std::islower(c);
  if (name == "print") return std::isprint(c);
  if (name == "punct") return std::ispunct(c);
  if (name == "space") return std::isspace(c);
  if (name == "upper") return std::isupper(c);
  if (name == "xdigit") return std::isxdigit(c);
  known = false;
  return false;
}

// Matches the bracket expression whose '[' is at pat[p] against `tc`. Leaves p on the closing ']'.
WildResult match_bracket(std::string_view pat, std::size_t& p, unsigned char tc, bool pathname) {
  char pc = at(pat, ++p);
  if (pc == '^') pc = '!';
  const bool negated = pc == '!';
  if (negated) pc = at(pat, ++p);
  unsigned char prev = 0;
  bool matched = false;
  do {
    if (!pc) return kAbortAll;  // unterminated class: git gives up on the whole pattern
    if (pc == '\\') {
      pc = at(pat, ++p);
      if (!pc) return kAbortAll;
      if (tc == static_cast<unsigned char>(pc)) matched = true;
    } else if (pc == '-' && prev && at(pat, p + 1) && at(pat, p + 1) != ']') {
      pc = at(pat, ++p);
      if (pc == '\\') {
        pc = at(pat, ++p);
        if (!pc) return kAbortAll;
      }
      if (tc <= static_cast<unsigned char>(pc) && tc >= prev) matched = true;
      pc = 0;  // a range cannot start another range
    } else if (pc == '[' && at(pat, p + 1) == ':') {
      const std::size_t s = p + 2;
      std::size_t q = s;
      while (q < pat.size() && pat[q] != ']') ++q;
      if (q >= pat.size()) return kAbortAll;
      if (q == s || pat[q - 1] != ':') {  // no ":]": a plain '['
        if (tc == '[') matched = true;
        continue;
      }
      bool known = false;
      if (class_contains(pat.substr(s, q - 1 - s), tc, known)) matched = true;
      if (!known) return kAbortAll;
      p = q;
      pc = 0;
    } else if (tc == static_cast<unsigned char>(pc)) {
      matched = true;
    }
  } while (prev = static_cast<unsigned char>(pc), (pc = at(pat, ++p)) != ']');
  if (matched == negated || (pathname && tc == '/')) return kNoMatch;
  return kMatch;
}

// git's dowild(): backtracking only at stars, with the "abort" results that cut the search short.
WildResult dowild(std::string_view pat, std::size_t p, std::string_view text, std::size_t t, bool pathname) {
  for (; p < pat.size(); ++p, ++t) {
    char pc = pat[p];
    if (t >= text.size() && pc != '*') return kAbortAll;
    const char tc = at(text, t);
    switch (pc) {
      case '\\':
        pc = at(pat, ++p);  // a trailing backslash matches nothing
        [[fallthrough]];
      default:
        if (tc != pc) return kNoMatch;
        continue;
      case '?':
        if (pathname && tc == '/') return kNoMatch;
        continue;
      case '[': {
        const WildResult r = match_bracket(pat, p, static_cast<unsigned char>(tc), pathname);
        if (r != kMatch) return r;
        continue;
      }
      case '*':
        break;
    }
    // A run of stars. `match_slash`: whether it may consume '/'.
    const std::size_t first = p;
    while (at(pat, p + 1) == '*') ++p;
    ++p;
    bool match_slash = !pathname;
    if (pathname && p - first >= 2) {
      const bool left = first == 0 || pat[first - 1] == '/';
      const char nc = at(pat, p);
      const bool right = p >= pat.size() || nc == '/' || (nc == '\\' && at(pat, p + 1) == '/');
      if (left && right) {
        // "a/**/b" also matches "a/b": try the `**/` as matching nothing first.
        if (nc == '/' && dowild(pat, p + 1, text, t, pathname) == kMatch) return kMatch;
        match_slash = true;
      }
    }
    if (p >= pat.size()) {
      if (!match_slash && text.find('/', t) != std::string_view::npos) return kNoMatch;
      return kMatch;
    }
    if (!match_slash && pat[p] == '/') {  // "dir/*/x": the star spans exactly one component
      const std::size_t slash = text.find('/', t);
      if (slash == std::string_view::npos) return kNoMatch;
      t = slash;  // the loop increment matches the two slashes
      continue;
    }
    for (; t < text.size(); ++t) {
      if (!is_glob_special(pat[p])) {  // skip ahead to the next occurrence of the literal
        while (t < text.size() && (match_slash || text[t] != '/') && text[t] != pat[p]) ++t;
        if (t >= text.size() || text[t] != pat[p]) return match_slash ? kAbortAll : kAbortToStarStar;
      }
      const WildResult r = dowild(pat, p, text, t, pathname);
      if (r != kNoMatch) {
        if (!match_slash || r != kAbortToStarStar) return r;
      } else if (!match_slash && text[t] == '/') {
        return kAbortToStarStar;
      }
    }
    return kAbortAll;
  }
  return t < text.size() ? kNoMatch : kMatch;
}

// git's trim_trailing_spaces(): unescaped trailing spaces go, "\ " stays.
std::string_view trim_trailing_spaces(std::string_view s) {
  std::size_t end = s.size(), last_space = std::string_view::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') {
      if (last_space == std::string_view::npos) last_space = i;
      continue;
    }
    if (s[i] == '\\' && ++i >= s.size()) return s;
    last_space = std::string_view::npos;
  }
  if (last_space != std::string_view::npos) end = last_space;
  return s.substr(0, end);
}

// The text a glob stands for when it has no unescaped special character.
bool unescape_literal(std::string_view glob, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      if (++i >= glob.size()) return false;
      out += glob[i];
    } else if (is_glob_special(glob[i])) {
      return false;
    } else {
      out += glob[i];
    }
  }
  return true;
}

std::string join(const std::string& dir, std::string_view name) {
  std::string out = dir;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string read_first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

bool wildmatch(std::string_view pattern, std::string_view text, bool pathname) {
  return dowild(pattern, 0, text, 0, pathname) == kMatch;
}

void IgnoreList::add_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line[0] == '#') return;
  line = trim_trailing_spaces(line);
  Pattern pat;
  if (!line.empty() && line[0] == '!') {
    pat.negated = true;
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    pat.dir_only = true;
    line.remove_suffix(1);
  }
  // A slash at the start or in the middle anchors the pattern to base; otherwise it matches
  // the basename at any depth.
  const std::size_t slash = line.find('/');
  if (slash != std::string_view::npos) {
    pat.anchored = true;
    if (slash == 0) line.remove_prefix(1);
  }
  if (line.empty()) return;
  pat.glob = std::string(line);
  if (unescape_literal(line, pat.literal)) {
    pat.kind = Pattern::Kind::Literal;
  } else if (!pat.anchored && line[0] == '*' && unescape_literal(line.substr(1), pat.literal)) {
    pat.kind = Pattern::Kind::Suffix;
  } else {
    pat.kind = Pattern::Kind::Glob;
    pat.literal.clear();
    while (pat.prefix < line.size() && !is_glob_special(line[pat.prefix])) ++pat.prefix;
  }
  patterns_.push_back(std::move(pat));
}

void IgnoreList::add_text(std::string_view text) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    add_line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

bool IgnoreList::add_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  add_text(buf.str());
  return true;
}

bool IgnoreList::Pattern::matches(std::string_view rel, std::string_view name, bool is_dir) const {
  if (dir_only && !is_dir) return false;
  const std::string_view target = anchored ? rel : name;
  switch (kind) {
    case Kind::Literal:
      return target == literal;
    case Kind::Suffix:
      return target.size() >= literal.size() && target.substr(target.size() - literal.size()) == literal;
    case Kind::Glob:
      if (target.compare(0, prefix, glob, 0, prefix) != 0) return false;
      return wildmatch(glob, target, anchored);
  }
  return false;
}

IgnoreMatch IgnoreList::match(std::string_view rel, bool is_dir, bool outside_base) const {
  const std::size_t slash = rel.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  for (auto it = patterns_.rbegin(); it != patterns_.rend(); ++it) {
    if (outside_base && it->anchored) continue;
    if (it->matches(rel, name, is_dir)) return it->negated ? IgnoreMatch::Included : IgnoreMatch::Ignored;
  }
  return IgnoreMatch::None;
}

void IgnoreStack::push(IgnoreList list, bool barrier) { entries_.push_back({std::move(list), barrier}); }

void IgnoreStack::push_repository(const std::string& repo_root) {
  IgnoreList list(repo_root);
  list.add_file(info_exclude_path(repo_root));
  push(std::move(list), /*barrier=*/true);  // even when empty: it hides the outer repository
}

bool IgnoreStack::push_gitignore(const std::string& dir) {
  IgnoreList list(dir);
  if (!list.add_file(join(dir, ".gitignore")) || list.empty()) return false;
  push(std::move(list));
  return true;
}

IgnoreMatch IgnoreStack::match(std::string_view abs, bool is_dir) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    const std::string& base = it->list.base();
    const std::size_t skip = base.size() == 1 && base[0] == '/' ? 1 : base.size() + 1;
    const bool below = abs.size() > skip && abs.compare(0, base.size(), base) == 0 && abs[skip - 1] == '/';
    if (below) {
      const IgnoreMatch m = it->list.match(abs.substr(skip), is_dir);
      if (m != IgnoreMatch::None) return m;
    }
    if (it->barrier) break;
  }
  return IgnoreMatch::None;
}

IgnoreStack IgnoreStack::for_directory(const std::string& dir, const std::string& top, bool* ignored) {
  IgnoreStack stack;
  if (ignored) *ignored = false;
  std::string cur = find_repository_root(dir);
  if (!cur.empty()) {
    stack.push_repository(cur);
  } else if (top != dir && dir.compare(0, top.size(), top) == 0 &&
             (top == "/" || (dir.size() > top.size() && dir[top.size()] == '/'))) {
    cur = top;
  } else {
    return stack;
  }
  while (cur.size() < dir.size()) {
    stack.push_gitignore(cur);
    const std::size_t next = dir.find('/', cur.size() + 1);
    cur = dir.substr(0, next);
    if (ignored && !*ignored && stack.ignored(cur, true)) *ignored = true;
  }
  return stack;
}

std::string find_repository_root(const std::string& dir) {
  std::string cur = dir;
  while (!cur.empty()) {
    if (exists(join(cur, ".git"))) return cur;
    if (cur == "/") break;
    const std::size_t slash = cur.rfind('/');
    cur = slash == 0 ? "/" : cur.substr(0, slash == std::string::npos ? 0 : slash);
  }
  return {};
}

std::filesystem::path info_exclude_path(const std::string& repo_root) {
  namespace fs = std::filesystem;
  const fs::path dot_git = fs::path(repo_root) / ".git";
  std::error_code ec;
  if (fs::is_directory(dot_git, ec)) return dot_git / "info" / "exclude";
  // Worktrees and submodules: ".git" is a file "gitdir: <dir>"; a worktree's <dir>/commondir
  // names the main repository's git directory, which holds info/exclude.
  std::string line = read_first_line(dot_git);
  constexpr std::string_view kPrefix = "gitdir:";
  if (line.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  std::string target = line.substr(kPrefix.size());
  target.erase(0, target.find_first_not_of(' '));
  fs::path gitdir = fs::path(repo_root) / target;  // operator/ keeps an absolute target as is
  const std::string common = read_first_line(gitdir / "commondir");
  if (!common.empty()) gitdir = gitdir / common;
  return (gitdir / "info" / "exclude").lexically_normal();
}

}  // namespace qg
