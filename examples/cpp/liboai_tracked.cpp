// Example: liboai-style calls recorded into libquotaguard with quotaguard::tracked().
// liboai itself is not a dependency here: `FakeLiboai` has the shape of its API (a component
// pointer per family, a Response with status_code and content) and answers like the API.
// Build: the `qg_example_liboai_tracked` target; ctest runs it.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "quotaguard/openai_adapter.hpp"

namespace fake_liboai {

struct Response {
  long status_code = 0;
  std::string content;
};

struct ChatCompletionComponent {
  Response create(const std::string& model, const std::string& /*conversation*/) {
    return {200, R"({"id":"chatcmpl-1","object":"chat.completion","model":")" + model +
                     R"(","usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,)"
                     R"("prompt_tokens_details":{"cached_tokens":20}}})"};
  }
};

struct EmbeddingComponent {
  Response create(const std::string& model, const std::string& /*input*/) {
    return {200, R"({"object":"list","model":")" + model + R"(","usage":{"prompt_tokens":8,"total_tokens":8}})"};
  }
};

struct OpenAI {
  std::unique_ptr<ChatCompletionComponent> ChatCompletion = std::make_unique<ChatCompletionComponent>();
  std::unique_ptr<EmbeddingComponent> Embedding = std::make_unique<EmbeddingComponent>();
};

}  // namespace fake_liboai

int main() {
  char err[256] = {};
  if (qg_init(nullptr, err, sizeof err) != 0) {
    std::fprintf(stderr, "qg_init: %s\n", err);
    return 2;
  }
  fake_liboai::OpenAI oai;

  // The request JSON is what liboai builds internally; pass the same (the model matters).
  const std::string chat_request = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
  auto chat = quotaguard::tracked("/v1/chat/completions", chat_request,
                                  [&] { return oai.ChatCompletion->create("gpt-4o-mini", "hi"); }, "support");
  const std::string emb_request = R"({"model":"text-embedding-3-small","input":"hello"})";
  auto emb = quotaguard::tracked("/v1/embeddings", emb_request,
                                 [&] { return oai.Embedding->create("text-embedding-3-small", "hello"); }, "support");

  std::string usage(qg_usage_json("support", 7, nullptr, 0) + 1, '\0');
  qg_usage_json("support", 7, usage.data(), usage.size());
  std::printf("%ld %ld\n%s\n", chat.status_code, emb.status_code, usage.c_str());
  qg_shutdown();
  // Two requests, 128 input tokens, 30 output tokens: the same totals the Python side reports.
  const bool ok = usage.find("\"requests\":2") != std::string::npos &&
                  usage.find("\"input_tokens\":128") != std::string::npos &&
                  usage.find("\"output_tokens\":30") != std::string::npos;
  return ok ? 0 : 1;
}
