#include "fleet_schema.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace qg::tracker::fleet_schema {

namespace {
std::vector<std::string> split_tabs(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t tab = s.find('\t', at);
    out.push_back(s.substr(at, tab == std::string::npos ? std::string::npos : tab - at));
    if (tab == std::string::npos) return out;
    at = tab + 1;
  }
}

// A name inside a field: tabs separate a field's parts, and a spooled field sits between \x1e,
// \x1f and newlines, so no control character may stay in it (names are data: any byte can come).
std::string no_tabs(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') c = ' ';
  return s;
}
}  // namespace

std::string use_key(const std::string& ns, const std::string& entity, int period, int64_t index) {
  return ns + ":use:" + entity + ":" + period_name(period) + ":" + std::to_string(index);
}
std::string counted_key(const std::string& ns, int64_t month_index) { return ns + ":counted:month:" + std::to_string(month_index); }
std::string batch_key(const std::string& ns, const std::string& batch_id) { return ns + ":batch:" + batch_id; }
std::string events_channel(const std::string& ns) { return ns + ":events"; }
std::string keep_key(const std::string& ns, const std::string& kept) { return ns + ":keep:" + kept; }
std::string keep_pattern(const std::string& ns) { return ns + ":keep:*"; }
std::string alert_key(const std::string& ns, const std::string& event) { return ns + ":alert:" + event; }

std::string usage_minute_key(const std::string& ns, int64_t minute) { return ns + ":usage:m:" + std::to_string(minute); }
std::string usage_hour_key(const std::string& ns, int64_t hour) { return ns + ":usage:h:" + std::to_string(hour); }
std::string usage_cell_field(int col, const std::string& ws, const std::string& endpoint, const std::string& model) {
  return std::string(1, kUsageCols[col]) + "\tc\t" + no_tabs(ws) + "\t" + no_tabs(endpoint) + "\t" + no_tabs(model);
}
std::string usage_key_field(int col, const std::string& key_label) {
  return std::string(1, kUsageCols[col]) + "\tk\t" + no_tabs(key_label);
}
bool parse_usage_field(const std::string& field, UsageField& out) {
  const std::vector<std::string> f = split_tabs(field);
  if (f.size() < 3 || f[0].size() != 1) return false;
  const char* at = std::char_traits<char>::find(kUsageCols, kUsageColCount, f[0][0]);
  if (!at) return false;
  UsageField u;
  u.col = static_cast<int>(at - kUsageCols);
  if (f[1] == "k" && f.size() == 3) {
    u.by_key = true;
    u.key_label = f[2];
  } else if (f[1] == "c" && f.size() == 5) {
    u.workspace = f[2];
    u.endpoint = f[3];
    u.model = f[4];
  } else {
    return false;
  }
  out = std::move(u);
  return true;
}
std::string alerts_key(const std::string& ns) { return ns + ":alerts"; }
std::string alerts_seq_key(const std::string& ns) { return ns + ":alerts:seq"; }

std::string origin_of(const std::string& db_path) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::error_code ec;
  std::string path = db_path;
  if (!db_path.empty()) {
    const std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(db_path, ec), ec);
    if (!ec) path = p.string();
  }
  uint64_t h = 1469598103934665603ull;
  for (const char c : std::string(host) + '\0' + path) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string alert_event(int64_t fleet_id) { return "alert\t" + std::to_string(fleet_id); }

bool parse_alert_event(const std::string& line, int64_t& fleet_id) {
  const std::vector<std::string> f = split_tabs(line);
  if (f.size() != 2 || f[0] != "alert" || f[1].empty()) return false;
  char* end = nullptr;
  fleet_id = std::strtoll(f[1].c_str(), &end, 10);
  return *end == 0 && fleet_id > 0;
}

std::string published(const std::string& instance, const std::string& event) { return instance + "\t" + event; }

bool split_published(const std::string& message, std::string& instance, std::string& event) {
  const auto tab = message.find('\t');
  if (tab == std::string::npos) return false;
  instance = message.substr(0, tab);
  event = message.substr(tab + 1);
  return true;
}

std::string api_event(const std::string& who, Status status, int64_t since_ms, const std::string& code, const std::string& message) {
  return "api\t" + no_tabs(who) + "\t" + status_name(status) + "\t" + std::to_string(since_ms) + "\t" + no_tabs(code) + "\t" +
         no_tabs(message);
}

std::string budget_event(const std::string& entity, int what, int period) {
  return "budget\t" + entity + "\t" + std::to_string(what * kPeriods + period);
}

bool parse_event(const std::string& line, FleetEvent& out) {
  const std::vector<std::string> f = split_tabs(line);
  FleetEvent e;
  if (f.size() == 3 && f[0] == "budget") {
    const int wp = std::atoi(f[2].c_str());
    if (wp < 0 || wp >= 3 * kPeriods) return false;
    e.kind = FleetEvent::Kind::budget;
    e.who = f[1];
    e.what = wp / kPeriods;
    e.period = wp % kPeriods;
    e.status = Status::exhausted;
    out = std::move(e);
    return true;
  }
  if (f.size() != 6 || f[0] != "api" || !parse_status(f[2], e.status)) return false;
  e.who = f[1];
  e.since_ms = std::atoll(f[3].c_str());
  e.code = f[4];
  e.message = f[5];
  out = std::move(e);
  return true;
}

}  // namespace qg::tracker::fleet_schema
