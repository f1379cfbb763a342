// `quotaguard serve`: the live quota surface (src/serve): JSON API, events, /metrics, dashboard.
#include <cstdio>
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
  cmd->add_option("--ws-port", o->ws_port, "also serve the WebSocket (/api/v1/ws, always on --port) on a port of its own (0: any free one, printed)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--token", o->token, "bearer token for the API and a login for the page (or QUOTAGUARD_SERVE_TOKEN)")
      ->envname("QUOTAGUARD_SERVE_TOKEN");
  cmd->add_option("--poll-ms", o->poll_ms, "how often live events look at the state")->check(CLI::Range(10, 10000))->capture_default_str();
  cmd->add_option("--heartbeat-ms", o->heartbeat_ms, "an event-stream heartbeat at least this often")
      ->check(CLI::Range(100, 60000))->capture_default_str();
  // Reconciliation: the admin key only ever from the environment (argv is visible to every user).
  auto reconcile = std::make_shared<bool>(false);
  auto key_env = std::make_shared<std::string>("OPENAI_ADMIN_KEY");
  qg::serve::ReconcileOptions& r = o->reconcile;
  cmd->add_flag("--reconcile", *reconcile, "compare with what OpenAI billed (the organization Usage and Costs API; needs an admin key)");
  cmd->add_option("--admin-key-env", *key_env, "the environment variable holding the admin key")->capture_default_str();
  cmd->add_option("--openai-base-url", r.base_url, "where the Usage API is")->capture_default_str();
  cmd->add_option("--reconcile-every", r.every_s, "seconds between polls of the Usage API")->check(CLI::Range(1, 86400))->capture_default_str();
  cmd->add_option("--reconcile-hours", r.hours, "hours each poll compares")->check(CLI::Range(1, 168))->capture_default_str();
  cmd->add_option("--dark-traffic-tokens", r.dark_tokens, "untracked tokens in an hour of a model that raise an alert")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 50))->capture_default_str();
  // OTLP: the OpenTelemetry exporter's own environment variables, as a collector's users expect.
  qg::serve::OtlpOptions& otlp = o->otlp;
  cmd->add_option("--otlp-endpoint", otlp.endpoint,
                  "push the metrics to this OTLP/HTTP URL (.../v1/metrics; or $OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, "
                  "or $OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics)")
      ->envname("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
  cmd->add_option("--otlp-every", otlp.every_s, "seconds between pushes")->check(CLI::Range(1, 86400))->capture_default_str();
  cmd->callback([o, reconcile, key_env, &exit_code] {
    if (o->otlp.endpoint.empty())
      if (const char* base = std::getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); base && *base) {
        std::string url = base;
        while (!url.empty() && url.back() == '/') url.pop_back();
        o->otlp.endpoint = url + "/v1/metrics";
      }
    if (!o->otlp.endpoint.empty()) {
      // Headers (a collector's API key, say) from the environment only, never argv.
      for (const char* name : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"})
        if (const char* h = std::getenv(name); h && *h) {
          std::vector<std::pair<std::string, std::string>> parsed;
          std::string error;
          if (!qg::serve::parse_otlp_headers(h, parsed, error)) {
            std::fprintf(stderr, "quotaguard serve: $%s: %s\n", name, error.c_str());
            exit_code = 2;
            return;
          }
          for (auto& kv : parsed) o->otlp.headers.push_back(std::move(kv));
        }
      if (const char* name = std::getenv("OTEL_SERVICE_NAME"); name && *name) o->otlp.service_name = name;
    }
    if (*reconcile) {
      const char* key = std::getenv(key_env->c_str());
      if (!key || !*key) {
        std::fprintf(stderr, "quotaguard serve: --reconcile needs an organization admin key in $%s (or name another variable with --admin-key-env)\n",
                     key_env->c_str());
        exit_code = 2;
        return;
      }
      o->reconcile.admin_key = key;
    }
    exit_code = run_reporting_errors([&] { return qg::serve::serve(*o); });
  });
}

const Register reg{{70, attach}};

}  // namespace
}  // namespace qg::cli
