"""A long recording over floats read from the tape in one pass is the program of the steps.

``Program`` turns a long tape (an unrolled loop) whose values are all single float64
numbers into the interpreter over floats.  It reads the tape once
(``_tape_float_interpreter``) instead of making the steps, the float plan and the need
tables first; the NumPy program, which only a call meeting inf or nan runs, is made
from the kept tape on that call.  These tests hold the one pass to the path through the
steps (the one pass switched off): the same values and gradients bit for bit, of the
same types, at ordinary points and at points that fall back to NumPy; and they check
which path each tape takes.
"""

from __future__ import annotations

import contextlib
import gc
import types
from unittest import mock

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import replay
from steepest.autodiff.core import Node

STEPS = replay.MAX_COMPILED_STEPS // 2 + 10  # two or more primitives a step: a long tape


def w4(x):
    for _ in range(STEPS):
        x = x + 0.01 * np.sin(x)
    return x


def mixed(x, y):
    # Subtraction (a -1 unit), division, a power of two traced values, exp (a partial
    # that reads the result), an int, a NumPy scalar constant and a reflected constant.
    for k in range(STEPS // 4):
        x = (x - y / (3 + k % 4)) * np.float64(0.5) + np.exp(-x * x) + 2.0 ** (x * 0.1)
        y = np.cos(y) ** 2 + x / 7.0
    return x * y + np.hypot(x, y)


def elements(v):
    # The elements of a small array, picked one by one; the last is never read.
    a, b = v[0], v[1]
    for _ in range(STEPS // 3):
        a = a + 0.05 * np.tanh(b)
        b = b - 0.05 * np.sin(a)
    return a * b


def one_input_unused(x, y):
    return w4(x)


def constant_through(x):
    # A value that no differentiated input reaches, computed by its own long chain.
    c = np.float64(0.2)
    for _ in range(STEPS // 2):
        c = c + np.sqrt(c)
    return w4(x) * c


CASES = {
    "w4": (w4, 0, [(0.3,), (-1.7,), (40.0,)]),
    "mixed": (mixed, (0, 1), [(0.4, 1.3), (-0.2, 0.5)]),
    "mixed, y only": (mixed, 1, [(0.4, 1.3)]),
    "elements": (elements, 0, [(np.array([0.3, -0.4, 9.0]),), (np.array([1.5, 2.5, 0.0]),)]),
    "an input unused": (one_input_unused, (0, 1), [(0.3, 2.0)]),
    "a constant chain": (constant_through, 0, [(0.3,), (2.0,)]),
}


def recorded(f, argnums, warm, one_pass=True):
    """A new copy of f, its value_and_grad called twice (traced, then recorded).

    With ``one_pass`` the steps must not be made (the one pass read the tape);
    with False, the one pass declines and the program is made through the steps;
    with None, whichever the tape takes.
    """
    f = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                           f.__closure__)
    vg = st.value_and_grad(f, argnums=argnums)
    if one_pass:
        switch = mock.patch.object(replay, "_tape_steps",
                                   side_effect=AssertionError("the steps were made"))
    elif one_pass is None:
        switch = contextlib.nullcontext()
    else:
        switch = mock.patch.object(replay, "_tape_float_interpreter", lambda *a: None)
    with switch:
        vg(*warm)
        answer = vg(*warm)
    (entry,) = replay._PROGRAMS[id(f)].values()
    return vg, entry.program, answer


def identical(a, b):
    """The same type and the same numbers, bit for bit (nan where nan, signed zeros)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            identical(x, y)
        return
    x, y = np.asarray(a), np.asarray(b)
    assert x.shape == y.shape and x.dtype == y.dtype
    assert x.tobytes() == y.tobytes(), (a, b)


@pytest.mark.parametrize("case", list(CASES))
def test_the_one_pass_is_the_program_of_the_steps(case):
    f, argnums, points = CASES[case]
    vg, program, answer = recorded(f, argnums, points[0])
    steps_vg, steps_program, steps_answer = recorded(f, argnums, points[0], one_pass=False)
    assert program.floats and not program.compiled
    assert steps_program.floats and not steps_program.compiled
    identical(answer, steps_answer)  # the recording call's own answer
    for point in points:
        identical(vg(*point), steps_vg(*point))


@pytest.mark.parametrize(("f", "argnums", "good", "bad"), [
    (lambda x: np.log(w4(x) - 1.0), 0, (2.0,), (0.0,)),
    (lambda x, y: mixed(x, y) / (x - 1.0), (0, 1), (0.5, 1.0), (1.0, 1.0)),
    (lambda v: np.sqrt(elements(v) - 0.25), 0, (np.array([1.5, 2.5, 1.0]),),
     (np.array([0.0, 0.0, 1.0]),)),
])
def test_a_call_meeting_inf_or_nan_runs_the_numpy_program_made_from_the_tape(f, argnums,
                                                                           good, bad):
    vg, program, _ = recorded(f, argnums, good)
    steps_vg, _, _ = recorded(f, argnums, good, one_pass=False)
    assert program.floats and not program.compiled
    made = []
    tape_steps = replay._tape_steps

    def counted(*args):
        made.append(args)
        return tape_steps(*args)

    with np.errstate(all="ignore"), mock.patch.object(replay, "_tape_steps", counted):
        identical(vg(*bad), steps_vg(*bad))
        assert len(made) == 1  # the NumPy program, made on the first call that needs it
        identical(vg(*bad), steps_vg(*bad))
        identical(vg(*good), steps_vg(*good))
    assert len(made) == 1


def tape_of_arrays(x):
    v = np.array([1.0, 2.0]) * x
    for _ in range(STEPS):
        v = v + 0.01 * np.sin(v)
    return np.sum(v)


def tape_with_keywords(x):
    return np.sum(np.stack([w4(x), x]), axis=0)


@pytest.mark.parametrize("f", [tape_of_arrays, tape_with_keywords])
def test_a_tape_the_one_pass_declines_is_recorded_through_the_steps(f):
    # An array value, a primitive called with keywords: no program over floats.
    made = []
    tape_steps = replay._tape_steps
    with mock.patch.object(replay, "_tape_steps",
                           lambda *args: made.append(1) or tape_steps(*args)):
        vg, program, answer = recorded(f, 0, (0.3,), one_pass=None)
    assert made and not program.floats and not program.compiled
    run, expected = _eager(f, 0.3)
    identical(answer[0], run)
    identical(answer[1], expected)
    run, expected = _eager(f, 0.7)
    identical(vg(0.7), (run, expected))


def _eager(f, x):
    """(value, gradient) of a fresh traced call, never recorded."""
    value, g = st.value_and_grad(types.FunctionType(f.__code__, f.__globals__))(x)
    return value, g


def test_the_nodes_of_a_dropped_recording_need_no_collector():
    # The trace lets go of its tape once the program keeps it: without the cycle
    # between the nodes and the trace, they leave with the function, where the first
    # call's trace (a cycle) waits for the collector.
    collecting = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = sum(isinstance(o, Node) for o in gc.get_objects())
        vg, program, _ = recorded(w4, 0, (0.3,))
        assert program.floats
        kept = sum(isinstance(o, Node) for o in gc.get_objects())
        del vg, program
        after = sum(isinstance(o, Node) for o in gc.get_objects())
    finally:
        if collecting:
            gc.enable()
    tape = 3 * STEPS
    assert kept - before >= 2 * tape  # both calls' nodes
    assert kept - after >= tape  # the recording's, gone without a collection
