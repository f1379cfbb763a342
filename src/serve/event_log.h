// The live events: a poller turns what the state source shows into events (status changes,
// alerts, per-second usage) with increasing ids, kept in a bounded ring so that a client that
// reconnects with its last id gets everything after it.
//
// Ids start at the server's boot time in microseconds, so an id from an earlier run of the server
// is older than every id of this one: such a client is told to re-read the state (a gap), never
// handed events out of order or silently nothing.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "state_source.h"

namespace qg::serve {

struct Event {
  int64_t id;
  std::string type;  // status | alert | usage
  std::string data;  // JSON
};

// What one client of the live events gets next, whichever way it is carried (SSE, WebSocket):
// `hello` first (the id to resume from) unless it resumes, `reset` when the kept events no longer
// reach back to its id, the events after it, or a `heartbeat` when nothing happened within the
// wait. `hello` carries its id; `reset` and `heartbeat` have id -1 (they move no cursor).
class EventLog;
class EventCursor {
 public:
  EventCursor(EventLog& log, int64_t after, bool resumed) : log_(log), after_(after), hello_(!resumed) {}
  std::vector<Event> next(std::chrono::milliseconds wait);

 private:
  EventLog& log_;
  int64_t after_;
  bool hello_;
};

// An event id as a client sends it back (Last-Event-ID, last_event_id): digits only.
bool parse_event_id(std::string_view text, int64_t& out);

class EventLog {
 public:
  EventLog(StateSource& source, std::chrono::milliseconds poll, std::size_t capacity);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  void start();
  void stop();

  struct Batch {
    std::vector<Event> events;
    bool gap = false;  // events after `after_id` were dropped from the ring (or it is from another run)
  };
  // Events with id > after_id (all kept ones when after_id < 0). Waits up to `wait` when there is none.
  Batch after(int64_t after_id, std::chrono::milliseconds wait);
  int64_t last_id();  // the newest id given (first_id_ before any)
  void poll_once();  // one poll (the thread calls it; tests and start() too)
  void wake();       // poll now, not at the next interval (the fleet said something)
  // An event from elsewhere than the state source (the reconciler's dark-traffic alerts).
  void publish(const char* type, std::string data);

 private:
  void run();
  void poll_fleet_alerts();
  // Publishes the fleet's usage since the last read (at most once a second); false: no fleet, or
  // its Redis cannot be read (then this host's ledger is the usage events).
  bool poll_fleet_usage();
  StateSource& source_;
  const std::chrono::milliseconds poll_;
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> ring_;
  const int64_t first_id_;  // ids of this run are above it
  int64_t next_id_;
  bool stopping_ = false, woken_ = false;
  // The poller's view (touched by the poller only).
  struct Seen {
    std::string status, error_code;
  };
  std::map<std::string, Seen> status_;
  int64_t alert_cursor_ = 0, call_cursor_ = 0;
  int64_t fleet_cursor_ = -1;  // the fleet's alert ids (-1: not known yet; what is kept then is not news)
  // The fleet's minute usage buckets as last read (empty: none read since Redis was away: the
  // next read is what is there, not news), and when.
  std::map<int64_t, std::map<std::string, int64_t>> fleet_usage_;
  int64_t fleet_usage_read_ms_ = 0;
  bool fleet_usage_up_ = false;
  std::thread thread_;
};

}  // namespace qg::serve
