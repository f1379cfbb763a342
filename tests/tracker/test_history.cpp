#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "history.h"
#include "instants.h"
#include "sqlite_scalar.h"
#include "tracker.h"

using namespace qg::tracker;

namespace {
std::string temp_db() {
  auto dir = std::filesystem::temp_directory_path() / ("qg_hist_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / "history.db";
  std::filesystem::remove(p);
  return p.string();
}

}  // namespace

TEST_CASE("history: aggregates and ledger in SQLite (WAL), no secrets, survives a restart") {
  std::string db = temp_db();
  Config cfg;
  cfg.db_path = db;
  cfg.flush_interval_ms = 50;
  cfg.default_workspace.requests[kDay] = 10;
  cfg.clock = testing::midday();  // both trackers in the same UTC day
  {
    Tracker t{cfg};
    Exchange x;
    x.workspace = "acme";
    x.method = "POST";
    x.url = "https://api.openai.com/v1/chat/completions";
    x.request_content_type = "application/json";
    x.request_body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"SECRET PROMPT"}]})";
    x.http_status = 200;
    x.response_content_type = "application/json";
    x.response_body = R"({"id":"c1","model":"gpt-4o","choices":[{"message":{"content":"SECRET COMPLETION"}}],"usage":{"prompt_tokens":10,"completion_tokens":5}})";
    for (int i = 0; i < 6; ++i) t.record_exchange(x);
    t.flush();
    t.shutdown();
  }
  CHECK(testing::sqlite_scalar(db, "SELECT SUM(requests) FROM usage_minute") == 6);
  CHECK(testing::sqlite_scalar(db, "SELECT SUM(input_tokens) FROM usage_minute WHERE workspace='acme' AND model='gpt-4o'") == 60);
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger") == 6);
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger WHERE endpoint='POST /chat/completions'") == 6);
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM meta WHERE key='pricing_date'") == 1);
  {
    // Nothing but ids and numbers went to disk.
    std::string all;
    for (auto& f : {db, db + "-wal"}) {
      if (!std::filesystem::exists(f)) continue;
      std::FILE* fp = std::fopen(f.c_str(), "rb");
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, fp)) > 0) all.append(buf, n);
      std::fclose(fp);
    }
    CHECK(all.find("SECRET") == std::string::npos);
  }
  {
    // Restart: the day's 6 requests still count against the 10/day budget (warning at 80%).
    Tracker t{cfg};
    Call c;
    c.workspace = "acme";
    c.method = "POST";
    c.path = "/v1/embeddings";
    c.http_status = 200;
    c.model = "text-embedding-3-small";
    for (int i = 0; i < 3; ++i) t.record(c);
    for (int i = 0; i < 200 && t.status("acme") == Status::normal; ++i) usleep(5000);
    CHECK(t.status("acme") == Status::warning);  // 9 of 10 = 90%: past 80%, short of 95%
  }
}
