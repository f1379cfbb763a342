// The calls the transport makes for every request -- check, body_kind, record -- as plain
// CPython functions (METH_FASTCALL). pybind11's generic dispatcher (argument casters,
// overload resolution) cost more instructions than the work of check() itself; these take
// their arguments as they come (callgrind on the transport: see docs/tracker.md).
#include "hot_path.h"

#include "convert.h"
#include "registry.h"

namespace quotaguard::pyconv {

namespace {

PyObject* text(const std::string& s) { return PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"); }

bool arity(const char* name, Py_ssize_t got, Py_ssize_t want) {
  if (got == want) return true;
  PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, want, got);
  return false;
}

}  // namespace

// check(workspace) -> None when the call may go as it is; else (status, action, since_ms, code,
// message, account): action 1 block, 2 fallback (a budget: the fallback model), 3 failover.
PyObject* check(PyObject*, PyObject* const* args, Py_ssize_t n) {
  if (!arity("check", n, 1)) return nullptr;
  try {
    CheckResult r = pyreg::current().check(NameArg(args[0]).view());
    if (r.action == CheckResult::allow) Py_RETURN_NONE;
    return Py_BuildValue("(siLNNi)", status_name(r.status), static_cast<int>(r.action), static_cast<long long>(r.since_ms),
                         text(r.code), text(r.message), static_cast<int>(r.account));
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return nullptr;
  }
}

namespace {

// body_kind(headers) -> 0 other, 1 JSON, 2 SSE, | 4 when encoded (see convert.h).
PyObject* body_kind(PyObject*, PyObject* const* args, Py_ssize_t n) {
  if (!arity("body_kind", n, 1)) return nullptr;
  return PyLong_FromLong(pyconv::body_kind(args[0]));
}

}  // namespace

// record(workspace, method, path, request headers, request body, status, response headers,
//        body (bytes, an SseReader that read it, or None), response bytes, complete, sent_ns,
//        latency_ns, account) -> the workspace's status code (5: exhausted)
PyObject* record(PyObject*, PyObject* const* a, Py_ssize_t n) {
  if (!arity("record", n, 13)) return nullptr;
  NameArg ws(a[0]), meth(a[1]), url(a[2]);
  Exchange x;
  x.workspace = ws.view();
  x.method = meth.view();
  x.url = url.view();
  read_request_headers(a[3], x);
  x.request_body = bytes_view(a[4]);
  x.http_status = static_cast<int>(PyLong_AsLong(a[5]));
  read_response_headers(a[6], x);
  x.response_bytes = PyLong_AsUnsignedLongLong(a[8]);
  x.response_complete = PyObject_IsTrue(a[9]) == 1;
  x.sent_ns = PyLong_AsLongLong(a[10]);
  x.latency_ns = PyLong_AsUnsignedLongLong(a[11]);
  x.account = static_cast<uint8_t>(PyLong_AsLong(a[12]));
  if (PyErr_Occurred()) return nullptr;
  try {
    py::handle body(a[7]);
    // (bytes and None first: pybind11's isinstance walks its type registry, ~800 instructions)
    if (body.is_none() || PyBytes_CheckExact(body.ptr())) x.response_body = bytes_view(a[7]);
    else if (py::isinstance<SseReader>(body)) x.response_usage = &body.cast<SseReader&>().finish();
    else x.response_body = bytes_view(a[7]);
    Status s;
    if (x.response_body.size() + x.request_body.size() > (1u << 16)) {
      std::shared_ptr<Tracker> t = pyreg::tracker();  // kept alive while other threads run
      py::gil_scoped_release nogil;                  // big bodies: let them run while we parse
      s = t->record_exchange(x);
    } else {
      s = pyreg::current().record_exchange_soon(x);
    }
    return PyLong_FromLong(static_cast<long>(s));
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return nullptr;
  }
}

namespace {

PyMethodDef kHotPath[] = {
    {"check", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(check)), METH_FASTCALL, nullptr},
    {"body_kind", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(body_kind)), METH_FASTCALL, nullptr},
    {"record", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(record)), METH_FASTCALL, nullptr},
};

}  // namespace

void add_functions(py::module_& m, std::span<PyMethodDef> defs) {
  for (PyMethodDef& def : defs)
    m.add_object(def.ml_name, py::reinterpret_steal<py::object>(PyCFunction_NewEx(&def, nullptr, m.attr("__name__").ptr())));
}

void add_hot_path(py::module_& m) { add_functions(m, kHotPath); }

}  // namespace quotaguard::pyconv
