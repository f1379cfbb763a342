// Endpoint identity from method + URL: strips hosts, /v1, Azure's /openai/deployments/{d}
// and object ids, so that "POST /chat/completions" is one endpoint whatever the base URL.
#pragma once
#include <cstddef>
#include <string_view>

namespace qg::tracker {

// How an endpoint reports and bills usage: what the extractor reads from its bodies and what
// an estimate may stand in for. (The scanner's "API family" is something else: the resource
// path of a call site, "chat.completions"; the tracker never uses that word.)
enum class UsageKind : unsigned char {
  other, chat, completions, responses, embeddings, images, audio_transcriptions,
  audio_translations, audio_speech, moderations, files, uploads, vector_stores, assistants,
  threads, runs, batches, fine_tuning, models, realtime, conversations, evals, containers,
  videos, organization
};
const char* usage_kind_name(UsageKind f);

struct Endpoint {
  UsageKind kind = UsageKind::other;
  bool is_get = false;
  bool is_create = false;           // POST to a collection (starts metered work)
  std::string_view deployment;      // Azure deployment name (a view into the input path)
  std::size_t len = 0;
  char key[128] = {};               // "POST /threads/{id}/runs"
  std::string_view name() const { return {key, len}; }
};

// url may be a full URL or a path, with or without a query string.
Endpoint classify(std::string_view method, std::string_view url);

}  // namespace qg::tracker
