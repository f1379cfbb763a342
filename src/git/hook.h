// `quotaguard hook install|uninstall`: a plain git pre-commit hook that runs `scan --staged`.
//
// The hook is a POSIX sh script carrying kHookMarker on its second line: that line is how install
// and uninstall recognise their own hook. Install refuses to replace any other hook unless forced,
// and then keeps it beside as `pre-commit.pre-quotaguard`, which uninstall puts back.
#pragma once

#include <filesystem>
#include <string>

namespace qg::git {

inline constexpr const char* kHookMarker = "# quotaguard-managed pre-commit hook";

// The script. `binary`: the quotaguard to run by absolute path (falls back to `quotaguard` on PATH
// when that file is gone).
std::string hook_script(const std::filesystem::path& binary);

// `s` as one sh word in single quotes.
std::string sh_quote(const std::string& s);

bool is_our_hook(const std::filesystem::path& hook);

struct HookOutcome {
  int exit_code = 0;    // 0 done (or nothing to do), 1 refused
  std::string message;  // one or two lines for the user
};

// `dir`: anywhere in the working tree. Throw GitError (not a repository, git missing) and
// std::runtime_error (cannot write).
HookOutcome install_hook(const std::filesystem::path& dir, const std::filesystem::path& binary, bool force);
HookOutcome uninstall_hook(const std::filesystem::path& dir);

}  // namespace qg::git
