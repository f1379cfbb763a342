// quotaguard: a thin CLI over the libraries. Subcommands live in cmd_*.cpp.
#include <algorithm>
#include <iostream>

#include "command.h"

namespace qg::cli {
std::vector<Command>& commands() {
  static std::vector<Command> registry;
  return registry;
}
}  // namespace qg::cli

int main(int argc, char** argv) {
  using namespace qg::cli;
  CLI::App app{"quotaguard: find and fix OpenAI API calls that bypass the tracking factory", "quotaguard"};
  app.set_version_flag("-V,--version", std::string("quotaguard ") + QG_VERSION);
  app.require_subcommand(1);
  int exit_code = kClean;
  auto& cmds = commands();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.order < b.order; });
  for (const auto& c : cmds) c.attach(app, exit_code);
  // CLI11 would only say "A subcommand is required" for a misspelt one.
  const auto known = [&](const char* name) {
    const auto subs = app.get_subcommands([name](const CLI::App* s) { return s->check_name(name); });
    return !subs.empty();
  };
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    std::cerr << "quotaguard: unknown command `" << argv[1] << "`; run `quotaguard --help` for the list\n";
    return kUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }
  return exit_code;
}
