// `quotaguard hook install [--force] [--baseline FILE]` / `quotaguard hook uninstall`: a plain git pre-commit hook
// running `quotaguard scan --staged` (for the pre-commit framework, see .pre-commit-hooks.yaml).
#include <filesystem>
#include <iostream>

#include "command.h"
#include "git/hook.h"
#include "git/repo.h"

namespace qg::cli {
namespace {

namespace fs = std::filesystem;

// This binary, by absolute path: the hook runs the build it was installed from.
fs::path self_path(const char* fallback) {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(fallback) : p;
}

int report(const git::HookOutcome& outcome) {
  (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message << '\n';
  return outcome.exit_code;
}

template <class Fn>
int guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const git::GitError& e) {
    std::cerr << "quotaguard: error: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "quotaguard: error: " << e.what() << '\n';
  }
  return kUsage;
}

void attach(CLI::App& app, int& exit_code) {
  auto* hook = app.add_subcommand("hook", "Install or remove a git pre-commit hook running `scan --staged`");
  hook->require_subcommand(1);
  auto force = std::make_shared<bool>(false);
  auto* install = hook->add_subcommand("install", "Write .git/hooks/pre-commit (honours core.hooksPath)");
  install->add_flag("--force", *force, "Replace a pre-commit hook quotaguard did not write (it is kept aside)");
  auto baseline = std::make_shared<std::string>();
  install->add_option("--baseline", *baseline,
                      "The project's baseline: commits fail only on findings not in it (a config's `baseline` "
                      "key is read without this)")
      ->type_name("FILE");
  install->callback([force, baseline, &exit_code] {
    exit_code = guarded([&] {
      return report(git::install_hook(fs::current_path(), self_path("quotaguard"), *force, *baseline));
    });
  });
  auto* uninstall = hook->add_subcommand("uninstall", "Remove the pre-commit hook if quotaguard installed it");
  uninstall->callback([&exit_code] { exit_code = guarded([&] { return report(git::uninstall_hook(fs::current_path())); }); });
}

const Register reg{{14, attach}};

}  // namespace
}  // namespace qg::cli
