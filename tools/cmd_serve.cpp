// `quotaguard serve`: the live quota surface (src/serve): JSON API, events, /metrics, dashboard.
#include <cstdlib>

#include "command.h"
#include "serve/server.h"

namespace qg::cli {
namespace {

void attach(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<qg::serve::ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "serve the tracker's state: JSON API, live events, /metrics, a dashboard");
  cmd->add_option("--db", o->db, "the tracker's history (SQLite)");
  cmd->add_option("--config", o->config, "the tracker's config file (budgets; its db when --db is not given)");
  cmd->add_option("--redis", o->redis, "the fleet's Redis URL");
  cmd->add_option("--coverage", o->coverage, "a `quotaguard scan --format json` report: the code's coverage on the dashboard");
  cmd->add_option("--host", o->host, "address to listen on (anything but loopback needs --token)")->capture_default_str();
  cmd->add_option("--port", o->port, "port (0: any free one, printed)")->check(CLI::Range(0, 65535))->capture_default_str();
  cmd->add_option("--ws-port", o->ws_port, "the WebSocket's port (/api/v1/ws; default: --port + 1; 0: any free one, printed)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--token", o->token, "bearer token for the API and a login for the page (or QUOTAGUARD_SERVE_TOKEN)")
      ->envname("QUOTAGUARD_SERVE_TOKEN");
  cmd->add_option("--poll-ms", o->poll_ms, "how often live events look at the state")->check(CLI::Range(10, 10000))->capture_default_str();
  cmd->add_option("--heartbeat-ms", o->heartbeat_ms, "an event-stream heartbeat at least this often")
      ->check(CLI::Range(100, 60000))->capture_default_str();
  cmd->callback([o, &exit_code] { exit_code = run_reporting_errors([&] { return qg::serve::serve(*o); }); });
}

const Register reg{{70, attach}};

}  // namespace
}  // namespace qg::cli
