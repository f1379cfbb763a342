// Fuzz target: the tracker's usage extraction from request and response bodies (JSON, SSE,
// multipart), the endpoint classifier and the Go-duration parser of rate-limit headers.
// Input: the first byte picks the endpoint family and the content types; the rest is the body.
// Invariants: no crash or sanitizer report; cached <= input and reasoning <= output tokens;
// every text the extractor returns is a view into the body it was given (it never copies).
#include "endpoint.h"
#include "extract.h"
#include "support/harness.h"

namespace {

using namespace qg::tracker;

void check_view(std::string_view view, std::string_view body, const char* name) {
  if (view.empty()) return;
  if (view.data() < body.data() || view.data() + view.size() > body.data() + body.size())
    qg::fuzz::fail(std::string(name) + " is not a view into the body: `" + std::string(view) + "`");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto family = static_cast<Family>(data[0] % (static_cast<int>(Family::organization) + 1));
  const std::string_view body = qg::fuzz::as_text(data + 1, size - 1);
  const char* response_type = (data[0] & 0x80) ? "text/event-stream" : "application/json";
  const ResponseUsage u = extract_response(family, response_type, body);
  if (u.cached > u.input || u.reasoning > u.output)
    qg::fuzz::fail("cached " + std::to_string(u.cached) + " of " + std::to_string(u.input) + " input, reasoning " +
                   std::to_string(u.reasoning) + " of " + std::to_string(u.output) + " output");
  for (auto [view, name] : {std::pair{u.model, "model"}, {u.id, "id"}, {u.status, "status"}, {u.event_type, "event_type"},
                            {u.error_type, "error_type"}, {u.error_code, "error_code"}, {u.error_message, "error_message"}})
    check_view(view, body, name);
  const char* request_type = (data[0] & 0x40) ? "multipart/form-data; boundary=xyz" : "application/json";
  const RequestInfo r = extract_request(family, request_type, body);
  check_view(r.model, body, "request model");
  classify("POST", body.substr(0, 256));
  parse_go_duration_ms(body.substr(0, 32));
  return 0;
}
