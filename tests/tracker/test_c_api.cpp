#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "quotaguard/quotaguard.h"

TEST_CASE("C ABI: init, record, exchange, usage, status") {
  char err[256] = {};
  REQUIRE(qg_init(nullptr, err, sizeof err) == 0);
  CHECK(qg_init("/nonexistent/quotaguard-tracker.toml", err, sizeof err) == -1);
  CHECK(std::strlen(err) > 0);
  qg_call c{};
  c.workspace = "capi";
  c.workspace_len = 4;
  c.method = "POST";
  c.method_len = 4;
  c.url = "https://api.openai.com/v1/embeddings";
  c.url_len = std::strlen(c.url);
  c.model = "text-embedding-3-small";
  c.model_len = std::strlen(c.model);
  c.http_status = 200;
  c.input_tokens = 1'000'000;
  qg_record(&c);
  const char* body = R"({"error":{"type":"insufficient_quota","code":"insufficient_quota","message":"quota"}})";
  qg_exchange x{};
  x.workspace = "capi";
  x.workspace_len = 4;
  x.method = "POST";
  x.method_len = 4;
  x.url = "/v1/chat/completions";
  x.url_len = std::strlen(x.url);
  x.http_status = 429;
  x.response_content_type = "application/json";
  x.response_content_type_len = 16;
  x.response_body = body;
  x.response_body_len = std::strlen(body);
  CHECK(qg_record_exchange(&x) == QG_EXHAUSTED);
  CHECK(qg_status_of("capi", 4) == QG_EXHAUSTED);
  CHECK(std::string(qg_status_name(QG_EXHAUSTED)) == "exhausted");
  size_t need = qg_usage_json("capi", 4, nullptr, 0);
  std::string json(need + 1, '\0');
  qg_usage_json("capi", 4, json.data(), json.size());
  CHECK(json.find("\"requests\":2") != std::string::npos);
  CHECK(json.find("\"cost_usd\":0.02") != std::string::npos);  // 1M tokens at $0.02
  qg_shutdown();
}
