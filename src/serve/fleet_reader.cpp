#include "fleet_reader.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "fleet_schema.h"
#include "redis_cluster.h"
#include "window.h"

namespace qg::serve {

namespace schema = tracker::fleet_schema;

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

// A cluster: the fleet's keys carry its hash tag, as the trackers write them (redis_cluster.h).
FleetReader::FleetReader(tracker::RedisUrl url, std::string ns)
    : url_(tracker::on_fleet_slot(std::move(url), ns)), ns_(tracker::fleet_key_prefix(url_, ns)) {
  health_.address = tracker::redis_address(url_);
  health_.ns = ns;
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
  if (int64_t id = 0; schema::parse_alert_event(event, id)) {
    int64_t seen = alert_seq_.load(std::memory_order_acquire);
    while (id > seen && !alert_seq_.compare_exchange_weak(seen, id)) {
    }
    return;
  }
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
  // The newest alert id (announcements missed while unsubscribed are counted in it).
  tracker::RedisReply seq = tracker::redis_command(query_, {"GET", schema::alerts_seq_key(ns_)});
  if (!seq.r) return false;
  alert_seq_.store(seq.r->type == REDIS_REPLY_STRING ? std::atoll(std::string(seq.r->str, seq.r->len).c_str()) : 0,
                   std::memory_order_release);
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
  std::vector<std::vector<std::string>> cmds;
  std::vector<std::pair<std::string, int>> asked;
  for (const std::string& entity : entities)
    for (int p = 0; p < tracker::kPeriods; ++p) {
      cmds.push_back({"HMGET", schema::use_key(ns_, entity, p, tracker::Windows::period_index(p, now)), "r", "t", "u", "e"});
      asked.emplace_back(entity, p);
    }
  std::map<std::string, FleetCounts> out;
  std::size_t i = 0;
  const bool ok = pipeline(cmds, [&](const redisReply* r) {
    const auto& [entity, p] = asked[i++];
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != tracker::kSharedAmounts) return;
    for (int w = 0; w < tracker::kSharedAmounts; ++w)
      out[entity].used[p][w] = tracker::shared_from_units(w, static_cast<uint64_t>(tracker::redis_int(r->element[w])));
  });
  if (!ok) return std::nullopt;
  for (const std::string& entity : entities) out.try_emplace(entity);
  return out;
}

