#include "registry.h"

#include <atomic>
#include <mutex>

namespace quotaguard::pyreg {

namespace {
std::mutex g_mu;
std::shared_ptr<Tracker> g_tracker;
std::atomic<Tracker*> g_current{nullptr};
std::shared_ptr<const Clock> g_clock;
}  // namespace

std::shared_ptr<Tracker> tracker() {
  std::lock_guard lock(g_mu);
  if (!g_tracker) {
    g_tracker = Tracker::open("", "", g_clock);  // the defaults
    g_current.store(g_tracker.get(), std::memory_order_release);
  }
  return g_tracker;
}

Tracker& current() {
  Tracker* t = g_current.load(std::memory_order_acquire);
  return t ? *t : *tracker();
}

std::shared_ptr<Tracker> replace(std::shared_ptr<Tracker> fresh) {
  std::lock_guard lock(g_mu);
  std::shared_ptr<Tracker> old = std::move(g_tracker);
  g_tracker = std::move(fresh);
  g_current.store(g_tracker.get(), std::memory_order_release);
  return old;
}

std::shared_ptr<const Clock> clock() {
  std::lock_guard lock(g_mu);
  return g_clock;
}

void set_clock(std::shared_ptr<const Clock> c) {
  std::lock_guard lock(g_mu);
  g_clock = std::move(c);
}

}  // namespace quotaguard::pyreg
