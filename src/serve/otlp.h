// OTLP/HTTP push of the metrics (metrics.h) to an OpenTelemetry collector, for a fleet that has
// outgrown scraping one machine: POST <endpoint> (".../v1/metrics") every `every_s` seconds and
// once at shutdown, JSON encoding (the OTLP specification's protobuf-JSON mapping), cumulative
// temporality: a push that fails loses nothing, the next one carries the same totals.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "metrics.h"
#include "otlp_options.h"
#include "periodic.h"

namespace qg::serve {

// One ExportMetricsServiceRequest as JSON. Cumulative series start at `start_ms`.
std::string otlp_json(const std::vector<MetricFamily>& families, int64_t start_ms, int64_t now_ms, const std::string& service_name);

struct OtlpHealth {
  std::string endpoint;
  int64_t last_push_ms = 0;  // the last accepted push (0: none yet)
  std::string error;         // the last push's failure, if it failed
  uint64_t pushes = 0, failures = 0;
};

class OtlpExporter {
 public:
  OtlpExporter(OtlpOptions options, Metrics& metrics, int64_t start_ms);
  ~OtlpExporter();
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  void start() { thread_.start(); }
  void stop() { thread_.stop(); }  // pushes once more, then stops
  void push_once(int64_t now_ms);
  OtlpHealth health() const;

 private:
  const OtlpOptions options_;
  Metrics& metrics_;
  const int64_t start_ms_;
  mutable std::mutex mu_;
  OtlpHealth health_;
  Periodic thread_;  // last: stopped first, before what it uses goes
};

}  // namespace qg::serve
