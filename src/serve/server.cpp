#include "server.h"

#include <httplib.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "api_json.h"
#include "assets.h"
#include "budgets.h"
#include "coverage.h"
#include "event_log.h"
#include "fleet_reader.h"
#include "fleet_schema.h"
#include "fleet_source.h"
#include "http_server.h"
#include "live_source.h"
#include "metrics.h"
#include "otlp.h"
#include "query.h"
#include "rate_limit.h"
#include "reconciler.h"
#include "sqlite_source.h"
#include "tracker_config.h"
#include "websocket.h"

namespace qg::serve {

namespace {

std::atomic<httplib::Server*> g_server{nullptr};

extern "C" void on_signal(int) {
  if (auto* s = g_server.load()) s->stop();
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message,
                const std::string& parameter = {}) {
  send_json(res, error_body(code, message, parameter), status);
}

Params params_of(const httplib::Request& req) { return {req.params.begin(), req.params.end()}; }

// A Server-Sent Events stream from `after` on: the events, or a heartbeat when there is nothing
// to say, so that both ends notice a dead connection within a heartbeat.
class EventStream {
 public:
  EventStream(EventLog& log, int64_t after, bool resumed, int heartbeat_ms, std::atomic<int>& clients)
      : cursor_(log, after, resumed), heartbeat_(heartbeat_ms), clients_(clients) {}
  ~EventStream() { clients_.fetch_sub(1); }

  bool next(httplib::DataSink& sink) {
    std::string out;
    if (!started_) out += "retry: 1000\n\n";
    for (const Event& e : cursor_.next(started_ ? heartbeat_ : std::chrono::milliseconds(0))) {
      if (e.id >= 0) out += "id: " + std::to_string(e.id) + "\n";
      out += "event: " + e.type + "\ndata: " + e.data + "\n\n";
    }
    started_ = true;
    return sink.write(out.data(), out.size());
  }

 private:
  EventCursor cursor_;
  std::chrono::milliseconds heartbeat_;
  bool started_ = false;
  std::atomic<int>& clients_;
};

nlohmann::json otlp_health(const OtlpExporter* otlp) {
  if (!otlp) return nullptr;
  const OtlpHealth h = otlp->health();
  return {{"endpoint", h.endpoint}, {"last_push_ms", h.last_push_ms ? nlohmann::json(h.last_push_ms) : nlohmann::json(nullptr)},
          {"error", h.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.error)}, {"pushes", h.pushes}, {"failures", h.failures}};
}

}  // namespace

