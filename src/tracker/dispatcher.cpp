#include "dispatcher.h"

#include <httplib.h>

#include <chrono>

namespace qg::tracker {

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

Dispatcher::Dispatcher(const std::string& jsonl_path, const std::string& webhook_url,
                       int webhook_timeout_ms, std::size_t queue)
    : queue_(round_pow2(queue)), webhook_queue_(round_pow2(queue)), webhook_url_(webhook_url),
      webhook_timeout_ms_(webhook_timeout_ms) {
  if (!jsonl_path.empty()) jsonl_ = std::fopen(jsonl_path.c_str(), "a");
  thread_ = std::thread([this] { run(); });
  if (!webhook_url_.empty()) webhook_thread_ = std::thread([this] { run_webhook(); });
}

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
  if (!webhook_url_.empty() && out) {
    if (webhook_queue_.push(a)) {
      webhook_wake_.fetch_add(1, std::memory_order_release);
      webhook_wake_.notify_one();
    } else {
      webhook_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }
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

void Dispatcher::run_webhook() {
  // Split "scheme://host[:port]/path" once; httplib handles http and https.
  std::string url = webhook_url_, base = url, path = "/";
  if (auto s = url.find("://"); s != std::string::npos) {
    if (auto p = url.find('/', s + 3); p != std::string::npos) {
      base = url.substr(0, p);
      path = url.substr(p);
    }
  }
  httplib::Client client(base);
  auto secs = webhook_timeout_ms_ / 1000, usecs = (webhook_timeout_ms_ % 1000) * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  for (;;) {
    uint32_t seen = webhook_wake_.load(std::memory_order_acquire);
    Alert a;
    while (webhook_queue_.pop(a)) {
      if (stopping_.load(std::memory_order_acquire)) {
        webhook_dropped_.fetch_add(1, std::memory_order_relaxed);  // shutting down: never hang on it
        continue;
      }
      auto res = client.Post(path, alert_json(a), "application/json");
      if (res && res->status >= 200 && res->status < 300)
        webhook_sent_.fetch_add(1, std::memory_order_relaxed);
      else
        webhook_failed_.fetch_add(1, std::memory_order_relaxed);
    }
    if (stopping_.load(std::memory_order_acquire)) break;
    webhook_wake_.wait(seen, std::memory_order_acquire);
  }
}

void Dispatcher::stop() {
  if (stopping_.exchange(true)) return;
  wake_.fetch_add(1);
  wake_.notify_all();
  webhook_wake_.fetch_add(1);
  webhook_wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (webhook_thread_.joinable()) webhook_thread_.join();
  if (jsonl_) std::fclose(jsonl_);
  jsonl_ = nullptr;
}

DispatcherStats Dispatcher::stats() const {
  DispatcherStats s;
  s.emitted = emitted_.load();
  s.dropped = dropped_.load();
  s.delivered = delivered_.load();
  s.webhook_sent = webhook_sent_.load();
  s.webhook_failed = webhook_failed_.load();
  s.webhook_dropped = webhook_dropped_.load();
  s.last_latency_ns = last_latency_ns_.load();
  s.max_latency_ns = max_latency_ns_.load();
  s.wakeups = wakeups_.load();
  return s;
}

}  // namespace qg::tracker
