// `quotaguard usage` / `quotaguard status`: the tracker's history, from libquotaguard's CLI part.
#include "command.h"
#include "tracker/cli/commands.h"

namespace qg::cli {
namespace {

void attach(CLI::App& app, int& exit_code) { qg::tracker::register_cli(app, exit_code); }

const Register reg{{60, attach}};

}  // namespace
}  // namespace qg::cli
