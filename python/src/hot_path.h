// The transport's per-request calls (check, body_kind, record), added to the _core module.
#pragma once
#include <pybind11/pybind11.h>

#include <span>

namespace quotaguard::pyconv {
void add_hot_path(pybind11::module_& m);
// Adds METH_FASTCALL functions to the module as plain CPython functions.
void add_functions(pybind11::module_& m, std::span<PyMethodDef> defs);
// The module's check(workspace) and record(13 arguments), for the C transport (fast_transport.cpp).
PyObject* check(PyObject* self, PyObject* const* args, Py_ssize_t n);
PyObject* record(PyObject* self, PyObject* const* args, Py_ssize_t n);
}  // namespace quotaguard::pyconv
