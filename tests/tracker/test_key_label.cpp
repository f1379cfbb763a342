// API key labels: which key a call went out with, kept as OpenAI's dashboard shows it (kind and
// last four), never the key; in the ledger, and in histories written before labels existed.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "history.h"
#include "instants.h"
#include "key_label.h"
#include "sqlite_scalar.h"
#include "temp_tree.h"
#include "tracker.h"

using namespace qg::tracker;

namespace {
std::string label(std::string_view key) {
  char out[kKeyLabelMax];
  return std::string(api_key_label(key, out));
}

void exec(const std::string& db, const char* sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
}

const std::string kProj = "sk-proj-" + std::string(40, 'A') + "wXyZ";
const std::string kLegacy = "sk-" + std::string(44, 'b') + "9876";
}  // namespace

TEST_CASE("key label: the kind and the last four characters, never more of the key") {
  CHECK(label(kProj) == "sk-proj-...wXyZ");
  CHECK(label(kLegacy) == "sk-...9876");
  CHECK(label("sk-svcacct-" + std::string(30, 'c') + "0_-1") == "sk-svcacct-...0_-1");
  CHECK(label(std::string(28, 'f') + "beef") == "...beef");  // Azure's hex keys have no kind
  // A short key says nothing of itself: its last four would be a large part of it.
  CHECK(label("sk-test") == "sk-...(short)");
  CHECK(label("sk-worker-0") == "sk-worker-...(short)");
  CHECK(label("") == "");
  CHECK(label("   ") == "");
  // A kind is a lowercase word after sk-; anything else is part of the secret.
  CHECK(label("sk-ABCDEFG-" + std::string(30, 'x') + "1234") == "sk-...1234");
  // Control bytes, quotes and non-ASCII never reach JSON, SQL or metrics labels.
  CHECK(label("sk-" + std::string(30, 'x') + "a\"\xff\n") == "sk-...a???");
}

TEST_CASE("key label: read from Authorization (Bearer, any case) or Azure's api-key") {
  CHECK(bearer_token("Bearer sk-abc") == "sk-abc");
  CHECK(bearer_token("bearer   sk-abc") == "sk-abc");
  CHECK(bearer_token("Basic dXNlcjpwYXNz") == "");
  CHECK(bearer_token("Bearer") == "");
  Exchange x;
  CHECK(quotaguard::read_request_header("api-key", "azurekey", x));
  CHECK(x.api_key == "azurekey");
  const std::string header = "Bearer " + kProj;  // (the exchange keeps views of its headers)
  CHECK(quotaguard::read_request_header("Authorization", header, x));
  CHECK(x.api_key == kProj);  // a bearer token wins over api-key, in either order
  CHECK(quotaguard::read_request_header("api-key", "other", x));
  CHECK(x.api_key == kProj);
}

TEST_CASE("key label: each call's ledger row names its key's label, and the file holds no key") {
  const qg::test::TempTree tmp;
  const std::string db = (tmp / "labels.db").string();
  Config cfg;
  cfg.db_path = db;
  cfg.clock = testing::midday();
  {
    Tracker t{cfg};
    Exchange x;
    x.method = "POST";
    x.url = "https://api.openai.com/v1/chat/completions";
    x.http_status = 200;
    x.response_content_type = "application/json";
    x.response_body = R"({"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":5}})";
    for (int i = 0; i < 5; ++i) {
      x.api_key = i < 3 ? std::string_view(kProj) : std::string_view(kLegacy);
      t.record_exchange(x);
    }
    x.api_key = {};
    t.record_exchange(x);
    t.flush();
    t.shutdown();
  }
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger WHERE api_key = 'sk-proj-...wXyZ'") == 3);
  CHECK(testing::sqlite_scalar(db, "SELECT SUM(input_tokens) FROM ledger WHERE api_key = 'sk-...9876'") == 20);
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger WHERE api_key IS NULL") == 1);
  std::string bytes;
  for (const char* ext : {"", "-wal"}) {
    std::ifstream f(db + ext, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(f), {});
  }
  CHECK(bytes.find(std::string(40, 'A')) == std::string::npos);
  CHECK(bytes.find(std::string(44, 'b')) == std::string::npos);
}

TEST_CASE("key label: a history written before labels gains the column and keeps its rows") {
  const qg::test::TempTree tmp;
  const std::string db = (tmp / "old.db").string();
  exec(db,
       "CREATE TABLE ledger(ts_ms INTEGER NOT NULL, workspace TEXT, endpoint TEXT, model TEXT, http_status INTEGER,"
       " error_code TEXT, retry INTEGER, flags INTEGER, input_tokens INTEGER, cached_tokens INTEGER,"
       " output_tokens INTEGER, reasoning_tokens INTEGER, images INTEGER, audio_ms INTEGER, characters INTEGER,"
       " request_bytes INTEGER, response_bytes INTEGER, latency_ms REAL, cost_usd REAL);"
       "INSERT INTO ledger(ts_ms, input_tokens) VALUES (1, 7);");
  {
    History h(db);  // twice: the second finds the column there
    History again(db);
  }
  CHECK(testing::sqlite_scalar(db, "SELECT COUNT(*) FROM ledger WHERE api_key IS NULL AND input_tokens = 7") == 1);
}
