// A token bucket per client address: a client that floods the server is answered 429 instead of
// starving the others. The map of buckets is bounded (the oldest are forgotten).
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace qg::serve {

class RateLimit {
 public:
  RateLimit(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  bool allow(const std::string& client) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    if (buckets_.size() > 4096) buckets_.clear();
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
    Bucket& b = it->second;
    b.tokens = std::min(burst_, b.tokens + rate_ * std::chrono::duration<double>(now - b.at).count());
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  const double rate_, burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace qg::serve
