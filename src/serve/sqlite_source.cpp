#include "sqlite_source.h"

#include <sqlite3.h>

#include <map>
#include <string_view>

#include "endpoint.h"
#include "history_sql.h"
#include "query.h"
#include "types.h"

namespace qg::serve {

namespace {

// A prepared statement that finalizes itself. Never an empty answer for a failure: a UI that
// shows "no trouble" because it could not read is what this server exists to prevent.
class Query {
 public:
  Query(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) {
      std::string e = sqlite3_errmsg(db);
      sqlite3_finalize(st_);
      throw Unavailable("history: " + e);
    }
  }
  ~Query() { sqlite3_finalize(st_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Query& bind(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw Unavailable(std::string("history: ") + sqlite3_errstr(rc));
    return false;
  }
  std::string text(int i) const {
    auto* t = sqlite3_column_text(st_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t i64(int i) const { return sqlite3_column_int64(st_, i); }
  double dbl(int i) const { return sqlite3_column_double(st_, i); }

 private:
  sqlite3_stmt* st_ = nullptr;
};

constexpr const char* kTotals =
    "SUM(calls), SUM(requests), SUM(errors), SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens), "
    "SUM(reasoning_tokens), SUM(images), SUM(audio_ms)/1000.0, SUM(characters), SUM(cost_usd)";

UsageTotals totals_at(const Query& q, int first) {
  UsageTotals t;
  double* f[] = {&t.calls, &t.requests, &t.errors, &t.input_tokens, &t.cached_tokens, &t.output_tokens,
                 &t.reasoning_tokens, &t.images, &t.audio_seconds, &t.characters, &t.cost_usd};
  for (int i = 0; i < 11; ++i) *f[i] = q.dbl(first + i);
  return t;
}

}  // namespace

std::string family_of(std::string_view endpoint) {
  const auto space = endpoint.find(' ');
  if (space == std::string_view::npos) return "other";
  return tracker::usage_kind_name(tracker::classify(endpoint.substr(0, space), endpoint.substr(space + 1)).kind);
}

void UsageTotals::add(const UsageTotals& o) {
  calls += o.calls; requests += o.requests; errors += o.errors; input_tokens += o.input_tokens;
  cached_tokens += o.cached_tokens; output_tokens += o.output_tokens; reasoning_tokens += o.reasoning_tokens;
  images += o.images; audio_seconds += o.audio_seconds; characters += o.characters; cost_usd += o.cost_usd;
}

SqliteSource::SqliteSource(std::string path) : path_(std::move(path)) {}

SqliteSource::~SqliteSource() { sqlite3_close(db_); }

sqlite3* SqliteSource::open_locked() {
  if (!try_open_locked()) throw Unavailable(error_);
  return db_;
}

bool SqliteSource::try_open_locked() {
  if (db_) return true;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    error_ = path_ + ": " + (db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 2000);
  // A file that is not a history (or not yet one) fails here, not at the first query.
  sqlite3_stmt* probe = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM usage_minute, status, alerts, ledger LIMIT 1", -1, &probe, nullptr) != SQLITE_OK) {
    error_ = path_ + ": not a quotaguard history (" + sqlite3_errmsg(db) + ")";
    sqlite3_close(db);
    return false;
  }
  sqlite3_finalize(probe);
  error_.clear();
  db_ = db;
  return true;
}

std::vector<WorkspaceStatus> SqliteSource::statuses() {
  std::lock_guard lock(mu_);
  std::vector<WorkspaceStatus> out;
  // The reason is the status alert of this episode that names a cause: an API error or budget
  // before "evaluation" (a state derived from another, as every workspace from a global
  // exhaustion), this workspace's before another's, the newest first.
  auto pick = [](const char* column) {
    return std::string("(SELECT ") + column + " FROM (SELECT a." + column +
           ", (a.code = 'evaluation') * 2 + (a.workspace <> s.workspace) AS rank, a.rowid AS id FROM alerts a "
           "WHERE a.kind = 'status' AND a.status = s.status AND a.ts_ms >= s.since_ms - 1000) ORDER BY rank, id DESC LIMIT 1)";
  };
  Query q(open_locked(), "SELECT s.workspace, s.status, s.since_ms, s.updated_ms, " + pick("message") + ", " +
                             pick("code") + " FROM status s ORDER BY s.workspace");
  while (q.step()) out.push_back({q.text(0), q.text(1), q.i64(2), q.i64(3), q.text(4), q.text(5)});
  return out;
}

std::vector<UsageRow> SqliteSource::usage(UsageKey by, int64_t since_ms, int64_t until_ms) {
  std::lock_guard lock(mu_);
  sqlite3* db = open_locked();
  const char* column = by == UsageKey::model ? "model" : by == UsageKey::workspace ? "workspace"
                       : by == UsageKey::key ? tracker::kByKeyLabel : "endpoint";
  if (by == UsageKey::key && !tracker::has_column(db, "ledger", "api_key"))
    throw BadParameter("by", "by=key: this history was written before quotaguard recorded API key labels");
  Query q(db, tracker::usage_query(column) + " ORDER BY 1");
  q.bind(1, since_ms / 60000).bind(2, until_ms / 60000);
  std::map<std::string, UsageTotals> rows;
  while (q.step()) {
    std::string key = by == UsageKey::family ? family_of(q.text(0)) : q.text(0);
    if (by == UsageKey::key && key.empty()) key = tracker::kNoKeyLabel;
    rows[key].add(totals_at(q, 1));
  }
  std::vector<UsageRow> out;
  for (auto& [key, totals] : rows) out.push_back({key, totals});
  return out;
}

UsageTotals SqliteSource::usage_of(const std::string& workspace, int64_t since_ms, int64_t until_ms) {
  std::lock_guard lock(mu_);
  Query q(open_locked(), std::string("SELECT ") + kTotals +
                            " FROM usage_minute WHERE minute >= ? AND minute <= ? AND (?3 = '*' OR workspace = ?3)");
  q.bind(1, since_ms / 60000).bind(2, until_ms / 60000).bind(3, workspace);
  return q.step() ? totals_at(q, 0) : UsageTotals{};
}

std::vector<AlertRecord> SqliteSource::alerts_where(const char* sql, int64_t a, int64_t b) {
  std::lock_guard lock(mu_);
  Query q(open_locked(), std::string("SELECT rowid, ts_ms, kind, workspace, status, previous, code, message FROM alerts ") + sql);
  q.bind(1, a).bind(2, b);
  std::vector<AlertRecord> out;
  while (q.step()) out.push_back({q.i64(0), q.i64(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7)});
  return out;
}

std::vector<AlertRecord> SqliteSource::alerts_after(int64_t after_id, int limit) {
  return alerts_where("WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", after_id, limit);
}

std::vector<AlertRecord> SqliteSource::recent_alerts(int limit) {
  return alerts_where("WHERE ?1 = ?1 ORDER BY rowid DESC LIMIT ?2", 0, limit);
}

std::vector<CallRecord> SqliteSource::calls_after(int64_t after_id, int limit) {
  std::lock_guard lock(mu_);
  sqlite3* db = open_locked();
  // (a history written before key labels has no api_key column; a tracker adds it when it opens one)
  const char* key = tracker::has_column(db, "ledger", "api_key") ? "IFNULL(api_key, '')" : "''";
  Query q(db, std::string("SELECT rowid, ts_ms, workspace, endpoint, model, error_code, http_status, input_tokens, "
                          "cached_tokens, output_tokens, reasoning_tokens, latency_ms, cost_usd, flags, ") +
                  key + " FROM ledger WHERE rowid > ? ORDER BY rowid LIMIT ?");
  q.bind(1, after_id).bind(2, limit);
  std::vector<CallRecord> out;
  while (q.step())
    out.push_back({q.i64(0), q.i64(1), q.text(2), q.text(3), q.text(4), q.text(5), static_cast<int>(q.i64(6)),
                   (q.i64(13) & tracker::kFlagBlocked) != 0, q.i64(7), q.i64(8), q.i64(9), q.i64(10), q.dbl(11), q.dbl(12),
                   q.text(14)});
  return out;
}

int64_t SqliteSource::last_alert_id() {
  std::lock_guard lock(mu_);
  Query q(open_locked(), "SELECT IFNULL(MAX(rowid), 0) FROM alerts");
  return q.step() ? q.i64(0) : 0;
}

int64_t SqliteSource::last_call_id() {
  std::lock_guard lock(mu_);
  Query q(open_locked(), "SELECT IFNULL(MAX(rowid), 0) FROM ledger");
  return q.step() ? q.i64(0) : 0;
}

SourceHealth SqliteSource::health() {
  std::lock_guard lock(mu_);
  SourceHealth h;
  h.readable = try_open_locked();
  h.detail = error_;
  if (!h.readable) return h;
  Query q(db_, "SELECT key, value FROM meta WHERE key IN ('last_flush_ms', 'flush_interval_ms')");
  while (q.step()) {
    const int64_t v = q.i64(1);
    (q.text(0) == "last_flush_ms" ? h.last_flush_ms : h.flush_interval_ms) = v;
  }
  return h;
}

}  // namespace qg::serve
