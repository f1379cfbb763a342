#include "alert_route.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>

namespace qg::tracker {

Severity severity_of(const Alert& a) {
  const std::string_view kind = a.kind;
  if (kind != "status") return Severity::warning;  // forecast, unpriced_model, fleet, dropped
  switch (a.status) {
    case Status::normal: return Severity::info;  // a recovery
    case Status::warning: case Status::degraded: case Status::rate_limited: return Severity::warning;
    case Status::critical: case Status::exhausted: return Severity::critical;
  }
  return Severity::warning;
}

const char* severity_name(Severity s) {
  static constexpr const char* kNames[] = {"info", "warning", "critical"};
  return kNames[static_cast<int>(s)];
}

bool parse_severity(std::string_view name, Severity& out) {
  for (Severity s : {Severity::info, Severity::warning, Severity::critical})
    if (name == severity_name(s)) {
      out = s;
      return true;
    }
  return false;
}

// ---- dead letters --------------------------------------------------------------------------

DeadLetters::DeadLetters(const std::string& path) {
  if (!path.empty()) file_ = std::fopen(path.c_str(), "a");
}

DeadLetters::~DeadLetters() {
  if (file_) std::fclose(file_);
}

bool DeadLetters::write(const std::string& route, const std::string& error, int attempts, const Alert& a) {
  std::lock_guard lock(mu_);
  if (!file_) return false;
  const std::string line = "{\"route\":\"" + json_escape(route) + "\",\"error\":\"" + json_escape(error) +
                           "\",\"attempts\":" + std::to_string(attempts) + ",\"alert\":" + alert_json(a) + "}\n";
  const bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size();
  return std::fflush(file_) == 0 && ok;
}

// ---- a route --------------------------------------------------------------------------------

AlertRoute::AlertRoute(RouteConfig cfg, DeadLetters* dead_letters, std::size_t queue)
    : cfg_(std::move(cfg)), dead_letters_(dead_letters), queue_(round_pow2(queue)) {
  thread_ = std::thread([this] { run(); });
}

AlertRoute::~AlertRoute() { stop(); }

bool AlertRoute::wants(const Alert& a) const {
  auto listed = [](const std::vector<std::string>& names, std::string_view v) {
    return names.empty() || std::find(names.begin(), names.end(), v) != names.end();
  };
  return listed(cfg_.workspaces, a.workspace) && listed(cfg_.kinds, a.kind) && severity_of(a) >= cfg_.min_severity;
}

void AlertRoute::offer(const Alert& a) {
  if (cfg_.dedup_s > 0) {
    auto key = std::make_tuple(std::string(a.kind), std::string(a.workspace), static_cast<int>(a.status), std::string(a.code));
    auto [it, fresh] = last_sent_ms_.try_emplace(std::move(key), a.ts_ms);
    if (!fresh && a.ts_ms - it->second < int64_t{cfg_.dedup_s} * 1000) {
      deduplicated_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    it->second = a.ts_ms;
  }
  if (!queue_.push(a)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_one();
}

std::string AlertRoute::body(const RouteConfig& cfg, const Alert& a) {
  if (cfg.format == "slack")
    return "{\"text\":\"" + json_escape(std::string("[quotaguard] ") + severity_name(severity_of(a)) + " " +
                                        a.workspace + ": " + a.message) + "\"}";
  std::string json = alert_json(a);
  json.insert(json.size() - 1, std::string(",\"severity\":\"") + severity_name(severity_of(a)) + "\"");
  return json;
}

std::string AlertRoute::signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  const std::string signed_text = timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

void AlertRoute::give_up(const Alert& a, const std::string& error, int attempts) {
  failed_.fetch_add(1, std::memory_order_relaxed);
  if (dead_letters_ && dead_letters_->write(cfg_.name, error, attempts, a))
    dead_letters_n_.fetch_add(1, std::memory_order_relaxed);
}

bool AlertRoute::deliver(const Alert& a, httplib::Client& client, const std::string& path) {
  const std::string payload = body(cfg_, a);
  httplib::Headers headers;
  if (!cfg_.secret.empty()) {
    const std::string ts = std::to_string(a.ts_ms / 1000);
    headers.emplace("X-Quotaguard-Timestamp", ts);
    headers.emplace("X-Quotaguard-Signature", signature(cfg_.secret, ts, payload));
  }
  std::string error;
  int delay_ms = std::min(cfg_.backoff_ms, 10'000);
  for (int attempt = 1;; ++attempt) {
    auto res = client.Post(path, headers, payload, "application/json");
    if (res && res->status >= 200 && res->status < 300) {
      sent_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    error = res ? "HTTP " + std::to_string(res->status) : "connection: " + httplib::to_string(res.error());
    // A client error other than a timeout or a rate limit will not succeed on a retry.
    const bool retriable = !res || res->status >= 500 || res->status == 429 || res->status == 408;
    if (!retriable || attempt > cfg_.retries) {
      give_up(a, error, attempt);
      return false;
    }
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [this] { return stopping_.load(); })) {
      give_up(a, error + "; shut down while retrying", attempt);
      return false;
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    delay_ms = std::min(delay_ms * 2, 10'000);
  }
}

void AlertRoute::run() {
  // "scheme://host[:port]/path", split once for the route's life; httplib does https.
  std::string base = cfg_.url, path = "/";
  if (auto s = base.find("://"); s != std::string::npos)
    if (auto p = base.find('/', s + 3); p != std::string::npos) {
      path = base.substr(p);
      base.resize(p);
    }
  httplib::Client client(base);
  const auto secs = cfg_.timeout_ms / 1000, usecs = (cfg_.timeout_ms % 1000) * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  for (;;) {
    const uint32_t seen = wake_.load(std::memory_order_acquire);
    Alert a;
    while (queue_.pop(a)) {
      if (stopping_.load(std::memory_order_acquire))  // shutting down: never hang on a POST
        give_up(a, "shut down before it was sent", 0);
      else
        deliver(a, client, path);
    }
    if (stopping_.load(std::memory_order_acquire)) break;
    wake_.wait(seen, std::memory_order_acquire);
  }
}

void AlertRoute::stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_.exchange(true)) return;
  }
  stop_cv_.notify_all();
  wake_.fetch_add(1);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RouteStats AlertRoute::stats() const {
  return {sent_.load(), failed_.load(), dropped_.load(), retries_.load(), dead_letters_n_.load(), deduplicated_.load()};
}

}  // namespace qg::tracker
