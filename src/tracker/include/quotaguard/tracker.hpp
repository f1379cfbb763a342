// libquotaguard's C++ interface: what a host (the Python module, a C++ service) records and asks.
// The implementation -- per-thread shards, windows, the host's shared state, the fleet on
// Redis -- stays in src/tracker behind quotaguard::Tracker. C callers use quotaguard.h.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quotaguard/clock.hpp"

namespace qg::tracker {
class Tracker;
class SseReader;
}  // namespace qg::tracker

namespace quotaguard {

// Ordered by severity: a workspace shows the most severe state that applies.
enum class Status : uint8_t { normal = 0, warning, degraded, critical, rate_limited, exhausted };
inline constexpr int kStatusCount = 6;
const char* status_name(Status s);
bool parse_status(std::string_view name, Status& out);

enum CallFlags : uint32_t {
  kFlagEstimated = 1,       // usage guessed (stream cut short, no usage in the body)
  kFlagStream = 2,          // SSE response
  kFlagBlocked = 4,         // stopped by policy before sending (not an HTTP request)
  kFlagTransportError = 8,  // no HTTP response (connection error, timeout)
  kFlagAnomaly = 16,        // the body's usage was not a count, or the body was not what it claimed
};

// One call whose facts the host already has (usage read by itself, or a blocked call).
struct Call {
  std::string_view workspace, method, path, model;
  std::string_view error_type, error_code, error_message;
  int http_status = 0;
  uint64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0, reasoning_tokens = 0;
  uint64_t images = 0, audio_ms = 0, characters = 0;
  uint64_t request_bytes = 0, response_bytes = 0, latency_ns = 0;
  int64_t sent_ns = 0;  // steady clock when the request left; 0: unknown (taken as now - latency)
  int64_t ts_ms = 0;    // the tracker's clock when it was recorded; 0: now (set when recorded later)
  uint32_t retry_count = 0, flags = 0;
  uint8_t account = 0;  // the credentials it was sent with (0: the client's own; see CheckResult)
  std::string_view api_key_label;  // "sk-proj-...wxyz": which key it was sent with, never the key
  // x-ratelimit-* response headers; -1 when absent.
  int64_t rl_limit_requests = -1, rl_remaining_requests = -1, rl_reset_requests_ms = -1;
  int64_t rl_limit_tokens = -1, rl_remaining_tokens = -1, rl_reset_tokens_ms = -1;
  int64_t retry_after_ms = -1;
};

// What a usage report counts, per key.
enum Counter : int {
  kCalls,          // logical calls (attempts with retry-count 0)
  kRequests,       // HTTP requests sent (every attempt)
  kErrors,         // HTTP status >= 400 or no response
  kRateLimited,    // 429 rate_limit_exceeded
  kQuotaErrors,    // 429 insufficient_quota
  kServerErrors,   // >= 500 or transport errors
  kBlocked,        // stopped by policy before sending (not requests)
  kEstimated,      // usage estimated (stream cut short, no usage reported, usage unusable)
  kAnomalies,      // usage that was not a count (negative, 1e30, 2^64-1) or a body that was not JSON
  kInput, kCached, kOutput, kReasoning,
  kImages, kAudioMs, kCharacters,
  kRequestBytes, kResponseBytes, kLatencyNs,
  kCounterCount
};
const char* counter_name(int c);

// The usage kind of an OpenAI API route ("chat", "responses", "images", ...), or "other" for a
// path that is none (Anthropic's /v1/messages): how a transport carrying other APIs' traffic
// too (LiteLLM's own HTTP client) tells what to track.
const char* endpoint_kind(std::string_view method, std::string_view url);

struct Totals {
  uint64_t v[kCounterCount] = {};
  Totals& operator+=(const Totals& o) {
    for (int i = 0; i < kCounterCount; ++i) v[i] += o.v[i];
    return *this;
  }
  uint64_t tokens() const { return v[kInput] + v[kOutput]; }
};

struct Breakdown {
  Totals totals;
  double cost_usd = 0;
};

struct UsageReport {
  Breakdown total;
  std::map<std::string, Breakdown> by_endpoint, by_model, by_workspace;
  std::vector<std::string> unpriced_models;
};

// What an SSE stream said, read in pieces (opaque: handed back through Exchange).
struct ResponseUsage;

// One HTTP exchange as the host's transport saw it; bodies are views.
struct Exchange {
  std::string_view workspace, method, url;
  std::string_view request_content_type, request_body;
  uint64_t request_bytes = 0;        // may exceed request_body.size() (streamed uploads)
  int http_status = 0;               // 0: no response (transport error)
  std::string_view response_content_type, response_body;
  const ResponseUsage* response_usage = nullptr;  // already read (a stream read in pieces)
  uint64_t response_bytes = 0;
  bool response_complete = true;     // false: the caller stopped reading early
  uint64_t latency_ns = 0;
  int64_t sent_ns = 0;               // steady clock when the request left (0: unknown)
  int64_t ts_ms = 0;                 // the tracker's clock when it was handed over (0: now)
  uint8_t account = 0;               // which credentials it was sent with (0: the client's own)
  std::string_view api_key;          // the request's key (Authorization: Bearer, or api-key); only a label is kept
  uint32_t retry_count = 0;
  int64_t rl_limit_requests = -1, rl_remaining_requests = -1, rl_reset_requests_ms = -1;
  int64_t rl_limit_tokens = -1, rl_remaining_tokens = -1, rl_reset_tokens_ms = -1;
  int64_t retry_after_ms = -1;
};

// Reads one request header the tracker uses (content type, content length, the SDK's
// x-stainless-retry-count) into x; false when it is none of those. Names compare
// case-insensitively; `lowercase`: the name is known to be lowercase already (no copy).
bool read_request_header(std::string_view name, std::string_view value, Exchange& x, bool lowercase = false);
// Reads one response header the tracker uses (content type, x-ratelimit-*, retry-after,
// retry-after-ms) into x; false when it is none of those. Names compare case-insensitively
// (`lowercase`: as read_request_header).
bool read_response_header(std::string_view name, std::string_view value, Exchange& x, bool lowercase = false);

// What to do with the next call of a workspace.
struct CheckResult {
  Status status = Status::normal;
  // allow: send it (with `account`'s credentials); block: fail fast; fallback: a budget is used
  // up, send it with the fallback model; failover: the client's own account is exhausted, send
  // it with `account`'s credentials (the configured accounts, from 1).
  enum Action { allow, block, fallback, failover } action = allow;
  uint8_t account = 0;
  int64_t since_ms = 0;
  std::string code, message;       // why, when not allowed (block, fallback)
};

// What the API said about one account (quota_scope "global") or workspace ("workspace").
struct AccountStatus {
  std::string name;                // "primary" (the client's own credentials), then the accounts
  Status status = Status::normal;  // normal | rate_limited | exhausted
  int64_t since_ms = 0;
  int64_t changed_ns = 0;          // steady clock when it left normal (CLOCK_MONOTONIC)
  std::string code, message;
};

// The API-driven states of a tracker, carried into its successor by a reconfiguration.
struct ApiSnapshot {
  struct Entry {
    bool account;                  // true: an account by name; false: a workspace by name
    std::string name;
    Status status;
    int64_t since_ms, rate_limited_until_ms;
    std::string code, message;
  };
  std::vector<Entry> entries;
};

// An alert is a fixed-size value so that the caller's thread can emit one without allocating.
struct Alert {
  int64_t ts_ms = 0;           // wall clock when raised
  int64_t mono_ns = 0;         // steady clock when raised (for latency measurement)
  Status status = Status::normal, previous = Status::normal;
  char kind[24] = {};          // status | forecast | unpriced_model | budget | dropped
  char workspace[64] = {};     // "*" = global
  char code[48] = {};          // the API's error code/type, a budget name, a model...
  char message[320] = {};

