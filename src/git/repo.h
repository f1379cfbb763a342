// The git queries quotaguard needs, each one `git -C DIR ...` subprocess.
//
// Why git itself and not libgit2 (Debian's libgit2 1.5), measured for `scan --staged` on the
// scripts/bench.d/staged.sh repository (5,001 files, 5 staged), hyperfine, 100 runs, 2 shared
// cores: reading the index against HEAD and the 5 staged blobs took 7.5 ms min / 9.2 ms CPU with
// the two git processes used here, and 16.8 ms min / 17.9 ms CPU in-process with libgit2
// (git_diff_tree_to_index walks the whole HEAD tree; git's cache-tree skips unchanged
// subtrees). Merely linking libgit2 adds 15 shared libraries and 3.5–4 ms to the start of every
// quotaguard process. And git reads every index format and extension the user's git writes
// (split and sparse indexes, sha256 repositories), which libgit2 1.5 does not.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace qg::git {

// git failed, is missing, or the directory is not in a repository. The message is ready to print.
class GitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `git -C dir ARGS...`; returns stdout, throws GitError with git's first stderr line on failure.
std::string run_git(const std::filesystem::path& dir, const std::vector<std::string>& args);

// The working tree's top-level directory (canonical) holding `dir`: the nearest directory with a
// `.git`, or `git rev-parse --show-toplevel` when GIT_DIR / GIT_WORK_TREE say otherwise.
std::filesystem::path toplevel(const std::filesystem::path& dir);

struct IndexEntry {
  std::string path;    // relative to the top level, '/'-separated, as git stores it
  std::string object;  // the staged blob's full object id
  std::string mode;    // "100644", "100755", "120000" (symlink), "160000" (submodule)
  bool regular_file() const { return mode == "100644" || mode == "100755"; }
};

// Files added, copied, modified or type-changed in the index against HEAD (every staged file
// on an unborn branch): `git diff --cached --raw -z --no-abbrev --no-renames --diff-filter=ACMT`.
// A renamed file is listed under its new path. Honours GIT_INDEX_FILE (hooks of `commit -a`).
std::vector<IndexEntry> staged_files(const std::filesystem::path& top);

// The contents of `objects` (blob ids), in order, from a single `git cat-file --batch`.
std::vector<std::string> read_blobs(const std::filesystem::path& top, const std::vector<std::string>& objects);

// `git merge-base REV HEAD`.
std::string merge_base(const std::filesystem::path& top, const std::string& rev);

// Files that differ between `base` and the working tree, and exist in it:
// `git diff --name-only -z --no-renames --diff-filter=ACMT BASE`, top-level-relative.
std::vector<std::string> changed_files(const std::filesystem::path& top, const std::string& base);

// `git rev-parse --git-path hooks/NAME`, resolved against the top level: honours core.hooksPath
// and linked worktrees.
std::filesystem::path hook_path(const std::filesystem::path& top, const std::string& name);

}  // namespace qg::git
