// Python <-> tracker conversions kept apart from the module definition.
#pragma once
#include <pybind11/pybind11.h>

#include <quotaguard/tracker.hpp>

namespace quotaguard::pyconv {
namespace py = pybind11;

py::dict usage_dict(const UsageReport& r);
py::dict alert_dict(const Alert& a);
// Reads the headers the tracker needs from httpx's `headers.raw` (a list of (bytes, bytes)) or
// `headers._list` (a list of (bytes, bytes, bytes)).
void read_request_headers(PyObject* raw, Exchange& x);
void read_response_headers(PyObject* raw, Exchange& x);
// What a response body is, from its headers: 0 other (audio, files: only counted), 1 JSON (or
// HTML where JSON belongs, or no type), 2 SSE; | 4 when it has a content-encoding.
int body_kind(PyObject* raw);
// bytes / bytearray; empty if None or anything else. Inline: it runs twice per header.
inline std::string_view bytes_view(PyObject* o) {
  if (o && PyBytes_Check(o)) return {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
  if (o && PyByteArray_Check(o)) return {PyByteArray_AS_STRING(o), static_cast<std::size_t>(PyByteArray_GET_SIZE(o))};
  return {};
}

// A name handed over from Python (str or bytes) as UTF-8 bytes, converted once at the boundary.
// A str that UTF-8 cannot encode (a lone surrogate) has the bad code points replaced with '?':
// names are data and never make a call fail (the tracker sanitises bytes the same way).
class NameArg {
 public:
  explicit NameArg(PyObject* o);
  explicit NameArg(py::handle h) : NameArg(h.ptr()) {}
  ~NameArg() { Py_XDECREF(owned_); }
  NameArg(const NameArg&) = delete;
  NameArg& operator=(const NameArg&) = delete;
  std::string_view view() const { return view_; }

 private:
  PyObject* owned_ = nullptr;
  std::string_view view_;
};
}  // namespace quotaguard::pyconv
