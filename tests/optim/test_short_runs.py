"""Runs of no step or a few steps tell what happened in words, without a 'nan' for a step
never taken.

``max_iter=0`` used to end with "tol = 1e-06 (last step nan) not met": the
length of a last step that was never taken, printed as NaN.
"""

from __future__ import annotations

import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as hs

import steepest as st

METHODS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "armijo",
           "lbfgs", "newton"]


@settings(max_examples=25, deadline=None)
@given(method=hs.sampled_from(METHODS), steps=hs.integers(0, 3),
       stop=hs.sampled_from([{}, {"tol": None}, {"gtol": 1e-12}, {"tol": None, "gtol": 1e-9},
                             {"ftol": 1e-15}]),
       written=hs.sampled_from(["lambda", "expression"]))
def test_short_runs_say_what_happened_without_nan(method, steps, stop, written):
    f = (lambda v: (v[0] - 1.0) ** 2 + 3.0 * v[1] ** 2) if written == "lambda" else (
        "(x - 1)^2 + 3 y^2")
    result = st.minimize(f, np.array([2.0, -1.0]), method=method, max_iter=steps, **stop)
    assert result.nit <= steps
    assert not re.search(r"\b(nan|inf)\b", result.message), result.message
    if steps == 0:
        assert result.message == "max_iter after 0 steps: max_iter = 0 reached: no step was taken"
        np.testing.assert_array_equal(result.x, [2.0, -1.0])
