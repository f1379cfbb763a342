// SQLite history (WAL): per-minute aggregates per workspace/endpoint/model, an audit ledger of
// calls (ids and numbers only: never an API key, prompt or completion), alerts and the last
// status per workspace. Only the flusher thread writes; a crash loses at most one interval.
#pragma once
#include <sys/types.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "alert.h"

struct sqlite3;

namespace qg::tracker {

struct MinuteRow {
  int64_t minute;  // unix minute
  std::string workspace, endpoint, model;
  int64_t calls, requests, errors, input, cached, output, reasoning, images, audio_ms, characters, estimated;
  double cost_usd;
};

struct LedgerRow {
  int64_t ts_ms;
  std::string workspace, endpoint, model, error_code;
  int http_status, retry, flags;
  int64_t input, cached, output, reasoning, images, audio_ms, characters, request_bytes, response_bytes;
  double latency_ms, cost_usd;
  std::string api_key;  // the key's label ("sk-proj-...wxyz"); "" when none was sent
};

struct StatusRow {
  std::string workspace, status;
  int64_t since_ms, updated_ms;
};

struct PeriodUsage {
  std::string workspace;
  double requests, tokens, usd;
};

class History {
 public:
  explicit History(const std::string& path, bool read_only = false);  // throws on failure
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  void queue_alert(const Alert& a);  // any thread; written at the next flush
  void write(const std::vector<MinuteRow>& minutes, const std::vector<LedgerRow>& ledger,
             const std::vector<StatusRow>& statuses, const std::vector<std::pair<std::string, std::string>>& meta);
  // Usage per workspace since a unix-ms instant (for budgets across restarts).
  std::vector<PeriodUsage> usage_since(int64_t since_ms);
  sqlite3* db() { return db_; }

 private:
  void open();
  void reopen_if_replaced();
  void exec(const char* sql);
  void add_column_if_missing(const char* table, const char* column, const char* type);
  std::string path_;
  bool read_only_;
  std::pair<dev_t, ino_t> identity_{0, 0};
  sqlite3* db_ = nullptr;
  std::mutex alerts_mu_;
  std::vector<Alert> alerts_;
};

}  // namespace qg::tracker
