// `quotaguard hook install|uninstall`: a plain git pre-commit hook that runs `scan --staged`.
//
// The hook is a POSIX sh script carrying kHookMarker on its second line: that line is how install
// and uninstall recognise their own hook. Install refuses to replace any other hook unless forced,
// and then keeps it beside as `pre-commit.pre-quotaguard`, which uninstall puts back.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace qg::git {

inline constexpr const char* kHookMarker = "# quotaguard-managed pre-commit hook";

// The script. `binary`: the quotaguard to run by absolute path (falls back to `quotaguard` on PATH
// when that file is gone). `baseline`: the project's baseline file relative to the top of the work
// tree (where git runs hooks), passed as `--baseline`; empty: none (the config's is read).
std::string hook_script(const std::filesystem::path& binary, const std::filesystem::path& baseline = {});

// `s` as one sh word in single quotes.
std::string sh_quote(const std::string& s);

bool is_our_hook(const std::filesystem::path& hook);

struct HookOutcome {
  int exit_code = 0;    // 0 done (or nothing to do), 1 refused
  std::string message;  // one or two lines for the user
};

// `dir`: anywhere in the working tree; `baseline`: a baseline file (relative to `dir` or absolute),
// empty for none. Throw GitError (not a repository, git missing), HookError (a baseline outside the
// work tree or missing) and std::runtime_error (cannot write).
HookOutcome install_hook(const std::filesystem::path& dir, const std::filesystem::path& binary, bool force,
                         const std::filesystem::path& baseline = {});

class HookError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
HookOutcome uninstall_hook(const std::filesystem::path& dir);

}  // namespace qg::git
