#include "endpoint.h"

#include <algorithm>
#include <array>
#include <utility>

namespace qg::tracker {
namespace {

// Path words of the API surface, generated from rules/openai-api-surface.tsv (sorted): any
// other segment is an object id and becomes {id}.
constexpr std::string_view kWords[] = {
#include "endpoint_words.inc"
};

bool is_word(std::string_view seg) {
  return std::binary_search(std::begin(kWords), std::end(kWords), seg);
}

struct Segments {
  std::array<std::string_view, 12> s;
  std::size_t n = 0;
};

Segments split(std::string_view path) {
  Segments out;
  std::size_t i = 0;
  while (i < path.size() && out.n < out.s.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.s[out.n++] = path.substr(i, j - i);
    i = j;
  }
  return out;
}

// The usage kind of an endpoint by the first segment of its path (after /v1); audio and
// threads look further (below).
constexpr std::pair<std::string_view, UsageKind> kKindOfResource[] = {
    {"chat", UsageKind::chat}, {"completions", UsageKind::completions}, {"engines", UsageKind::completions},
    {"responses", UsageKind::responses}, {"embeddings", UsageKind::embeddings}, {"images", UsageKind::images},
    {"moderations", UsageKind::moderations}, {"files", UsageKind::files}, {"uploads", UsageKind::uploads},
    {"vector_stores", UsageKind::vector_stores}, {"assistants", UsageKind::assistants},
    {"batches", UsageKind::batches}, {"fine_tuning", UsageKind::fine_tuning}, {"models", UsageKind::models},
    {"realtime", UsageKind::realtime}, {"conversations", UsageKind::conversations}, {"evals", UsageKind::evals},
    {"containers", UsageKind::containers}, {"videos", UsageKind::videos},
    {"organization", UsageKind::organization}, {"projects", UsageKind::organization},
    // openai 1.0-1.7's retired endpoints: /edits made completions, /fine-tunes the old fine-tuning.
    {"edits", UsageKind::completions}, {"fine-tunes", UsageKind::fine_tuning}};

constexpr std::pair<std::string_view, UsageKind> kKindOfAudio[] = {
    {"transcriptions", UsageKind::audio_transcriptions}, {"translations", UsageKind::audio_translations},
    {"speech", UsageKind::audio_speech}};

template <std::size_t N>
UsageKind lookup(const std::pair<std::string_view, UsageKind> (&table)[N], std::string_view word) {
  for (const auto& [w, kind] : table)
    if (w == word) return kind;
  return UsageKind::other;
}

UsageKind usage_kind_of(const Segments& g, std::size_t b) {
  auto at = [&](std::size_t k) { return b + k < g.n ? g.s[b + k] : std::string_view{}; };
  std::string_view a = at(0);
  if (a == "audio") return lookup(kKindOfAudio, at(1));
  if (a == "threads") {  // a run (thread and run at once: POST /threads/runs) or the thread itself
    for (std::size_t k = 1; b + k < g.n; ++k)
      if (at(k) == "runs") return UsageKind::runs;
    return UsageKind::threads;
  }
  return lookup(kKindOfResource, a);
}

void append(Endpoint& e, std::string_view s) {
  std::size_t n = std::min(s.size(), sizeof(e.key) - 1 - e.len);
  for (std::size_t k = 0; k < n; ++k) e.key[e.len + k] = s[k];
  e.len += n;
}

}  // namespace

const char* usage_kind_name(UsageKind f) {
  static constexpr const char* kNames[] = {
      "other", "chat", "completions", "responses", "embeddings", "images",
      "audio.transcriptions", "audio.translations", "audio.speech", "moderations", "files",
      "uploads", "vector_stores", "assistants", "threads", "runs", "batches", "fine_tuning",
      "models", "realtime", "conversations", "evals", "containers", "videos", "organization"};
  return kNames[static_cast<int>(f)];
}

Endpoint classify(std::string_view method, std::string_view url) {
  // Drop scheme://host, then query and fragment.
  if (auto p = url.find("://"); p != std::string_view::npos) {
    auto slash = url.find('/', p + 3);
    url = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  }
  if (auto q = url.find_first_of("?#"); q != std::string_view::npos) url = url.substr(0, q);

  Segments g = split(url);
  std::size_t b = 0;
  Endpoint e;
  if (b < g.n && g.s[b] == "openai") {  // Azure: /openai[/deployments/{d}][/v1]
    ++b;
    if (b + 1 < g.n && g.s[b] == "deployments") {
      e.deployment = g.s[b + 1];
      b += 2;
    }
  }
  if (b < g.n && (g.s[b] == "v1" || g.s[b] == "v2")) ++b;
  // A gateway prefix (e.g. /proxy/openai/v1/...) is skipped up to the last "v1".
  for (std::size_t k = g.n; k-- > b;)
    if (g.s[k] == "v1") { b = k + 1; break; }

  e.kind = usage_kind_of(g, b);
  e.is_get = method == "GET";
  for (char c : method) {
    if (e.len + 1 >= sizeof(e.key)) break;
    e.key[e.len++] = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  append(e, " ");
  if (b >= g.n) append(e, "/");
  bool last_is_word = false;
  for (std::size_t k = b; k < g.n; ++k) {
    append(e, "/");
    last_is_word = is_word(g.s[k]);
    append(e, last_is_word ? g.s[k] : std::string_view{"{id}"});
  }
  e.is_create = method == "POST" && last_is_word;
  return e;
}

}  // namespace qg::tracker
