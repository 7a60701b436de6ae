"""The one time limit: it ends a long computation in time, in any thread, and is never lost."""

from __future__ import annotations

import gc
import threading
import time

import pytest

import steepest as st
from steepest.bounded import within


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
