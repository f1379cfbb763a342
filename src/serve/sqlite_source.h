// StateSource over the tracker's SQLite history (read only, WAL: the tracker keeps writing).
#pragma once
#include <mutex>
#include <string>
#include <string_view>

#include "state_source.h"

struct sqlite3;

namespace qg::serve {

// "POST /chat/completions" -> "chat": how the endpoint reports and bills usage.
std::string family_of(std::string_view endpoint);

class SqliteSource final : public StateSource {
 public:
  // The file may not exist yet (no tracker has flushed): it is opened when it does.
  explicit SqliteSource(std::string path);
  ~SqliteSource() override;
  SqliteSource(const SqliteSource&) = delete;
  SqliteSource& operator=(const SqliteSource&) = delete;

  std::vector<WorkspaceStatus> statuses() override;
  std::vector<UsageRow> usage(UsageKey by, int64_t since_ms, int64_t until_ms) override;
  UsageTotals usage_of(const std::string& workspace, int64_t since_ms, int64_t until_ms) override;
  std::vector<AlertRecord> alerts_after(int64_t after_id, int limit) override;
  std::vector<AlertRecord> recent_alerts(int limit) override;
  std::vector<CallRecord> calls_after(int64_t after_id, int limit) override;
  int64_t last_alert_id() override;
  int64_t last_call_id() override;
  SourceHealth health() override;

 private:
  bool try_open_locked();  // false while the history cannot be read (error_ says why)
  sqlite3* open_locked();  // throws Unavailable instead
  std::vector<AlertRecord> alerts_where(const char* sql, int64_t a, int64_t b);
  std::string path_, error_;
  std::mutex mu_;
  sqlite3* db_ = nullptr;
};

}  // namespace qg::serve
