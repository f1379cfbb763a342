"""Run by the sanitizer pass through pytest exactly as tracker_python runs (same interpreter,
preload, options and capture): the planted heap error in an instrumented library loaded into
the interpreter must end the run with ASan's report (tests/sanitizers/CMakeLists.txt)."""
import ctypes
import os


def test_planted_defect():
    lib = ctypes.CDLL(os.environ["QG_CANARY_LIBRARY"])
    assert lib.qg_sanitizer_canary(os.environ["QG_CANARY"].encode()) == 0
