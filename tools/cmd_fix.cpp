// `quotaguard fix`: applies every safe fix. Exit codes follow ruff: 0 when no finding is left
// but info-level ones (QG007), 1 when some are (or, with --diff / --check, when anything would
// change), 2 usage/config error.
#include <algorithm>
#include <iostream>

#include "command.h"
#include "core/catalogue.h"
#include "fix/fix.h"
#include "fix/unified_diff.h"
#include "scan_options.h"

namespace qg::cli {
namespace {

struct FixCommand {
  ScanCli scan;
  bool diff = false, check = false, unsafe = false;

  int run() {
    return run_reporting_errors([&] {
      fix::FixOptions options;
      options.scan = scan.to_options();
      options.mode = diff ? fix::Mode::Diff : check ? fix::Mode::Check : fix::Mode::Write;
      options.unsafe_fixes = unsafe;
      const fix::FixReport report = fix::run_fix(options);
      if (diff) {
        for (const auto& c : report.changes) std::cout << fix::unified_diff(c.path, c.before, c.after);
        std::cout << std::flush;
      }
      std::cerr << fix::format_summary(report, options.mode) << std::flush;
      if (options.mode != fix::Mode::Write) return report.changes.empty() ? kClean : kFindings;
      // As for scan: findings left fail the run, info-level ones (QG007) alone do not.
      const bool blocking = std::any_of(report.remaining.begin(), report.remaining.end(),
                                        [](const Finding& f) { return Catalogue::get().fails_scan(f.rule); });
      return blocking ? kFindings : kClean;
    });
  }
};

void attach(CLI::App& app, int& exit_code) {
  auto state = std::make_shared<FixCommand>();
  auto* cmd = app.add_subcommand("fix", "Rewrite direct client constructions (QG001) and module-client calls (QG002) into factory calls");
  state->scan.attach(cmd);
  auto* diff = cmd->add_flag("--diff", state->diff, "Print a unified diff of the fixes; write nothing");
  cmd->add_flag("--check", state->check, "Write nothing; exit 1 if any file would change")->excludes(diff);
  cmd->add_flag("--unsafe-fixes", state->unsafe, "Also apply fixes that drop arguments the factory does not take");
  cmd->callback([state, &exit_code] { exit_code = state->run(); });
}

const Register reg{{15, attach}};

}  // namespace
}  // namespace qg::cli
