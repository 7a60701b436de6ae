"""A rule whose steps are about its rate (Adagrad, RMSProp, Adam, AdamW) never reads as diverged
because it overshoots a minimum where the loss is 0.

``st.minimize(lambda x: x**2, 1e-12, method="rmsprop")`` used to say "diverged ... the loss
grew from 1e-24 to 0.000984 (1e21x): learning rate 0.01 is too large": the monitor measured
the rise against a loss scale of 1e-24, the size of the loss next to its minimum, while a
step of such a rule is about its rate whatever the gradient, so its first steps overshoot
by about the rate and cannot run away.  Its rises are now told by the oscillation and stall
rules; gradient descent and its momentum relatives, whose steps grow with the gradient,
keep the divergence verdict (``test_divergence.py``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as hs

import steepest as st
from steepest.optim.result import STATUSES

BOUNDED = ["adagrad", "rmsprop", "adam", "adamw"]


@settings(max_examples=40, deadline=None)
@example(method="rmsprop", scales=[1.0, 1.0], offset=-12, lr=0.01, written="lambda")
@example(method="adagrad", scales=[1.0, 1.0], offset=-12, lr=0.1, written="lambda")
@example(method="adam", scales=[1.0, 0.109375], offset=-11, lr=0.05, written="lambda")
@given(method=hs.sampled_from(BOUNDED),
       scales=hs.lists(hs.sampled_from([0.1, 0.109375, 1.0, 3.0, 8.0]), min_size=2, max_size=2),
       offset=hs.integers(-14, -4), lr=hs.sampled_from([0.001, 0.01, 0.05, 0.5, 100.0]),
       written=hs.sampled_from(["lambda", "expression"]))
def test_a_start_next_to_a_minimum_is_not_a_divergence(method, scales, offset, lr, written):
    a, c = np.array(scales), np.array([0.0, 10.0 ** offset])
    f = (lambda x: np.sum(a * (x - c) ** 2)) if written == "lambda" else (
        f"{float(a[0])!r}*x^2 + {float(a[1])!r}*(y - {float(c[1])!r})^2")
    result = st.minimize(f, np.zeros(2), method=method, lr=lr, max_iter=2000)
    assert result.status in STATUSES
    assert result.status != "diverged", result.message
    if result.status == "converged":
        np.testing.assert_allclose(result.x, c, atol=max(2e-3, 0.1 * lr))


def test_gradient_descent_with_too_large_a_rate_still_diverges():
    result = st.minimize(lambda x: x**2, 1.0, method="gd", lr=1.5)
    assert result.status == "diverged" and "learning rate 1.5" in result.message
