// `quotaguard scan`: findings + coverage; exit 0 clean, 1 findings, 2 usage or config error.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "command.h"
#include "core/atomic_file.h"
#include "report/report.h"
#include "scan_options.h"

namespace qg::cli {
namespace {

struct ScanCommand {
  ScanCli scan;
  std::string format = "text";
  std::string output;
  bool exit_zero = false;

  int run() {
    try {
      ScanResult result = run_scan(scan.to_options());
      report::Options ro;
      ro.color = output.empty() && scan.color_for(STDOUT_FILENO);
      std::error_code ec;
      ro.cwd = std::filesystem::current_path(ec);
      std::ostringstream text;
      report::render(format, result, ro, text);
      if (output.empty()) std::cout << text.str() << std::flush;
      else write_file_atomically(output, text.str());
      if (exit_zero) return kClean;
      return result.findings.empty() ? kClean : kFindings;
    } catch (const ConfigError& e) {
      std::cerr << "quotaguard: config error: " << e.what() << '\n';
    } catch (const UsageError& e) {
      std::cerr << "quotaguard: error: " << e.what() << '\n';
    } catch (const std::runtime_error& e) {
      std::cerr << "quotaguard: error: " << e.what() << '\n';
    }
    return kUsage;
  }
};

void attach(CLI::App& app, int& exit_code) {
  auto state = std::make_shared<ScanCommand>();
  auto* cmd = app.add_subcommand("scan", "Find API calls that bypass the tracking factory; report coverage");
  state->scan.attach(cmd);
  cmd->add_option("-f,--format", state->format, "Output format")->check(CLI::IsMember(report::formats()));
  cmd->add_option("-o,--output", state->output, "Write the report to FILE (atomically) instead of stdout");
  cmd->add_flag("--exit-zero", state->exit_zero, "Exit 0 even when there are findings");
  cmd->callback([state, &exit_code] { exit_code = state->run(); });
}

const Register reg{{10, attach}};

}  // namespace
}  // namespace qg::cli
