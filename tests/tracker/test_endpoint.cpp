#include <doctest/doctest.h>

#include <string>

#include "endpoint.h"

using namespace qg::tracker;

TEST_CASE("endpoint: base URLs, /v1, Azure deployments and ids are normalised") {
  CHECK(classify("POST", "https://api.openai.com/v1/chat/completions").name() == "POST /chat/completions");
  CHECK(classify("POST", "https://eu.api.openai.com/v1/chat/completions?x=1").name() == "POST /chat/completions");
  CHECK(classify("POST", "/v1/embeddings").name() == "POST /embeddings");
  auto az = classify("POST", "https://r.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21");
  CHECK(az.name() == "POST /chat/completions");
  CHECK(az.deployment == "my-gpt4o");
  CHECK(az.kind == UsageKind::chat);
  CHECK(classify("POST", "https://r.openai.azure.com/openai/v1/responses").name() == "POST /responses");
  CHECK(classify("GET", "/v1/threads/thread_abc/runs/run_abc").name() == "GET /threads/{id}/runs/{id}");
  CHECK(classify("GET", "/v1/threads/thread_abc/runs/run_abc").kind == UsageKind::runs);
  CHECK(classify("POST", "/v1/threads/runs").kind == UsageKind::runs);
  CHECK(classify("POST", "/v1/threads").kind == UsageKind::threads);
  CHECK(classify("POST", "/v1/vector_stores/vs_1/files").name() == "POST /vector_stores/{id}/files");
  CHECK(classify("POST", "/v1/audio/transcriptions").kind == UsageKind::audio_transcriptions);
  CHECK(classify("POST", "/v1/audio/speech").kind == UsageKind::audio_speech);
  CHECK(classify("post", "http://127.0.0.1:8080/proxy/v1/images/generations").name() == "POST /images/generations");
  CHECK(classify("GET", "/v1/models/gpt-4o").name() == "GET /models/{id}");
  CHECK(classify("POST", "/v1/responses").is_create);
  CHECK_FALSE(classify("GET", "/v1/responses/resp_1").is_create);
}

TEST_CASE("endpoint: hostile paths stay bounded") {
  std::string long_path = "/v1";
  for (int i = 0; i < 500; ++i) long_path += "/segment_that_is_long_" + std::to_string(i);
  auto e = classify("POST", long_path);
  CHECK(e.len < sizeof e.key);
  CHECK(classify("", "").name() == " /");
  CHECK(classify("GET", "////").name() == "GET /");
}
