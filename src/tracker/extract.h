// Usage extraction from request and response bodies (JSON and SSE), without allocation for
// JSON bodies; an SSE stream is read incrementally (SseReader), holding one line at a time.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "endpoint.h"
#include "json_scan.h"
#include "utf8.h"

namespace qg::tracker {

// A bounded, owned copy of a name or message: valid UTF-8, cut on a code point. Owned so that
// a stream read in pieces keeps what it found.
template <std::size_t N>
struct Text {
  char s[N] = {};
  uint16_t n = 0;
  void assign(std::string_view text) { n = static_cast<uint16_t>(utf8_copy(text, s, N)); }
  void assign_json(std::string_view raw) { n = static_cast<uint16_t>(json_unescape(raw, s, N)); }  // escapes decoded
  std::string_view view() const { return {s, n}; }
  bool empty() const { return n == 0; }
  bool operator==(std::string_view o) const { return view() == o; }
};

struct RequestInfo {
  Text<80> model;
  bool stream = false;
  bool include_usage = false;
  uint64_t characters = 0;    // speech: code points of `input` (the billing basis of tts-1)
  uint64_t upload_bytes = 0;  // multipart: bytes of the `file` part
  uint64_t n = 0;             // images: requested count
  uint64_t text_chars = 0;    // prompt text (message contents, input, instructions): an estimate's basis
  uint64_t messages = 0;      // chat: messages sent (each costs a few tokens of framing)
};

}  // namespace qg::tracker

// What a response said: opaque in the public interface (Exchange::response_usage).
namespace quotaguard {
struct ResponseUsage {
  qg::tracker::Text<80> model, id;
  qg::tracker::Text<24> status;
  qg::tracker::Text<48> event_type, error_type, error_code;
  qg::tracker::Text<320> error_message;
  uint64_t input = 0, cached = 0, output = 0, reasoning = 0, total = 0;
  uint64_t images = 0, audio_ms = 0;
  uint64_t deltas = 0;        // SSE content events seen (≈ output tokens when usage is missing)
  uint64_t events = 0;        // SSE data events seen
  bool has_usage = false;     // a usage object with plausible numbers was found
  bool absurd = false;        // a usage number was not a count (negative, 1e30, 2^64-1, "12")
  bool complete = true;       // SSE: a terminal event or [DONE] arrived
  bool malformed = false;     // body is not the JSON it claims to be (or a whole event is not)
};
}  // namespace quotaguard

namespace qg::tracker {
using quotaguard::ResponseUsage;

RequestInfo extract_request(UsageKind kind, std::string_view content_type, std::string_view body);

// Reads an SSE stream given in pieces of any size (a piece may end mid-line or mid-event):
// what the extractor needs is kept per event, never the stream.
class SseReader {
 public:
  explicit SseReader(UsageKind kind) : kind_(kind) { u_.complete = false; }
  void feed(std::string_view bytes);
  // The stream ended (or was cut): a last line without its newline is an event cut short,
  // dropped (the stream stays incomplete).
  const ResponseUsage& finish();
  const ResponseUsage& usage() const { return u_; }

 private:
  void line(std::string_view line);
  UsageKind kind_;
  ResponseUsage u_;
  Text<64> event_name_;
  std::string partial_;  // the incomplete last line (grows to the longest line, not the stream)
  bool finished_ = false;
};

// Parses a JSON body, or an SSE stream when content_type is text/event-stream (or the body
// starts like one).
ResponseUsage extract_response(UsageKind kind, std::string_view content_type, std::string_view body);

// "6m0s", "1.5s", "12ms", "1h2m" -> milliseconds; -1 if unparsable.
int64_t parse_go_duration_ms(std::string_view s);

}  // namespace qg::tracker
