// How `quotaguard serve` pushes its metrics over OTLP (otlp.h): what the command line sets.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace qg::serve {

struct OtlpOptions {
  std::string endpoint;  // the full URL (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT's meaning); empty: off
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. an API key the collector wants
  int every_s = 60;
  std::string service_name = "quotaguard-serve";
};

// `k1=v1,k2=v2` as OTEL_EXPORTER_OTLP_HEADERS has it (values percent-decoded); false and `error`
// when malformed.
bool parse_otlp_headers(const std::string& text, std::vector<std::pair<std::string, std::string>>& out, std::string& error);

}  // namespace qg::serve
