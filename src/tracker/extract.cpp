#include "extract.h"

#include <cstring>

#include "json_scan.h"

namespace qg::tracker {
namespace {

bool contains(std::string_view hay, std::string_view needle) {
  // memchr on the needle's rarest-looking first byte beats memmem's setup on short lines.
  return hay.find(needle) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool is_audio(Family f) {
  return f == Family::audio_transcriptions || f == Family::audio_translations;
}

// ---- requests --------------------------------------------------------------------------

struct RequestVisitor final : JsonVisitor {
  RequestInfo& r;
  explicit RequestVisitor(RequestInfo& out) : r(out) {}
  void on_value(const JsonPath& p, JsonKind kind, std::string_view raw, std::size_t) override {
    if (p.is("model") && kind == JsonKind::string) r.model = raw;
    else if (p.is("stream") && kind == JsonKind::boolean) r.stream = raw == "true";
    else if (p.is("stream_options", "include_usage") && kind == JsonKind::boolean)
      r.include_usage = raw == "true";
    else if (p.is("input") && kind == JsonKind::string) r.characters = json_string_chars(raw);
    else if (p.is("n") && kind == JsonKind::number) r.n = json_uint(raw);
  }
};

std::string_view header_param(std::string_view h, std::string_view name) {
  // name="value" inside a header line; quotes optional for boundary.
  std::size_t at = 0;
  while ((at = h.find(name, at)) != std::string_view::npos) {
    if (at > 0 && h[at - 1] != ' ' && h[at - 1] != ';') { at += name.size(); continue; }
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
  std::string_view sep(delim + 2, boundary.size() + 2);       // "--b" (first part)
  std::string_view next_sep(delim, boundary.size() + 4);      // "\r\n--b"
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
    if (name == "model") r.model = value;
    else if (name == "stream") r.stream = value == "true";
    else if (name == "file" || name == "image" || name == "image[]") r.upload_bytes += value.size();
    else if (name == "n") r.n = json_uint(value);
    if (!nx) return;
    pos = content_end + next_sep.size();
  }
}

// ---- responses -------------------------------------------------------------------------

struct ResponseVisitor final : JsonVisitor {
  ResponseUsage& u;
  Family family;
  ResponseVisitor(ResponseUsage& out, Family f) : u(out), family(f) {}

  void on_value(const JsonPath& p, JsonKind kind, std::string_view raw, std::size_t count) override {
    if (p.depth > JsonPath::kMax) return;
    int n = p.depth;
    const std::string_view* k = p.key;
    if (n >= 1 && k[0] == "response") { ++k; --n; }  // responses stream events wrap the object
    if (n == 0 || (n > 1 && k[0] != "usage" && k[0] != "error")) return;

    if (n == 1) {
      std::string_view key = k[0];
      if (kind == JsonKind::string) {
        if (key == "model") u.model = raw;
        else if (key == "id") u.id = raw;
        else if (key == "status") u.status = raw;
        else if (key == "type" && k == p.key) u.event_type = raw;
        else if (key == "code" && u.event_type == "error") u.error_code = raw;
        else if (key == "message" && u.event_type == "error") u.error_message = raw;
      } else if (kind == JsonKind::number && key == "duration" && is_audio(family) && !u.audio_ms) {
        u.audio_ms = json_seconds_ms(raw);
      } else if (kind == JsonKind::array_end && key == "data" && family == Family::images) {
        u.images = count;
      }
      return;
    }
    if (n >= 2 && k[0] == "usage") {
      if (kind != JsonKind::number) return;
      std::string_view a = k[1];
      if (n == 2) {
        uint64_t v = json_uint(raw);
        if (a == "prompt_tokens" || a == "input_tokens") u.input = v;
        else if (a == "completion_tokens" || a == "output_tokens") u.output = v;
        else if (a == "total_tokens") u.total = v;
        else if (a == "seconds") u.audio_ms = json_seconds_ms(raw);
        else return;
        u.has_usage = true;
      } else if (n == 3) {
        std::string_view b = k[2];
        if (b == "cached_tokens" && (a == "prompt_tokens_details" || a == "input_tokens_details" ||
                                     a == "input_token_details"))  // realtime's spelling
          u.cached = json_uint(raw);
        else if (b == "reasoning_tokens" &&
                 (a == "completion_tokens_details" || a == "output_tokens_details"))
          u.reasoning = json_uint(raw);
      }
      return;
    }
    if (n == 2 && k[0] == "error") {
      if (k[1] == "type" && kind == JsonKind::string) u.error_type = raw;
      else if (k[1] == "code" && (kind == JsonKind::string || kind == JsonKind::number)) u.error_code = raw;
      else if (k[1] == "message" && kind == JsonKind::string) u.error_message = raw;
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
         t == "transcript.text.done" || t == "image_generation.completed" ||
         t == "image_edit.completed" || t == "thread.run.completed" ||
         t == "thread.run.failed" || t == "thread.run.incomplete" ||
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
  if (!e.error_type.empty()) total.error_type = e.error_type;
  if (!e.error_code.empty()) total.error_code = e.error_code;
  if (!e.error_message.empty()) total.error_message = e.error_message;
  std::string_view t = !e.event_type.empty() ? e.event_type : event_name;
  if (t == "image_generation.completed" || t == "image_edit.completed") ++total.images;
  if (terminal_event(t)) {
    total.complete = true;
    total.event_type = t;
  }
}

void parse_sse(Family family, std::string_view body, ResponseUsage& u) {
  u.complete = false;
  std::string_view event_name;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find('\n', pos);
    bool last_line = eol == std::string_view::npos;
    std::string_view line = body.substr(pos, last_line ? body.size() - pos : eol - pos);
    pos = last_line ? body.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) { event_name = {}; continue; }
    if (starts_with(line, "event:")) {
      event_name = line.substr(6);
      if (!event_name.empty() && event_name[0] == ' ') event_name.remove_prefix(1);
      continue;
    }
    if (!starts_with(line, "data:")) continue;
    std::string_view data = line.substr(5);
    if (!data.empty() && data[0] == ' ') data.remove_prefix(1);
    if (data == "[DONE]") { u.complete = true; continue; }
    if (last_line) { u.malformed = true; break; }  // an event cut mid-line
    ++u.events;
    bool has_delta = contains(data, "delta");
    // Content deltas are most of a stream: parse them only while the model is unknown.
    std::size_t at = data.rfind("\"usage\":");  // chunks end with their usage
    std::string_view after = at == std::string_view::npos ? std::string_view{} : data.substr(at + 8);
    while (!after.empty() && after.front() == ' ') after.remove_prefix(1);
    bool usage = !after.empty() && after.front() == '{';
    bool interesting = u.model.empty() || usage || !has_delta || !event_name.empty() ||
                       contains(data, "\"error\"");
    if (has_delta && !usage) ++u.deltas;
    if (!interesting) continue;
    ResponseUsage e;
    ResponseVisitor v(e, family);
    if (!json_walk(data, v)) { u.malformed = true; continue; }
    merge_event(u, e, event_name);
    if ((family == Family::chat || family == Family::completions) && e.has_usage) u.complete = true;
  }
}

}  // namespace

RequestInfo extract_request(Family family, std::string_view content_type, std::string_view body) {
  RequestInfo r;
  if (body.empty()) return r;
  if (contains(content_type, "multipart/form-data")) {
    parse_multipart(content_type, body, r);
  } else if (body.front() == '{' || contains(content_type, "json")) {
    RequestVisitor v(r);
    json_walk(body, v);
  }
  if (family != Family::audio_speech) r.characters = 0;
  return r;
}

ResponseUsage extract_response(Family family, std::string_view content_type, std::string_view body) {
  ResponseUsage u;
  if (body.empty()) return u;
  bool sse = contains(content_type, "event-stream") || starts_with(body, "data:") ||
             starts_with(body, "event:");
  if (sse) {
    parse_sse(family, body, u);
  } else {
    std::size_t i = 0;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) ++i;
    if (i == body.size() || (body[i] != '{' && body[i] != '[')) return u;  // binary / text
    ResponseVisitor v(u, family);
    if (!json_walk(body, v)) u.malformed = true;
  }
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
      if (s[i] == '.') { if (scale) return -1; scale = 1; continue; }
      digits = true;
      if (scale) { scale /= 10; v += (s[i] - '0') * scale; }
      else v = v * 10 + (s[i] - '0');
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
