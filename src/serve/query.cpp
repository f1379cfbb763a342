#include "query.h"

#include <charconv>

#include "cli/time_arg.h"
#include "utc_calendar.h"

namespace qg::serve {

namespace {
const std::string* single(const Params& params, const std::string& name) {
  auto [lo, hi] = params.equal_range(name);
  if (lo == hi) return nullptr;
  return &lo->second;
}
}  // namespace

void check_known(const Params& params, const std::set<std::string>& allowed) {
  for (const auto& [name, value] : params) {
    if (!allowed.count(name)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw BadParameter(name, "unknown parameter '" + name + "'" + (list.empty() ? "; this route takes none" : "; this route takes: " + list));
    }
    if (params.count(name) > 1) throw BadParameter(name, "'" + name + "' given more than once");
  }
}

UsageKey usage_key(const Params& params) {
  const std::string* by = single(params, "by");
  if (!by || *by == "workspace") return UsageKey::workspace;
  if (*by == "endpoint") return UsageKey::endpoint;
  if (*by == "family") return UsageKey::family;
  if (*by == "model") return UsageKey::model;
  if (*by == "key") return UsageKey::key;
  throw BadParameter("by", "by='" + *by + "': use workspace, endpoint, family, model or key");
}

int64_t window_start(const Params& params, int64_t now_ms) {
  const std::string* since = single(params, "since");
  if (!since) return tracker::utc_day_start_ms(now_ms);
  if (auto t = tracker::parse_since(*since, now_ms)) return *t;
  throw BadParameter("since", "since='" + *since + "': use " + tracker::kSinceForms);
}

int64_t window_end(const Params& params, int64_t now_ms) {
  const std::string* until = single(params, "until");
  if (!until) return now_ms;
  if (auto t = tracker::parse_instant(*until)) return *t;
  throw BadParameter("until", "until='" + *until + "': give a date (2026-11-01), a UTC time (2026-11-01T12:00:00Z) or Unix seconds");
}

int64_t int_param(const Params& params, const std::string& name, int64_t lo, int64_t hi, int64_t fallback) {
  const std::string* text = single(params, name);
  if (!text) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || end != text->data() + text->size() || v < lo || v > hi)
    throw BadParameter(name, name + "='" + *text + "': an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

}  // namespace qg::serve
