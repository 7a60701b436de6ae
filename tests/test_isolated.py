"""The memory limit: risky work runs in a child process that is stopped in one sentence."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
import sympy

import steepest as st
from steepest.bounded import can_isolate, check_memory, isolated
from steepest.errors import MemoryLimitError, ParseError, SteepestError, TimeLimitError
from steepest.symbolic import derive, parse
from steepest.symbolic import steps as steps_module

pytestmark = pytest.mark.skipif(not can_isolate(), reason="needs fork (Unix)")


def test_the_answer_comes_back_from_the_child() -> None:
    assert isolated(lambda: sympy.diff(sympy.Symbol("x") ** 3), timeout=10.0) == 3 * sympy.Symbol(
        "x"
    ) ** 2


def test_a_runaway_allocation_ends_in_one_sentence() -> None:
    started = time.monotonic()
    with pytest.raises(MemoryLimitError, match="needed more memory than the limit of 64 MiB"):
        isolated(lambda: [0] * 10**9, memory=64 * 2**20, what="a long list")
    assert time.monotonic() - started < 5.0
    assert issubclass(MemoryLimitError, st.SteepestError)


def test_work_a_signal_cannot_interrupt_is_stopped_in_time() -> None:
    # One integer power of 50 million digits runs inside a single C call, which the
    # main thread's timer cannot interrupt; killing the child stops it.
    started = time.monotonic()
    with pytest.raises(TimeLimitError, match=r"the power took longer than .* 0\.5 s"):
        isolated(lambda: 3 ** (5 * 10**8) % 7, timeout=0.5, what="the power")
    assert time.monotonic() - started < 3.0


def test_it_works_off_the_main_thread() -> None:
    outcome: list[object] = []

    def run() -> None:
        try:
            isolated(lambda: time.sleep(10), timeout=0.2, what="sleeping")
        except TimeLimitError as error:
            outcome.append(error)
        outcome.append(isolated(lambda: 6 * 7))

    worker = threading.Thread(target=run)
    started = time.monotonic()
    worker.start()
    worker.join(10)
    assert time.monotonic() - started < 5.0
    assert isinstance(outcome[0], TimeLimitError) and outcome[1] == 42


def test_errors_of_the_call_come_back_whole() -> None:
    with pytest.raises(ParseError) as caught:
        isolated(lambda: parse("sinx"))
    assert caught.value.column == 1 and "did you mean sin(x)?" in str(caught.value)
    with pytest.raises(ZeroDivisionError):
        isolated(lambda: 1 / 0)


def test_a_result_that_cannot_be_handed_back_is_one_sentence() -> None:
    with pytest.raises(SteepestError, match="could not be handed back"):
        isolated(lambda: threading.Lock())


def test_the_memory_setting_is_checked() -> None:
    assert check_memory(None) is None
    for bad in (0, -5, 1.5, True, "1GB", 1000):
        with pytest.raises(MemoryLimitError, match="memory must be"):
            check_memory(bad)


def test_derive_sends_a_large_expression_to_a_memory_limited_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The child is a fork: a tidy that asks for 8 GiB stands for a runaway simplification.
    monkeypatch.setattr(steps_module, "tidy", lambda expr: bytearray(2**33))
    assert steps_module.is_risky(parse("(x+y+z+a)^20"))
    with pytest.raises(MemoryLimitError, match=r"differentiating \(a \+ x \+ y \+ z\)\^20"):
        derive("(x+y+z+a)^20", memory=256 * 2**20)


def test_a_large_expression_is_differentiated_exactly_in_the_child() -> None:
    x, y, z, a = sympy.symbols("x y z a", real=True)
    text = "(x+y+z+a)^20 sin(x)"
    assert steps_module.is_risky(parse(text))
    result = derive(text).result
    expected = sympy.diff((x + y + z + a) ** 20 * sympy.sin(x), x)
    for point in ({x: 1, y: 2, z: -3, a: sympy.Rational(1, 2)}, {x: -2, y: 0, z: 5, a: 7}):
        assert sympy.simplify((result - expected).subs(point)) == 0


def _answer_from_a_daemon(queue: multiprocessing.Queue) -> None:
    try:
        queue.put(isolated(lambda: 6 * 7, timeout=10.0))
    except BaseException as error:  # reported to the test below
        queue.put(repr(error))


def test_it_works_inside_a_daemon_worker_process() -> None:
    # A server's worker pool runs daemon processes, which multiprocessing forbids to have
    # children of their own; the isolated child is a plain fork.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_answer_from_a_daemon, args=(queue,), daemon=True)
    worker.start()
    try:
        assert queue.get(timeout=30) == 42
    finally:
        worker.join(10)


def test_the_command_line_takes_a_memory_limit(capsys: pytest.CaptureFixture[str]) -> None:
    from steepest.cli.main import main

    main(["diff", "(x+y+z+a)^20", "--memory", "256"])
    assert capsys.readouterr().out.strip() == "∂/∂x [(a + x + y + z)^20] = 20*(a + x + y + z)^19"
    with pytest.raises(SystemExit) as exit_status:
        main(["diff", "x^2", "--memory", "4"])
    assert exit_status.value.code == 2
    assert "--memory" in capsys.readouterr().err


def test_derive_checks_its_memory_setting() -> None:
    with pytest.raises(MemoryLimitError, match="memory must be"):
        derive("x^2", memory=-1)
