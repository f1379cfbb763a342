#include "extract.h"

#include <algorithm>
#include <cstring>

namespace qg::tracker {
namespace {

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A streamed event whose delta carries text (content, a refusal, tool-call arguments, a
// Responses or audio "delta" string): about one model token each. The role chunk that opens a
// chat stream ("content":"") and the finish chunk ("delta":{}) carry none.
bool carries_text(std::string_view data) {
  for (std::string_view key : {"\"content\"", "\"delta\"", "\"arguments\"", "\"refusal\""}) {
    for (std::size_t at = data.find(key); at != std::string_view::npos; at = data.find(key, at + 1)) {
      std::size_t i = at + key.size();
      while (i < data.size() && (data[i] == ' ' || data[i] == ':')) ++i;
      if (i + 1 < data.size() && data[i] == '"' && data[i + 1] != '"') return true;
    }
  }
  return false;
}

bool is_audio(UsageKind k) { return k == UsageKind::audio_transcriptions || k == UsageKind::audio_translations; }

// ---- requests --------------------------------------------------------------------------

struct RequestVisitor final : JsonVisitor {
  RequestInfo& r;
  explicit RequestVisitor(RequestInfo& out) : r(out) {}
  void on_value(const JsonPath& p, JsonKind kind, std::string_view raw, std::size_t count) override {
    if (p.is("model") && kind == JsonKind::string) r.model.assign_json(raw);
    else if (p.is("stream") && kind == JsonKind::boolean) r.stream = raw == "true";
    else if (p.is("stream_options", "include_usage") && kind == JsonKind::boolean) r.include_usage = raw == "true";
    else if (p.is("input") && kind == JsonKind::string) r.characters = json_string_chars(raw);
    else if (p.is("n") && kind == JsonKind::number) r.n = json_count(raw).value;
    else if (p.is("messages") && kind == JsonKind::array_end) r.messages = count;
    if (kind == JsonKind::string && is_prompt_text(p)) r.text_chars += json_string_chars(raw);
  }

  // A string the model reads as prompt: under messages / input / prompt / instructions, and
  // itself a content, text or input value (not a role, a type or an id).
  static bool is_prompt_text(const JsonPath& p) {
    if (p.depth == 0) return false;
    const std::string_view root = p.key[0];
    if (root != "messages" && root != "input" && root != "prompt" && root != "instructions") return false;
    std::string_view own = root;
    for (int i = std::min(p.depth, JsonPath::kMax) - 1; i > 0; --i)
      if (p.key[i] != "[]") {
        own = p.key[i];
        break;
      }
    return own == "content" || own == "text" || own == root;
  }
};

std::string_view header_param(std::string_view h, std::string_view name) {
  // name="value" inside a header line; quotes optional for boundary.
  std::size_t at = 0;
  while ((at = h.find(name, at)) != std::string_view::npos) {
    if (at > 0 && h[at - 1] != ' ' && h[at - 1] != ';') {
      at += name.size();
      continue;
    }
    std::size_t v = at + name.size();
    if (v < h.size() && h[v] == '"') {
      std::size_t e = h.find('"', v + 1);
      if (e == std::string_view::npos) return {};
      return h.substr(v + 1, e - v - 1);
    }
    std::size_t e = h.find_first_of("; \r\n", v);
    return h.substr(v, e == std::string_view::npos ? h.size() - v : e - v);
  }
  return {};
}

void parse_multipart(std::string_view content_type, std::string_view body, RequestInfo& r) {
  std::string_view boundary = header_param(content_type, "boundary=");
  if (boundary.empty() || boundary.size() > 200) return;
  char delim[208] = {'\r', '\n', '-', '-'};
  std::memcpy(delim + 4, boundary.data(), boundary.size());
  std::string_view sep(delim + 2, boundary.size() + 2);   // "--b" (first part)
  std::string_view next_sep(delim, boundary.size() + 4);  // "\r\n--b"
  const char* first = static_cast<const char*>(memmem(body.data(), body.size(), sep.data(), sep.size()));
  if (!first) return;
  std::size_t pos = static_cast<std::size_t>(first - body.data()) + sep.size();
  for (int parts = 0; parts < 64; ++parts) {
    if (body.substr(pos, 2) == "--") return;  // closing delimiter
    std::size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) return;
    std::string_view headers = body.substr(pos, head_end - pos);
    std::size_t content = head_end + 4;
    const void* nx = memmem(body.data() + content, body.size() - content, next_sep.data(), next_sep.size());
    std::size_t content_end = nx ? static_cast<std::size_t>(static_cast<const char*>(nx) - body.data()) : body.size();
    std::string_view value = body.substr(content, content_end - content);
    std::string_view name = header_param(headers, "name=");
    if (name == "model") r.model.assign(value);
    else if (name == "stream") r.stream = value == "true";
    else if (name == "file" || name == "image" || name == "image[]") r.upload_bytes += value.size();
    else if (name == "n") r.n = json_count(value).value;
    if (!nx) return;
    pos = content_end + next_sep.size();
  }
}

// ---- responses -------------------------------------------------------------------------

struct ResponseVisitor final : JsonVisitor {
  ResponseUsage& u;
  UsageKind kind;
  ResponseVisitor(ResponseUsage& out, UsageKind k) : u(out), kind(k) {}

