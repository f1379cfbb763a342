// Prometheus text exposition (/metrics): the OpenTelemetry GenAI client metrics
// (gen_ai.client.token.usage, gen_ai.client.operation.duration, as Prometheus names them) built
// from the per-call ledger, plus quotaguard's usage counters, status and budget gauges.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fleet_reader.h"
#include "reconciler.h"
#include "state_source.h"
#include "tracker_config.h"

namespace qg::serve {

class Metrics {
 public:
  // fleet: the fleet's Redis (budgets from its counts, its reachability), nullptr when none.
  Metrics(StateSource& source, const tracker::Config& cfg, FleetReader* fleet) : source_(source), cfg_(cfg), fleet_(fleet) {}
  std::string render(int64_t now_ms);
  void set_reconciler(const Reconciler* r) { reconciler_ = r; }  // its figures as gauges

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;  // per bucket (not cumulative); one more for +Inf
    double sum = 0;
    uint64_t count = 0;
    void observe(double v);
  };
  void absorb_new_calls();
  void render_reconciliation(std::string& out, const Reconciliation& r);
  StateSource& source_;
  const tracker::Config& cfg_;
  FleetReader* fleet_;
  const Reconciler* reconciler_ = nullptr;
  std::mutex mu_;
  int64_t cursor_ = 0;  // the ledger, read once: each scrape adds only the calls since the last
  std::map<std::string, Histogram> tokens_, duration_;  // by rendered label set
};

}  // namespace qg::serve
