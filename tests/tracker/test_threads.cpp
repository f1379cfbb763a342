// 8 threads x N records must give exact totals (also the ThreadSanitizer target).
#include <barrier>
#include <cstdlib>
#include <cstdio>
#include <thread>
#include <vector>

#include "tracker.h"

using namespace qg::tracker;

int main(int argc, char** argv) {
  const int threads = 8;
  const long per_thread = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  Config cfg;
  cfg.tick_ms = 5;  // the evaluation thread reads the shards concurrently all along
  Tracker t{cfg};
  const char* spaces[] = {"alpha", "beta", "gamma", "delta"};
  std::vector<std::thread> pool;
  for (int k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      uint32_t ws = t.workspace_id(spaces[k % 4]);
      uint32_t ep = t.endpoint_id("POST", "/v1/chat/completions");
      uint32_t model = t.model_id(k % 2 ? "gpt-4o" : "gpt-4o-mini");
      Call c;
      c.http_status = 200;
      c.input_tokens = 3;
      c.output_tokens = 2;
      c.cached_tokens = 1;
      for (long i = 0; i < per_thread; ++i) t.record_ids(ws, ep, model, c);
      if (k == 0) {  // a few through the full path (interning, classification)
        Call d = c;
        d.workspace = "alpha";
        d.method = "POST";
        d.path = "https://api.openai.com/v1/chat/completions";
        d.model = "gpt-4o-mini";
        for (int i = 0; i < 1000; ++i) t.record(d);
      }
    });
  }
  for (auto& th : pool) th.join();
  UsageReport r = t.usage();
  const uint64_t n = static_cast<uint64_t>(threads) * per_thread + 1000;
  bool ok = r.total.totals.v[kRequests] == n && r.total.totals.v[kInput] == 3 * n &&
            r.total.totals.v[kOutput] == 2 * n && r.total.totals.v[kCached] == n &&
            r.by_workspace["alpha"].totals.v[kRequests] == 2 * static_cast<uint64_t>(per_thread) + 1000 &&
            r.by_endpoint.size() == 1;
  std::printf("%s: %llu requests recorded, %llu expected\n", ok ? "ok" : "FAIL",
              static_cast<unsigned long long>(r.total.totals.v[kRequests]), static_cast<unsigned long long>(n));

  // More threads alive at once than the shard registry holds: the overflow shard is shared.
  const int many = 600, each = 200;
  Tracker t2{cfg};
  std::barrier all_recorded(many);
  std::vector<std::thread> crowd;
  for (int k = 0; k < many; ++k)
    crowd.emplace_back([&] {
      Call c;
      c.workspace = "crowd";
      c.method = "POST";
      c.path = "/v1/embeddings";
      c.http_status = 200;
      c.input_tokens = 1;
      for (int i = 0; i < each; ++i) t2.record(c);
      all_recorded.arrive_and_wait();  // nobody exits (and frees a shard) before all recorded
    });
  for (auto& th : crowd) th.join();
  uint64_t got = t2.usage().total.totals.v[kInput];
  bool ok2 = got == static_cast<uint64_t>(many) * each;
  std::printf("%s: %d threads at once, %llu tokens recorded, %d expected\n", ok2 ? "ok" : "FAIL", many,
              static_cast<unsigned long long>(got), many * each);
  return ok && ok2 ? 0 : 1;
}
