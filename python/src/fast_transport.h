// The instrumented sync transport's common case in C (sync_method, bind_transport on _core).
#pragma once
#include <pybind11/pybind11.h>

namespace quotaguard::pyconv {
void add_fast_transport(pybind11::module_& m);
}
