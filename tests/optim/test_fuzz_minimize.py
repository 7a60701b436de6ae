"""Learner input for minimize, generated: a right answer or one sentence, never a traceback."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.optim.result import STATUSES

ATOMS = ["x", "y", "x", "y", "2", "0.5"]
UNARY = ["sin({})", "cos({})", "e^({})", "ln({})", "sqrt({})", "|{}|", "({})^2", "({})^3",
         "-({})", "tanh({})"]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / {}", "({})^({})"]


def _build(first: str, steps: list[tuple[str, str]]) -> str:
    text = first
    for template, atom in steps:
        text = template.format(text) if template.count("{}") == 1 else template.format(text, atom)
    return text


def expressions() -> hst.SearchStrategy[str]:
    """An atom, then up to four operations, each wrapping what is there or joining an atom."""
    step = hst.tuples(hst.sampled_from(UNARY + BINARY), hst.sampled_from(ATOMS))
    return hst.builds(_build, hst.sampled_from(["x", "y"]), hst.lists(step, max_size=4))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(text="|x|", start=(1.0, 0.0), method="newton", lr=None)
@example(text="|x|^3", start=(1.0, 0.0), method="newton", lr=None)
@example(text="e^x", start=(0.0, 0.0), method="lbfgs", lr=None)
@example(text="-x^2", start=(1.0, 0.0), method="gd", lr=None)
@given(
    text=expressions(),
    start=hst.tuples(hst.floats(-3, 3), hst.floats(-3, 3)),
    method=hst.sampled_from(["gd", "momentum", "adam", "armijo", "lbfgs", "newton", "rmsprop"]),
    lr=hst.sampled_from([None, 0.01, 0.5, 10.0]),
)
def test_minimize_gives_a_result_or_one_sentence(text, start, method, lr):
    try:
        variables = st.Function(text).variables
    except st.SteepestError:
        return
    x0 = [start[i] for i in range(len(variables))] or None
    if x0 is None:
        return
    try:
        res = st.minimize(text, x0 if len(x0) > 1 else x0[0], method=method, lr=lr, max_iter=200)
    except st.SteepestError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert res.status in STATUSES and res.message and "\n" not in res.message
    for name in ("zoo", "nan*", "AccumBounds", "DiracDelta"):
        assert name not in res.message
    if res.status == "converged":
        assert math.isfinite(res.fun) and np.all(np.isfinite(np.atleast_1d(res.x)))


@settings(max_examples=40, deadline=None)
@given(
    values=hst.lists(hst.floats(-1e6, 1e6), min_size=3, max_size=30),
    batch=hst.sampled_from([None, 1, 2, 7]),
    lr=hst.sampled_from([1e-4, 0.1, 10.0]),
    method=hst.sampled_from(["gd", "adam", "momentum"]),
)
def test_descent_over_data_gives_a_result_or_one_sentence(values, batch, lr, method):
    y = np.array(values)
    try:
        res = st.minimize(lambda th, b: np.mean((b - th) ** 2), 0.0, data=y, batch_size=batch,
                          epochs=5, lr=lr, method=method, max_iter=300)
    except st.SteepestError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert res.status in STATUSES
    if res.status == "converged":
        assert math.isfinite(res.fun)
    if res.status != "diverged":
        assert np.isfinite(res.x)
