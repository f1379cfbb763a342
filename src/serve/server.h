// `quotaguard serve`: the JSON API, the live events, /metrics and the dashboard over HTTP.
#pragma once
#include <string>

#include "otlp_options.h"
#include "reconciler.h"

namespace qg::serve {

struct ServeOptions {
  std::string db;           // the tracker's SQLite history
  std::string config;       // the tracker's config file (budgets; its `db` when --db is not given)
  std::string coverage;     // a `scan --format json` report shown beside the traffic (coverage.h)
  std::string redis;        // the fleet's Redis (else the config's `redis`): docs/serve.md#fleet
  std::string host = "127.0.0.1";
  int port = 8787;          // 0: any free port (printed)
  int ws_port = -1;         // a port of the WebSocket's own besides the HTTP port (websocket.h): -1 none; 0 any free
  std::string token;        // required to bind anything but loopback
  int poll_ms = 100;        // how often the live events look at the state
  int heartbeat_ms = 2000;  // an SSE heartbeat at least this often
  int max_event_clients = 64;
  double rate_per_second = 200, rate_burst = 400;  // per client address
  ReconcileOptions reconcile;  // with an admin key: what OpenAI billed against what was tracked
  OtlpOptions otlp;            // with an endpoint: the metrics pushed to an OpenTelemetry collector
};

// Serves until SIGINT or SIGTERM. Returns the exit code (2: a usage or bind error, said on stderr).
int serve(const ServeOptions& options);

}  // namespace qg::serve
