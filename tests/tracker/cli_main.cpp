// A stand-in for the main quotaguard binary, to test the tracker's subcommands alone.
#include <CLI/CLI.hpp>

#include "tracker/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"quotaguard (tracker commands)"};
  app.require_subcommand(1);
  int exit_code = 0;
  qg::tracker::register_cli(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
