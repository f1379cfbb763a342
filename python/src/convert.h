// Python <-> tracker conversions kept apart from the module definition.
#pragma once
#include <pybind11/pybind11.h>

#include "tracker.h"

namespace qg::tracker::pyconv {
namespace py = pybind11;

py::dict usage_dict(const UsageReport& r);
py::dict alert_dict(const Alert& a);
// Reads the headers the tracker needs from httpx's `headers.raw` (a list of (bytes, bytes)).
void read_request_headers(PyObject* raw, std::string_view& content_type, uint32_t& retry, uint64_t& length);
void read_response_headers(PyObject* raw, Exchange& x);
std::string_view bytes_view(PyObject* o);  // bytes / bytearray / memoryview-less: empty if None
}  // namespace qg::tracker::pyconv