int serve(const ServeOptions& o) {
  tracker::Config cfg;
  std::string error;
  if (!o.config.empty() && !tracker::load_config_file(o.config, cfg, error)) {
    std::fprintf(stderr, "quotaguard serve: %s\n", error.c_str());
    return 2;
  }
  const std::string db = !o.db.empty() ? o.db : cfg.db_path;
  if (db.empty()) {
    std::fprintf(stderr, "quotaguard serve: give --db FILE (the tracker's history) or a --config that names one\n");
    return 2;
  }
  if (!is_loopback(o.host) && o.token.empty()) {
    std::fprintf(stderr, "quotaguard serve: --host %s is reachable from other machines: give --token (or QUOTAGUARD_SERVE_TOKEN)\n",
                 o.host.c_str());
    return 2;
  }
  // The fleet's Redis: --redis, or the config's `redis` (with its `redis_namespace`).
  const std::string redis = !o.redis.empty() ? o.redis : cfg.redis;
  tracker::RedisUrl redis_url;
  if (!redis.empty() && !tracker::parse_redis_url(redis, redis_url, error)) {
    std::fprintf(stderr, "quotaguard serve: --redis: %s\n", error.c_str());
    return 2;
  }

  SqliteSource history(db);
  tracker::Config where = cfg;
  where.db_path = db;
  LiveSource host(where.shared_state_path(), history);
  std::unique_ptr<FleetReader> fleet;
  std::unique_ptr<FleetSource> fleet_source;
  if (!redis.empty()) {
    fleet = std::make_unique<FleetReader>(redis_url, cfg.redis_namespace);
    fleet_source = std::make_unique<FleetSource>(host, *fleet, cfg, tracker::fleet_schema::origin_of(db));
  }
  StateSource& source = fleet_source ? static_cast<StateSource&>(*fleet_source) : host;
  EventLog events(source, std::chrono::milliseconds(o.poll_ms), 20000);
  Metrics metrics(source, cfg, fleet.get());
  std::unique_ptr<OtlpExporter> otlp;
  if (!o.otlp.endpoint.empty()) otlp = std::make_unique<OtlpExporter>(o.otlp, metrics, now_ms());
  std::unique_ptr<Reconciler> reconciler;
  if (!o.reconcile.admin_key.empty()) {
    reconciler = std::make_unique<Reconciler>(o.reconcile, source, events);
    metrics.set_reconciler(reconciler.get());
  }
  RateLimit limiter(o.rate_per_second, o.rate_burst);
  std::atomic<int> event_clients{0};

  // The live events as a WebSocket too: on the HTTP port (http_server.h), and on a port of its
  // own if --ws-port asks for one.
  WebSocketServer ws({o.host, o.ws_port, o.token, o.heartbeat_ms, o.max_event_clients}, events, limiter, event_clients);
  HttpServer svr([&ws](int socket) { ws.adopt(socket); });
  // Each open event stream holds a thread: room for all of them and for the API beside.
  const int threads = o.max_event_clients + 16;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  svr.set_payload_max_length(64 * 1024);
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(5, 0);

  svr.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (!limiter.allow(req.remote_addr)) {
      res.set_header("Retry-After", "1");
      send_error(res, 429, "rate_limited", "too many requests from this address; slow down");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!o.token.empty() && req.path != "/login") {
      const bool bearer = req.get_header_value("Authorization") == "Bearer " + o.token;
      const bool cookie = req.get_header_value("Cookie").find("qg_token=" + o.token) != std::string::npos;
      if (!bearer && !cookie) {
        if (req.path.rfind("/api/", 0) == 0 || req.path == "/metrics") {
          res.set_header("WWW-Authenticate", "Bearer");
          send_error(res, 401, "unauthorized", "this server needs its token: Authorization: Bearer TOKEN");
        } else {
          res.status = 401;
          res.set_content("<!doctype html><form action=/login method=post><input name=token type=password "
                          "placeholder=token autofocus><button>Sign in</button></form>", "text/html");
        }
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.Post("/login", [&](const httplib::Request& req, httplib::Response& res) {
    if (o.token.empty() || req.get_param_value("token") != o.token) {
      send_error(res, 401, "unauthorized", "wrong token");
      return;
    }
    res.set_header("Set-Cookie", "qg_token=" + o.token + "; HttpOnly; SameSite=Strict; Path=/");
    res.set_redirect("/", 303);
  });

  // Every route answers bad parameters and its own failures with a JSON error.
  auto route = [&](const char* path, const std::set<std::string>& allowed,
                   std::function<void(const Params&, httplib::Response&)> body) {
    svr.Get(path, [allowed, body](const httplib::Request& req, httplib::Response& res) {
      try {
        const Params p = params_of(req);
        check_known(p, allowed);
        body(p, res);
      } catch (const BadParameter& e) {
        send_error(res, 400, "bad_parameter", e.what(), e.parameter);
      } catch (const Unavailable& e) {
        res.set_header("Retry-After", "1");
        send_error(res, 503, "unavailable", e.what());
      }
    });
  };
  route("/api/v1/quota/status", {}, [&](const Params&, httplib::Response& res) {
    send_json(res, status_body(source.statuses(), now_ms()));
  });
  route("/api/v1/quota/usage", {"by", "since", "until"}, [&](const Params& p, httplib::Response& res) {
    const int64_t now = now_ms();
    const UsageKey by = usage_key(p);
    const int64_t since = window_start(p, now), until = window_end(p, now);
    if (until < since) throw BadParameter("until", "until is before since");
    static constexpr const char* kNames[] = {"workspace", "endpoint", "family", "model", "key"};
    send_json(res, usage_body(kNames[static_cast<int>(by)], since, until, source.usage_answer(by, since, until)));
  });
  route("/api/v1/quota/budgets", {}, [&](const Params&, httplib::Response& res) {
    const int64_t now = now_ms();
    const Budgets b = budget_uses(cfg, host, fleet.get(), now);
    send_json(res, {{"as_of_ms", now}, {"source", b.source}, {"budgets", budget_json(b, now)}});
  });
  route("/api/v1/quota/alerts", {"limit", "after_id", "after_fleet_id"}, [&](const Params& p, httplib::Response& res) {
    const int limit = static_cast<int>(int_param(p, "limit", 1, 1000, 50));
    const int64_t after = int_param(p, "after_id", 0, INT64_MAX, -1);
    const int64_t after_fleet = int_param(p, "after_fleet_id", 0, INT64_MAX, -1);
    nlohmann::json alerts = nlohmann::json::array();
    if (after_fleet >= 0) {  // the fleet's order (docs/serve.md#fleet-alert-ids)
      if (after >= 0) throw BadParameter("after_fleet_id", "after_id and after_fleet_id page two orders: give one");
      if (!fleet) throw BadParameter("after_fleet_id", "no fleet: start serve with --redis URL (or a --config that names one), or page with after_id");
      const auto kept = source.fleet_alerts_after(after_fleet, limit);
      if (!kept) {
        res.set_header("Retry-After", "1");
        return send_error(res, 503, "unavailable", "the fleet's Redis (" + fleet->health().address + ") cannot be read: " + fleet->health().error);
      }
      for (const AlertRecord& a : *kept) alerts.push_back(to_json(a));
      return send_json(res, {{"alerts", alerts}});
    }
    for (const AlertRecord& a : after >= 0 ? source.alerts_after(after, limit) : source.recent_alerts(limit))
      alerts.push_back(to_json(a));
    send_json(res, {{"alerts", alerts}});
  });
  route("/api/v1/coverage", {}, [&](const Params&, httplib::Response& res) {
    if (o.coverage.empty())
      return send_error(res, 404, "not_configured", "no scan report: start serve with --coverage report.json "
                                                    "(quotaguard scan --format json -o report.json)");
    send_json(res, coverage_body(o.coverage));
  });
  route("/api/v1/reconciliation", {}, [&](const Params&, httplib::Response& res) {
    if (!reconciler)
      return send_error(res, 404, "not_configured", "no reconciliation: start serve with --reconcile and an admin key in "
                                                    "$OPENAI_ADMIN_KEY (docs/serve.md#reconciliation)");
    send_json(res, to_json(reconciler->latest(), o.reconcile.every_s));
  });
  route("/api/v1/health", {}, [&](const Params&, httplib::Response& res) {
    const SourceHealth h = source.health();
    const int64_t now = now_ms();
    nlohmann::json history = {{"path", db}, {"readable", h.readable}, {"detail", h.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.detail)},
                              {"last_flush_ms", h.last_flush_ms ? nlohmann::json(*h.last_flush_ms) : nlohmann::json(nullptr)},
                              {"flush_interval_ms", h.flush_interval_ms ? nlohmann::json(*h.flush_interval_ms) : nlohmann::json(nullptr)}};
    nlohmann::json live = h.live_state ? nlohmann::json(*h.live_state) : nlohmann::json(nullptr);
    // A tracker writes every flush interval while it runs: much longer silence means none does,
    // and the numbers shown are as of then.
    const bool fresh = h.last_flush_ms && h.flush_interval_ms && now - *h.last_flush_ms <= 5 * *h.flush_interval_ms + 2000;
    nlohmann::json redis_health = nullptr;
    bool redis_down = false;
    if (fleet) {
      const FleetHealth f = fleet->health();
      redis_down = !f.reachable;
      redis_health = {{"address", f.address}, {"namespace", f.ns}, {"reachable", f.reachable},
                      {"error", f.reachable ? nlohmann::json(nullptr) : nlohmann::json(f.error)}, {"since_ms", f.since_ms}};
    }
    send_json(res, {{"status", !h.readable ? "unavailable" : redis_down ? "degraded" : fresh ? "ok" : "stale"},
                    {"history", history},
                    {"live_state", live},
                    {"events", {{"last_event_id", events.last_id()}, {"clients", event_clients.load()}}},
                    {"redis", redis_health},
                    {"otlp", otlp_health(otlp.get())}},
              h.readable ? 200 : 503);
  });
  svr.Get("/api/v1/events", [&](const httplib::Request& req, httplib::Response& res) {
    std::string resume = req.get_header_value("Last-Event-ID");
    if (resume.empty() && req.has_param("last_event_id")) resume = req.get_param_value("last_event_id");
    for (const auto& [name, value] : req.params)
      if (name != "last_event_id") return send_error(res, 400, "bad_parameter", "unknown parameter '" + name + "'; this route takes: last_event_id", name);
    int64_t after = events.last_id();
    if (!resume.empty() && !parse_event_id(resume, after))
      return send_error(res, 400, "bad_parameter", "last_event_id (or the Last-Event-ID header) '" + resume + "' is not an event id (digits)", "last_event_id");
    if (event_clients.fetch_add(1) >= o.max_event_clients) {
      event_clients.fetch_sub(1);
      return send_error(res, 503, "too_many_streams", "too many open event streams; retry later");
    }
    auto stream = std::make_shared<EventStream>(events, after, !resume.empty(), o.heartbeat_ms, event_clients);
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider("text/event-stream",
                                     [stream](size_t, httplib::DataSink& sink) { return stream->next(sink); });
  });
  svr.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    try {
      res.set_content(metrics.render(now_ms()), "text/plain; version=0.0.4; charset=utf-8");
    } catch (const Unavailable& e) {
      send_error(res, 503, "unavailable", e.what());
    }
  });
  svr.Get(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
    const Asset* a = find_asset(req.path);
    if (!a) return send_error(res, 404, "not_found", "no such route: " + req.path + " (see /api/v1/openapi.json)");
    res.set_content(std::string(a->body), std::string(a->content_type) + "; charset=utf-8");
  });
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    // Every route is GET (and POST /login): another method on one is 405, whatever httplib said
    // (a method it does not know leaves the path unread: 405 too).
    if (req.method != "GET" && req.method != "HEAD" && (res.status == 400 || res.status == 404) &&
        (req.path.empty() || find_asset(req.path) || req.path == "/metrics" || req.path.rfind("/api/v1/", 0) == 0)) {
      res.status = 405;
      res.set_header("Allow", "GET, HEAD");
      return send_error(res, 405, "method_not_allowed", req.method + " " + req.path + ": only GET");
    }
    send_error(res, res.status, res.status == 404 ? "not_found" : "http_" + std::to_string(res.status),
               req.method + " " + req.path + ": " + (res.status == 404 ? "no such route (see /api/v1/openapi.json)" : "refused"));
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_error(res, 500, "internal", what);
  });

  const int port = o.port == 0 ? svr.bind_to_any_port(o.host) : (svr.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    std::fprintf(stderr, "quotaguard serve: cannot listen on %s:%d\n", o.host.c_str(), o.port);
    return 2;
  }
  const int ws_port = o.ws_port >= 0 ? ws.listen(error) : port;
  if (ws_port < 0) {
    std::fprintf(stderr, "quotaguard serve: the WebSocket: %s (choose another with --ws-port)\n", error.c_str());
    return 2;
  }
  if (fleet) fleet->start([&events] { events.wake(); });
  events.start();
  ws.start();
  if (reconciler) reconciler->start();
  if (otlp) otlp->start();
  g_server = &svr;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const std::string shown = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::fprintf(stderr, "quotaguard serve: listening on http://%s:%d/ (history %s), WebSocket ws://%s:%d/api/v1/ws\n",
               shown.c_str(), port, db.c_str(), shown.c_str(), port);
  if (ws_port != port) std::fprintf(stderr, "quotaguard serve: WebSocket also on ws://%s:%d/api/v1/ws\n", shown.c_str(), ws_port);
  std::fflush(stderr);
  svr.listen_after_bind();
  g_server = nullptr;
  if (reconciler) reconciler->stop();
  if (otlp) otlp->stop();  // one last push: the collector has the final totals
  ws.stop();
  events.stop();
  if (fleet) fleet->stop();
  return 0;
}

}  // namespace qg::serve