  // Valid UTF-8, cut on a code point: the JSON sinks and callbacks never see bad bytes.
  static void set(char* dst, std::size_t cap, std::string_view s);
  void set_kind(std::string_view s) { set(kind, sizeof kind, s); }
  void set_workspace(std::string_view s) { set(workspace, sizeof workspace, s); }
  void set_code(std::string_view s) { set(code, sizeof code, s); }
  void set_message(std::string_view s) { set(message, sizeof message, s); }
};

struct AlertStats {
  uint64_t emitted = 0, dropped = 0, delivered = 0;
  uint64_t webhook_sent = 0, webhook_failed = 0, webhook_dropped = 0;  // every route: failed = given up
  uint64_t webhook_retries = 0, dead_letters = 0, deduplicated = 0;
  uint64_t last_latency_ns = 0, max_latency_ns = 0;  // enqueue -> all sinks (except webhook)
  uint64_t wakeups = 0;  // the dispatcher thread woke to deliver: never while no alert is queued
};

// An SSE response body, fed piece by piece as the caller reads it: what the extractor needs is
// kept per event, never the stream.
class SseReader {
 public:
  explicit SseReader(std::string_view path);  // the request's path decides what the events mean
  ~SseReader();
  SseReader(SseReader&&) noexcept;
  SseReader& operator=(SseReader&&) noexcept;
  void feed(std::string_view bytes);
  // The stream ended (or was cut): for Exchange::response_usage.
  const ResponseUsage& finish();

