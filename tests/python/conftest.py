import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from fake_openai import FakeOpenAI  # noqa: E402


@pytest.fixture
def server():
    s = FakeOpenAI()
    yield s
    s.close()


@pytest.fixture
def qg(tmp_path):
    import quotaguard

    quotaguard.configure(tick_ms=5)
    yield quotaguard
    quotaguard.shutdown()
