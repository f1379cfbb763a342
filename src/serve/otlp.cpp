#include "otlp.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "http_url.h"

namespace qg::serve {

namespace {

using json = nlohmann::json;

std::string nanos(int64_t ms) { return std::to_string(ms) + "000000"; }  // uint64 fields are strings in OTLP JSON

json attributes(const Attributes& a) {
  json out = json::array();
  for (const auto& [k, v] : a) out.push_back({{"key", k}, {"value", {{"stringValue", v}}}});
  return out;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(const std::string& in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return false;
    out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
    i += 2;
  }
  return true;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

bool parse_otlp_headers(const std::string& text, std::vector<std::pair<std::string, std::string>>& out, std::string& error) {
  out.clear();
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = trim(text.substr(at, comma - at));
    at = comma + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    std::string key, value;
    if (eq == std::string::npos || (key = trim(item.substr(0, eq))).empty() || !percent_decode(trim(item.substr(eq + 1)), value)) {
      error = "'" + item.substr(0, item.find('=')) + "...' is not key=value (percent-encoded)";
      return false;
    }
    for (char c : key + value)
      if (c == '\r' || c == '\n') {
        error = "a header holds a line break";
        return false;
      }
    out.emplace_back(key, value);
  }
  return true;
}

std::string otlp_json(const std::vector<MetricFamily>& families, int64_t start_ms, int64_t now_ms, const std::string& service_name) {
  constexpr int kCumulative = 2;  // AGGREGATION_TEMPORALITY_CUMULATIVE
  const std::string start = nanos(start_ms), now = nanos(now_ms);
  json metrics = json::array();
  for (const MetricFamily& f : families) {
    json points = json::array();
    json m = {{"name", f.otel_name}, {"unit", f.unit}, {"description", f.help}};
    switch (f.kind) {
      case MetricFamily::Kind::histogram:
        for (const auto& [a, h] : f.histograms) {
          json counts = json::array();
          for (uint64_t c : h.counts) counts.push_back(std::to_string(c));
          points.push_back({{"attributes", attributes(a)}, {"startTimeUnixNano", start}, {"timeUnixNano", now},
                            {"count", std::to_string(h.count)}, {"sum", h.sum}, {"bucketCounts", counts},
                            {"explicitBounds", h.bounds}});
        }
        m["histogram"] = {{"aggregationTemporality", kCumulative}, {"dataPoints", points}};
        break;
      case MetricFamily::Kind::counter:
        for (const auto& [a, v] : f.points)
          points.push_back({{"attributes", attributes(a)}, {"startTimeUnixNano", start}, {"timeUnixNano", now}, {"asDouble", v}});
        m["sum"] = {{"aggregationTemporality", kCumulative}, {"isMonotonic", true}, {"dataPoints", points}};
        break;
      case MetricFamily::Kind::gauge:
        for (const auto& [a, v] : f.points) points.push_back({{"attributes", attributes(a)}, {"timeUnixNano", now}, {"asDouble", v}});
        m["gauge"] = {{"dataPoints", points}};
        break;
    }
    metrics.push_back(std::move(m));
  }
  const json body = {{"resourceMetrics",
                      {{{"resource", {{"attributes", attributes({{"service.name", service_name}})}}},
                        {"scopeMetrics", {{{"scope", {{"name", "quotaguard"}}}, {"metrics", metrics}}}}}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

OtlpExporter::OtlpExporter(OtlpOptions options, Metrics& metrics, int64_t start_ms)
    : options_(std::move(options)),
      metrics_(metrics),
      start_ms_(start_ms),
      thread_(std::chrono::seconds(options_.every_s),
              [this] {
                push_once(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
              },
              {.at_stop = true}) {
  health_.endpoint = options_.endpoint;
}

OtlpExporter::~OtlpExporter() { stop(); }

OtlpHealth OtlpExporter::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

void OtlpExporter::push_once(int64_t now_ms) {
  std::string error;
  try {
    const std::string body = otlp_json(metrics_.collect(now_ms), start_ms_, now_ms, options_.service_name);
    const auto url = split_http_url(options_.endpoint);
    if (!url) throw std::runtime_error("the endpoint '" + options_.endpoint + "' has no scheme (http(s)://...)");
    httplib::Client client(url->origin);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(10, 0);
    client.set_write_timeout(10, 0);
    httplib::Headers headers(options_.headers.begin(), options_.headers.end());
    const httplib::Result r = client.Post(url->path.empty() ? "/" : url->path, headers, body, "application/json");
    if (!r)
      error = "POST " + options_.endpoint + ": " + httplib::to_string(r.error());
    else if (r->status < 200 || r->status >= 300)
      error = "POST " + options_.endpoint + ": HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
  } catch (const std::exception& e) {  // the history unreadable (Unavailable), a bad endpoint
    error = e.what();
  }
  std::lock_guard lock(mu_);
  ++health_.pushes;
  health_.error = error;
  if (error.empty())
    health_.last_push_ms = now_ms;
  else
    ++health_.failures;
}

}  // namespace qg::serve