  // A usage number counts only when it is a plausible count; anything else is flagged.
  bool count(JsonKind jk, std::string_view raw, uint64_t& out) {
    if (jk == JsonKind::null) return false;
    Count c = jk == JsonKind::number ? json_count(raw) : Count{};
    if (!c.ok) {
      u.absurd = true;
      return false;
    }
    out = c.value;
    return true;
  }

  void on_value(const JsonPath& p, JsonKind jk, std::string_view raw, std::size_t n_items) override {
    if (p.depth > JsonPath::kMax) return;
    int n = p.depth;
    const std::string_view* k = p.key;
    if (n >= 1 && k[0] == "response") {  // responses stream events wrap the object
      ++k;
      --n;
    }
    if (n == 0 || (n > 1 && k[0] != "usage" && k[0] != "error")) return;

    if (n == 1) {
      std::string_view key = k[0];
      if (jk == JsonKind::string) {
        if (key == "model") u.model.assign_json(raw);
        else if (key == "id") u.id.assign_json(raw);
        else if (key == "status") u.status.assign_json(raw);
        else if (key == "type" && k == p.key) u.event_type.assign_json(raw);
        else if (key == "code" && u.event_type == "error") u.error_code.assign_json(raw);
        else if (key == "message" && u.event_type == "error") u.error_message.assign_json(raw);
      } else if (jk == JsonKind::number && key == "duration" && is_audio(kind) && !u.audio_ms) {
        u.audio_ms = json_seconds_ms(raw);
      } else if (jk == JsonKind::array_end && key == "data" && kind == UsageKind::images) {
        u.images = n_items;
      } else if (key == "usage" && jk != JsonKind::null && jk != JsonKind::object_end) {
        u.absurd = true;  // a usage that is not an object
      }
      return;
    }
    if (k[0] == "usage") {
      if (jk == JsonKind::object_end || jk == JsonKind::array_end) return;
      std::string_view a = k[1];
      if (n == 2) {
        if (jk == JsonKind::string && a == "type") return;  // transcription usage: "tokens" | "duration"
        if (a == "seconds") {
          if (jk == JsonKind::number) u.audio_ms = json_seconds_ms(raw);
          u.has_usage = true;
          return;
        }
        uint64_t* field = a == "prompt_tokens" || a == "input_tokens"       ? &u.input
                          : a == "completion_tokens" || a == "output_tokens" ? &u.output
                          : a == "total_tokens"                              ? &u.total
                                                                             : nullptr;
        if (field && count(jk, raw, *field)) u.has_usage = true;
      } else if (n == 3) {
        std::string_view b = k[2];
        if (b == "cached_tokens" && (a == "prompt_tokens_details" || a == "input_tokens_details" ||
                                     a == "input_token_details"))  // realtime's spelling
          count(jk, raw, u.cached);
        else if (b == "reasoning_tokens" && (a == "completion_tokens_details" || a == "output_tokens_details"))
          count(jk, raw, u.reasoning);
      }
      return;
    }
    if (n == 2 && k[0] == "error") {
      if (k[1] == "type" && jk == JsonKind::string) u.error_type.assign_json(raw);
      else if (k[1] == "code" && (jk == JsonKind::string || jk == JsonKind::number)) u.error_code.assign_json(raw);
      else if (k[1] == "message" && jk == JsonKind::string) u.error_message.assign_json(raw);
    }
  }
};

void finish(ResponseUsage& u) {
  // Embeddings and legacy bodies may carry only a total.
  if (u.has_usage && !u.input && !u.output && u.total) u.input = u.total;
  if (u.cached > u.input) u.cached = u.input;          // cached is a subset of input
  if (u.reasoning > u.output) u.reasoning = u.output;  // reasoning is a subset of output
}

bool terminal_event(std::string_view t) {
  return t == "response.completed" || t == "response.incomplete" || t == "response.failed" ||
         t == "transcript.text.done" || t == "image_generation.completed" || t == "image_edit.completed" ||
         t == "thread.run.completed" || t == "thread.run.failed" || t == "thread.run.incomplete" ||
         t == "thread.run.cancelled" || t == "thread.run.expired" || t == "error" ||
         t == "thread.run.requires_action";
}

void merge_event(ResponseUsage& total, const ResponseUsage& e, std::string_view event_name) {
  if (total.model.empty()) total.model = e.model;
  if (total.id.empty()) total.id = e.id;
  if (!e.status.empty()) total.status = e.status;
  if (e.has_usage) {  // usage objects are cumulative: the last one wins
    total.has_usage = true;
    total.input = e.input;
    total.cached = e.cached;
    total.output = e.output;
    total.reasoning = e.reasoning;
    total.total = e.total;
    if (e.audio_ms) total.audio_ms = e.audio_ms;
  }
  total.absurd |= e.absurd;
  if (!e.error_type.empty()) total.error_type = e.error_type;
  if (!e.error_code.empty()) total.error_code = e.error_code;
  if (!e.error_message.empty()) total.error_message = e.error_message;
  std::string_view t = !e.event_type.empty() ? e.event_type.view() : event_name;
  if (t == "image_generation.completed" || t == "image_edit.completed") ++total.images;
  if (terminal_event(t)) {
    total.complete = true;
    total.event_type.assign(t);
  }
}

}  // namespace

void SseReader::feed(std::string_view bytes) {
  if (!partial_.empty()) {  // finish the line a previous piece began
    std::size_t eol = bytes.find('\n');
    if (eol == std::string_view::npos) {
      partial_.append(bytes);
      return;
    }
    partial_.append(bytes.substr(0, eol));
    line(partial_);
    partial_.clear();
    bytes.remove_prefix(eol + 1);
  }
  for (;;) {
    std::size_t eol = bytes.find('\n');
    if (eol == std::string_view::npos) break;
    line(bytes.substr(0, eol));
    bytes.remove_prefix(eol + 1);
  }
  partial_.append(bytes);
}

const ResponseUsage& SseReader::finish() {
  if (!finished_) {
    finished_ = true;
    std::string_view rest = partial_;
    while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ')) rest.remove_suffix(1);
    if (rest == "data: [DONE]" || rest == "data:[DONE]") u_.complete = true;  // (an event cut mid-line is dropped)
    partial_.clear();
    qg::tracker::finish(u_);
  }
  return u_;
}

void SseReader::line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    event_name_ = {};
    return;
  }
  if (starts_with(line, "event:")) {
    std::string_view name = line.substr(6);
    if (!name.empty() && name[0] == ' ') name.remove_prefix(1);
    event_name_.assign(name);
    return;
  }
  if (!starts_with(line, "data:")) return;
  std::string_view data = line.substr(5);
  if (!data.empty() && data[0] == ' ') data.remove_prefix(1);
  if (data == "[DONE]") {
    u_.complete = true;
    return;
  }
  ++u_.events;
  const bool has_delta = contains(data, "delta");
  // Content deltas are most of a stream: parse them only while the model is unknown.
  std::size_t at = data.rfind("\"usage\":");  // chunks end with their usage
  std::string_view after = at == std::string_view::npos ? std::string_view{} : data.substr(at + 8);
  while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
  const bool usage = !after.empty() && after.front() == '{';
  const bool interesting = u_.model.empty() || usage || !has_delta || !event_name_.empty() || contains(data, "\"error\"");
  if (has_delta && !usage && carries_text(data)) ++u_.deltas;
  if (!interesting) return;
  ResponseUsage e;
  ResponseVisitor v(e, kind_);
  if (!json_walk(data, v)) {
    u_.malformed = true;
    return;
  }
  merge_event(u_, e, event_name_.view());
  if ((kind_ == UsageKind::chat || kind_ == UsageKind::completions) && e.has_usage) u_.complete = true;
}

