"""scripts/test (what CI runs) refuses to run with the variables that make golden-file tests
rewrite their expectations instead of checking them."""
import os
import signal
import subprocess

import pytest

from conftest import REPO


@pytest.mark.parametrize("var", ["QG_UPDATE_GOLDEN", "QG_UPDATE_FIX"])
def test_refuses_to_run_while_updating_expectations(var, tmp_path):
    env = dict(os.environ, **{var: "1"})
    p = subprocess.Popen(["bash", REPO / "scripts" / "test"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, stderr = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # the variable was not refused: the whole suite started
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        pytest.fail(f"scripts/test ran with {var} set")
    assert p.returncode == 2 and var in stderr, stderr
