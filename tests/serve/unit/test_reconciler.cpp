// The reconciler's tracked side (src/serve/reconciler.cpp) against a source whose fleet answers
// some queries and not others, and a loopback Usage and Costs API (cpp-httplib): which side each
// figure of one poll comes from, and how often the history is read.
#include <doctest/doctest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "serve/event_log.h"
#include "serve/reconciler.h"

namespace qg::serve {
namespace {

constexpr int64_t kNowS = 1773577800;  // 2026-03-15 12:30 UTC
constexpr int64_t kHourS = kNowS / 3600 * 3600, kDayS = kNowS / 86400 * 86400;

// The organization API billing 300 tokens of gpt-4o-mini in this hour and $1 today.
class FakeUsageApi {
 public:
  FakeUsageApi() {
    auto page = [](nlohmann::json data) { return nlohmann::json{{"object", "page"}, {"data", std::move(data)}, {"has_more", false}}.dump(); };
    svr_.Get("/v1/organization/usage/completions", [page](const httplib::Request&, httplib::Response& res) {
      res.set_content(page({{{"start_time", kHourS}, {"results", {{{"model", "gpt-4o-mini"}, {"api_key_id", "key_a"}, {"input_tokens", 200},
                                                                  {"output_tokens", 100}, {"num_model_requests", 3}}}}}}),
                      "application/json");
    });
    svr_.Get("/v1/organization/usage/embeddings", [page](const httplib::Request&, httplib::Response& res) {
      res.set_content(page(nlohmann::json::array()), "application/json");
    });
    svr_.Get("/v1/organization/costs", [page](const httplib::Request&, httplib::Response& res) {
      res.set_content(page({{{"start_time", kDayS}, {"results", {{{"amount", {{"value", 1.0}, {"currency", "usd"}}}}}}}}), "application/json");
    });
    svr_.Get("/v1/organization/projects", [page](const httplib::Request&, httplib::Response& res) {
      res.set_content(page(nlohmann::json::array()), "application/json");
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    // Listening from bind_to_any_port: a request before the accept loop waits in the backlog.
  }
  ~FakeUsageApi() {
    svr_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  httplib::Server svr_;
  int port_ = 0;
  std::thread thread_;
};

UsageRow row(const std::string& key, double input, double output, double usd) {
  UsageRow r{key, {}};
  r.totals.calls = r.totals.requests = 1;
  r.totals.input_tokens = input;
  r.totals.output_tokens = output;
  r.totals.cost_usd = usd;
  return r;
}

// This host's history tracked 30 tokens and $0.10 of it; the fleet (every host) 300 tokens and
// $0.90, and answers its first `fleet_answers` usage queries, then is away (as FleetSource says
// when Redis fails: this host's history, degraded, a note). fleet_answers < 0: no fleet at all.
class Source final : public StateSource {
 public:
  explicit Source(int fleet_answers) : fleet_answers_(fleet_answers) {}
  int history_reads = 0;
  std::vector<int64_t> history_hours_read;

  std::vector<WorkspaceStatus> statuses() override { return {}; }
  std::vector<UsageRow> usage(UsageKey by, int64_t since_ms, int64_t) override {
    ++history_reads;
    if (by == UsageKey::model) history_hours_read.push_back(since_ms / 1000);
    if (since_ms / 1000 != kHourS && by == UsageKey::model) return {};
    return {row(by == UsageKey::model ? "gpt-4o-mini" : "team", 20, 10, 0.10)};
  }
  UsageAnswer usage_answer(UsageKey by, int64_t since_ms, int64_t until_ms) override {
    if (fleet_answers_ < 0) return {usage(by, since_ms, until_ms)};
    if (fleet_answers_ == 0) {
      UsageAnswer a{usage(by, since_ms, until_ms)};
      a.degraded = true;
      a.note = "the fleet's Redis cannot be read: this host's history only";
      return a;
    }
    --fleet_answers_;
    UsageAnswer a;
    a.source = "fleet";
    if (by == UsageKey::model && since_ms / 1000 == kHourS) a.rows = {row("gpt-4o-mini", 200, 100, 0.90)};
    if (by == UsageKey::workspace) a.rows = {row("team", 200, 100, 0.60), row("other", 0, 0, 0.30)};
    return a;
  }
  UsageTotals usage_of(const std::string&, int64_t, int64_t) override {
    ++history_reads;
    return row("*", 20, 10, 0.10).totals;
  }
  std::vector<AlertRecord> alerts_after(int64_t, int) override { return {}; }
  std::vector<AlertRecord> recent_alerts(int) override { return {}; }
  std::vector<CallRecord> calls_after(int64_t, int) override { return {}; }
  int64_t last_alert_id() override { return 0; }
  int64_t last_call_id() override { return 0; }
  SourceHealth health() override { return {}; }

 private:
  int fleet_answers_;
};

Reconciliation poll(FakeUsageApi& api, Source& source, int hours) {
  EventLog events(source, std::chrono::milliseconds(100), 100);
  ReconcileOptions o;
  o.base_url = api.base_url();
  o.admin_key = "sk-admin-test";
  o.hours = hours;
  Reconciler rec(o, source, events);
  rec.poll_once(kNowS * 1000);
  return rec.latest();
}

}  // namespace

TEST_CASE("a fleet answering every query: every figure is the fleet's") {
  FakeUsageApi api;
  Source source(100);
  const Reconciliation r = poll(api, source, 1);
  REQUIRE(r.error.empty());
  CHECK(std::string(r.source) == "fleet");
  CHECK_FALSE(r.degraded);
  REQUIRE(r.hours.size() == 1);
  CHECK(r.hours[0].tracked_tokens == 300);
  REQUIRE(r.days.size() == 1);
  CHECK(r.days[0].tracked_usd == doctest::Approx(0.90));
  CHECK(source.history_reads == 0);
}

// Redis fails after the token query of the poll, before its cost query: before, the day's cost
// was this host's ($0.10) beside the fleet's tokens (300), and the poll said `source: fleet`.
TEST_CASE("Redis failing between the tokens and the cost: the whole poll is this host's history, said so") {
  FakeUsageApi api;
  Source source(1);
  const Reconciliation r = poll(api, source, 1);
  REQUIRE(r.error.empty());
  CHECK(std::string(r.source) == "history");
  CHECK(r.degraded);
  CHECK(r.note == "the fleet's Redis cannot be read: this host's history only");
  REQUIRE(r.hours.size() == 1);
  CHECK(r.hours[0].tracked_tokens == 30);
  REQUIRE(r.days.size() == 1);
  CHECK(r.days[0].tracked_usd == doctest::Approx(0.10));
}

TEST_CASE("Redis failing between two hours: every hour is this host's history, each read once") {
  FakeUsageApi api;
  Source source(2);  // the first two hours of four, then away
  const Reconciliation r = poll(api, source, 4);
  REQUIRE(r.error.empty());
  CHECK(std::string(r.source) == "history");
  CHECK(r.degraded);
  CHECK(r.covered_tokens() == 30);
  CHECK(r.days.at(0).tracked_usd == doctest::Approx(0.10));
  std::vector<int64_t> hours = source.history_hours_read;
  std::sort(hours.begin(), hours.end());
  CHECK(hours == std::vector<int64_t>{kHourS - 3 * 3600, kHourS - 2 * 3600, kHourS - 3600, kHourS});
}

// Without a fleet, the first hour was read twice (once for the source's answer, again with the
// rest): the same figure, one query too many per poll.
TEST_CASE("no fleet: each hour of the history is read once") {
  FakeUsageApi api;
  Source source(-1);
  const Reconciliation r = poll(api, source, 3);
  REQUIRE(r.error.empty());
  CHECK(std::string(r.source) == "history");
  CHECK_FALSE(r.degraded);
  CHECK(r.note.empty());
  CHECK(r.covered_tokens() == 30);
  CHECK(r.days.at(0).tracked_usd == doctest::Approx(0.10));
  CHECK(source.history_hours_read == std::vector<int64_t>{kHourS - 2 * 3600, kHourS - 3600, kHourS});
  CHECK(source.history_reads == 4);  // three hours and one day's cost
}

}  // namespace qg::serve
