// Python alert callbacks run on a Python thread (quotaguard._alerts starts it), never on the
// tracker's dispatcher thread. A foreign thread entering the interpreter must first create a
// thread state without holding the GIL, and on CPython 3.11 that races tracemalloc.stop()
// (gh-128679): it segfaulted in CI. The dispatcher hands each alert over and waits until Python
// has dispatched it, so a slow callback still backs up the tracker's bounded alert queue and
// the drop and delivery counts stay exact.
#pragma once
#include <pybind11/pybind11.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include <quotaguard/tracker.hpp>

namespace quotaguard::pyconv {

class AlertHandoff {
 public:
  // Dispatcher thread: returns once the Python thread has dispatched a, or at once if none serves.
  void deliver(const Alert& a);
  // Python, before starting the thread that calls serve(): alerts from now on wait for it.
  void begin();
  // The Python thread: calls dispatch(alert_dict) for each alert until stop().
  void serve(pybind11::handle dispatch);
  // Any thread: serve() returns once the alert in hand (if any) is dispatched.
  void stop();
  // In a forked child: no thread serves there (the parent's is not copied), and the parent's
  // lock may have been held at the fork.
  void after_fork_in_child();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Alert> pending_;
  bool serving_ = false, stopping_ = false;
  uint64_t handed_ = 0, done_ = 0;
};

AlertHandoff& alert_handoff();  // the process's one

}  // namespace quotaguard::pyconv