RequestInfo extract_request(UsageKind kind, std::string_view content_type, std::string_view body) {
  RequestInfo r;
  if (body.empty()) return r;
  if (contains(content_type, "multipart/form-data")) {
    parse_multipart(content_type, body, r);
  } else if (body.front() == '{' || contains(content_type, "json")) {
    RequestVisitor v(r);
    json_walk(body, v);
  }
  if (kind != UsageKind::audio_speech) r.characters = 0;
  return r;
}

ResponseUsage extract_response(UsageKind kind, std::string_view content_type, std::string_view body) {
  if (contains(content_type, "event-stream") || starts_with(body, "data:") || starts_with(body, "event:")) {
    SseReader r(kind);
    r.feed(body);
    return r.finish();
  }
  ResponseUsage u;
  if (body.empty()) return u;
  std::size_t i = 0;
  while (i < body.size() && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) ++i;
  if (i == body.size() || (body[i] != '{' && body[i] != '[')) {
    // Not JSON: binary (speech, file contents) is expected; text where JSON was promised is not.
    u.malformed = contains(content_type, "json") || contains(content_type, "html") || content_type.empty();
    return u;
  }
  ResponseVisitor v(u, kind);
  if (!json_walk(body, v)) u.malformed = true;
  finish(u);
  return u;
}