 private:
  std::unique_ptr<qg::tracker::SseReader> impl_;
};

// Thrown for a configuration that cannot be used (the message names the file and line).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Tracker {
 public:
  // The effective configuration (JSON) of a file (may be empty: defaults) and JSON overrides,
  // checked, without starting anything. Throws ConfigError.
  static std::string effective_config(const std::string& path, const std::string& overrides);
  // Starts a tracker (its threads, history, shared state, fleet). A null clock is the system
  // clock. Throws ConfigError, or std::runtime_error when the history or pricing cannot be used.
  static std::unique_ptr<Tracker> open(const std::string& path, const std::string& overrides,
                                       std::shared_ptr<const Clock> clock, std::string* effective = nullptr);
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Hot path: no lock, no allocation, no I/O (an alert on a status change is a queue push).
  CheckResult check(std::string_view workspace);
  void record(const Call& c);
  // Classifies, extracts usage from the bodies, then records. Returns the workspace status.
  Status record_exchange(const Exchange& x);
  // The same, except that a 2xx may be recorded within tick_ms by the tracker's own thread when
  // nothing it could change is needed at once (no budget, no shared state, no fleet, every
  // account normal): the calling thread then only copies it (returns normal). usage() and
  // flush() count it either way.
  Status record_exchange_soon(const Exchange& x);

  // Budgets and what the API said of the account calls go to; empty = worst over everything.
  Status status(std::string_view workspace) const;
  void reset(std::string_view workspace);  // clears API-driven states (all accounts)
  UsageReport usage(std::string_view workspace = {}) const;
  std::vector<AccountStatus> accounts() const;
  ApiSnapshot api_snapshot() const;
  void restore(const ApiSnapshot& s);  // as if the API had said it to this tracker

  // Called on the alert thread for every alert, in order.
  void add_alert_callback(std::function<void(const Alert&)> fn);
  AlertStats alert_stats() const;
  uint64_t ledger_dropped() const;  // rows lost: shards full between flushes, or failed flushes
  uint64_t flush_failures() const;
  std::string pricing_date() const;
  int64_t now_ms() const;

  void flush();     // writes history now (no-op without a db)
  void shutdown();  // final flush, stops threads; idempotent

 private:
  explicit Tracker(std::unique_ptr<qg::tracker::Tracker> impl);
  std::unique_ptr<qg::tracker::Tracker> impl_;
};

}  // namespace quotaguard
