#include "convert.h"

#include <cstring>
#include <strings.h>

namespace quotaguard::pyconv {

namespace {
py::dict breakdown(const Breakdown& b) {
  const Totals& t = b.totals;
  py::dict d;
  d["calls"] = t.v[kCalls];
  d["requests"] = t.v[kRequests];
  d["errors"] = t.v[kErrors];
  d["rate_limited"] = t.v[kRateLimited];
  d["quota_errors"] = t.v[kQuotaErrors];
  d["blocked"] = t.v[kBlocked];
  d["estimated"] = t.v[kEstimated];
  d["anomalies"] = t.v[kAnomalies];
  d["input_tokens"] = t.v[kInput];
  d["cached_tokens"] = t.v[kCached];
  d["output_tokens"] = t.v[kOutput];
  d["reasoning_tokens"] = t.v[kReasoning];
  d["images"] = t.v[kImages];
  d["audio_seconds"] = static_cast<double>(t.v[kAudioMs]) / 1000.0;
  d["characters"] = t.v[kCharacters];
  d["request_bytes"] = t.v[kRequestBytes];
  d["response_bytes"] = t.v[kResponseBytes];
  d["cost_usd"] = b.cost_usd;
  return d;
}

// httpx's `headers.raw` (a list of (name, value)) or, cheaper, its `headers._list` (a list of
// (name, lowercased name, value), which `.raw` is rebuilt from on every access): f(name, value,
// whether the name is known to be lowercase).
template <class F>
void each_header(PyObject* raw, F&& f) {
  if (!raw || !PyList_Check(raw)) return;
  Py_ssize_t n = PyList_GET_SIZE(raw);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PyList_GET_ITEM(raw, i);
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 2) continue;
    const bool lowercase = PyTuple_GET_SIZE(item) == 3;
    std::string_view k = bytes_view(PyTuple_GET_ITEM(item, lowercase ? 1 : 0));
    std::string_view v = bytes_view(PyTuple_GET_ITEM(item, PyTuple_GET_SIZE(item) - 1));
    f(k, v, lowercase);
  }
}

bool header_is(std::string_view name, bool lowercase, std::string_view want) {
  return name.size() == want.size() && (lowercase ? name == want : strncasecmp(name.data(), want.data(), want.size()) == 0);
}
}  // namespace

NameArg::NameArg(PyObject* o) {
  if (!o || !PyUnicode_Check(o)) {
    view_ = bytes_view(o);
    return;
  }
  Py_ssize_t n = 0;
  if (const char* s = PyUnicode_AsUTF8AndSize(o, &n)) {
    view_ = {s, static_cast<std::size_t>(n)};
    return;
  }
  PyErr_Clear();  // a lone surrogate: encode it as '?' instead of failing the call
  owned_ = PyUnicode_AsEncodedString(o, "utf-8", "replace");
  if (!owned_) {
    PyErr_Clear();
    return;
  }
  view_ = bytes_view(owned_);
}

py::dict usage_dict(const UsageReport& r) {
  py::dict d;
  d["total"] = breakdown(r.total);
  for (auto [name, m] : {std::pair{"by_endpoint", &r.by_endpoint}, std::pair{"by_model", &r.by_model},
                         std::pair{"by_workspace", &r.by_workspace}}) {
    py::dict o;
    for (auto& [k, b] : *m) o[py::str(k)] = breakdown(b);
    d[name] = o;
  }
  py::list up;
  for (auto& m : r.unpriced_models) up.append(m);
  d["unpriced_models"] = up;
  return d;
}

py::dict alert_dict(const Alert& a) {
  py::dict d;
  d["ts_ms"] = a.ts_ms;
  d["kind"] = a.kind;
  d["workspace"] = a.workspace;
  d["status"] = status_name(a.status);
  d["previous"] = status_name(a.previous);
  d["code"] = a.code;
  d["message"] = a.message;
  d["text"] = std::string("[quotaguard] ") + a.workspace + ": " + a.message;
  return d;
}

int body_kind(PyObject* raw) {
  std::string_view ctype;
  bool encoded = false;
  each_header(raw, [&](std::string_view k, std::string_view v, bool lowercase) {
    if (header_is(k, lowercase, "content-type")) ctype = v;
    else if (header_is(k, lowercase, "content-encoding")) encoded = !v.empty() && !header_is(v, false, "identity");
  });
  int kind = ctype.find("event-stream") != std::string_view::npos ? 2
             : ctype.empty() || ctype.find("json") != std::string_view::npos || ctype.find("html") != std::string_view::npos
                 ? 1
                 : 0;
  return kind | (encoded ? 4 : 0);
}

void read_request_headers(PyObject* raw, Exchange& x) {
  each_header(raw, [&](std::string_view k, std::string_view v, bool lower) { read_request_header(k, v, x, lower); });
}

void read_response_headers(PyObject* raw, Exchange& x) {
  each_header(raw, [&](std::string_view k, std::string_view v, bool lower) { read_response_header(k, v, x, lower); });
}

}  // namespace quotaguard::pyconv