int64_t parse_go_duration_ms(std::string_view s) {
  if (s.empty()) return -1;
  double total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    double v = 0, scale = 0;
    bool digits = false;
    for (; i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); ++i) {
      if (s[i] == '.') {
        if (scale) return -1;
        scale = 1;
        continue;
      }
      digits = true;
      if (scale) {
        scale /= 10;
        v += (s[i] - '0') * scale;
      } else {
        v = v * 10 + (s[i] - '0');
      }
    }
    if (!digits) return -1;
    std::string_view unit = s.substr(i);
    double mult;
    if (starts_with(unit, "ms")) { mult = 1; i += 2; }
    else if (starts_with(unit, "us")) { mult = 1e-3; i += 2; }
    else if (starts_with(unit, "ns")) { mult = 1e-6; i += 2; }
    else if (starts_with(unit, "h")) { mult = 3.6e6; i += 1; }
    else if (starts_with(unit, "m")) { mult = 6e4; i += 1; }
    else if (starts_with(unit, "s") || unit.empty()) { mult = 1e3; i += unit.empty() ? 0 : 1; }
    else return -1;
    total += v * mult;
    any = true;
    if (total > 9.0e15) return -1;
  }
  return any ? static_cast<int64_t>(total + 0.5) : -1;
}

}  // namespace qg::tracker
