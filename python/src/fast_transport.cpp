// The instrumented sync transport's handle_request for its common case, in C: a request the SDK
// sends, allowed by the tracker, answered 2xx with a JSON body -- read, decoded once and recorded
// before the SDK reads it (the SDK reads such a body at once anyway), and left read: the response
// as httpx's own read() leaves it, so the SDK takes its content without a second pass over a
// stream (docs/tracker.md, "Eleventh pass"). In Python the same steps took ~16 interpreter
// frames, three objects with __init__, a generator and a finaliser per request: most of what the
// tracked client cost over the plain one (callgrind: docs/tracker.md).
// Anything else (a verdict other than allow, a response built in memory, an error, a stream, a
// body of another kind, a request not from the SDK or asking for a raw stream) is handed on, at
// the step it was reached, to the Python transport, which keeps every other behaviour.
#include "fast_transport.h"

#include <datetime.h>
#include <time.h>

#include <iterator>
#include <utility>

#include "convert.h"
#include "hot_path.h"
#include "registry.h"

namespace quotaguard::pyconv {

namespace {

// What the Python transport hands over once (bind_transport); owned for the process's life.
struct Bound {
  PyObject* current = nullptr;             // the ContextVar of the workspace
  PyObject* state = nullptr;               // _config._state
  PyObject* ensure_configured = nullptr;   // () -> None
  PyObject* failed = nullptr;              // (ws, request, t0[, response, headers]): records a failed exchange
  PyObject* request_body = nullptr;        // (request, read_multipart) -> bytes or None
  PyObject* empty = nullptr;               // b""
  // Interned names.
  PyObject *configured, *qg_inner, *qg_sdk, *qg_send, *qg_received, *handle_request, *headers, *list, *raw,
      *status_code, *stream, *close, *decode, *flush, *join, *content, *method, *url, *raw_path, *get_decoder,
      *stream_consumed, *is_closed, *bytes_downloaded, *elapsed;
};
Bound g;

int64_t monotonic_ns() {  // time.perf_counter_ns's clock (CLOCK_MONOTONIC): the tracker's steady clock
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// An owned reference, released on scope exit.
struct Ref {
  PyObject* p = nullptr;
  Ref() = default;
  explicit Ref(PyObject* o) : p(o) {}
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref() { Py_XDECREF(p); }
  PyObject* release() { return std::exchange(p, nullptr); }
  explicit operator bool() const { return p != nullptr; }
};

// httpx's header list (name, lowercased name, value), or `.raw` where a library has no `_list`.
PyObject* header_list(PyObject* headers_owner) {
  Ref headers(PyObject_GetAttr(headers_owner, g.headers));
  if (!headers) return nullptr;
  PyObject* l = PyObject_GetAttr(headers.p, g.list);
  if (l || !PyErr_ExceptionMatches(PyExc_AttributeError)) return l;
  PyErr_Clear();
  return PyObject_GetAttr(headers.p, g.raw);
}

// Whether a lowercased header name is present (with `value`, when given) in httpx's `_list`.
bool has_header(PyObject* list, std::string_view name, std::string_view value = {}) {
  if (!PyList_Check(list)) return false;
  for (Py_ssize_t i = 0, n = PyList_GET_SIZE(list); i < n; ++i) {
    PyObject* item = PyList_GET_ITEM(list, i);
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) continue;
    if (bytes_view(PyTuple_GET_ITEM(item, 1)) != name) continue;
    if (value.empty() || bytes_view(PyTuple_GET_ITEM(item, 2)) == value) return true;
  }
  return false;
}

// Bytes from what a stream or decoder gives: bytes (httpx), another buffer, or an iterable of
// pieces (httpx2's decoders).
PyObject* as_bytes(PyObject* out) {
  if (!out || PyBytes_CheckExact(out)) return out;
  Ref owned(out);
  return PyObject_CheckBuffer(out) ? PyBytes_FromObject(out) : PyObject_CallMethodOneArg(g.empty, g.join, out);
}

// The body of a stream, read to its end and closed.
PyObject* read_all(PyObject* stream) {
  Ref it(PyObject_GetIter(stream));
  PyObject* body = nullptr;
  if (it) {
    Ref first(PyIter_Next(it.p));
    if (first && !PyErr_Occurred()) {
      Ref second(PyIter_Next(it.p));
      if (!second && !PyErr_Occurred()) body = as_bytes(first.release());  // the usual case: one chunk
      else if (second) {
        Ref chunks(PySequence_List(it.p));
        if (chunks && PyList_Insert(chunks.p, 0, second.p) == 0 && PyList_Insert(chunks.p, 0, first.p) == 0)
          body = PyObject_CallMethodOneArg(g.empty, g.join, chunks.p);
      }
    } else if (!PyErr_Occurred()) {
      body = Py_NewRef(g.empty);
    }
  }
  PyObject *type, *value, *tb;  // close() even when reading failed, keeping that error
  PyErr_Fetch(&type, &value, &tb);
  Ref closed(PyObject_CallMethodNoArgs(stream, g.close));
  if (type) {
    PyErr_Restore(type, value, tb);
    Py_XDECREF(body);
    return nullptr;
  }
  if (!closed) {
    Py_XDECREF(body);
    return nullptr;
  }
  return body;
}

// The body decoded with the response's own decoder (none: as it came). The decoder is not used
// again: the response is left read (see leave_read).
PyObject* decoded(PyObject* response, PyObject* raw) {
  Ref decoder(PyObject_CallMethodNoArgs(response, g.get_decoder));
  if (!decoder) {
    if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return nullptr;
    PyErr_Clear();  // a library without httpx's decoders: the tracker sees the encoded bytes
    return Py_NewRef(raw);
  }
  Ref out(as_bytes(PyObject_CallMethodOneArg(decoder.p, g.decode, raw)));
  if (!out) return nullptr;
  Ref tail(as_bytes(PyObject_CallMethodNoArgs(decoder.p, g.flush)));
  if (!tail) return nullptr;
  if (PyBytes_GET_SIZE(tail.p) == 0) return out.release();
  PyObject* joined = out.release();
  PyBytes_Concat(&joined, tail.p);
  return joined;
}

// The response left as httpx's Response.read() leaves one it read itself: its content kept, its
// stream consumed and closed (the connection is back in the pool: read_all closed it), the bytes
// downloaded and the time it took set. The SDK's read() then returns the content at once.
bool leave_read(PyObject* response, PyObject* body, Py_ssize_t raw_bytes, int64_t elapsed_ns) {
  Ref downloaded(PyLong_FromSsize_t(raw_bytes));
  const int64_t us = elapsed_ns / 1000;
  Ref elapsed(downloaded ? PyDelta_FromDSU(0, static_cast<int>(us / 1'000'000), static_cast<int>(us % 1'000'000))
                         : nullptr);
  return elapsed && PyObject_SetAttr(response, g.content, body) == 0 &&
         PyObject_SetAttr(response, g.stream_consumed, Py_True) == 0 &&
         PyObject_SetAttr(response, g.is_closed, Py_True) == 0 &&
         PyObject_SetAttr(response, g.bytes_downloaded, downloaded.p) == 0 &&
         PyObject_SetAttr(response, g.elapsed, elapsed.p) == 0;
}

// Calls `failed` to record the exchange as cut short, keeping the error being raised.
PyObject* fail(PyObject* ws, PyObject* request, PyObject* t0, PyObject* response = nullptr, PyObject* headers = nullptr) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  Ref done(response ? PyObject_CallFunctionObjArgs(g.failed, ws, request, t0, response, headers, nullptr)
                    : PyObject_CallFunctionObjArgs(g.failed, ws, request, t0, nullptr));
  if (!done) PyErr_Clear();  // (the original error is what the caller must see)
  PyErr_Restore(type, value, tb);
  return nullptr;
}

// A request body as the tracker reads it: where httpx keeps it once read, else as Python finds it.
PyObject* request_body(PyObject* request, PyObject* path) {
  Ref dict(PyObject_GenericGetDict(request, nullptr));
  if (dict) {
    PyObject* body = PyDict_GetItemWithError(dict.p, g.content);  // borrowed
    if (body) return Py_NewRef(body);
  }
  if (PyErr_Occurred()) return nullptr;
  const bool audio = bytes_view(path).find("/audio/") != std::string_view::npos;
  return PyObject_CallFunctionObjArgs(g.request_body, request, audio ? Py_True : Py_False, nullptr);
}

// Whether the response arrived read (a response built in memory: the Python path records it).
bool built_in_memory(PyObject* response) {
  Ref dict(PyObject_GenericGetDict(response, nullptr));
  if (!dict) {
    PyErr_Clear();
    return true;
  }
  return PyDict_Contains(dict.p, g.content) != 0;
}

// The 2xx JSON answer read, decoded, handed back read and recorded.
PyObject* finish_json(PyObject* ws, PyObject* request, PyObject* response, PyObject* headers, PyObject* status,
                      bool encoded, int64_t t0) {
  Ref t0_obj(PyLong_FromLongLong(t0));
  Ref stream(PyObject_GetAttr(response, g.stream));
  Ref raw(stream ? read_all(stream.p) : nullptr);
  if (!raw) return t0_obj ? fail(ws, request, t0_obj.p, response, headers) : nullptr;
  Ref body(encoded ? decoded(response, raw.p) : Py_NewRef(raw.p));
  if (!body) return fail(ws, request, t0_obj.p, response, headers);
  const int64_t latency_ns = monotonic_ns() - t0;
  if (!leave_read(response, body.p, PyBytes_GET_SIZE(raw.p), latency_ns)) return nullptr;

  Ref method(PyObject_GetAttr(request, g.method));
  Ref url(method ? PyObject_GetAttr(request, g.url) : nullptr);
  Ref path(url ? PyObject_GetAttr(url.p, g.raw_path) : nullptr);
  Ref req_headers(path ? header_list(request) : nullptr);
  Ref req_body(req_headers ? request_body(request, path.p) : nullptr);
  if (!req_body) return nullptr;
  Ref nbytes(PyLong_FromSsize_t(PyBytes_GET_SIZE(body.p)));
  Ref latency(PyLong_FromLongLong(latency_ns));
  Ref account(PyLong_FromLong(0));
  if (!nbytes || !latency || !account) return nullptr;
  PyObject* args[] = {ws,      method.p, path.p,   req_headers.p, req_body.p, status, headers,
                      body.p,  nbytes.p, Py_True,  t0_obj.p,      latency.p,  account.p};
  Ref recorded(record(nullptr, args, 13));
  if (!recorded) return nullptr;
  return Py_NewRef(response);
}

// The transport's handle_request(request) -> response: see the top of this file.
PyObject* send(PyObject* self, PyObject* request) {
  if (!g.current) {
    PyErr_SetString(PyExc_RuntimeError, "quotaguard: bind_transport() was not called");
    return nullptr;
  }
  PyObject* ws_raw = nullptr;
  if (PyContextVar_Get(g.current, nullptr, &ws_raw) < 0) return nullptr;
  Ref ws(ws_raw);
  if (!ws) {  // (the variable has a default: only if someone replaced it)
    PyErr_SetString(PyExc_LookupError, "quotaguard: no current workspace");
    return nullptr;
  }
  PyObject* configured = PyDict_GetItemWithError(g.state, g.configured);  // borrowed
  if (!configured && PyErr_Occurred()) return nullptr;
  if (!configured || !PyObject_IsTrue(configured)) {
    Ref done(PyObject_CallNoArgs(g.ensure_configured));
    if (!done) return nullptr;
  }
  PyObject* check_args[] = {ws.p};
  Ref verdict(check(nullptr, check_args, 1));
  if (!verdict) return nullptr;
  if (verdict.p != Py_None)  // blocked, a fallback model or another account: Python's way
    return PyObject_CallMethodObjArgs(self, g.qg_send, request, ws.p, verdict.p, nullptr);

  // Read at once only what the SDK would read at once: its requests, not a raw stream.
  Ref req_headers(header_list(request));
  if (!req_headers) return nullptr;
  Ref sdk_flag(PyObject_GetAttr(self, g.qg_sdk));
  if (!sdk_flag) return nullptr;
  const bool sdk = PyObject_IsTrue(sdk_flag.p) == 1 || has_header(req_headers.p, "x-stainless-lang") ||
                   has_header(req_headers.p, "x-stainless-retry-count");
  if (!sdk || has_header(req_headers.p, "x-stainless-raw-response", "stream"))
    return PyObject_CallMethodObjArgs(self, g.qg_send, request, ws.p, Py_None, nullptr);

  Ref inner(PyObject_GetAttr(self, g.qg_inner));
  if (!inner) return nullptr;
  const int64_t t0 = monotonic_ns();
  Ref response(PyObject_CallMethodOneArg(inner.p, g.handle_request, request));
  if (!response) {
    Ref t0_obj(PyLong_FromLongLong(t0));
    return t0_obj ? fail(ws.p, request, t0_obj.p) : nullptr;
  }
  Ref headers(header_list(response.p));
  Ref status(headers ? PyObject_GetAttr(response.p, g.status_code) : nullptr);
  if (!status) return nullptr;
  const long code = PyLong_AsLong(status.p);
  if (code == -1 && PyErr_Occurred()) return nullptr;
  const int kind = body_kind(headers.p);
  if (code >= 200 && code < 300 && (kind & 3) == 1 && !built_in_memory(response.p))
    return finish_json(ws.p, request, response.p, headers.p, status.p, kind & 4, t0);
  Ref t0_obj(PyLong_FromLongLong(t0));
  Ref account(PyLong_FromLong(0));
  if (!t0_obj || !account) return nullptr;
  return PyObject_CallMethodObjArgs(self, g.qg_received, ws.p, account.p, request, response.p, t0_obj.p, nullptr);
}

// handle_request as a method of the transport class (bound like a Python method, no frame).
PyObject* handle_request(PyObject* self, PyObject* const* args, Py_ssize_t n) {
  if (n != 1) {
    PyErr_SetString(PyExc_TypeError, "handle_request(request)");
    return nullptr;
  }
  return send(self, args[0]);
}

PyMethodDef kHandleRequest = {"handle_request", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(handle_request)),
                              METH_FASTCALL, "Tracks the exchange, then defers to the wrapped transport."};

