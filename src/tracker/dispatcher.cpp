#include "dispatcher.h"

#include <chrono>

#include "thread_name.h"

namespace qg::tracker {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

Dispatcher::Dispatcher(const std::string& jsonl_path, std::vector<RouteConfig> routes,
                       const std::string& dead_letter_path, std::size_t queue)
    : queue_(round_pow2(queue)), dead_letters_(dead_letter_path) {
  if (!jsonl_path.empty()) jsonl_ = std::fopen(jsonl_path.c_str(), "a");
  for (RouteConfig& r : routes) routes_.push_back(std::make_unique<AlertRoute>(std::move(r), &dead_letters_, queue));
  thread_ = std::thread([this] {
    name_this_thread("qg-alerts");
    run();
  });
}

namespace {
std::vector<RouteConfig> one_webhook(const std::string& url, int timeout_ms) {
  if (url.empty()) return {};
  RouteConfig r;
  r.name = "webhook";
  r.url = url;
  r.timeout_ms = timeout_ms;
  return {r};
}
}  // namespace

Dispatcher::Dispatcher(const std::string& jsonl_path, const std::string& webhook_url, int webhook_timeout_ms,
                       std::size_t queue)
    : Dispatcher(jsonl_path, one_webhook(webhook_url, webhook_timeout_ms), "", queue) {}

Dispatcher::~Dispatcher() { stop(); }

bool Dispatcher::emit(const Alert& a) {
  emitted_.fetch_add(1, std::memory_order_relaxed);
  if (!queue_.push(a)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_one();
  return true;
}

int Dispatcher::add_callback(Callback cb) {
  std::lock_guard lock(callbacks_mu_);
  callbacks_.emplace_back(next_callback_, std::move(cb));
  return next_callback_++;
}

void Dispatcher::remove_callback(int id) {
  std::lock_guard lock(callbacks_mu_);
  std::erase_if(callbacks_, [id](const auto& p) { return p.first == id; });
}

void Dispatcher::deliver(const Alert& a) {
  std::function<bool(const Alert&)> filter;
  {
    std::lock_guard lock(callbacks_mu_);
    filter = filter_;
  }
  const bool out = !filter || filter(a);
  if (jsonl_ && out) {
    std::string line = alert_json(a);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), jsonl_);
    std::fflush(jsonl_);
  }
  if (out)
    for (auto& route : routes_)
      if (route->wants(a)) route->offer(a);
  std::vector<Callback> cbs;
  {
    std::lock_guard lock(callbacks_mu_);
    for (auto& [id, cb] : callbacks_) cbs.push_back(cb);
  }
  for (auto& cb : cbs) {
    try {
      cb(a);
    } catch (...) {
      // A failing callback must not stop the dispatcher.
    }
  }
  auto lat = static_cast<uint64_t>(steady_ns() - a.mono_ns);
  last_latency_ns_.store(lat, std::memory_order_relaxed);
  if (lat > max_latency_ns_.load(std::memory_order_relaxed)) max_latency_ns_.store(lat, std::memory_order_relaxed);
  delivered_.fetch_add(1, std::memory_order_relaxed);
}

void Dispatcher::run() {
  for (;;) {
    uint32_t seen = wake_.load(std::memory_order_acquire);
    Alert a;
    while (queue_.pop(a)) deliver(a);
    if (stopping_.load(std::memory_order_acquire)) {
      while (queue_.pop(a)) deliver(a);
      break;
    }
    wake_.wait(seen, std::memory_order_acquire);  // until emit() signals: no poll, no timeout
    wakeups_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Dispatcher::stop() {
  if (stopping_.exchange(true)) return;
  wake_.fetch_add(1);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& route : routes_) route->stop();  // after the last alert reached their queues
  if (jsonl_) std::fclose(jsonl_);
  jsonl_ = nullptr;
}

DispatcherStats Dispatcher::stats() const {
  DispatcherStats s;
  s.emitted = emitted_.load();
  s.dropped = dropped_.load();
  s.delivered = delivered_.load();
  for (const auto& route : routes_) {
    const RouteStats r = route->stats();
    s.webhook_sent += r.sent;
    s.webhook_failed += r.failed;
    s.webhook_dropped += r.dropped;
    s.webhook_retries += r.retries;
    s.dead_letters += r.dead_letters;
    s.deduplicated += r.deduplicated;
  }
  s.last_latency_ns = last_latency_ns_.load();
  s.max_latency_ns = max_latency_ns_.load();
  s.wakeups = wakeups_.load();
  return s;
}

}  // namespace qg::tracker
