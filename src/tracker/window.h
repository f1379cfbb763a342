// Usage windows per entity (global + each workspace), fed with cumulative amounts by the
// evaluation thread: a sliding minute (per-second ring), the UTC day and the UTC month.
#pragma once
#include <cstdint>
#include <vector>

#include "tracker_config.h"

namespace qg::tracker {

struct Amounts {
  double requests = 0, tokens = 0, usd = 0, server_errors = 0;
  Amounts operator-(const Amounts& o) const {
    return {requests - o.requests, tokens - o.tokens, usd - o.usd, server_errors - o.server_errors};
  }
  Amounts& operator+=(const Amounts& o) {
    requests += o.requests; tokens += o.tokens; usd += o.usd; server_errors += o.server_errors;
    return *this;
  }
  double get(int what) const { return what == 0 ? requests : what == 1 ? tokens : usd; }
};

class Windows {
 public:
  explicit Windows(std::size_t entities, int64_t now_ms);
  void update(std::size_t entity, const Amounts& cumulative, int64_t now_ms);
  Amounts used(std::size_t entity, int period) const;
  // Average per second over the last `seconds` (bounded by what the ring holds).
  Amounts rate(std::size_t entity, int seconds) const;
  // Usage recorded before this process started (from the history), for day and month.
  void add_history(std::size_t entity, int period, const Amounts& a);
  // Seconds left in the current period.
  static double seconds_left(int period, int64_t now_ms);
  static int64_t period_index(int period, int64_t now_ms);

 private:
  struct Entity {
    Amounts ring[64];
    int64_t ring_sec[64];
    Amounts base[kPeriods], hist[kPeriods], last;
    int64_t index[kPeriods] = {-1, -1, -1};
    int64_t now_sec = 0;
  };
  Amounts at_or_after(const Entity& e, int64_t sec, int64_t* found_sec) const;
  std::vector<Entity> e_;
};

}  // namespace qg::tracker
