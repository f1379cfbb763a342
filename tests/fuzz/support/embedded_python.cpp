#include "embedded_python.h"

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "harness.h"

namespace qg::fuzz::python {

namespace {

// New references, owned for the life of the process (the interpreter is never finalised).
struct Interpreter {
  PyObject* compiles = nullptr;
  PyObject* broken = nullptr;
  PyObject* suppressed_but_reported = nullptr;
  PyObject* comment_slot = nullptr;

  Interpreter() {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;  // libFuzzer's handlers stay in charge
    config.site_import = 0;
    check(Py_InitializeFromConfig(&config));
    PyConfig_Clear(&config);
    PyObject* path = PySys_GetObject("path");  // borrowed
    PyObject* dir = PyUnicode_FromString(QG_TEST_SUPPORT_DIR);
    PyList_Insert(path, 0, dir);
    Py_DECREF(dir);
    compiles = function("python_source", "compiles");
    broken = function("fix_invariants", "broken");
    suppressed_but_reported = function("scan_invariants", "suppressed_but_reported");
    comment_slot = function("scan_invariants", "comment_slot");
  }

  static void check(PyStatus status) {
    if (PyStatus_Exception(status)) fail(std::string("cannot start Python: ") + (status.err_msg ? status.err_msg : "?"));
  }

  static PyObject* function(const char* module_name, const char* name) {
    PyObject* module = PyImport_ImportModule(module_name);
    if (!module) python_failed(std::string("import ") + module_name);
    PyObject* f = PyObject_GetAttrString(module, name);
    Py_DECREF(module);
    if (!f) python_failed(std::string(module_name) + "." + name);
    return f;
  }

  [[noreturn]] static void python_failed(const std::string& what) {
    PyErr_Print();
    fail("the Python check failed: " + what);
  }
};

Interpreter& interpreter() {
  static Interpreter py;
  return py;
}

PyObject* bytes(std::string_view s) { return PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())); }

// Calls f(*args) (stealing the references in args) and returns its result, a new reference.
PyObject* call(PyObject* f, std::initializer_list<PyObject*> args, const char* what) {
  PyObject* tuple = PyTuple_New(static_cast<Py_ssize_t>(args.size()));
  Py_ssize_t i = 0;
  for (PyObject* a : args) PyTuple_SET_ITEM(tuple, i++, a);
  PyObject* result = PyObject_CallObject(f, tuple);
  Py_DECREF(tuple);
  if (!result) Interpreter::python_failed(what);
  return result;
}

std::vector<std::string> strings(PyObject* list, const char* what) {
  std::vector<std::string> out;
  if (!PyList_Check(list)) Interpreter::python_failed(what);
  for (Py_ssize_t i = 0; i < PyList_Size(list); ++i) {
    const char* s = PyUnicode_AsUTF8(PyList_GetItem(list, i));
    if (!s) Interpreter::python_failed(what);
    out.emplace_back(s);
  }
  Py_DECREF(list);
  return out;
}

}  // namespace

bool compiles(std::string_view source) {
  PyObject* r = call(interpreter().compiles, {bytes(source)}, "compiles");
  const bool yes = r == Py_True;
  Py_DECREF(r);
  return yes;
}

std::vector<std::string> fix_problems(std::string_view before, std::string_view after, const std::vector<Span>& sites) {
  Interpreter& py = interpreter();
  PyObject* list = PyList_New(0);
  for (const Span& site : sites) {
    PyObject* t = Py_BuildValue("(IIN)", site.start, site.end, PyBool_FromLong(site.adds_lines));
    PyList_Append(list, t);
    Py_DECREF(t);
  }
  return strings(call(py.broken, {bytes(before), bytes(after), list}, "fix_invariants.broken"), "fix_invariants.broken");
}

std::vector<std::string> suppression_problems(std::string_view source, const std::vector<FindingLines>& findings) {
  Interpreter& py = interpreter();
  PyObject* list = PyList_New(0);
  for (const FindingLines& f : findings) {
    PyObject* t = Py_BuildValue("(sII)", f.rule.c_str(), f.line, f.end_line);
    PyList_Append(list, t);
    Py_DECREF(t);
  }
  return strings(call(py.suppressed_but_reported, {bytes(source), list}, "suppressed_but_reported"), "suppressed_but_reported");
}

int64_t comment_slot(std::string_view source, uint32_t line) {
  PyObject* r = call(interpreter().comment_slot, {bytes(source), PyLong_FromUnsignedLong(line)}, "comment_slot");
  const int64_t at = PyLong_AsLongLong(r);
  Py_DECREF(r);
  return at;
}

}  // namespace qg::fuzz::python
