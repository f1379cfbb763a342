#include "alert_handoff.h"

#include <new>

#include "convert.h"

namespace py = pybind11;

namespace quotaguard::pyconv {

void AlertHandoff::deliver(const Alert& a) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !pending_ || !serving_; });  // two trackers (a reconfigure) take turns
  if (!serving_) return;
  pending_ = a;
  const uint64_t mine = ++handed_;
  cv_.notify_all();
  cv_.wait(lock, [&] { return done_ >= mine || !serving_; });
}

void AlertHandoff::begin() {
  std::lock_guard lock(mu_);
  serving_ = true;
  stopping_ = false;
}

void AlertHandoff::serve(py::handle dispatch) {
  // However this returns (stop(), or an exception out of the loop), dispatchers stop waiting.
  struct Leave {
    AlertHandoff& h;
    ~Leave() {
      std::lock_guard lock(h.mu_);
      h.serving_ = false;
      h.pending_.reset();
      h.cv_.notify_all();
    }
  } leave{*this};
  for (;;) {
    Alert a;
    {
      py::gil_scoped_release nogil;
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return pending_.has_value() || stopping_; });
      if (!pending_) return;
      a = *pending_;
    }
    try {
      dispatch(alert_dict(a));
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("quotaguard alert callback");
    } catch (const std::exception& e) {
      PySys_WriteStderr("quotaguard alert callback: %.900s\n", e.what());
    }
    std::lock_guard lock(mu_);
    pending_.reset();
    ++done_;
    cv_.notify_all();
  }
}

void AlertHandoff::stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

void AlertHandoff::after_fork_in_child() {
  // Only this thread exists now: build fresh primitives over whatever state the fork froze.
  new (&mu_) std::mutex();
  new (&cv_) std::condition_variable();
  pending_.reset();
  serving_ = stopping_ = false;
  handed_ = done_ = 0;
}

AlertHandoff& alert_handoff() {
  static AlertHandoff* one = new AlertHandoff();  // never destroyed: dispatcher threads may outlive statics
  return *one;
}

}  // namespace quotaguard::pyconv
