#include "history.h"
#include "history_sql.h"

#include <sqlite3.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace qg::tracker {

namespace {
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS usage_minute(
  minute INTEGER NOT NULL, workspace TEXT NOT NULL, endpoint TEXT NOT NULL, model TEXT NOT NULL,
  calls INTEGER NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0, cached_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0, reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  images INTEGER NOT NULL DEFAULT 0, audio_ms INTEGER NOT NULL DEFAULT 0, characters INTEGER NOT NULL DEFAULT 0,
  estimated INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0,
  PRIMARY KEY(minute, workspace, endpoint, model));
CREATE TABLE IF NOT EXISTS ledger(
  ts_ms INTEGER NOT NULL, workspace TEXT, endpoint TEXT, model TEXT, http_status INTEGER,
  error_code TEXT, retry INTEGER, flags INTEGER, input_tokens INTEGER, cached_tokens INTEGER,
  output_tokens INTEGER, reasoning_tokens INTEGER, images INTEGER, audio_ms INTEGER,
  characters INTEGER, request_bytes INTEGER, response_bytes INTEGER, latency_ms REAL, cost_usd REAL,
  api_key TEXT);
CREATE INDEX IF NOT EXISTS ledger_ts ON ledger(ts_ms);
CREATE TABLE IF NOT EXISTS alerts(ts_ms INTEGER, kind TEXT, workspace TEXT, status TEXT,
  previous TEXT, code TEXT, message TEXT);
CREATE TABLE IF NOT EXISTS status(workspace TEXT PRIMARY KEY, status TEXT, since_ms INTEGER, updated_ms INTEGER);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
)sql";

std::pair<dev_t, ino_t> file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {0, 0};
  return {st.st_dev, st.st_ino};
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("history: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s); }
  void text(int i, const std::string& v) { sqlite3_bind_text(s, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void text_or_null(int i, const std::string& v) { v.empty() ? void(sqlite3_bind_null(s, i)) : text(i, v); }
  void i64(int i, int64_t v) { sqlite3_bind_int64(s, i, v); }
  void dbl(int i, double v) { sqlite3_bind_double(s, i, v); }
  void run() {  // a failed row (SQLITE_FULL, a locked file) fails the whole write: it is retried
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
      throw std::runtime_error(std::string("history: ") + sqlite3_errstr(rc));
  }
};
}  // namespace

History::History(const std::string& path, bool read_only) : path_(path), read_only_(read_only) { open(); }

void History::open() {
  int flags = read_only_ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("history: cannot open " + path_ + ": " + err);
  }
  sqlite3_busy_timeout(db_, 2000);
  if (read_only_) return;
  // Setting up (WAL, the schema) waits longer than a flush would: every worker of a service
  // opens the history at once at startup, and on a loaded machine 2 s of their writes was seen
  // to fail one worker's start ("database is locked"). A flush keeps the 2 s and retries later.
  sqlite3_busy_timeout(db_, 30000);
  try {
    exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a committed flush survives a process crash (kill -9); only an OS
    // crash or power loss can lose the last commits.
    exec("PRAGMA synchronous=NORMAL");
    exec(kSchema);
    add_column_if_missing("ledger", "api_key", "TEXT");  // histories written before key labels
    sqlite3_busy_timeout(db_, 2000);
  } catch (const std::exception& e) {  // e.g. a read-only file or folder: say which file
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("history: cannot write " + path_ + ": " + (e.what() + std::strlen("history: ")));
  }
  identity_ = file_identity(path_);
}

// A history deleted or replaced under a running process (log rotation, a cleanup script) would
// otherwise take every later flush into an unlinked inode: open the path again instead.
void History::reopen_if_replaced() {
  if (read_only_ || file_identity(path_) == identity_) return;
  sqlite3_close(db_);
  db_ = nullptr;
  open();
}

History::~History() { sqlite3_close(db_); }

void History::add_column_if_missing(const char* table, const char* column, const char* type) {
  if (has_column(db_, table, column)) return;
  try {
    exec((std::string("ALTER TABLE ") + table + " ADD COLUMN " + column + " " + type).c_str());
  } catch (const std::exception&) {
    if (!has_column(db_, table, column)) throw;  // (another process of the host added it first)
  }
}

void History::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("history: " + msg);
  }
}

void History::queue_alert(const Alert& a) {
  std::lock_guard lock(alerts_mu_);
  if (alerts_.size() < 10000) alerts_.push_back(a);
}

