"""The one time limit: it ends a long computation in time, in any thread, and is never lost."""

from __future__ import annotations

import gc
import threading
import time

import pytest

import steepest as st
from steepest.bounded import within
from steepest.errors import TimeLimitError


def busy(seconds: float) -> str:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        [object() for _ in range(500)]
    return "done"


def test_a_long_call_ends_with_one_sentence_in_time():
    started = time.monotonic()
    with pytest.raises(st.TimeLimitError, match="spinning took longer than the time limit"):
        within(lambda: busy(5.0), timeout=0.2, what="spinning")
    assert time.monotonic() - started < 2.0
    assert within(lambda: busy(0.01), timeout=5.0) == "done"


def test_an_expiry_during_a_garbage_collection_callback_is_not_lost():
    def slow_callback(phase, info):
        time.sleep(0.01)

    gc.callbacks.append(slow_callback)
    try:
        with pytest.raises(st.TimeLimitError):
            within(lambda: busy(5.0), timeout=0.1, what="spinning")
    finally:
        gc.callbacks.remove(slow_callback)


def test_limits_nest_and_work_outside_the_main_thread():
    assert within(lambda: within(lambda: 1, timeout=1.0), timeout=2.0) == 1
    with pytest.raises(st.TimeLimitError):
        within(lambda: within(lambda: busy(5.0), timeout=3.0), timeout=0.2)
    outcome = []

    def run():
        try:
            within(lambda: busy(5.0), timeout=0.1)
        except st.TimeLimitError as error:
            outcome.append(str(error))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(3.0)
    assert outcome and "time limit" in outcome[0]


def test_a_bad_timeout_is_one_sentence():
    with pytest.raises(st.TimeLimitError, match="positive number of seconds"):
        within(lambda: 1, timeout=-1)


def test_a_limit_that_expires_inside_a_gc_callback_waits_for_the_timed_code() -> None:
    """An expiry raised inside a garbage-collection callback would be swallowed (and
    reported by ``sys.unraisablehook``); it must wait and stop the timed code instead."""
    import sys

    swallowed: list[object] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = swallowed.append

    def slow_callback(phase: str, info: dict) -> None:
        if phase == "start":
            end = time.perf_counter() + 0.002
            while time.perf_counter() < end:  # long enough for the timer to fire in here
                pass

    def allocate_forever() -> None:
        while True:  # cycles, so that the collector runs and calls back often
            cycle: list[object] = []
            cycle.append(cycle)

    gc.callbacks.append(slow_callback)
    try:
        with pytest.raises(TimeLimitError, match="allocating"):
            within(allocate_forever, timeout=0.1, what="allocating")
    finally:
        gc.callbacks.remove(slow_callback)
        sys.unraisablehook = previous_hook
    assert swallowed == []
