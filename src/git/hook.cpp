#include "git/hook.h"

#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "git/repo.h"

namespace qg::git {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBackupSuffix = ".pre-quotaguard";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path backup_of(const fs::path& hook) { return fs::path(hook.string() + kBackupSuffix); }

void write_hook(const fs::path& hook, const std::string& script) {
  write_file_atomically(hook, script);
  fs::permissions(hook, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
}

}  // namespace

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string hook_script(const fs::path& binary, const fs::path& baseline) {
  std::string s;
  s += "#!/bin/sh\n";
  s += std::string(kHookMarker) + " (`quotaguard hook uninstall` removes it; keep this line)\n";
  s += R"(# Scans the staged content of the staged files (the index, not the working tree) for OpenAI API
# calls that bypass the tracking factory, and refuses the commit when there are findings.
# Skip it once with `git commit --no-verify`.
qg=)" + sh_quote(binary.string()) + R"(
if [ ! -x "$qg" ]; then
  if ! command -v quotaguard >/dev/null 2>&1; then
    echo "quotaguard pre-commit hook: no quotaguard binary (neither $qg nor one on PATH)." >&2
    echo "Install quotaguard, remove the hook with \`quotaguard hook uninstall\`, or commit with --no-verify." >&2
    exit 1
  fi
  qg=quotaguard
fi
"$qg" scan --staged --quiet)" + (baseline.empty() ? std::string() : " --baseline " + sh_quote(baseline.generic_string())) + R"(
status=$?
if [ "$status" -eq 1 ]; then
  echo "quotaguard: commit refused." >&2
elif [ "$status" -ne 0 ]; then
  echo "quotaguard: pre-commit check failed to run (exit $status); commit refused." >&2
fi
exit "$status"
)";
  return s;
}

bool is_our_hook(const fs::path& hook) {
  std::ifstream in(hook, std::ios::binary);
  std::string line;
  for (int i = 0; i < 3 && std::getline(in, line); ++i)
    if (line.rfind(kHookMarker, 0) == 0) return true;
  return false;
}

namespace {

// The baseline as the hook names it: relative to the top of the work tree, so the hook keeps
// working when the clone moves. It must exist now: a hook naming no file would refuse every commit.
fs::path baseline_in_work_tree(const fs::path& top, const fs::path& dir, const fs::path& baseline) {
  if (baseline.empty()) return {};
  std::error_code ec;
  const fs::path absolute = fs::weakly_canonical(dir / baseline, ec);
  if (ec || !fs::is_regular_file(absolute, ec))
    throw HookError("--baseline " + baseline.string() + ": no such file (create it with `quotaguard baseline -o " +
                    baseline.string() + "`)");
  const fs::path relative = absolute.lexically_relative(fs::weakly_canonical(top, ec));
  if (relative.empty() || *relative.begin() == "..")
    throw HookError("--baseline " + baseline.string() + ": not inside the work tree " + top.string());
  return relative;
}

}  // namespace

HookOutcome install_hook(const fs::path& dir, const fs::path& binary, bool force, const fs::path& baseline) {
  const fs::path top = toplevel(dir);
  const fs::path hook = hook_path(top, "pre-commit");
  const std::string script = hook_script(binary, baseline_in_work_tree(top, dir, baseline));
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(hook, ec));
  HookOutcome out;
  if (exists && is_our_hook(hook)) {
    if (read_file(hook) == script && (fs::status(hook, ec).permissions() & fs::perms::owner_exec) != fs::perms::none) {
      out.message = "quotaguard pre-commit hook already installed: " + hook.string();
      return out;
    }
    write_hook(hook, script);
    out.message = "quotaguard pre-commit hook updated: " + hook.string();
    return out;
  }
  if (exists && !force) {
    out.exit_code = 1;
    out.message = "refusing to replace the existing pre-commit hook " + hook.string() +
                  " (not installed by quotaguard).\nRun `quotaguard hook install --force` to replace it (it is kept as " +
                  backup_of(hook).filename().string() + " and restored by `quotaguard hook uninstall`), or call `" +
                  binary.string() + " scan --staged` from it yourself.";
    return out;
  }
  fs::create_directories(hook.parent_path());
  if (exists) {
    fs::rename(hook, backup_of(hook));
    out.message = "kept the previous hook as " + backup_of(hook).string() + "\n";
  }
  write_hook(hook, script);
  out.message += "quotaguard pre-commit hook installed: " + hook.string();
  return out;
}

HookOutcome uninstall_hook(const fs::path& dir) {
  const fs::path top = toplevel(dir);
  const fs::path hook = hook_path(top, "pre-commit");
  std::error_code ec;
  HookOutcome out;
  if (!fs::exists(fs::symlink_status(hook, ec))) {
    out.message = "no pre-commit hook installed (" + hook.string() + "): nothing to do";
    return out;
  }
  if (!is_our_hook(hook)) {
    out.exit_code = 1;
    out.message = "the pre-commit hook " + hook.string() + " was not installed by quotaguard: left alone";
    return out;
  }
  fs::remove(hook);
  out.message = "quotaguard pre-commit hook removed: " + hook.string();
  const fs::path backup = backup_of(hook);
  if (fs::exists(fs::symlink_status(backup, ec))) {
    fs::rename(backup, hook);
    out.message += "\nrestored the previous hook from " + backup.filename().string();
  }
  return out;
}

}  // namespace qg::git
