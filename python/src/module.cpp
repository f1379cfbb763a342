// quotaguard._core: the process-wide tracker for the Python package.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>

#include "alert_handoff.h"
#include "convert.h"
#include "fast_transport.h"
#include "hot_path.h"
#include "registry.h"
#include <quotaguard/tracker.hpp>

namespace py = pybind11;
using namespace quotaguard;
using pyreg::tracker;

namespace {
void install_alert_hook(Tracker& t) {
  t.add_alert_callback([](const Alert& a) { pyconv::alert_handoff().deliver(a); });
}
}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "quotaguard tracker core (C++)";

  // The effective configuration (JSON) of a file and overrides, checked, without starting anything.
  m.def("load_config", [](const std::string& path, const std::string& overrides) {
    try {
      return Tracker::effective_config(path, overrides);
    } catch (const ConfigError& e) {
      throw py::value_error(e.what());
    }
  });

  // (Re)starts the tracker from a config file (may be empty) and keyword overrides (JSON); what
  // the API said (exhausted, rate limited) carries over. Returns the effective configuration.
  m.def("configure", [](const std::string& path, const std::string& overrides) {
    std::string effective;
    std::shared_ptr<Tracker> fresh;
    try {
      std::shared_ptr<const Clock> clock = pyreg::clock();
      py::gil_scoped_release nogil;  // opening the history may wait on other processes
      fresh = Tracker::open(path, overrides, std::move(clock), &effective);
    } catch (const ConfigError& e) {
      throw py::value_error(e.what());
    }
    install_alert_hook(*fresh);
    std::shared_ptr<Tracker> old = pyreg::replace(fresh);
    if (old) {
      fresh->restore(old->api_snapshot());
      py::gil_scoped_release nogil;
      old->shutdown();
    }
    return effective;
  });

  // Trackers configured from now on read a clock that starts at start_ms (Unix ms) and runs at
  // the steady clock's pace; None restores the system clock. For tests of calendar decisions.
  m.def("_set_clock_for_tests", [](std::optional<int64_t> start_ms) {
    pyreg::set_clock(start_ms ? std::make_shared<OffsetClock>(*start_ms) : nullptr);
  });

  m.def("now_ms", [] {  // what trackers configured now read (Unix ms)
    auto c = pyreg::clock();
    return c ? c->now_ms() : SystemClock().now_ms();
  });

  // Python callbacks get alerts on a Python thread that runs alert_loop (see alert_handoff.h).
  install_alert_hook(*tracker());
  m.def("alert_loop_begin", [] { pyconv::alert_handoff().begin(); });
  m.def("alert_loop", [](py::function dispatch) { pyconv::alert_handoff().serve(dispatch); });
  m.def("alert_loop_stop", [] { pyconv::alert_handoff().stop(); });
  m.def("alert_loop_after_fork_in_child", [] { pyconv::alert_handoff().after_fork_in_child(); });

  pyconv::add_hot_path(m);  // check, body_kind, record
  pyconv::add_fast_transport(m);  // sync_method, bind_transport

  m.def("accounts", [] {
    py::list out;
    for (const AccountStatus& a : tracker()->accounts()) {
      py::dict d;
      d["name"] = a.name;
      d["status"] = status_name(a.status);
      d["since_ms"] = a.since_ms;
      d["changed_monotonic_ns"] = a.changed_ns;
      d["code"] = a.code;
      d["message"] = a.message;
      out.append(d);
    }
    return out;
  });

  // An SSE body, fed piece by piece as the caller reads it (see SseReader).
  py::class_<SseReader>(m, "SseReader")
      .def(py::init([](py::handle path) { return SseReader(pyconv::NameArg(path).view()); }))
      .def("feed", [](SseReader& r, py::handle piece) { r.feed(pyconv::bytes_view(piece.ptr())); });

  m.def("record_blocked", [](py::handle workspace, py::handle method, py::handle path, py::handle model) {
    pyconv::NameArg ws(workspace), meth(method), url(path), mod(model);
    Call c;
    c.workspace = ws.view();
    c.method = meth.view();
    c.path = url.view();
    c.model = mod.view();
    c.flags = kFlagBlocked;  // never sent: not a request, not an HTTP error
    tracker()->record(c);
  });

  // Workspace arguments: a name, or None for all of them.
  m.def("endpoint_kind", [](std::string_view method, std::string_view url) { return endpoint_kind(method, url); });
  m.def("status", [](py::handle ws) { return status_name(tracker()->status(pyconv::NameArg(ws).view())); });
  m.def("usage", [](py::handle ws) {
    pyconv::NameArg name(ws);
    UsageReport r;
    {
      auto t = tracker();
      py::gil_scoped_release nogil;
      r = t->usage(name.view());
    }
    return quotaguard::pyconv::usage_dict(r);
  });
  m.def("reset", [](py::handle ws) { tracker()->reset(pyconv::NameArg(ws).view()); });
  m.def("flush", [] {
    auto t = tracker();
    py::gil_scoped_release nogil;
    t->flush();
  });
  m.def("shutdown", [] {
    std::shared_ptr<Tracker> t = tracker();
    if (t) {
      py::gil_scoped_release nogil;
      t->shutdown();
    }
  });
  m.def("stats", [] {
    auto t = tracker();
    AlertStats s = t->alert_stats();
    py::dict d;
    d["alerts_emitted"] = s.emitted;
    d["alerts_dropped"] = s.dropped;
    d["alerts_delivered"] = s.delivered;
    d["webhook_sent"] = s.webhook_sent;
    d["webhook_failed"] = s.webhook_failed;
    d["webhook_dropped"] = s.webhook_dropped;
    d["webhook_retries"] = s.webhook_retries;
    d["alerts_dead_lettered"] = s.dead_letters;
    d["alerts_deduplicated"] = s.deduplicated;
    d["alert_last_latency_ms"] = static_cast<double>(s.last_latency_ns) / 1e6;
    d["alert_max_latency_ms"] = static_cast<double>(s.max_latency_ns) / 1e6;
    d["ledger_dropped"] = t->ledger_dropped();
    d["flush_failures"] = t->flush_failures();
    d["pricing_date"] = t->pricing_date();
    return d;
  });
}
