// The C++ adapter records what liboai / openai-cpp expose, exactly like the Python transport.
#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "quotaguard/openai_adapter.hpp"

namespace {
std::string usage_of(const char* ws) {
  std::string s(qg_usage_json(ws, std::strlen(ws), nullptr, 0) + 1, '\0');
  qg_usage_json(ws, std::strlen(ws), s.data(), s.size());
  return s;
}
struct Resp {
  long status_code;
  std::string content;
};
}  // namespace

TEST_CASE("adapter: tokens from a JSON body, failures, and the exhausted guard") {
  char err[256] = {};
  REQUIRE(qg_init(nullptr, err, sizeof err) == 0);

  quotaguard::TrackedCall call("POST", "https://api.openai.com/v1/chat/completions",
                               R"({"model":"gpt-4o","messages":[]})", "adapter");
  call.ensure_allowed();
  CHECK(call.finish(200, R"({"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}})") ==
        QG_NORMAL);
  std::string u = usage_of("adapter");
  CHECK(u.find("\"input_tokens\":10") != std::string::npos);
  CHECK(u.find("\"output_tokens\":5") != std::string::npos);

  // A transport exception is a recorded failure, and it propagates.
  CHECK_THROWS_AS(quotaguard::tracked("/v1/embeddings", R"({"model":"text-embedding-3-small"})",
                                      []() -> Resp { throw std::runtime_error("connection reset"); }, "adapter"),
                  std::runtime_error);
  CHECK(usage_of("adapter").find("\"requests\":2") != std::string::npos);

  // insufficient_quota flips the workspace; the next call is refused before it is sent.
  quotaguard::Exchange quota;
  quota.endpoint = "/v1/chat/completions";
  quota.http_status = 429;
  quota.response_body = R"({"error":{"type":"insufficient_quota","code":"insufficient_quota","message":"quota"}})";
  quota.workspace = "adapter";
  CHECK(quotaguard::record(quota) == QG_EXHAUSTED);
  bool sent = false;
  CHECK_THROWS_AS(quotaguard::tracked("/v1/chat/completions", "{}", [&] { sent = true; return Resp{200, "{}"}; }, "adapter"),
                  quotaguard::QuotaExhausted);
  CHECK_FALSE(sent);
  qg_shutdown();
}
