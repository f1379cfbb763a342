"""Loaded (through PYTHONPATH) by every Python process of the suite's faked-clock runs.

libfaketime 0.9.10 (Debian 12) turns the absolute CLOCK_MONOTONIC deadline that CPython's
time.sleep passes to clock_nanosleep into an invalid one when FAKETIME_DONT_FAKE_MONOTONIC=1
(EINVAL), and faking the monotonic clock instead hangs timed condition waits. So the monotonic
clock stays real and sleeping goes through select(), whose relative timeout it leaves alone."""
import select
import time


def _sleep(seconds):
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep
