// quotaguard/tracker.hpp: the public interface, forwarding to the implementation.
#include <quotaguard/tracker.hpp>

#include <algorithm>

#include "endpoint.h"
#include "extract.h"
#include "key_label.h"
#include "tracker.h"
#include "utf8.h"

namespace quotaguard {

const char* status_name(Status s) {
  static constexpr const char* kNames[] = {"normal", "warning", "degraded", "critical", "rate_limited", "exhausted"};
  return kNames[static_cast<int>(s)];
}

bool parse_status(std::string_view name, Status& out) {
  for (int i = 0; i < kStatusCount; ++i)
    if (name == status_name(static_cast<Status>(i))) {
      out = static_cast<Status>(i);
      return true;
    }
  return false;
}

const char* endpoint_kind(std::string_view method, std::string_view url) {
  return qg::tracker::usage_kind_name(qg::tracker::classify(method, url).kind);
}

const char* counter_name(int c) {
  static constexpr const char* kNames[kCounterCount] = {
      "calls", "requests", "errors", "rate_limited", "quota_errors", "server_errors", "blocked",
      "estimated", "anomalies", "input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens",
      "images", "audio_ms", "characters", "request_bytes", "response_bytes", "latency_ns"};
  return kNames[c];
}

void Alert::set(char* dst, std::size_t cap, std::string_view s) { qg::tracker::utf8_copy(s, dst, cap); }

namespace {
// The name in lowercase: the names the tracker reads are short, a longer one is none of them
// (returned empty). A name already lowercase (httpx keeps such a copy) is used as it is.
std::string_view lowered(std::string_view k, bool lowercase, char (&buf)[32]) {
  if (lowercase) return k;
  if (k.size() > sizeof buf) return {};
  for (std::size_t i = 0; i < k.size(); ++i) buf[i] = k[i] >= 'A' && k[i] <= 'Z' ? static_cast<char>(k[i] + 32) : k[i];
  return {buf, k.size()};
}

int64_t to_int(std::string_view v) {
  int64_t n = 0;
  bool any = false;
  for (char c : v) {
    if (c == '.') break;  // "-1", "59.5" -> int part
    if (c < '0' || c > '9') return any ? n : -1;
    n = n * 10 + (c - '0');
    any = true;
  }
  return any ? n : -1;
}
}  // namespace

bool read_request_header(std::string_view name, std::string_view v, Exchange& x, bool lowercase) {
  char buf[32];
  const std::string_view k = lowered(name, lowercase, buf);
  if (k == "content-type") x.request_content_type = v;
  else if (k == "x-stainless-retry-count") x.retry_count = static_cast<uint32_t>(std::max<int64_t>(to_int(v), 0));
  else if (k == "content-length") x.request_bytes = static_cast<uint64_t>(std::max<int64_t>(to_int(v), 0));
  else if (k == "authorization") { if (auto key = qg::tracker::bearer_token(v); !key.empty()) x.api_key = key; }
  else if (k == "api-key") { if (x.api_key.empty()) x.api_key = v; }  // Azure's (a bearer token wins)
  else return false;
  return true;
}

bool read_response_header(std::string_view name, std::string_view v, Exchange& x, bool lowercase) {
  char buf[32];
  const std::string_view k = lowered(name, lowercase, buf);
  if (k.size() < 11) return false;  // (every name below is longer: most headers stop here)
  if (k == "content-type") x.response_content_type = v;
  else if (k == "x-ratelimit-limit-requests") x.rl_limit_requests = to_int(v);
  else if (k == "x-ratelimit-remaining-requests") x.rl_remaining_requests = to_int(v);
  else if (k == "x-ratelimit-reset-requests") x.rl_reset_requests_ms = qg::tracker::parse_go_duration_ms(v);
  else if (k == "x-ratelimit-limit-tokens") x.rl_limit_tokens = to_int(v);
  else if (k == "x-ratelimit-remaining-tokens") x.rl_remaining_tokens = to_int(v);
  else if (k == "x-ratelimit-reset-tokens") x.rl_reset_tokens_ms = qg::tracker::parse_go_duration_ms(v);
  else if (k == "retry-after-ms") x.retry_after_ms = to_int(v);  // wins over retry-after, in any order
  else if (k == "retry-after") {
    const int64_t s = to_int(v);
    if (s >= 0 && x.retry_after_ms < 0) x.retry_after_ms = s * 1000;
  } else {
    return false;
  }
  return true;
}

SseReader::SseReader(std::string_view path)
    : impl_(std::make_unique<qg::tracker::SseReader>(qg::tracker::classify("POST", path).kind)) {}
SseReader::~SseReader() = default;
SseReader::SseReader(SseReader&&) noexcept = default;
SseReader& SseReader::operator=(SseReader&&) noexcept = default;
void SseReader::feed(std::string_view bytes) { impl_->feed(bytes); }
const ResponseUsage& SseReader::finish() { return impl_->finish(); }

std::string Tracker::effective_config(const std::string& path, const std::string& overrides) {
  qg::tracker::Config cfg;
  std::string effective, err;
  if (!qg::tracker::load_config(path, overrides, cfg, effective, err)) throw ConfigError(err);
  return effective;
}

std::unique_ptr<Tracker> Tracker::open(const std::string& path, const std::string& overrides,
                                       std::shared_ptr<const Clock> clock, std::string* effective) {
  qg::tracker::Config cfg;
  std::string text, err;
  if (!qg::tracker::load_config(path, overrides, cfg, text, err)) throw ConfigError(err);
  cfg.clock = std::move(clock);
  if (effective) *effective = std::move(text);
  return std::unique_ptr<Tracker>(new Tracker(std::make_unique<qg::tracker::Tracker>(std::move(cfg))));
}

Tracker::Tracker(std::unique_ptr<qg::tracker::Tracker> impl) : impl_(std::move(impl)) {}
Tracker::~Tracker() = default;

CheckResult Tracker::check(std::string_view workspace) { return impl_->check(workspace); }
void Tracker::record(const Call& c) { impl_->record(c); }
Status Tracker::record_exchange(const Exchange& x) { return impl_->record_exchange(x); }
Status Tracker::record_exchange_soon(const Exchange& x) { return impl_->record_soon(x); }
Status Tracker::status(std::string_view workspace) const { return impl_->status(workspace); }
void Tracker::reset(std::string_view workspace) { impl_->reset(workspace); }
UsageReport Tracker::usage(std::string_view workspace) const { return impl_->usage(workspace); }
std::vector<AccountStatus> Tracker::accounts() const { return impl_->accounts(); }
ApiSnapshot Tracker::api_snapshot() const { return impl_->api_snapshot(); }
void Tracker::restore(const ApiSnapshot& s) { impl_->restore(s); }
void Tracker::add_alert_callback(std::function<void(const Alert&)> fn) { impl_->dispatcher().add_callback(std::move(fn)); }
AlertStats Tracker::alert_stats() const { return impl_->dispatcher().stats(); }
uint64_t Tracker::ledger_dropped() const { return impl_->ledger_dropped(); }
uint64_t Tracker::flush_failures() const { return impl_->flush_failures(); }
std::string Tracker::pricing_date() const { return impl_->pricing().date(); }
int64_t Tracker::now_ms() const { return impl_->now_ms(); }
void Tracker::flush() { impl_->flush(); }
void Tracker::shutdown() { impl_->shutdown(); }

}  // namespace quotaguard
