// SQL the history's writer and its readers share. The usage query both readers run
// (`quotaguard usage`, `quotaguard serve`): one row per group with the same totals in the same
// order -- calls, requests, errors, input, cached, output and reasoning tokens, images, audio
// seconds, characters, cost in USD -- over the minutes ?1..?2 (Unix minutes, both included).
#pragma once
#include <quotaguard/tracker.hpp>
#include <sqlite3.h>

#include <string>

namespace qg::tracker {

// Grouped by API key label: read from the per-call ledger (the per-minute table has no key),
// so it needs the ledger on (tracker.ledger, the default) and a history written since labels.
constexpr const char* kByKeyLabel = "api_key";

constexpr const char* kNoKeyLabel = "(no key)";  // calls sent without a key (or blocked before one was read)

inline std::string usage_query(const std::string& group) {
  if (group == kByKeyLabel) {
    const std::string sent = "((flags & " + std::to_string(quotaguard::kFlagBlocked) + ") = 0)";  // not blocked
    return "SELECT IFNULL(api_key, ''), SUM(retry = 0), SUM" + sent + ", SUM(" + sent +
           " AND (http_status >= 400 OR http_status = 0)), SUM(input_tokens), "
           "SUM(cached_tokens), SUM(output_tokens), SUM(reasoning_tokens), SUM(images), SUM(audio_ms)/1000.0, "
           "SUM(characters), SUM(cost_usd) FROM ledger WHERE ts_ms >= ?1 * 60000 AND ts_ms < (?2 + 1) * 60000 "
           "GROUP BY 1";
  }
  return "SELECT " + group + ", SUM(calls), SUM(requests), SUM(errors), SUM(input_tokens), SUM(cached_tokens), "
         "SUM(output_tokens), SUM(reasoning_tokens), SUM(images), SUM(audio_ms)/1000.0, SUM(characters), "
         "SUM(cost_usd) FROM usage_minute WHERE minute >= ?1 AND minute <= ?2 GROUP BY 1";
}

// Whether a table has a column (histories written by older versions lack the newer ones).
inline bool has_column(sqlite3* db, const char* table, const char* column) {
  sqlite3_stmt* probe = nullptr;
  const std::string sql = std::string("SELECT ") + column + " FROM " + table + " LIMIT 0";
  const bool ok = sqlite3_prepare_v2(db, sql.c_str(), -1, &probe, nullptr) == SQLITE_OK;
  sqlite3_finalize(probe);
  return ok;
}

}  // namespace qg::tracker