std::optional<std::map<int64_t, std::map<std::string, int64_t>>> FleetReader::usage_minutes(int64_t first, int64_t last) {
  std::vector<std::vector<std::string>> cmds;
  for (int64_t m = first; m <= last; ++m) cmds.push_back({"HGETALL", schema::usage_minute_key(ns_, m)});
  std::map<int64_t, std::map<std::string, int64_t>> out;
  int64_t m = first;
  const bool ok = pipeline(cmds, [&](const redisReply* r) {
    auto& fields = out[m++];
    if (!r || r->type != REDIS_REPLY_ARRAY) return;
    for (std::size_t i = 0; i + 1 < r->elements; i += 2)
      fields[std::string(r->element[i]->str, r->element[i]->len)] += tracker::redis_int(r->element[i + 1]);
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> FleetReader::counted_workspaces(int64_t now) {
  std::vector<std::string> out;
  const bool ok = pipeline({{"HKEYS", schema::counted_key(ns_, tracker::Windows::period_index(tracker::kMonth, now))}},
                           [&](const redisReply* r) {
                             if (!r || r->type != REDIS_REPLY_ARRAY) return;
                             for (std::size_t i = 0; i < r->elements; ++i)
                               if (r->element[i]->type == REDIS_REPLY_STRING) out.emplace_back(r->element[i]->str, r->element[i]->len);
                           });
  if (!ok) return std::nullopt;
  return out;
}

bool FleetReader::pipeline(const std::vector<std::vector<std::string>>& commands,
                           const std::function<void(const redisReply*)>& reply) {
  if (!up_.load(std::memory_order_acquire)) return false;  // the subscriber reconnects
  std::lock_guard lock(query_mu_);
  for (int attempt = 0;; ++attempt) {
    std::string why;
    if (!query_ && !(query_ = tracker::redis_connect(url_, why))) {
      set_reachable(false, why);
      return false;
    }
    for (const auto& cmd : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lens;
      for (const std::string& a : cmd) argv.push_back(a.data()), lens.push_back(a.size());
      redisAppendCommandArgv(query_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    std::vector<tracker::RedisReply> replies;
    bool lost = false;
    for (std::size_t i = 0; i < commands.size() && !lost; ++i) {
      void* raw = nullptr;
      if (redisGetReply(query_, &raw) != REDIS_OK) {
        const bool again = !url_.cluster_nodes.empty() && attempt == 0;  // a cluster's failover: the new master
        if (!again) set_reachable(false, query_->errstr[0] ? query_->errstr : "the connection was lost");
        tracker::redis_free(query_);
        query_ = nullptr;
        if (!again) return false;
        lost = true;
        continue;
      }
      replies.emplace_back(raw);
    }
    if (lost) continue;
    // A cluster's MOVED: its slot failed over. Not zeros: the same again on the new master, once.
    if (std::any_of(replies.begin(), replies.end(), [](const tracker::RedisReply& r) { return tracker::redis_moved(r.r); })) {
      tracker::redis_free(query_);
      query_ = nullptr;
      if (attempt == 0) continue;
      set_reachable(false, "the cluster's slot map is moving");
      return false;
    }
    for (const tracker::RedisReply& r : replies) reply(r.r);
    return true;
  }
}

std::optional<std::map<std::string, int64_t>> FleetReader::usage(int64_t since, int64_t until, int64_t now, std::string& why) {
  // A bucket is kept its TTL after its last write, which is not before its own minute (hour).
  // The future holds nothing: a window ending in 2100 asks no more buckets than one ending now.
  const int64_t now_s = now / 1000;
  until = std::min(until, now / 60000);
  if (since > until) return std::map<std::string, int64_t>{};
  const int64_t first_hour = (since + 59) / 60, end_hour = (until + 1) / 60;  // whole hours: [first, end)
  std::vector<std::vector<std::string>> cmds;
  auto minutes = [&](int64_t from, int64_t to) {
    for (int64_t m = from; m <= to; ++m) cmds.push_back({"HGETALL", schema::usage_minute_key(ns_, m)});
    return from > to || from * 60 + schema::kUsageMinuteTtl > now_s;
  };
  bool kept = true;
  if (first_hour < end_hour) {
    kept = minutes(since, first_hour * 60 - 1) && minutes(end_hour * 60, until) && first_hour * 3600 + schema::kUsageHourTtl > now_s;
    for (int64_t h = first_hour; h < end_hour; ++h) cmds.push_back({"HGETALL", schema::usage_hour_key(ns_, h)});
  } else {
    kept = minutes(since, until);
  }
  if (!kept) {
    why = "the window starts before what the fleet's usage buckets keep (minutes " + std::to_string(schema::kUsageMinuteTtl / 3600) +
          " h, hours " + std::to_string(schema::kUsageHourTtl / 86400) + " days)";
    return std::nullopt;
  }
  std::map<std::string, int64_t> out;
  const bool ok = pipeline(cmds, [&](const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;
    for (std::size_t i = 0; i + 1 < r->elements; i += 2)
      out[std::string(r->element[i]->str, r->element[i]->len)] += tracker::redis_int(r->element[i + 1]);
  });
  if (!ok) {
    why = "the fleet's Redis cannot be read";
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::string>> FleetReader::alerts(int limit) {
  std::vector<std::string> out;
  const bool ok = pipeline({{"LRANGE", schema::alerts_key(ns_), "0", std::to_string(limit - 1)}}, [&](const redisReply* r) {
    if (!r || r->type != REDIS_REPLY_ARRAY) return;
    for (std::size_t i = 0; i < r->elements; ++i)
      if (r->element[i]->type == REDIS_REPLY_STRING) out.emplace_back(r->element[i]->str, r->element[i]->len);
  });
  if (!ok) return std::nullopt;
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
  std::string master;  // with sentinels (a cluster): the one sub (and query_) is on
  auto checked = std::chrono::steady_clock::now();
  std::size_t first = 0;  // the sentinel (cluster node) that answered last
  while (!stopping()) {
    // Sentinels (a cluster's nodes), once a second: the master they name now (of the fleet's
    // slot), and if it is another one (a failover: the demoted one goes on answering what it had),
    // both connections are made again on it.
    if (sub && tracker::redis_follows_master(url_) && std::chrono::steady_clock::now() - checked >= std::chrono::seconds(1)) {
      checked = std::chrono::steady_clock::now();
      std::string named, why;
      if (tracker::redis_master_now(url_, named, why, &first) && named != master) {
        tracker::redis_free(sub);
        sub = nullptr;
      }
    }
    if (!sub) {
      std::string why;
      sub = tracker::redis_connect(url_, why, &master);
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
      // A cluster's demoted master may close it: reconnecting at once says whether Redis is away.
      if (url_.cluster_nodes.empty()) set_reachable(false, sub->errstr[0] ? sub->errstr : "the connection was lost");
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
