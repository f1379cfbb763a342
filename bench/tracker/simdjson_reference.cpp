// The tracker's JSON-body extraction written with simdjson's On-Demand API: the same fields,
// the same strict counts, the same owned names. Not used by the tracker; it is here so that
// the comparison behind json_scan.h's choice can be rerun (BM_extract_chat_json_2kb against
// BM_simdjson_extract_chat_json_2kb).
#include "simdjson_reference.h"

#include <simdjson.h>

#include <cstring>
#include <string>

namespace qg::tracker::bench {

namespace {
namespace sj = simdjson::ondemand;

// A per-thread parser over a padded copy (a body handed over from Python or a C caller has no
// SIMDJSON_PADDING bytes after it); invalid UTF-8 is replaced by '?' in the copy and read again.
bool open(std::string_view text, sj::document& doc) {
  thread_local std::string buf;
  thread_local sj::parser parser;
  if (buf.size() < text.size() + simdjson::SIMDJSON_PADDING) buf.resize(text.size() + simdjson::SIMDJSON_PADDING);
  if (!text.empty()) std::memcpy(buf.data(), text.data(), text.size());
  auto err = parser.iterate(buf.data(), text.size(), buf.size()).get(doc);
  if (err == simdjson::UTF8_ERROR) {
    std::string_view s(buf.data(), text.size());
    for (std::size_t i = 0; i < s.size();) {
      std::size_t len = utf8_sequence(s, i);
      if (len == 0) buf[i++] = '?';
      else i += len;
    }
    err = parser.iterate(buf.data(), text.size(), buf.size()).get(doc);
  }
  return !err;
}

bool read_count(sj::value v, uint64_t& out, bool& absurd) {
  sj::json_type t;
  if (v.type().get(t)) {
    absurd = true;
    return false;
  }
  if (t == sj::json_type::null) return false;
  uint64_t n;
  if (t != sj::json_type::number || v.get_uint64().get(n) || n > kMaxPlausibleCount) {
    absurd = true;
    return false;
  }
  out = n;
  return true;
}

template <std::size_t N>
void read_text(sj::value v, Text<N>& out) {
  std::string_view s;
  if (!v.get_string().get(s)) out.assign(s);
}

bool read_usage(sj::value v, ResponseUsage& u) {
  sj::json_type t;
  if (v.type().get(t)) return false;
  if (t != sj::json_type::object) {
    if (t != sj::json_type::null) u.absurd = true;
    return true;
  }
  sj::object o;
  if (v.get_object().get(o)) return false;
  for (auto field : o) {
    std::string_view a;
    sj::value x;
    if (field.unescaped_key().get(a) || field.value().get(x)) return false;
    if (a == "prompt_tokens" || a == "input_tokens") {
      u.has_usage |= read_count(x, u.input, u.absurd);
    } else if (a == "completion_tokens" || a == "output_tokens") {
      u.has_usage |= read_count(x, u.output, u.absurd);
    } else if (a == "total_tokens") {
      u.has_usage |= read_count(x, u.total, u.absurd);
    } else if (a == "prompt_tokens_details" || a == "input_tokens_details" || a == "completion_tokens_details" ||
               a == "output_tokens_details") {
      const bool in = a[0] == 'p' || a[0] == 'i';
      sj::object d;
      if (x.get_object().get(d)) continue;
      for (auto f : d) {
        std::string_view b;
        sj::value y;
        if (f.unescaped_key().get(b) || f.value().get(y)) return false;
        if (in && b == "cached_tokens") read_count(y, u.cached, u.absurd);
        else if (!in && b == "reasoning_tokens") read_count(y, u.reasoning, u.absurd);
      }
    }
  }
  return true;
}

bool read_response(sj::object o, ResponseUsage& u, bool top) {
  for (auto field : o) {
    std::string_view key;
    sj::value v;
    if (field.unescaped_key().get(key) || field.value().get(v)) return false;
    if (key == "usage") {
      if (!read_usage(v, u)) return false;
    } else if (key == "model") {
      read_text(v, u.model);
    } else if (key == "id") {
      read_text(v, u.id);
    } else if (key == "status") {
      read_text(v, u.status);
    } else if (key == "response" && top) {
      sj::object inner;
      if (!v.get_object().get(inner) && !read_response(inner, u, false)) return false;
    } else if (key == "type" && top) {
      read_text(v, u.event_type);
    }
  }
  return true;
}
}  // namespace

ResponseUsage simdjson_extract_json(std::string_view body) {
  ResponseUsage u;
  sj::document doc;
  sj::object o;
  if (!open(body, doc) || doc.get_object().get(o) || !read_response(o, u, true) ||
      doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    u.malformed = true;
  return u;
}

}  // namespace qg::tracker::bench
