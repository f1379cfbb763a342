// Subcommands register themselves; main() only builds the app and maps errors to exit codes.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace qg::cli {

// Exit codes shared by every subcommand (ruff's convention).
enum Exit : int { kClean = 0, kFindings = 1, kUsage = 2 };

struct Command {
  int order;                                     // position in --help
  void (*attach)(CLI::App& app, int& exit_code); // adds the subcommand; its callback sets exit_code
};

std::vector<Command>& commands();

// Runs a command's body; the errors every command can meet (config, baseline, usage, I/O) become
// one line on stderr and exit 2.
int run_reporting_errors(const std::function<int()>& body);

struct Register {
  explicit Register(Command c) { commands().push_back(c); }
};

}  // namespace qg::cli
