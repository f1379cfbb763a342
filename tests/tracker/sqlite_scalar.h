// Reads one number from a history database, as a user's own SQL would (-1: no row).
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace qg::tracker::testing {

inline int64_t sqlite_scalar(const std::string& db, const char* sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(h, sql, -1, &s, nullptr);
  int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(h);
  return v;
}

}  // namespace qg::tracker::testing
