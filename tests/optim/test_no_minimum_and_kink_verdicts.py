"""Verdicts whose advice can work: no minimum ahead, and a kink at the minimum.

A run that was still improving when its steps ran out is told to allow more
steps only where f rises somewhere ahead along its last step; where f keeps
falling all the way out (``1/x``, ``exp(-x)``, the logistic loss of separable
data) more steps cannot converge, and the verdict says so.  A run going back
and forth across a corner of f (``|x|``) is told that no constant rate stops
that, instead of being sent to a rate below ``2/L``.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.cli.main import cli
from steepest.optim import schedules

ROSENBROCK = "(1-x)^2 + 100*(y-x^2)^2"


def _never_stop(_iterate):
    return None


def _both_paths(f, x0, **kwargs):
    """The run over floats and the general loop (a callback keeps a run there)."""
    return st.minimize(f, x0, **kwargs), st.minimize(f, x0, callback=_never_stop, **kwargs)


# -- no minimum ahead -----------------------------------------------------------------------


@pytest.mark.parametrize(("f", "x0", "lr"), [
    ("1/x", 1.0, None), ("exp(-x)", 1.0, None), ("log(1+exp(-x))", 1.0, None),
    ("exp(-x)", -3.0, 0.1), ("atan(-x)", 0.0, 0.1), ("exp(-x) + y^2", [1.0, 1.0], 0.1),
])
def test_a_loss_falling_toward_a_limit_far_away_is_no_reason_for_more_steps(f, x0, lr):
    kwargs = {} if lr is None else {"lr": lr}
    res = st.minimize(f, x0, **kwargs)
    assert res.status == "max_iter"
    assert "allow more steps" not in res.message
    assert "only because the point moves away" in res.message
    assert "no minimum in that direction" in res.message and "toward a limit" in res.message
    assert "more steps will not converge" in res.message


@pytest.mark.parametrize(("method", "lr"), [
    ("adam", 0.1), ("adam", 0.01), ("rmsprop", 0.01), ("adagrad", 0.1), ("gd", 0.1),
    ("momentum", 0.1),
])
def test_no_minimum_along_one_coordinate_while_another_has_converged(method, lr):
    # x has converged to 0 (an adaptive rule keeps stepping back and forth across it, its
    # last step and the gradient pointing mostly along x); y runs away with the loss
    # falling toward 0: no number of steps converges.
    res = st.minimize("x^2 + exp(-y)", [1.0, 1.0], method=method, lr=lr)
    assert res.status == "max_iter" and abs(res.x[0]) < 0.01 < 1.0 < res.x[1]
    assert "allow more steps" not in res.message, res.message
    assert "only because the point moves away" in res.message
    assert "no minimum in that direction" in res.message and "toward a limit" in res.message


@pytest.mark.parametrize("f", ["1/x + 1e-300*exp(x)", "1/x + exp(x - 700)"])
def test_a_minimum_beyond_where_f_overflows_is_no_proof_of_none(f):
    # f falls like 1/x, then overflows far out (its minimum lies near x = 690): the probes
    # that overflow say nothing, so nothing proves "no minimum" (it once said "unbounded
    # below", naming the distance of a probe that had overflowed).
    res = st.minimize(f, 1.0)
    assert res.status == "max_iter"
    assert res.message.endswith("the loss was still improving: allow more steps or a larger "
                                "learning rate"), res.message


def test_the_no_minimum_verdict_says_what_the_run_saw():
    res = st.minimize("1/x", 1.0)
    assert re.search(r"\|x\| went from 1 to 6\.71 while the gradient shrank from 1 to 0\.0222",
                     res.message), res.message
    # More steps indeed only move the point further, with the loss still falling.
    more = st.minimize("1/x", 1.0, max_iter=4000)
    assert more.x > 1.5 * res.x and 0 < more.fun < res.fun and more.status == "max_iter"


def test_a_stop_where_f_flattens_toward_a_limit_is_no_minimum():
    # One step of length e^3 takes x from -3 to 17.1, where the next step is 4e-8 long.
    res = st.minimize("exp(-x)", -3.0, lr=1.0)
    assert res.nit == 2 and res.status == "saddle" and not res.success
    assert "but this is no minimum: the gradient is small only because f flattens" in (
        res.message)
    assert "no minimum in that direction" in res.message
    # A flat minimum stays converged.
    assert st.minimize("x^4", 1.0, method="newton").status == "converged"
    assert st.minimize("log(1+x^2)", 5.0).status == "converged"


LOGISTIC_2D = "log(1 + exp(-x - y)) + log(1 + exp(-2*x + 0.5*y))"


@pytest.mark.parametrize(("f", "x0", "method", "kwargs"), [
    # Line searches and Newton take f down to 1e-16 ... 1e-165 while it fell by about 1 on
    # the way: the fall still ahead is below any fraction of the fall behind.
    ("1/x", 3.0, "newton", {}), ("1/x", 3.0, "lbfgs", {}), ("exp(-x)", 0.0, "lbfgs", {}),
    ("exp(-x)", 0.0, "lbfgs", {"lr": 0.1}), ("log(1+exp(-x))", 0.0, "lbfgs", {"lr": 0.1}),
    (LOGISTIC_2D, [0.3, -0.1], "lbfgs", {"lr": 0.1}),
    # A converged y dominates a gradient of 1e-12 along y and 1e-16 along x.
    ("exp(-x) + y^2", [1.0, 1.0], "lbfgs", {}), ("exp(-x) + y^2", [1.0, 1.0], "lbfgs",
                                                  {"lr": 0.1}),
])
def test_a_loss_that_fell_close_to_its_limit_is_still_no_minimum(f, x0, method, kwargs):
    res = st.minimize(f, x0, method=method, **kwargs)
    assert res.status in ("saddle", "max_iter", "stalled"), res.message
    assert "allow more steps" not in res.message
    assert "no minimum" in res.message or "flat to floating-point precision" in res.message
    assert not re.search(r"shrank from \S+ to 0\b", res.message)  # 1e-165 is not 0


def test_a_tiny_gradient_is_not_rounded_to_zero_in_the_words():
    res = st.minimize("exp(-x)", 0.0, method="lbfgs")
    assert "only because the point moves away" in res.message
    shrank = re.search(r"gradient shrank from (\S+) to (\S+),", res.message)
    assert shrank is not None and 0 < float(shrank.group(2)) < 1e-100


@settings(max_examples=20, deadline=None)
@example(rate=1.0, shift=0.0, method="lbfgs")
@example(rate=1.0, shift=0.0, method="newton")
@given(rate=hst.floats(0.2, 5), shift=hst.floats(-3, 3),
       method=hst.sampled_from(["lbfgs", "newton", "armijo"]))
def test_a_line_search_on_an_inverse_is_never_told_it_converged(rate, shift, method):
    res = st.minimize(lambda x: 1.0 / (rate * (x - shift)), shift + 1.0, method=method)
    assert res.status != "converged" and "allow more steps" not in res.message, res.message


def test_following_the_advice_a_penalty_gives_a_minimum():
    res = st.minimize("exp(-x) + 0.01*x^2", 1.0, max_iter=5000)
    assert res.status == "converged"


def test_separable_logistic_regression_has_no_minimum():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(40, 3))
    labels = np.where(features @ np.array([1.0, -2.0, 0.5]) > 0, 1.0, -1.0)

    def loss(w):
        return np.mean(np.log(1 + np.exp(-labels * (features @ w))))

    res = st.minimize(loss, np.zeros(3), lr=1.0)
    assert res.status == "max_iter" and "no minimum in that direction" in res.message
    assert "the size of the point went from 0 to" in res.message


def test_a_loss_falling_without_bound_is_unbounded_not_slow():
    res = st.minimize("-x", 1.0)
    assert res.status == "max_iter" and "allow more steps" not in res.message
    assert "unbounded below" in res.message and "more steps will not converge" in res.message
    res = st.minimize("-log(x)", 1.0)
    assert "unbounded below" in res.message


def test_maximize_says_no_maximum():
    res = st.maximize("-exp(-x)", 1.0)
    assert "no maximum in that direction" in res.message and "largest values" in res.message
    assert "-0 " not in res.message
    assert "unbounded above" in st.maximize("x", 1.0).message


@pytest.mark.parametrize(("f", "x0", "kwargs"), [
    ("x^2", 1.0, {"lr": 1e-3}), ("x^2", 1.0, {"lr": 1e-4}), ("x^2 + 100*y^2", [1.0, 1.0],
                                                              {"lr": 1e-3}),
    ("x^4", 1.0, {}), ("x^6", 1.0, {"lr": 0.1}), ("(x-1e3)^2", 0.0, {"lr": 1e-6}),
    (ROSENBROCK, [-1.2, 1.0], {"lr": 1e-3}), (ROSENBROCK, [-1.2, 1.0], {"lr": 2e-3}),
    (ROSENBROCK, [-1.2, 1.0], {"lr": 1e-3, "method": "momentum"}),
    (ROSENBROCK, [-1.2, 1.0], {"lr": 1e-2, "method": "adam"}),
    ("log(1+exp(-x)) + 0.001*x^2", 1.0, {"lr": 0.1}),
    ("log(1+exp(-x)) + 1e-6*x^2", 1.0, {"lr": 1.0}), ("sqrt(1+x^2)", 10.0, {"lr": 0.01}),
    ("cosh(x)", 5.0, {"lr": 1e-3}),
])
def test_slow_runs_toward_a_minimum_keep_allow_more_steps(f, x0, kwargs):
    res = st.minimize(f, x0, **kwargs)
    assert res.status == "max_iter"
    assert res.message.endswith("the loss was still improving: allow more steps or a larger "
                                "learning rate"), res.message


def test_a_small_local_minimum_just_ahead_keeps_allow_more_steps():
    # f falls without bound as x grows, but has a local minimum at x = 4.44, 0.7 ahead of
    # where the steps run out (barely 0.04 deep), and more steps converge there.
    f, x0 = "3.7*relu(y-0.67) + 3.61*cos(x) - 3.48*x", [1.65, -2.73]
    res = st.minimize(f, x0, lr=0.001, method="adam")
    assert "allow more steps" in res.message
    assert st.minimize(f, x0, lr=0.001, method="adam", max_iter=10000).status == "converged"


@settings(max_examples=30, deadline=None)
@given(
    scales=hst.lists(hst.floats(0.01, 10), min_size=1, max_size=3),
    centre=hst.floats(-5, 5), start=hst.floats(-10, 10), quartic=hst.booleans(),
    lr=hst.floats(1e-5, 1e-2),
    method=hst.sampled_from(["gd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"]),
)
def test_no_function_with_a_minimum_is_said_to_have_none(scales, centre, start, quartic, lr,
                                                         method):
    a = np.array(scales)

    def f(x):
        q = np.sum(a * (x - centre) ** 2)
        return q + np.sum((x - centre) ** 4) if quartic else np.log(1 + q)

    res = st.minimize(f, np.full(a.size, start), lr=lr, method=method, max_iter=300)
    assert "moves away" not in res.message


@settings(max_examples=20, deadline=None)
@given(height=hst.floats(0.1, 10), rate=hst.floats(0.3, 3), start=hst.floats(-2, 2),
       lr=hst.floats(0.01, 1))
def test_every_exponential_tail_is_said_to_have_no_minimum(height, rate, start, lr):
    res = st.minimize(lambda x: height * np.exp(-rate * x) + 1.0, start, lr=lr)
    if res.status == "max_iter" and "still improving" in res.message:
        assert "no minimum in that direction" in res.message, res.message


def test_the_float_loop_and_the_general_loop_agree_on_the_new_verdicts():
    for f, x0, kwargs in [("1/x", 1.0, {}), ("-x", 1.0, {}), ("x^4", 1.0, {}),
                          ("abs(x)", 1.0, {"lr": 0.3}), ("max(x, -2*x)", 1.0, {"lr": 0.3}),
                          ("abs(x)", 1.0, {"lr": schedules.exponential(0.3, 0.95)})]:
        fast, general = _both_paths(f, x0, **kwargs)
        assert (fast.status, fast.message, fast.nit, fast.nfev) == (
            general.status, general.message, general.nit, general.nfev)
        assert fast.x == general.x


def test_no_minimum_on_the_command_line():
    result = CliRunner().invoke(cli, ["minimize", "exp(-x)", "--x0", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "no minimum in that direction" in result.output
    assert "allow more steps" not in result.output


# -- a kink at the minimum ------------------------------------------------------------------


@pytest.mark.parametrize(("f", "x0", "lr", "where"), [
    ("abs(x)", 1.0, 0.3, "x = 0"), ("abs(x)", 1.0, 0.1, "x = 0"),
    ("relu(x) + relu(-x)", 1.0, 0.3, "x = 0"), ("abs(x) + y^2", [1.0, 1.0], 0.3, "(x, y) = (0, 0)"),
    ("abs(x) + abs(y)", [1.0, 0.7], 0.3, "(x, y) = (-0.05, -0.05)"),
    ("sqrt(x^2 + 1e-8)", 1.0, 0.3, "x = 0"),
])
def test_oscillating_across_a_kink_is_not_sent_to_a_smaller_rate(f, x0, lr, where):
    res = st.minimize(f, x0, lr=lr)
    assert res.status == "stalled" and "oscillating" in res.message
    assert "2/L" not in res.message and "try" not in res.message
    assert "f has a kink (a corner, or a bend far sharper" in res.message
    assert f"near {where}, which the steps circle" in res.message, res.message
    # The decaying rate keeps lr for about as many steps as the run took to arrive.
    decay = float(re.search(rf"inverse_time\({lr:g}, decay=([0-9.e-]+)\)", res.message).group(1))
    assert decay == pytest.approx(1 / max(int(re.search(r"step (\d+)\)", res.message).group(1)),
                                          10), rel=0.05)
    assert f"--schedule inverse_time:{decay:g}" in res.message


def test_on_a_kink_halving_the_rate_only_halves_the_swing_and_a_decaying_rate_gets_closer():
    swings = [abs(st.minimize("abs(x)", 1.0, lr=lr).x) for lr in (0.3, 0.15)]
    assert swings[1] == pytest.approx(swings[0] / 2)
    decaying = st.minimize("abs(x)", 1.0, lr=schedules.inverse_time(0.3, decay=0.1))
    assert abs(decaying.x) < 1e-6


def test_a_constant_rate_circling_a_kink_until_max_iter_is_told_so():
    res = st.minimize("max(x, -2*x)", 1.0, lr=0.3)
    assert res.status == "max_iter"
    assert "the loss has not improved since step 3: f has a kink" in res.message
    assert "(1 on one side, 2 on the other)" in res.message
    # A run whose loss improved lately (y runs away below while x circles its kink) is
    # not said to circle.
    res = st.minimize("4.32*abs(y-1.95) - 0.21*x", [-2.25, -0.97], lr=1.0)
    assert res.status == "max_iter" and "kink" not in res.message


@pytest.mark.parametrize(("f", "x0", "lr", "method"), [
    ("abs(x)", 1.0, 0.3, "gd"), ("max(x, -2*x)", 1.0, 0.3, "gd"),
    ("0.36*abs(x-1.41)", 2.47, 1.0, "nesterov"), ("abs(x) + abs(y)", [1.0, 0.7], 0.3, "gd"),
])
def test_the_decaying_rate_the_kink_verdict_names_narrows_the_swing(f, x0, lr, method):
    res = st.minimize(f, x0, lr=lr, method=method)
    decay = float(re.search(r"decay=([0-9.e-]+)\)", res.message).group(1))
    again = st.minimize(f, x0, lr=schedules.inverse_time(lr, decay=decay), method=method,
                        max_iter=5000)
    swing, narrower = (np.max(run.history.loss[-50:]) for run in (res, again))
    assert narrower < swing / 5


def test_short_steps_across_a_kink_are_not_sent_to_a_larger_rate():
    res = st.minimize("abs(x)", 1.0, lr=schedules.exponential(0.3, 0.95))
    assert res.status == "stalled" and "raise the learning rate" not in res.message
    assert "the last step crossed a kink of f (a corner) near x = 0" in res.message
    # A short step on a smooth function keeps its advice.
    res = st.minimize("x^2", 1.0, lr=1e-7)
    assert "raise the learning rate" in res.message


@pytest.mark.parametrize(("f", "x0", "lr"), [
    ("x^2", 1.0, 1.0), ("x^2 + 10*y^2", [1.0, 1.0], 0.1), ("x^4", 1.0, 0.5),
    (ROSENBROCK, [-1.2, 1.0], 0.004),
    # Flat at both ends of a swing across nearly half its period, but smooth between.
    ("-cos(x)", 1.55, 2 * 1.55 / math.sin(1.55) * 1.0001),
])
def test_smooth_oscillations_keep_the_curvature_advice(f, x0, lr):
    res = st.minimize(f, x0, lr=lr)
    assert res.status == "stalled" and "oscillating" in res.message
    assert "kink" not in res.message and "estimated from the gradient; try" in res.message
    suggested = float(re.search(r"try ([0-9.e-]+)", res.message).group(1))
    again = st.minimize(f, x0, lr=suggested, max_iter=20000)
    assert "oscillating" not in again.message and math.isfinite(again.fun)


def test_a_smooth_bend_sharper_than_the_ends_is_no_kink():
    # log cosh x is |x| - log 2 far out, but a smaller rate (2 instead of 6) converges.
    res = st.minimize("log(cosh(x))", 3.0, lr=2 * 3.0 / math.tanh(3.0) * 1.0001)
    assert "oscillating" in res.message and "kink" not in res.message


def test_kink_on_the_command_line():
    result = CliRunner().invoke(cli, ["minimize", "abs(x)", "--x0", "1", "--lr", "0.3"],
                                catch_exceptions=False)
    assert "f has a kink" in result.output and "near x = 0" in result.output
    assert "try 0.15" not in result.output


@pytest.mark.parametrize("method", ["momentum", "nesterov", "adam"])
def test_a_rule_with_memory_circling_a_kink_is_told_so(method):
    # Its last step need not cross the kink (momentum ends at x = 0.44 stepping away from
    # 0; Nesterov's run was sent to "try 0.13", a rate that only narrows the swing): the
    # swing through the best point, near the kink, crosses it.
    res = st.minimize("abs(x)", 1.0, method=method, lr=0.3)
    assert "f has a kink (a corner, or a bend far sharper" in res.message, res.message
    assert "near x = 0, which the steps circle" in res.message
    assert "try" not in res.message and "2(1 + beta)" not in res.message
    decay = float(re.search(r"inverse_time\(0\.3, decay=([0-9.e-]+)\)", res.message).group(1))
    closer = st.minimize("abs(x)", 1.0, method=method,
                         lr=schedules.inverse_time(0.3, decay=decay))
    assert abs(closer.x) < abs(res.x) or closer.fun < res.fun



# -- decoupled weight decay holding the steps off f's minimum --------------------------------

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


@pytest.mark.parametrize(("f", "x0", "kwargs"), [
    (SAUNA, [0.5, 0.6], {"lr": 0.05, "max_iter": 10000, "tol": None}),  # stalled
    ("0.001*((x-200)^2 + (y-100)^2)", [0.0, 0.0], {"lr": 0.1, "max_iter": 20000}),  # max_iter
])
def test_weight_decay_holding_the_steps_is_named_not_more_steps(f, x0, kwargs):
    res = st.minimize(f, x0, method="adamw", **kwargs)
    assert res.status in ("stalled", "max_iter")
    assert "allow more steps" not in res.message
    assert "the steps settle where the weight decay (weight_decay=0.01)" in res.message
    assert "set weight_decay=0 (or use method 'adam')" in res.message
    # The gradient of f has not vanished there, and the advice reaches f's minimum.
    assert np.linalg.norm(res.grad) > 1e-3
    again = st.minimize(f, x0, method="adamw", weight_decay=0.0, **kwargs)
    assert np.linalg.norm(again.grad) < 0.1 * np.linalg.norm(res.grad)
    assert again.fun < res.fun


@pytest.mark.parametrize(("method", "lr"), [("adam", 0.1), ("adamw", 0.001)])
def test_a_run_toward_a_minimum_is_not_said_to_be_held_by_weight_decay(method, lr):
    # (AdamW at rate 0.001 is still on its way, its steps far longer than the decay's pull.)
    res = st.minimize("(x-3)^2 + (y+1)^2", [0.0, 0.0], method=method, lr=lr)
    assert "weight decay" not in res.message


def test_adamw_near_a_minimum_is_held_off_it_by_the_decay():
    # At rate 0.1 AdamW stops moving at (2.993, -0.9995), where the decay's pull holds a
    # gradient of norm 0.0145; without the decay the run converges at (3, -1).
    res = st.minimize("(x-3)^2 + (y+1)^2", [0.0, 0.0], method="adamw", lr=0.1)
    assert "the steps settle where the weight decay" in res.message
    assert abs(res.x[0] - 3) > 1e-3
    free = st.minimize("(x-3)^2 + (y+1)^2", [0.0, 0.0], method="adamw", lr=0.1, weight_decay=0)
    assert free.status == "converged" and abs(free.x[0] - 3) < 1e-4
