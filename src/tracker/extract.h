// Usage extraction from request and response bodies (JSON and SSE), in place, without
// allocation. Views in the results point into the bodies passed in.
#pragma once
#include <cstdint>
#include <string_view>

#include "endpoint.h"

namespace qg::tracker {

struct RequestInfo {
  std::string_view model;
  bool stream = false;
  bool include_usage = false;
  uint64_t characters = 0;    // speech: characters of `input` (the billing basis of tts-1)
  uint64_t upload_bytes = 0;  // multipart: bytes of the `file` part
  uint64_t n = 0;             // images: requested count
};

struct ResponseUsage {
  std::string_view model, id, status, event_type;
  std::string_view error_type, error_code, error_message;
  uint64_t input = 0, cached = 0, output = 0, reasoning = 0, total = 0;
  uint64_t images = 0, audio_ms = 0;
  uint64_t deltas = 0;        // SSE content events seen (≈ output tokens when usage is missing)
  uint64_t events = 0;        // SSE data events seen
  bool has_usage = false;     // a usage object with numbers was found
  bool complete = true;       // SSE: a terminal event or [DONE] arrived
  bool malformed = false;     // body is not the JSON it claims to be
};

RequestInfo extract_request(Family family, std::string_view content_type,
                            std::string_view body);

// Parses a JSON body, or an SSE stream when content_type is text/event-stream (or the body
// starts like one).
ResponseUsage extract_response(Family family, std::string_view content_type,
                               std::string_view body);

// "6m0s", "1.5s", "12ms", "1h2m" -> milliseconds; -1 if unparsable.
int64_t parse_go_duration_ms(std::string_view s);

}  // namespace qg::tracker
