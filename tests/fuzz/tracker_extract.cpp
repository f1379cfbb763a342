// Fuzz target: the tracker's usage extraction from request and response bodies (JSON, SSE,
// multipart), the endpoint classifier and the Go-duration parser of rate-limit headers.
// Input: the first byte picks the usage kind and the content types; the rest is the body.
// Invariants: no crash or sanitizer report; cached <= input and reasoning <= output tokens.
#include "endpoint.h"
#include "extract.h"
#include "support/harness.h"

using namespace qg::tracker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto kind = static_cast<UsageKind>(data[0] % (static_cast<int>(UsageKind::organization) + 1));
  const std::string_view body = qg::fuzz::as_text(data + 1, size - 1);
  const char* response_type = (data[0] & 0x80) ? "text/event-stream" : "application/json";
  const ResponseUsage u = extract_response(kind, response_type, body);
  if (u.cached > u.input || u.reasoning > u.output)
    qg::fuzz::fail("cached " + std::to_string(u.cached) + " of " + std::to_string(u.input) + " input, reasoning " +
                   std::to_string(u.reasoning) + " of " + std::to_string(u.output) + " output");
  const char* request_type = (data[0] & 0x40) ? "multipart/form-data; boundary=xyz" : "application/json";
  extract_request(kind, request_type, body);
  classify("POST", body.substr(0, 256));
  parse_go_duration_ms(body.substr(0, 32));
  return 0;
}
