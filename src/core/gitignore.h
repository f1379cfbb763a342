// A gitignore matcher with git's semantics (gitignore(5), wildmatch), used by discovery both for
// .gitignore / .git/info/exclude files and for the configured `exclude` patterns.
//
// Why not libgit2's git_ignore_path_is_ignored: it needs a repository (quotaguard honours
// .gitignore files in plain directories too) and has no way to match the config's `exclude`
// list, relative to the config's directory. And it is slower: over the 5,001 files of the
// scripts/bench.d/staged.sh repository with a 3-line .gitignore, 110–150 ms for libgit2 (one
// call per path) against 6–12 ms here (one IgnoreStack per directory, as discovery walks).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qg {

enum class IgnoreMatch : std::uint8_t { None, Ignored, Included };  // Included = a `!` pattern won

// git's wildmatch. With `pathname`, `*`, `?` and classes never match '/', and `**` between
// slashes (or at either end) matches any number of directories.
bool wildmatch(std::string_view pattern, std::string_view text, bool pathname);

// The patterns of one file (or one list), relative to the directory `base`.
class IgnoreList {
 public:
  IgnoreList() = default;
  explicit IgnoreList(std::string base) : base_(std::move(base)) {}

  void add_line(std::string_view line);        // one gitignore line (comments, blanks skipped)
  void add_text(std::string_view text);        // a whole file, '\n' or "\r\n" separated
  bool add_file(const std::filesystem::path& file);  // false when it cannot be read

  // `rel`: the path relative to base(), '/'-separated. Last matching pattern wins.
  // `outside_base`: the path is not below base(): only slash-less (basename) patterns apply.
  IgnoreMatch match(std::string_view rel, bool is_dir, bool outside_base = false) const;

  const std::string& base() const { return base_; }
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    enum class Kind : std::uint8_t { Literal, Suffix, Glob };
    std::string glob;      // without `!`, leading '/', trailing '/'
    std::string literal;   // Literal: the unescaped text; Suffix: what follows the leading `*`
    std::size_t prefix = 0;  // Glob: length of the escape-free literal prefix (a fast reject)
    Kind kind = Kind::Glob;
    bool negated = false, dir_only = false, anchored = false;
    bool matches(std::string_view rel, std::string_view name, bool is_dir) const;
  };
  std::string base_;
  std::vector<Pattern> patterns_;
};

// The lists in force while walking a tree: deeper lists override shallower ones, and
// .git/info/exclude sits below all .gitignore files of its repository. Paths are absolute,
// '/'-separated strings built the same way as the lists' bases (lexically).
class IgnoreStack {
 public:
  // A repository boundary: lists below it (the enclosing repository's) stop applying.
  void push_repository(const std::string& repo_root);
  // The .gitignore of `dir`, if it has one; returns whether something was pushed.
  bool push_gitignore(const std::string& dir);
  void push(IgnoreList list, bool barrier = false);
  void pop() { entries_.pop_back(); }
  std::size_t size() const { return entries_.size(); }

  IgnoreMatch match(std::string_view abs, bool is_dir) const;
  bool ignored(std::string_view abs, bool is_dir) const { return match(abs, is_dir) == IgnoreMatch::Ignored; }

  // The stack that applies inside `dir` before its own .gitignore is read: the repository's
  // info/exclude and the .gitignore files from the repository root (outside a repository: from
  // `top`, when dir lies below it) down to dir's parent. `ignored`, when given, tells whether dir
  // itself or a directory between it and that root is ignored (such a tree is never walked by git).
  static IgnoreStack for_directory(const std::string& dir, const std::string& top, bool* ignored = nullptr);

 private:
  struct Entry {
    IgnoreList list;
    bool barrier = false;
  };
  std::vector<Entry> entries_;
};

// The directory holding `.git` (a directory, or a file as in worktrees) at or above `dir`; "" if none.
std::string find_repository_root(const std::string& dir);
// `.git/info/exclude` of that repository, following a `.git` file's `gitdir:` and `commondir`.
std::filesystem::path info_exclude_path(const std::string& repo_root);

}  // namespace qg