void History::write(const std::vector<MinuteRow>& minutes, const std::vector<LedgerRow>& ledger,
                    const std::vector<StatusRow>& statuses,
                    const std::vector<std::pair<std::string, std::string>>& meta) {
  std::vector<Alert> alerts;
  {
    std::lock_guard lock(alerts_mu_);
    alerts.swap(alerts_);
  }
  if (minutes.empty() && ledger.empty() && alerts.empty() && statuses.empty()) return;
  try {
    reopen_if_replaced();
    exec("BEGIN IMMEDIATE");  // (inside: a locked database keeps the alerts for the next write)
    Stmt m(db_, "INSERT INTO usage_minute VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(minute, workspace, endpoint, model) DO UPDATE SET "
                "calls=calls+excluded.calls, requests=requests+excluded.requests, errors=errors+excluded.errors, "
                "input_tokens=input_tokens+excluded.input_tokens, cached_tokens=cached_tokens+excluded.cached_tokens, "
                "output_tokens=output_tokens+excluded.output_tokens, reasoning_tokens=reasoning_tokens+excluded.reasoning_tokens, "
                "images=images+excluded.images, audio_ms=audio_ms+excluded.audio_ms, characters=characters+excluded.characters, "
                "estimated=estimated+excluded.estimated, cost_usd=cost_usd+excluded.cost_usd");
    for (const MinuteRow& r : minutes) {
      m.i64(1, r.minute); m.text(2, r.workspace); m.text(3, r.endpoint); m.text(4, r.model);
      m.i64(5, r.calls); m.i64(6, r.requests); m.i64(7, r.errors); m.i64(8, r.input); m.i64(9, r.cached);
      m.i64(10, r.output); m.i64(11, r.reasoning); m.i64(12, r.images); m.i64(13, r.audio_ms);
      m.i64(14, r.characters); m.i64(15, r.estimated); m.dbl(16, r.cost_usd);
      m.run();
    }
    Stmt l(db_, "INSERT INTO ledger VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    for (const LedgerRow& r : ledger) {
      l.i64(1, r.ts_ms); l.text(2, r.workspace); l.text(3, r.endpoint); l.text(4, r.model);
      l.i64(5, r.http_status); l.text(6, r.error_code); l.i64(7, r.retry); l.i64(8, r.flags);
      l.i64(9, r.input); l.i64(10, r.cached); l.i64(11, r.output); l.i64(12, r.reasoning);
      l.i64(13, r.images); l.i64(14, r.audio_ms); l.i64(15, r.characters); l.i64(16, r.request_bytes);
      l.i64(17, r.response_bytes); l.dbl(18, r.latency_ms); l.dbl(19, r.cost_usd); l.text_or_null(20, r.api_key);
      l.run();
    }
    Stmt a(db_, "INSERT INTO alerts VALUES(?,?,?,?,?,?,?)");
    for (const Alert& x : alerts) {
      a.i64(1, x.ts_ms); a.text(2, x.kind); a.text(3, x.workspace); a.text(4, status_name(x.status));
      a.text(5, status_name(x.previous)); a.text(6, x.code); a.text(7, x.message);
      a.run();
    }
    Stmt s(db_, "INSERT INTO status VALUES(?,?,?,?) ON CONFLICT(workspace) DO UPDATE SET "
                "status=excluded.status, since_ms=excluded.since_ms, updated_ms=excluded.updated_ms");
    for (const StatusRow& r : statuses) {
      s.text(1, r.workspace); s.text(2, r.status); s.i64(3, r.since_ms); s.i64(4, r.updated_ms);
      s.run();
    }
    Stmt k(db_, "INSERT INTO meta VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value");
    for (const auto& [key, value] : meta) {
      k.text(1, key); k.text(2, value);
      k.run();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    std::lock_guard lock(alerts_mu_);  // the next write takes them again
    alerts.insert(alerts.end(), alerts_.begin(), alerts_.end());
    alerts.resize(std::min<std::size_t>(alerts.size(), 10000));
    alerts_.swap(alerts);
    throw;
  }
}

std::vector<PeriodUsage> History::usage_since(int64_t since_ms) {
  std::vector<PeriodUsage> out;
  Stmt q(db_, "SELECT workspace, SUM(requests), SUM(input_tokens + output_tokens), SUM(cost_usd) "
              "FROM usage_minute WHERE minute >= ? GROUP BY workspace");
  q.i64(1, since_ms / 60000);
  while (sqlite3_step(q.s) == SQLITE_ROW) {
    out.push_back({reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0)),
                   sqlite3_column_double(q.s, 1), sqlite3_column_double(q.s, 2),
                   sqlite3_column_double(q.s, 3)});
  }
  return out;
}

}  // namespace qg::tracker
