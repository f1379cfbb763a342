// CLI subcommands of the tracker, registered by the main quotaguard binary.
#pragma once
#include <CLI/CLI.hpp>

namespace qg::tracker {
// Adds `usage` and `status`; their callbacks set exit_code (0 ok, 1 a workspace is in
// trouble (status), 2 usage/IO error).
void register_cli(CLI::App& app, int& exit_code);
}  // namespace qg::tracker
