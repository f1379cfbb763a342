// File discovery. The walk uses readdir()'s d_type so that a plain file costs no stat() call;
// paths are kept as lexical absolute strings (what the user typed, resolved against the cwd)
// so that gitignore bases and reported paths agree, while duplicates are recognised by their
// canonical path. Nothing here throws on a bad entry: it lands in `skipped` with a reason.
#include "core/discovery.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "core/config.h"
#include "core/gitignore.h"

namespace qg {
namespace {

namespace fs = std::filesystem;

constexpr const char* kVendoredReason = "vendored (use --include-vendored)";

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string rel_join(const std::string& rel_dir, std::string_view name) {
  return rel_dir.empty() ? std::string(name) : join(rel_dir, name);
}

// Absolute and lexically normal, without a trailing slash.
std::string normalize(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) abs = p;
  std::string s = abs.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string real_path(const std::string& p) {
  char* resolved = ::realpath(p.c_str(), nullptr);
  if (!resolved) return p;
  std::string out(resolved);
  std::free(resolved);
  return out;
}

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

bool is_vendored_name(std::string_view name) {
  const auto& names = vendored_dir_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Why a path that lstat() found cannot be followed.
std::string unfollowable_reason(int err) {
  if (err == ELOOP) return "symlink loop";
  if (err == ENOENT || err == ENOTDIR) return "broken symlink";
  return std::string("broken symlink: ") + std::strerror(err);
}

bool classify_name(std::string_view name, Language& out) {
  const auto language = language_of_file(name);
  if (language) out = *language;
  return language.has_value();
}

// "not a Python or C++ source"
std::string not_a_source_reason() {
  std::string reason = "not a ";
  for (const auto& l : languages()) reason += std::string(reason.size() > 6 ? " or " : "") + std::string(l.display_name);
  return reason + " source";
}

// A found file; the std::filesystem::path is built only for the survivors (it is costly).
struct Candidate {
  std::string absolute, relative;
  Language language;
  bool vendored;
  std::string key;   // canonical path: the identity used for de-duplication
  bool via_symlink;  // a duplicate reached without symlinks is the one reported
};

class Walker {
 public:
  explicit Walker(const DiscoveryOptions& options)
      : opt_(options), root_(normalize(options.root.empty() ? fs::path(".") : options.root)), excludes_(root_) {
    for (const std::string& pattern : opt_.exclude) excludes_.add_line(pattern);
  }

  void add_path(const fs::path& path);
  void add_listed_file(const std::string& rel);
  DiscoveryResult finish();

 private:
  struct Dir {
    std::string abs, canon, rel;
    bool vendored = false;
    bool top = false;  // named on the command line
    bool under_root = true;
    bool via_symlink = false;  // a symlink on the way from the named path
  };
  struct DirId {
    dev_t dev;
    ino_t ino;
    bool operator==(const DirId& o) const { return dev == o.dev && ino == o.ino; }
  };

  void walk(const Dir& dir);
  void visit_entry(const Dir& parent, bool vendored, std::string_view name, unsigned char type);
  void visit_dir(const Dir& parent, bool vendored, std::string_view name, std::string abs, std::string rel,
                 bool via_symlink);
  void add_named_file(const std::string& abs, const std::string& rel, bool via_symlink);

  bool under_root(std::string_view abs) const {
    if (root_ == "/") return abs.size() > 1;
    return abs.size() > root_.size() && abs.compare(0, root_.size(), root_) == 0 && abs[root_.size()] == '/';
  }
  std::string relative(const std::string& abs) const {
    if (abs == root_) return "";
    if (under_root(abs)) return abs.substr(root_ == "/" ? 1 : root_.size() + 1);
    const std::string rel = fs::path(abs).lexically_relative(root_).generic_string();
    return rel.empty() ? abs : rel;
  }
  static std::string display(const std::string& rel) { return rel.empty() ? "." : rel; }

  bool excluded(std::string_view rel, bool is_dir, bool in_root) const {
    return !excludes_.empty() && excludes_.match(rel, is_dir, !in_root) == IgnoreMatch::Ignored;
  }
  bool classify(std::string_view name, Language& out) const {
    return classify_name(name, out) && (opt_.include_cpp || out != Language::Cpp);
  }
  bool named_path_excluded(const std::string& abs, const std::string& rel, bool is_dir) const;
  bool named_path_vendored(const std::string& abs, const std::string& rel, bool is_dir) const;
  void skip(const std::string& rel, std::string reason) { skipped_.push_back({display(rel), std::move(reason)}); }

  const DiscoveryOptions& opt_;
  std::string root_;
  IgnoreList excludes_;
  IgnoreStack ignores_;
  std::vector<DirId> walk_stack_;
  std::vector<Candidate> files_;
  bool dedupe_ = false;  // a symlink was followed: the same file may have been met twice
  std::vector<SkippedFile> skipped_;
};

void Walker::add_path(const fs::path& path) {
  const std::string abs = normalize(path);
  const std::string rel = relative(abs);
  struct stat st;
  if (::lstat(abs.c_str(), &st) != 0) {
    skip(rel, errno == ENOENT || errno == ENOTDIR ? "no such file or directory" : std::strerror(errno));
    return;
  }
  const bool via_symlink = S_ISLNK(st.st_mode);
  if (via_symlink && ::stat(abs.c_str(), &st) != 0) {
    skip(rel, unfollowable_reason(errno));
    return;
  }
  if (S_ISREG(st.st_mode)) {
    add_named_file(abs, rel, via_symlink);
  } else if (S_ISDIR(st.st_mode)) {
    const bool vendored = named_path_vendored(abs, rel, true);
    if (opt_.force_exclude) {
      if (named_path_excluded(abs, rel, true)) return;
      if (vendored && !opt_.include_vendored) return skip(rel, kVendoredReason);
    }
    ignores_ = opt_.respect_gitignore ? IgnoreStack::for_directory(abs, root_) : IgnoreStack{};
    walk(Dir{abs, real_path(abs), rel, vendored, /*top=*/true, under_root(abs) || abs == root_, via_symlink});
  } else {
    skip(rel, "not a regular file or directory");
  }
}

// Named files are scanned whatever excludes say (pre-commit passes them one by one), unless
// force_exclude asks for the excludes to win, as with ruff's --force-exclude.
void Walker::add_named_file(const std::string& abs, const std::string& rel, bool via_symlink) {
  Language lang = Language::Python;
  if (!classify_language(abs, lang)) return skip(rel, not_a_source_reason());
  if (lang == Language::Cpp && !opt_.include_cpp) return skip(rel, "C++ source (C++ scanning is off)");
  const bool vendored = named_path_vendored(abs, rel, false);
  if (opt_.force_exclude) {
    if (named_path_excluded(abs, rel, false)) return;
    if (vendored && !opt_.include_vendored) return skip(rel, kVendoredReason);
  }
  files_.push_back({abs, rel, lang, vendored, real_path(abs), via_symlink});
}

// A file named by another source (the git index): like a walk, it never reports a non-source
// file, and excludes always apply; unlike add_path, the file need not exist.
void Walker::add_listed_file(const std::string& rel) {
  Language lang = Language::Python;
  if (!classify(rel.substr(rel.rfind('/') + 1), lang)) return;
  const std::string abs = normalize(fs::path(root_) / rel);
  const std::string relative_path = relative(abs);
  if (named_path_excluded(abs, relative_path, false)) return;
  const bool vendored = named_path_vendored(abs, relative_path, false);
  if (vendored && !opt_.include_vendored) return skip(relative_path, kVendoredReason);
  files_.push_back({abs, relative_path, lang, vendored, abs, false});
}

// A named path is excluded when it or a directory above it (up to the root) is.
bool Walker::named_path_excluded(const std::string& abs, const std::string& rel, bool is_dir) const {
  const bool in_root = under_root(abs);
  for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
    if (excluded(std::string_view(rel).substr(0, slash), true, in_root)) return true;
  if (excluded(rel, is_dir, in_root)) return true;
  if (!opt_.respect_gitignore) return false;
  const std::string dir = is_dir ? abs : fs::path(abs).parent_path().string();
  bool dir_ignored = false;
  IgnoreStack stack = IgnoreStack::for_directory(dir, root_, &dir_ignored);
  if (dir_ignored) return true;
  if (is_dir) return false;
  stack.push_gitignore(dir);
  return stack.ignored(abs, false);
}

// Inside a vendored directory (by name, or a virtualenv's pyvenv.cfg) below the root; `rel`
// tells how many of abs's trailing directories lie below it.
bool Walker::named_path_vendored(const std::string& abs, const std::string& rel, bool is_dir) const {
  auto parent = [](std::string_view p) {
    const std::size_t slash = p.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : p.substr(0, slash == 0 ? 1 : slash);
  };
  std::string_view cur = is_dir ? std::string_view(abs) : parent(abs);
  std::string_view r = is_dir ? std::string_view(rel) : parent(rel);
  while (!r.empty() && r != "/" && r != ".." && !r.ends_with("/..")) {
    const std::string_view name = cur.substr(cur.rfind('/') + 1);
    if (is_vendored_name(name) || exists(join(cur, "pyvenv.cfg"))) return true;
    cur = parent(cur);
    r = parent(r);
  }
  return false;
}

void Walker::walk(const Dir& dir) {
  DIR* handle = ::opendir(dir.abs.c_str());
  if (!handle) return skip(dir.rel, std::string("unreadable directory: ") + std::strerror(errno));
  struct stat st;
  DirId id{0, 0};
  if (::fstat(::dirfd(handle), &st) == 0) id = DirId{st.st_dev, st.st_ino};
  if (std::find(walk_stack_.begin(), walk_stack_.end(), id) != walk_stack_.end()) {
    ::closedir(handle);
    return skip(dir.rel, "symlink loop");
  }
  // Read the whole listing first: it tells whether this is a virtualenv or a repository, and
  // the handle is closed before recursing so deep trees do not pile up descriptors.
  std::vector<std::pair<std::string, unsigned char>> entries;
  bool has_pyvenv = false, has_git = false, has_gitignore = false;
  while (const dirent* e = ::readdir(handle)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    has_pyvenv |= name == "pyvenv.cfg";
    has_git |= name == ".git";
    has_gitignore |= name == ".gitignore";
    entries.emplace_back(std::string(name), e->d_type);
  }
  ::closedir(handle);

  bool vendored = dir.vendored;
  if (has_pyvenv && !vendored) {
    if (!opt_.include_vendored && !dir.top) return skip(dir.rel, kVendoredReason);
    vendored = true;
  }
  std::size_t pushed = 0;
  if (opt_.respect_gitignore) {
    if (has_git && !dir.top) {  // a nested repository: its own rules, not ours
      ignores_.push_repository(dir.abs);
      ++pushed;
    }
    if (has_gitignore && ignores_.push_gitignore(dir.abs)) ++pushed;
  }
  walk_stack_.push_back(id);
  for (const auto& [name, type] : entries) visit_entry(dir, vendored, name, type);
  walk_stack_.pop_back();
  for (; pushed > 0; --pushed) ignores_.pop();
}

void Walker::visit_entry(const Dir& parent, bool vendored, std::string_view name, unsigned char type) {
  std::string abs = join(parent.abs, name);
  std::string rel = rel_join(parent.rel, name);
  bool via_symlink = type == DT_LNK;
  if (type == DT_LNK || type == DT_UNKNOWN) {  // only these cost a stat()
    struct stat st;
    if (type == DT_UNKNOWN && ::lstat(abs.c_str(), &st) == 0) via_symlink = S_ISLNK(st.st_mode);
    if (::stat(abs.c_str(), &st) != 0) {
      const int err = errno;
      if (excluded(rel, false, parent.under_root) || (opt_.respect_gitignore && ignores_.ignored(abs, false))) return;
      return skip(rel, via_symlink ? unfollowable_reason(err) : std::strerror(err));
    }
    type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
  }
  if (type == DT_DIR) return visit_dir(parent, vendored, name, std::move(abs), std::move(rel), via_symlink);
  if (type != DT_REG) return;  // sockets, fifos, devices
  Language lang = Language::Python;
  if (!classify(name, lang) || excluded(rel, false, parent.under_root)) return;
  if (opt_.respect_gitignore && ignores_.ignored(abs, false)) return;
  std::string key = via_symlink ? real_path(abs) : join(parent.canon, name);
  dedupe_ |= via_symlink;
  files_.push_back({std::move(abs), std::move(rel), lang, vendored, std::move(key), via_symlink || parent.via_symlink});
}

void Walker::visit_dir(const Dir& parent, bool vendored, std::string_view name, std::string abs, std::string rel,
                       bool via_symlink) {
  if (excluded(rel, true, parent.under_root)) return;
  const bool gitignored = opt_.respect_gitignore && ignores_.ignored(abs, true);
  bool child_vendored = vendored;
  // Vendored trees are reported even when gitignored (a .venv usually is), and scanned, though
  // gitignored, when --include-vendored asks for them.
  if (!vendored && (is_vendored_name(name) || (gitignored && exists(join(abs, "pyvenv.cfg"))))) {
    if (!opt_.include_vendored) return skip(rel, kVendoredReason);
    child_vendored = true;
  } else if (gitignored) {
    return;
  }
  std::string canon = via_symlink ? real_path(abs) : join(parent.canon, name);
  dedupe_ |= via_symlink;
  walk(Dir{std::move(abs), std::move(canon), std::move(rel), child_vendored, /*top=*/false, parent.under_root,
           via_symlink || parent.via_symlink});
}

DiscoveryResult Walker::finish() {
  // One walk without symlinks cannot meet a file twice; skip the sort by canonical path then.
  if (dedupe_ || opt_.paths.size() > 1) {
    std::sort(files_.begin(), files_.end(), [](const Candidate& a, const Candidate& b) {
      if (a.key != b.key) return a.key < b.key;
      if (a.via_symlink != b.via_symlink) return !a.via_symlink;
      return a.relative < b.relative;
    });
    files_.erase(std::unique(files_.begin(), files_.end(),
                             [](const Candidate& a, const Candidate& b) { return a.key == b.key; }),
                 files_.end());
  }
  std::sort(files_.begin(), files_.end(),
            [](const Candidate& a, const Candidate& b) { return a.relative < b.relative; });
  DiscoveryResult result;
  result.files.reserve(files_.size());
  for (Candidate& c : files_)
    result.files.push_back({fs::path(std::move(c.absolute)), std::move(c.relative), c.language, c.vendored});

  auto same = [](const SkippedFile& a, const SkippedFile& b) { return a.path == b.path && a.reason == b.reason; };
  std::sort(skipped_.begin(), skipped_.end(), [](const SkippedFile& a, const SkippedFile& b) {
    return a.path != b.path ? a.path < b.path : a.reason < b.reason;
  });
  skipped_.erase(std::unique(skipped_.begin(), skipped_.end(), same), skipped_.end());
  result.skipped = std::move(skipped_);
  return result;
}

}  // namespace

DiscoveryResult select_files(const DiscoveryOptions& options, const std::vector<std::string>& relative_paths) {
  Walker walker(options);
  for (const std::string& rel : relative_paths) walker.add_listed_file(rel);
  return walker.finish();
}

bool classify_language(const fs::path& p, Language& out) { return classify_name(p.filename().string(), out); }

DiscoveryResult discover(const DiscoveryOptions& options) {
  Walker walker(options);
  for (const fs::path& path : options.paths) walker.add_path(path);
  return walker.finish();
}

}  // namespace qg
