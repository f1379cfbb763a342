#include "fleet_reader.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <chrono>

#include "fleet_schema.h"
#include "window.h"

namespace qg::serve {

namespace schema = tracker::fleet_schema;

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

FleetReader::FleetReader(tracker::RedisUrl url, std::string ns) : url_(std::move(url)), ns_(std::move(ns)) {
  health_.address = tracker::redis_address(url_);
  health_.ns = ns_;
  health_.error = "not connected yet";
  health_.since_ms = wall_ms();
}

FleetReader::~FleetReader() {
  stop();
  tracker::redis_free(query_);
}

void FleetReader::start(std::function<void()> changed) {
  changed_ = std::move(changed);
  thread_ = std::thread([this] { run(); });
  std::unique_lock lock(stop_mu_);
  stop_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return tried_; });
}

void FleetReader::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

FleetHealth FleetReader::health() const {
  std::lock_guard lock(mu_);
  return health_;
}

std::map<std::string, FleetStatus> FleetReader::statuses() const {
  std::lock_guard lock(mu_);
  return statuses_;
}

void FleetReader::set_reachable(bool up, const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (health_.reachable == up && (up || health_.error == why)) return;
    if (health_.reachable != up) health_.since_ms = wall_ms();
    health_.reachable = up;
    health_.error = up ? "" : why;
  }
  up_.store(up, std::memory_order_release);
  changed_();
}

void FleetReader::apply(const std::string& event, int64_t now) {
  schema::FleetEvent e;
  // Budgets used up are judged here from the fleet's counts (fleet_source.cpp): they are not kept.
  if (!schema::parse_event(event, e) || e.kind != schema::FleetEvent::Kind::api) return;
  std::lock_guard lock(mu_);
  statuses_[e.who] = {e.status, e.since_ms ? e.since_ms : now, e.code, e.message};
}

bool FleetReader::reread_kept() {
  std::string why;
  if (!query_ && !(query_ = tracker::redis_connect(url_, why))) return false;
  tracker::RedisReply keys = tracker::redis_command(query_, {"KEYS", schema::keep_pattern(ns_)});
  if (!keys.ok() || keys.r->type != REDIS_REPLY_ARRAY) return false;
  std::vector<std::string> events;
  for (std::size_t i = 0; i < keys.r->elements; ++i) {
    tracker::RedisReply v = tracker::redis_command(query_, {"GET", std::string(keys.r->element[i]->str, keys.r->element[i]->len)});
    if (!v.r) return false;
    if (v.r->type == REDIS_REPLY_STRING) events.emplace_back(v.r->str, v.r->len);  // nil: expired meanwhile
  }
  {
    std::lock_guard lock(mu_);
    statuses_.clear();  // what is no longer kept expired
  }
  const int64_t now = wall_ms();
  for (const std::string& e : events) apply(e, now);
  return true;
}

std::optional<std::map<std::string, FleetCounts>> FleetReader::counts(const std::vector<std::string>& entities, int64_t now) {
  if (!up_.load(std::memory_order_acquire)) return std::nullopt;  // the subscriber reconnects
  std::lock_guard lock(query_mu_);
  std::string why;
  if (!query_ && !(query_ = tracker::redis_connect(url_, why))) {
    set_reachable(false, why);
    return std::nullopt;
  }
  for (const std::string& entity : entities)
    for (int p = 0; p < tracker::kPeriods; ++p) {
      const std::string k = schema::use_key(ns_, entity, p, tracker::Windows::period_index(p, now));
      redisAppendCommand(query_, schema::kReadCounts, k.data(), k.size());
    }
  std::map<std::string, FleetCounts> out;
  for (const std::string& entity : entities)
    for (int p = 0; p < tracker::kPeriods; ++p) {
      void* raw = nullptr;
      if (redisGetReply(query_, &raw) != REDIS_OK) {
        set_reachable(false, query_->errstr[0] ? query_->errstr : "the connection was lost");
        tracker::redis_free(query_);
        query_ = nullptr;
        return std::nullopt;
      }
      tracker::RedisReply r(raw);
      if (!r.ok() || r.r->type != REDIS_REPLY_ARRAY || r.r->elements != tracker::kSharedAmounts) continue;
      for (int w = 0; w < tracker::kSharedAmounts; ++w)
        out[entity].used[p][w] = tracker::shared_from_units(w, static_cast<uint64_t>(tracker::redis_int(r.r->element[w])));
    }
  for (const std::string& entity : entities) out.try_emplace(entity);
  return out;
}

// Subscribes, re-reads what is kept, then applies each event as it comes; a dropped connection
// is made again (what was published meanwhile is in the kept states, read again).
void FleetReader::run() {
  redisContext* sub = nullptr;
  auto pause = [this](std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mu_);
    return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
  };
  auto stopping = [this] {
    std::lock_guard lock(stop_mu_);
    return stopping_;
  };
  while (!stopping()) {
    if (!sub) {
      std::string why;
      sub = tracker::redis_connect(url_, why);
      bool ok = sub != nullptr;
      if (ok) {
        tracker::RedisReply r = tracker::redis_command(sub, {"SUBSCRIBE", schema::events_channel(ns_)});
        ok = r.ok();
        if (!ok) why = r.r ? std::string(r.r->str, r.r->len) : std::string(sub->errstr);
      }
      if (ok) {
        std::lock_guard lock(query_mu_);
        tracker::redis_free(query_);  // made before Redis went away, perhaps: a fresh one
        query_ = nullptr;
        ok = reread_kept();
        if (!ok) {
          why = query_ && query_->errstr[0] ? query_->errstr : "cannot read the kept states";
          tracker::redis_free(query_);
          query_ = nullptr;
        }
      }
      set_reachable(ok, why);
      {
        std::lock_guard lock(stop_mu_);
        tried_ = true;
      }
      stop_cv_.notify_all();
      if (!ok) {
        tracker::redis_free(sub);
        sub = nullptr;
        if (!pause(std::chrono::milliseconds(200))) break;
        continue;
      }
      changed_();  // the kept states were read again
    }
    pollfd pfd{sub->fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    if (redisBufferRead(sub) != REDIS_OK) {
      set_reachable(false, sub->errstr[0] ? sub->errstr : "the connection was lost");
      tracker::redis_free(sub);
      sub = nullptr;
      continue;
    }
    void* raw = nullptr;
    bool any = false;
    while (redisGetReplyFromReader(sub, &raw) == REDIS_OK && raw) {
      tracker::RedisReply r(raw);
      raw = nullptr;
      if (r.r->type != REDIS_REPLY_ARRAY || r.r->elements != 3 || r.r->element[2]->type != REDIS_REPLY_STRING) continue;
      std::string from, event;
      if (!schema::split_published(std::string(r.r->element[2]->str, r.r->element[2]->len), from, event)) continue;
      apply(event, wall_ms());
      any = true;
    }
    if (any) changed_();
  }
  tracker::redis_free(sub);
}

}  // namespace qg::serve
