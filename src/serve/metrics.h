// The metrics `quotaguard serve` exports: the OpenTelemetry GenAI client metrics
// (gen_ai.client.token.usage, gen_ai.client.operation.duration) built from the per-call ledger,
// plus quotaguard's usage counters, status and budget gauges. Collected once as a model (names,
// units, attributes as OpenTelemetry has them), then written as Prometheus text (/metrics) or as
// OTLP (otlp.h), so the two exports cannot disagree.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fleet_reader.h"
#include "reconciler.h"
#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

// Attribute names as OpenTelemetry spells them ("gen_ai.request.model"); Prometheus label names
// are the same with '.' as '_'.
using Attributes = std::vector<std::pair<std::string, std::string>>;

struct Histogram {
  std::vector<double> bounds;
  std::vector<uint64_t> counts;  // per bucket (not cumulative); one more for +Inf
  double sum = 0;
  uint64_t count = 0;
  void observe(double v);
};

struct MetricFamily {
  enum class Kind { counter, gauge, histogram };
  Kind kind;
  std::string prom_name, otel_name, unit, help;
  std::vector<std::pair<Attributes, double>> points;          // counter, gauge
  std::vector<std::pair<Attributes, Histogram>> histograms;  // histogram
};

class Metrics {
 public:
  // fleet: the fleet's Redis (budgets from its counts, its reachability), nullptr when none.
  Metrics(StateSource& source, const tracker::Config& cfg, FleetReader* fleet) : source_(source), cfg_(cfg), fleet_(fleet) {}
  std::vector<MetricFamily> collect(int64_t now_ms);
  std::string render(int64_t now_ms);  // Prometheus text format 0.0.4
  void set_reconciler(const Reconciler* r) { reconciler_ = r; }  // its figures as gauges

 private:
  void absorb_new_calls();
  void collect_reconciliation(std::vector<MetricFamily>& out, const Reconciliation& r);
  StateSource& source_;
  const tracker::Config& cfg_;
  FleetReader* fleet_;
  const Reconciler* reconciler_ = nullptr;
  std::mutex mu_;
  int64_t cursor_ = 0;  // the ledger, read once: each collection adds only the calls since the last
  std::map<Attributes, Histogram> tokens_, duration_;
};

// Prometheus text of a collection.
std::string prometheus_text(const std::vector<MetricFamily>& families);

}  // namespace qg::serve