// sync_method(cls) -> a handle_request method for the instrumented transport class `cls`.
PyObject* sync_method(PyObject*, PyObject* cls) {
  if (!PyType_Check(cls)) {
    PyErr_SetString(PyExc_TypeError, "sync_method(cls): a class");
    return nullptr;
  }
  return PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls), &kHandleRequest);
}

PyObject* intern(const char* s) { return PyUnicode_InternFromString(s); }

// bind_transport(current, state, ensure_configured, failed, request_body)
PyObject* bind_transport(PyObject*, PyObject* const* args, Py_ssize_t n) {
  PyObject** slots[] = {&g.current, &g.state, &g.ensure_configured, &g.failed, &g.request_body};
  if (n != static_cast<Py_ssize_t>(std::size(slots))) {
    PyErr_SetString(PyExc_TypeError, "bind_transport() takes 5 arguments");
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < n; ++i) Py_XSETREF(*slots[i], Py_NewRef(args[i]));
  if (!g.empty) {
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI) return nullptr;
    g.empty = PyBytes_FromStringAndSize("", 0);
    g.get_decoder = intern("_get_content_decoder");
    g.stream_consumed = intern("is_stream_consumed");
    g.is_closed = intern("is_closed");
    g.bytes_downloaded = intern("_num_bytes_downloaded");
    g.elapsed = intern("_elapsed");
    g.configured = intern("configured");
    g.qg_inner = intern("_qg_inner");
    g.qg_sdk = intern("_qg_sdk");
    g.qg_send = intern("_qg_send");
    g.qg_received = intern("_qg_received");
    g.handle_request = intern("handle_request");
    g.headers = intern("headers");
    g.list = intern("_list");
    g.raw = intern("raw");
    g.status_code = intern("status_code");
    g.stream = intern("stream");
    g.close = intern("close");
    g.decode = intern("decode");
    g.flush = intern("flush");
    g.join = intern("join");
    g.content = intern("_content");
    g.method = intern("method");
    g.url = intern("url");
    g.raw_path = intern("raw_path");
  }
  Py_RETURN_NONE;
}

PyMethodDef kFastTransport[] = {
    {"sync_method", sync_method, METH_O, nullptr},
    {"bind_transport", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(bind_transport)), METH_FASTCALL,
     nullptr},
};

}  // namespace

void add_fast_transport(py::module_& m) { add_functions(m, kFastTransport); }

}  // namespace quotaguard::pyconv
