#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

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

namespace {
// The usage kind a resource of the SDK has: what the extractor reads for its calls.
UsageKind expected_kind(std::string resource, const std::string& method) {
  resource = resource.substr(resource.find('.') + 1);  // "client."
  if (method.rfind("create_and_run", 0) == 0) return UsageKind::runs;  // a thread and its run at once
  const std::pair<const char*, UsageKind> kTable[] = {
      {"beta.threads.runs", UsageKind::runs}, {"beta.threads", UsageKind::threads},
      {"beta.assistants", UsageKind::assistants}, {"beta.chat", UsageKind::chat},
      {"beta.realtime", UsageKind::realtime}, {"beta.responses", UsageKind::responses},
      {"beta.vector_stores", UsageKind::vector_stores}, {"edits", UsageKind::completions},
      {"fine_tunes", UsageKind::fine_tuning},
      {"chat", UsageKind::chat}, {"completions", UsageKind::completions}, {"responses", UsageKind::responses},
      {"embeddings", UsageKind::embeddings}, {"images", UsageKind::images},
      {"audio.transcriptions", UsageKind::audio_transcriptions}, {"audio.translations", UsageKind::audio_translations},
      {"audio.speech", UsageKind::audio_speech}, {"moderations", UsageKind::moderations}, {"files", UsageKind::files},
      {"uploads", UsageKind::uploads}, {"vector_stores", UsageKind::vector_stores}, {"batches", UsageKind::batches},
      {"fine_tuning", UsageKind::fine_tuning}, {"models", UsageKind::models}, {"realtime", UsageKind::realtime},
      {"conversations", UsageKind::conversations}, {"evals", UsageKind::evals}, {"containers", UsageKind::containers},
      {"videos", UsageKind::videos}, {"admin", UsageKind::organization}};
  for (auto [prefix, kind] : kTable)
    if (resource == prefix || resource.rfind(std::string(prefix) + ".", 0) == 0) return kind;
  return UsageKind::other;  // beta.chatkit, skills, content_provenance_checks: no usage of their own
}
}  // namespace

// Every HTTP call of the SDK's surface (the scanner's catalogue) is classified by the tracker:
// its path words are known (ids become {id}), and it lands in the usage kind of its resource.
TEST_CASE("endpoint: every call of rules/openai-api-surface.tsv") {
  std::ifstream in(QG_RULES_DIR "/openai-api-surface.tsv");
  REQUIRE(in);
  std::string line;
  std::getline(in, line);  // header
  int checked = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> col;
    std::size_t at = 0, tab;
    while ((tab = line.find('\t', at)) != std::string::npos) {
      col.push_back(line.substr(at, tab - at));
      at = tab + 1;
    }
    col.push_back(line.substr(at));
    REQUIRE(col.size() >= 5);
    const std::string& verb = col[2];
    std::string path = col[3].substr(0, col[3].find_first_of(" ?"));  // "(stream=true)", "?beta=true"
    if ((verb != "GET" && verb != "POST" && verb != "DELETE") || path.empty() || path[0] != '/') continue;  // helpers, WebSockets
    std::string url = "https://api.openai.com/v1", want = verb + " ";
    for (std::size_t i = 0; i < path.size();) {
      if (path[i] == '{') {
        std::size_t close = path.find('}', i);
        url += "obj_" + std::to_string(i);  // an id, whatever its shape
        want += "{id}";
        i = close + 1;
      } else {
        url += path[i];
        want += path[i++];
      }
    }
    CAPTURE(line);
    Endpoint e = classify(verb, url);
    CHECK(e.name() == want);
    CHECK(e.kind == expected_kind(col[0], col[1]));
    if (col[4] == "yes") CHECK(e.kind != UsageKind::other);  // what bills is counted under a kind
    ++checked;
  }
  CHECK(checked > 280);
}
