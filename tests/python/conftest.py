import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from fake_openai import FakeOpenAI  # noqa: E402


def pytest_configure(config):
    # The faked-clock passes (CMakeLists.txt: tracker_python_at_*) leave out what reads no clock.
    config.addinivalue_line("markers", "clock_independent: nothing it checks depends on the date or time of day "
                            "(left out of the faked-clock passes)")


# The last minutes of a leap-year February: a test that makes a calendar decision (day and month
# budgets, the history's periods, projections) runs here whenever the suite runs, and is short
# enough not to cross the boundary itself (test_calendar.cpp crosses it on purpose).
PINNED_INSTANT = "2024-02-29T23:58:00Z"


def iso_ms(iso: str) -> int:
    import datetime

    return int(datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.fixture
def pinned_clock():
    """Trackers configured during the test read a clock started at PINNED_INSTANT; child
    processes get it through QG_TEST_CLOCK_MS (see child_calls.py)."""
    from quotaguard import _core

    _core._set_clock_for_tests(iso_ms(PINNED_INSTANT))
    yield _core
    _core._set_clock_for_tests(None)


@pytest.fixture
def quotaguard_cli():
    """The main `quotaguard` binary (ctest passes its path in QG_QUOTAGUARD)."""
    path = os.environ.get("QG_QUOTAGUARD")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("QG_QUOTAGUARD must name the built quotaguard binary (ctest sets it)")
    return path


@pytest.fixture
def server():
    s = FakeOpenAI()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def fresh_api_state():
    """configure() carries over what the API said (an exhausted account): each test starts from
    an account the API has said nothing about."""
    import quotaguard

    quotaguard.reset()
    yield


@pytest.fixture
def installed(qg):
    """quotaguard.install() for the test (its InstallReport), uninstalled after it."""
    report = qg.install()
    yield report
    qg.uninstall()


@pytest.fixture
def qg(tmp_path):
    import quotaguard

    quotaguard.configure(tick_ms=5)
    yield quotaguard
    quotaguard.shutdown()
