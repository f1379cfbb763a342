// The facts of one HTTP exchange with the API, as the hot path sees them.
#pragma once
#include <cstdint>
#include <string_view>

namespace qg::tracker {

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

// 429 insufficient_quota: matched on the error's type or code (2023 bodies have "code": null).
inline bool is_quota_error(std::string_view type, std::string_view code) {
  return type == "insufficient_quota" || code == "insufficient_quota";
}

struct Call {
  std::string_view workspace, method, path, model;
  std::string_view error_type, error_code, error_message;
  int http_status = 0;
  uint64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0, reasoning_tokens = 0;
  uint64_t images = 0, audio_ms = 0, characters = 0;
  uint64_t request_bytes = 0, response_bytes = 0, latency_ns = 0;
  int64_t sent_ns = 0;  // steady clock when the request left; 0: unknown (taken as now - latency)
  uint32_t retry_count = 0, flags = 0;
  uint8_t account = 0;  // the credentials it was sent with (0: the client's own; see CheckResult)
  // x-ratelimit-* response headers; -1 when absent.
  int64_t rl_limit_requests = -1, rl_remaining_requests = -1, rl_reset_requests_ms = -1;
  int64_t rl_limit_tokens = -1, rl_remaining_tokens = -1, rl_reset_tokens_ms = -1;
  int64_t retry_after_ms = -1;
};

}  // namespace qg::tracker
