// C++ applications record their OpenAI calls into the same tracker as the Python transport.
// Header-only, over the C ABI (quotaguard.h): hand it what liboai's Response or openai-cpp's JSON
// results expose — endpoint, request JSON, HTTP status, response body — and it extracts usage
// and cost exactly as the Python transport does (same extractor, same pricing, same budgets).
//
//   quotaguard::TrackedCall call("POST", "/v1/chat/completions", request_json);
//   call.ensure_allowed();                       // throws QuotaExhausted before sending
//   liboai::Response r = oai.ChatCompletion->create(...);
//   call.finish(r.status_code, r.content);       // records tokens, cost, status, latency
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "quotaguard/quotaguard.h"

namespace quotaguard {

// Thrown before a request is sent when its workspace's quota is exhausted.
class QuotaExhausted : public std::runtime_error {
 public:
  explicit QuotaExhausted(std::string_view workspace)
      : std::runtime_error("quotaguard: OpenAI quota exhausted for workspace '" +
                           std::string(workspace.empty() ? "default" : workspace) +
                           "'; not sending (see `quotaguard status`)") {}
};

struct Exchange {
  std::string_view method = "POST";
  std::string_view endpoint;              // "/v1/chat/completions" or a full URL (Azure too)
  std::string_view request_body;          // the JSON sent (model, speech `input`, ...)
  std::string_view request_content_type = "application/json";
  int http_status = 0;                    // 0: no response (transport error)
  std::string_view response_body;         // JSON, or an SSE stream as received
  std::string_view response_content_type = "application/json";
  std::string_view workspace;             // empty: the default workspace
  unsigned retry_count = 0;               // 0 for the first attempt of a logical call
  std::chrono::nanoseconds latency{0};
};

// Records one HTTP exchange; returns the workspace's status after it.
inline qg_status record(const Exchange& e) {
  qg_exchange x{};
  auto set = [](const char*& p, size_t& n, std::string_view s) {
    p = s.empty() ? nullptr : s.data();
    n = s.size();
  };
  set(x.workspace, x.workspace_len, e.workspace);
  set(x.method, x.method_len, e.method);
  set(x.url, x.url_len, e.endpoint);
  set(x.request_content_type, x.request_content_type_len, e.request_content_type);
  set(x.request_body, x.request_body_len, e.request_body);
  x.http_status = e.http_status;
  set(x.response_content_type, x.response_content_type_len, e.response_content_type);
  set(x.response_body, x.response_body_len, e.response_body);
  x.retry_count = e.retry_count;
  x.latency_ns = static_cast<uint64_t>(e.latency.count());
  return qg_record_exchange(&x);
}

inline qg_status status(std::string_view workspace = {}) {
  return qg_status_of(workspace.empty() ? nullptr : workspace.data(), workspace.size());
}

// One logical call: measures latency from construction, refuses to start when exhausted,
// records on finish(). Keep the strings alive until finish() (they are views).
class TrackedCall {
 public:
  TrackedCall(std::string_view method, std::string_view endpoint, std::string_view request_json,
              std::string_view workspace = {})
      : started_(std::chrono::steady_clock::now()) {
    exchange_.method = method;
    exchange_.endpoint = endpoint;
    exchange_.request_body = request_json;
    exchange_.workspace = workspace;
  }

  void ensure_allowed() const {
    if (status(exchange_.workspace) == QG_EXHAUSTED) throw QuotaExhausted(exchange_.workspace);
  }

  // `retry` numbers the attempts of one logical call (x-stainless-retry-count semantics).
  qg_status finish(int http_status, std::string_view response_body, unsigned retry = 0,
                   std::string_view response_content_type = "application/json") {
    exchange_.http_status = http_status;
    exchange_.response_body = response_body;
    exchange_.response_content_type = response_content_type;
    exchange_.retry_count = retry;
    exchange_.latency = std::chrono::steady_clock::now() - started_;
    return record(exchange_);
  }

 private:
  Exchange exchange_;
  std::chrono::steady_clock::time_point started_;
};

// Wraps a call that returns a liboai-style response (`.status_code`, `.content`) or throws.
// A thrown exception is recorded as a failed exchange (status 0) and rethrown.
template <class Send>
auto tracked(std::string_view endpoint, std::string_view request_json, Send&& send, std::string_view workspace = {})
    -> decltype(send()) {
  TrackedCall call("POST", endpoint, request_json, workspace);
  call.ensure_allowed();
  try {
    auto response = send();
    call.finish(static_cast<int>(response.status_code), response.content);
    return response;
  } catch (...) {
    call.finish(0, {});
    throw;
  }
}

}  // namespace quotaguard
