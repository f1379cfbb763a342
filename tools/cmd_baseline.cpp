// `quotaguard baseline [PATHS] -o FILE`: record today's findings so that `scan --baseline FILE`
// fails only on new ones. `--update` drops the entries that are gone and never adds any.
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "command.h"
#include "core/atomic_file.h"
#include "gate/baseline.h"
#include "scan_options.h"

namespace qg::cli {
namespace {

struct BaselineCommand {
  ScanCli scan;
  std::string output = "quotaguard-baseline.json";
  bool update = false;

  int run() {
    return run_reporting_errors([&] {
      std::optional<gate::Baseline> previous;
      if (update) previous = gate::load_baseline(output);
      const ScanResult result = run_scan(scan.to_options());
      if (!previous) {
        const auto baseline = gate::Baseline::from_findings(result.findings);
        write_file_atomically(output, baseline.to_json());
        fmt::print("Wrote {} finding{} to {}\n", baseline.entries.size(), baseline.entries.size() == 1 ? "" : "s", output);
        return kClean;
      }
      const auto cmp = gate::compare(*previous, result);
      gate::Baseline next;
      next.entries = cmp.kept;
      write_file_atomically(output, next.to_json());
      fmt::print("Dropped {} entr{} no longer found; {} remain in {}\n", cmp.gone.size(),
                 cmp.gone.size() == 1 ? "y" : "ies", next.entries.size(), output);
      for (const auto& e : cmp.gone) fmt::print("  - {} {} `{}`\n", e.path, e.rule, e.code);
      if (!cmp.new_findings.empty())
        fmt::print("{} finding{} not in the baseline {} not added (--update never adds; `quotaguard baseline -o {}` "
                   "records everything anew)\n",
                   cmp.new_findings.size(), cmp.new_findings.size() == 1 ? "" : "s",
                   cmp.new_findings.size() == 1 ? "was" : "were", output);
      return kClean;
    });
  }
};

void attach(CLI::App& app, int& exit_code) {
  auto state = std::make_shared<BaselineCommand>();
  auto* cmd = app.add_subcommand("baseline", "Record today's findings so that only new ones fail `scan --baseline`");
  state->scan.attach(cmd);
  cmd->add_option("-o,--output", state->output, "Baseline file to write (default: quotaguard-baseline.json)")
      ->type_name("FILE");
  cmd->add_flag("--update", state->update, "Drop entries that are no longer found from FILE; never add new ones");
  cmd->callback([state, &exit_code] { exit_code = state->run(); });
}

const Register reg{{12, attach}};

}  // namespace
}  // namespace qg::cli
