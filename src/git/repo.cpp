#include "git/repo.h"

#include <charconv>
#include <cstdlib>

#include "core/gitignore.h"
#include "git/process.h"

namespace qg::git {

namespace fs = std::filesystem;

namespace {

std::string first_line(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  return std::string(text.substr(0, text.find('\n')));
}

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> split_nul(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto nul = text.find('\0');
    out.emplace_back(text.substr(0, nul));
    if (nul == std::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  return out;
}

}  // namespace

std::string run_git(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r;
  try {
    r = run_process(argv);
  } catch (const SpawnError& e) {
    throw GitError(e.what());
  }
  if (r.exit_code != 0) {
    std::string why = first_line(r.err);
    if (why.rfind("fatal: ", 0) == 0) why.erase(0, 7);
    throw GitError("git " + args.front() + " failed" + (why.empty() ? "" : ": " + why));
  }
  return std::move(r.out);
}

fs::path toplevel(const fs::path& dir) {
  // The directory holding `.git` is the answer unless the environment points git elsewhere; it
  // saves a process on the pre-commit path.
  if (!std::getenv("GIT_DIR") && !std::getenv("GIT_WORK_TREE")) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(dir, ec);
    if (!ec) {
      if (std::string top = find_repository_root(canonical.string()); !top.empty()) return top;
    }
  }
  try {
    return fs::path(chomp(run_git(dir, {"rev-parse", "--show-toplevel"})));
  } catch (const GitError& e) {
    const std::string what = e.what();
    if (what.find("not a git repository") != std::string::npos)
      throw GitError("not a git repository: " + fs::absolute(dir).lexically_normal().string());
    throw;
  }
}

std::vector<IndexEntry> staged_files(const fs::path& top) {
  const std::string out = run_git(top, {"diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames",
                                        "--no-ext-diff", "--diff-filter=ACMT"});
  // Records: ":<old mode> <new mode> <old id> <new id> <status>" NUL "<path>" NUL
  std::vector<IndexEntry> entries;
  const auto fields = split_nul(out);
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& meta = fields[i];
    if (meta.empty() || meta.front() != ':') throw GitError("unexpected output from git diff --raw: " + meta);
    std::vector<std::string> parts;
    for (std::size_t start = 1; start <= meta.size();) {
      const auto space = meta.find(' ', start);
      parts.push_back(meta.substr(start, space == std::string::npos ? std::string::npos : space - start));
      if (space == std::string::npos) break;
      start = space + 1;
    }
    if (parts.size() < 5) throw GitError("unexpected output from git diff --raw: " + meta);
    entries.push_back({fields[i + 1], parts[3], parts[1]});
  }
  return entries;
}

std::vector<std::string> read_blobs(const fs::path& top, const std::vector<std::string>& objects) {
  if (objects.empty()) return {};
  std::string input;
  for (const auto& id : objects) input += id + '\n';
  ProcessResult r;
  try {
    r = run_process({"git", "-C", top.string(), "cat-file", "--batch"}, input);
  } catch (const SpawnError& e) {
    throw GitError(e.what());
  }
  if (r.exit_code != 0) throw GitError("git cat-file --batch failed: " + first_line(r.err));
  // Per object: "<id> <type> <size>" LF <contents> LF, or "<id> missing" LF.
  std::vector<std::string> blobs;
  std::string_view rest(r.out);
  for (const auto& id : objects) {
    const auto eol = rest.find('\n');
    if (eol == std::string_view::npos) throw GitError("git cat-file --batch: truncated output for " + id);
    const std::string_view header = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    const auto last_space = header.rfind(' ');
    if (header.ends_with(" missing") || last_space == std::string_view::npos)
      throw GitError("git cat-file --batch: object " + id + " is missing");
    std::size_t size = 0;
    const auto digits = header.substr(last_space + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), size).ec != std::errc{} || rest.size() < size + 1)
      throw GitError("git cat-file --batch: bad header `" + std::string(header) + "`");
    blobs.emplace_back(rest.substr(0, size));
    rest.remove_prefix(size + 1);
  }
  return blobs;
}

std::string merge_base(const fs::path& top, const std::string& rev) {
  // `--end-of-options` keeps a REV beginning with '-' from being read as an option.
  return chomp(run_git(top, {"merge-base", "--end-of-options", rev, "HEAD"}));
}

std::vector<std::string> changed_files(const fs::path& top, const std::string& base) {
  auto names = split_nul(run_git(top, {"diff", "--name-only", "-z", "--no-renames", "--no-ext-diff",
                                       "--diff-filter=ACMT", base, "--"}));
  std::erase_if(names, [](const std::string& s) { return s.empty(); });
  return names;
}

fs::path hook_path(const fs::path& top, const std::string& name) {
  fs::path p(chomp(run_git(top, {"rev-parse", "--git-path", "hooks/" + name})));
  return p.is_absolute() ? p.lexically_normal() : (top / p).lexically_normal();
}

}  // namespace qg::git
