// The transport's per-request calls (check, body_kind, record), added to the _core module.
#pragma once
#include <pybind11/pybind11.h>

namespace quotaguard::pyconv {
void add_hot_path(pybind11::module_& m);
}
