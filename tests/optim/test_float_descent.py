"""Descent over Python floats takes exactly the steps the general loop takes.

A callback (even one that never stops the run) keeps a run in the general
loop, so each run here is made twice, once each way, and everything the
result holds is compared: the iterates, losses, gradients and learning
rates bit for bit, the status, the message and the number of steps.  The
step lengths may differ in the last bit (NumPy's dot product may sum in
another order than the loop over floats).
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

import steepest as st
from steepest.optim import loop as loop_module


def sauna(v):
    x, y = v[0], v[1]
    return 85 - (1 / 90) * x**2 * (x - 6) * y**2 * (y - 6)


def _never_stop(_iterate):
    return None


@pytest.fixture
def float_runs(monkeypatch):
    """Counts the steps taken over floats, to show the fast path really ran."""
    taken = []
    original = loop_module.descent_loop

    def counting(*args, **kwargs):
        loop = original(*args, **kwargs)

        def run(*loop_args):
            result = loop(*loop_args)
            taken.append(result.k - loop_args[3])
            return result

        return run

    monkeypatch.setattr(loop_module, "descent_loop", counting)
    return taken


def _fresh(f):
    """A new function object with f's code: recorded afresh, as on its first run.

    A run's first two calls are traced with NumPy and the later ones replay over
    floats, whose pow and exp may differ from NumPy's in the last bit; both runs
    of a comparison must start from the same state.
    """
    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                              f.__closure__)


def assert_same_run(f, x0, **options):
    fast = st.minimize(_fresh(f), x0, **options)
    general = st.minimize(_fresh(f), x0, callback=_never_stop, **options)
    assert (fast.status, fast.nit, fast.message) == (general.status, general.nit, general.message)
    np.testing.assert_array_equal(fast.x, general.x)
    np.testing.assert_array_equal(fast.grad, general.grad)
    assert fast.fun == general.fun or (math.isnan(fast.fun) and math.isnan(general.fun))
    if options.get("record", True):
        h, r = fast.history, general.history
        np.testing.assert_array_equal(h.iteration, r.iteration)
        np.testing.assert_array_equal(h.x, r.x)
        np.testing.assert_array_equal(h.loss, r.loss)
        np.testing.assert_array_equal(h.grad, r.grad)
        np.testing.assert_array_equal(h.lr, r.lr)
        np.testing.assert_allclose(h.step, r.step, rtol=4e-16, atol=0)
        assert h.thinned == r.thinned
    return fast


def test_sauna_lesson_run_is_the_same_and_mostly_over_floats(float_runs):
    result = assert_same_run(sauna, np.array([0.5, 0.6]), lr=0.05, max_iter=10_000, tol=None)
    assert result.x.tolist() == pytest.approx([4.0, 4.0])
    assert result.fun == pytest.approx(73.6222, abs=1e-4)
    assert sum(float_runs) > 9_800  # all but the steps that needed a decision


def test_converging_by_tol_stops_at_the_same_step(float_runs):
    result = assert_same_run(sauna, np.array([0.5, 0.6]), lr=0.05)
    assert result.status == "converged" and sum(float_runs) > 100


@pytest.mark.parametrize("rule", [{"gtol": 1e-6, "tol": None}, {"ftol": 1e-12, "tol": None}])
def test_gradient_and_loss_tolerances(float_runs, rule):
    result = assert_same_run(sauna, np.array([1.0, 2.0]), lr=0.05, max_iter=5_000, **rule)
    assert result.status == "converged" and sum(float_runs) > 50


def test_a_diverging_rate_is_reported_the_same_way():
    result = assert_same_run(lambda v: v[0] ** 2 + 10 * v[1] ** 2, np.array([1.0, 1.0]), lr=0.11)
    assert result.status == "diverged" and "learning rate 0.11" in result.message


def test_an_overflow_is_reported_the_same_way():
    result = assert_same_run(lambda v: np.exp(v[0]) - v[0] * v[1] ** 2, np.array([1.0, 3.0]),
                             lr=0.5, max_iter=2_000)
    assert result.status == "diverged"


def test_a_math_domain_error_on_the_way_hands_over_to_numpy(float_runs):
    # sqrt of a negative number raises over floats; NumPy gives nan, and the run says so.
    result = assert_same_run(lambda v: np.sqrt(v[0]) + v[1] ** 2, np.array([1.0, 1.0]), lr=3.0)
    assert result.status == "diverged"


def test_maximize_scalar_start_and_data_argument(float_runs):
    def hill(t, c):
        return -((t - c) ** 2) + math.pi

    ups = st.maximize(_fresh(hill), 0.0, args=(2.5,), lr=0.1)
    general = st.maximize(_fresh(hill), 0.0, args=(2.5,), lr=0.1, callback=_never_stop)
    assert (ups.x, ups.fun, ups.nit, ups.message) == (general.x, general.fun, general.nit,
                                                      general.message)
    np.testing.assert_array_equal(ups.history.grad, general.history.grad)
    np.testing.assert_array_equal(ups.history.loss, general.history.loss)
    assert isinstance(ups.x, float) and ups.x == pytest.approx(2.5, abs=1e-5)
    assert sum(float_runs) > 10


def test_matrix_shaped_parameters(float_runs):
    def f(w):
        return (w[0, 0] - 1) ** 2 + (w[0, 1] + 2) ** 2 + (w[1, 0] * w[1, 1] - 3) ** 2

    result = assert_same_run(f, np.ones((2, 2)), lr=0.05, max_iter=3_000)
    assert result.x.shape == (2, 2) and sum(float_runs) > 10


def test_bounded_history_is_thinned_the_same_way():
    result = assert_same_run(sauna, np.array([0.5, 0.6]), lr=0.05, max_iter=3_000, tol=None,
                             history_limit=40)
    assert result.history.thinned and len(result.history) < 100


def test_no_record_gives_the_same_result():
    assert_same_run(sauna, np.array([0.5, 0.6]), lr=0.05, max_iter=2_000, tol=None,
                    record=False)


SCHEDULES = st.optim.schedules
METHODS = ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
RATES = {
    "constant": {"gd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5,
                 "rmsprop": 0.01, "adam": 0.05, "adamw": 0.05},
    "exponential": lambda lr: SCHEDULES.exponential(lr, 0.999),
    "step": lambda lr: SCHEDULES.step(lr, every=50, factor=0.5),
    "inverse_time": lambda lr: SCHEDULES.inverse_time(lr, decay=0.01),
    "cosine": lambda lr: SCHEDULES.cosine(lr, period=300),
}


@pytest.mark.parametrize("schedule", list(RATES))
@pytest.mark.parametrize("method", METHODS)
def test_every_method_and_schedule_is_the_same_over_floats(float_runs, method, schedule):
    lr = RATES["constant"][method]
    if schedule != "constant":
        lr = RATES[schedule](lr)
    result = assert_same_run(sauna, np.array([0.5, 0.6]), method=method, lr=lr, max_iter=400)
    assert sum(float_runs) > 20, "the fast path was not taken"
    assert result.nit > 20


@pytest.mark.parametrize("method", METHODS)
def test_every_method_with_options_and_maximize_and_tolerances(float_runs, method):
    options = {"momentum": {"beta": 0.5}, "nesterov": {"beta": 0.7}, "adagrad": {"eps": 1e-3},
               "rmsprop": {"rho": 0.8}, "adam": {"beta1": 0.8, "beta2": 0.99},
               "adamw": {"weight_decay": 0.1}}.get(method, {})
    lr = RATES["constant"][method]
    assert_same_run(sauna, np.array([0.5, 0.6]), method=method, lr=lr, max_iter=300,
                    gtol=1e-4, ftol=1e-14, **options)

    def hill(t):
        return -((t[0] - 1.5) ** 2) - (t[1] + 0.5) ** 2 * 2.0

    ups = st.maximize(_fresh(hill), [0.0, 0.0], method=method, lr=lr, max_iter=300)
    general = st.maximize(_fresh(hill), [0.0, 0.0], method=method, lr=lr, max_iter=300,
                          callback=_never_stop)
    assert (ups.status, ups.nit, ups.message) == (general.status, general.nit, general.message)
    np.testing.assert_array_equal(ups.history.x, general.history.x)
    np.testing.assert_array_equal(ups.history.loss, general.history.loss)


@pytest.mark.parametrize(("method", "status"), [("momentum", "diverged"),
                                               ("nesterov", "diverged"),
                                               ("adam", "converged")])  # Adam's steps stay short
def test_a_large_rate_is_reported_the_same_way(method, status):
    result = assert_same_run(lambda v: v[0] ** 2 + 10 * v[1] ** 2, np.array([1.0, 1.0]),
                             method=method, lr=3.0, max_iter=500)
    assert result.status == status


def test_a_run_falling_without_bound_is_reported_the_same_way(float_runs):
    result = assert_same_run(lambda v: v[0] ** 3 + v[1] ** 2, np.array([-1.0, 1.0]), lr=0.01,
                             max_iter=5_000)
    assert result.status == "diverged" and "no minimum" in result.message


def test_what_the_formula_does_not_describe_stays_in_the_general_loop(float_runs):
    class Bolder(st.optim.rules.Momentum):  # a rule with its own step: not its formula's
        def _step(self, grads, state, params, lr, value, objective):
            step, changes = super()._step(grads, state, params, lr, value, objective)
            return 2 * step, changes

    st.minimize(sauna, np.array([0.5, 0.6]), method=Bolder(0.01), max_iter=200)
    st.minimize(sauna, np.array([0.5, 0.6]), lr=lambda k: 0.05, max_iter=200)  # user callable
    st.minimize(sauna, np.array([0.5, 0.6]), lr=0.05, clip_norm=1.0, max_iter=200)
    st.minimize(sauna, np.array([0.5, 0.6]), method="lbfgs", max_iter=50)
    st.minimize(lambda v: np.sum(v**2), np.array([0.5, 0.6]), lr=0.1)  # a reduction: arrays
    assert sum(float_runs) == 0


def test_the_rate_reaching_zero_is_left_to_the_general_loop(float_runs):
    result = assert_same_run(sauna, np.array([0.5, 0.6]), lr=SCHEDULES.cosine(0.05, period=100),
                             max_iter=400)
    assert result.status == "stopped" and "reached 0" in result.message
    assert result.nit == 100 and sum(float_runs) > 50


@settings(max_examples=60, deadline=None)
@given(
    a=hst.floats(0.1, 5.0),
    b=hst.floats(-3.0, 3.0),
    c=hst.floats(0.0, 2.0),
    start=hst.tuples(hst.floats(-3, 3), hst.floats(-3, 3)),
    lr=hst.floats(0.01, 0.6),
    tol=hst.sampled_from([None, 1e-3, 1e-8]),
)
def test_random_quartics_match_the_general_loop(a, b, c, start, lr, tol):
    def f(v):
        x, y = v[0], v[1]
        return a * (x - b) ** 2 + c * x**2 * y**2 + (y + 0.5) ** 4 * 0.25

    assert_same_run(f, np.array(start), lr=lr, tol=tol, max_iter=400)


SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"


@pytest.mark.parametrize("method", METHODS)
def test_an_expression_runs_over_floats_the_same_way(float_runs, method):
    lr = RATES["constant"][method]
    fast = st.minimize(SAUNA, [0.5, 0.6], method=method, lr=lr, max_iter=300)
    general = st.minimize(SAUNA, [0.5, 0.6], method=method, lr=lr, max_iter=300,
                          callback=_never_stop)
    assert (fast.status, fast.nit, fast.message) == (general.status, general.nit,
                                                     general.message)
    np.testing.assert_array_equal(fast.history.x, general.history.x)
    np.testing.assert_array_equal(fast.history.grad, general.history.grad)
    assert sum(float_runs) > 20


@pytest.mark.parametrize("text", [SAUNA, "x^2 y + sin(y) + exp(-x/3)", "sqrt(x) + x^(1/3) + pi y^2",
                                  "log(1 + x^2) / (y^2 + 1) + tanh(x y) + atan(x - y)",
                                  "x^-2 + cosh(y) * 3/7 - y^(-3)"])
def test_the_program_over_floats_is_the_exact_gradient(text):
    """The statements over floats agree with the NumPy evaluation of the same expression."""
    f = st.Function(text)
    sweep = f.float_sweep()
    assert sweep is not None
    names = sweep.inputs[0]
    rng = np.random.default_rng(7)
    for point in rng.uniform(0.2, 3.0, size=(20, 2)):
        scope = dict(sweep.namespace, **dict(zip(names, point.tolist(), strict=True)))
        for line in sweep.body:
            exec(line, scope)  # the generated statements themselves, not user text
        value, grads = scope[sweep.value], [scope[g] for g in sweep.grads[0]]
        assert value == pytest.approx(f(*point), rel=1e-14, abs=1e-14)
        np.testing.assert_allclose(grads, f.grad(*point), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("text", ["abs(x) + y^2", "max(x, y) + x^2", "floor(x) + y",
                                  "gamma(x) + y", "x + re(y)"])
def test_kinks_jumps_and_complex_numbers_keep_the_numpy_evaluation(text):
    try:
        f = st.Function(text)
    except st.errors.SteepestError:
        return
    assert f.float_sweep() is None


def test_where_floats_raise_an_expression_falls_back_to_numpy():
    # x^(1/3) of a negative number is complex with **, an error with math.pow: NumPy's nan.
    result = st.minimize("x^(1/3) + y^2", [0.5, 1.0], lr=1.0, max_iter=50)
    assert result.status == "diverged" and "nan" in result.message


@pytest.mark.parametrize("method", METHODS)
def test_the_lesson_run_of_every_method_is_the_same_and_over_floats(float_runs, method):
    """W1 as each method takes it: 3,000 steps, oscillation and settling included."""
    result = assert_same_run(sauna, np.array([0.5, 0.6]), method=method, lr=0.05,
                             max_iter=3_000, tol=None)
    assert sum(float_runs) >= result.nit - 3  # all but the first steps (recording the function)
    assert result.nit == 3_000 or (method == "adamw" and result.status == "stalled")


@settings(max_examples=40, deadline=None)
@given(
    method=hst.sampled_from(METHODS),
    schedule=hst.sampled_from(list(RATES)),
    scale=hst.floats(0.1, 30.0),
    a=hst.floats(0.1, 5.0),
    start=hst.tuples(hst.floats(-3, 3), hst.floats(-3, 3)),
    tol=hst.sampled_from([None, 1e-3, 1e-8]),
)
def test_random_runs_of_every_method_match_the_general_loop(method, schedule, scale, a, start,
                                                             tol):
    lr = RATES["constant"][method] * scale
    if schedule != "constant":
        lr = RATES[schedule](lr)

    def f(v):
        x, y = v[0], v[1]
        return a * (x - 1.0) ** 2 + x**2 * y**2 + (y + 0.5) ** 4 * 0.25

    assert_same_run(f, np.array(start), method=method, lr=lr, tol=tol, max_iter=300)


@settings(max_examples=25, deadline=None)
@given(
    a=hst.integers(1, 9),
    b=hst.integers(-5, 5),
    function=hst.sampled_from(["", " + sin(x y)", " + exp(-x^2)/3", " + log(1 + y^2)",
                               " + sqrt(x^2 + 1)"]),
    method=hst.sampled_from(METHODS),
    start=hst.tuples(hst.floats(-2, 2), hst.floats(-2, 2)),
)
def test_random_expressions_match_the_general_loop(a, b, function, method, start):
    text = f"{a}(x - {b})^2 + (y + 1)^4 / 4{function}"
    lr = RATES["constant"][method]
    fast = st.minimize(text, list(start), method=method, lr=lr, max_iter=200)
    general = st.minimize(text, list(start), method=method, lr=lr, max_iter=200,
                          callback=_never_stop)
    assert (fast.status, fast.nit, fast.message) == (general.status, general.nit,
                                                     general.message)
    np.testing.assert_array_equal(fast.history.x, general.history.x)
    np.testing.assert_array_equal(fast.history.loss, general.history.loss)


@pytest.fixture
def loop_sources(monkeypatch):
    """The source of each generated loop a run uses."""
    sources = []
    original = loop_module.descent_loop

    def keeping(*args, **kwargs):
        loop = original(*args, **kwargs)
        sources.append(loop.source)
        return loop

    monkeypatch.setattr(loop_module, "descent_loop", keeping)
    return sources


class _CountedExponential(SCHEDULES.exponential):
    """An exponential schedule with a ``__call__`` of its own: its formula no longer
    describes it, so the loop must call it."""

    calls = 0

    def __call__(self, k):
        type(self).calls += 1
        return self.initial * self.decay**k


@pytest.mark.parametrize("schedule", ["exponential", "step", "inverse_time", "cosine"])
def test_built_in_schedules_are_written_into_the_loop(loop_sources, schedule):
    lr = RATES[schedule](0.05)
    assert_same_run(sauna, np.array([0.5, 0.6]), method="adam", lr=lr, max_iter=300)
    assert loop_sources and all("lr(count)" not in source for source in loop_sources)
    assert all("r_rate" in source for source in loop_sources)


def test_a_schedule_that_computes_its_own_rate_is_called(loop_sources):
    for lr in (SCHEDULES.warmup(0.05, steps=20), _CountedExponential(0.05, 0.999)):
        loop_sources.clear()
        _CountedExponential.calls = 0
        assert_same_run(sauna, np.array([0.5, 0.6]), method="momentum", lr=lr, max_iter=200)
        assert loop_sources and all("lr(count)" in source for source in loop_sources)
    # Both runs (over floats and in the general loop) asked it for every step's rate.
    assert _CountedExponential.calls >= 2 * 200


def test_the_monitor_inline_and_as_methods_agree_on_every_verdict(float_runs):
    # Oscillation, divergence and stalls, found over floats by the inline watch and in
    # the general loop by the monitor's methods, from the same statements.
    cases = [
        (lambda v: 10 * v[0] ** 2 + 10 * v[1] ** 2, "gd", 0.1, "stalled"),  # y -> -y forever
        (lambda v: v[0] ** 2 + 10 * v[1] ** 2, "gd", 0.11, "diverged"),
        (lambda v: v[0] ** 2 + 10 * v[1] ** 2, "momentum", 0.199, None),
        (lambda v: abs(v[0]) ** 1.5 + v[1] ** 2, "adam", 0.5, None),
    ]
    for f, method, lr, status in cases:
        result = assert_same_run(f, np.array([1.0, 1.0]), method=method, lr=lr, max_iter=3000)
        if status is not None:
            assert result.status == status, result.message
    assert sum(float_runs) > 100


@pytest.mark.parametrize("lr", [
    SCHEDULES.cosine(1, period=300, final=0),  # int fields: the rate is still a float
    SCHEDULES.cosine(np.float64(0.05), period=np.int64(300), final=np.float64(0.001)),
    SCHEDULES.cosine(0.05, period=300.0, final=0.01),  # min(k, period) int, then float
    SCHEDULES.step(1, every=50, factor=1),  # an int rate, converted as the general loop does
    SCHEDULES.exponential(np.float32(0.05), 0.999),
    SCHEDULES.inverse_time(0.05, decay=0.01, power=0.5),
])
def test_schedules_whatever_numbers_their_fields_hold_are_the_same_over_floats(float_runs, lr):
    # The loop computes the parts of a schedule's fields alone once, writes min as its
    # comparison, and skips the conversion float() of a rate that is a float already.
    for method in ("gd", "adam"):
        result = assert_same_run(sauna, np.array([0.5, 0.6]), method=method, lr=lr,
                                 max_iter=300)
        assert all(type(v) is float for v in result.history.lr.tolist())
    assert sum(float_runs) > 100


def test_the_parts_of_constants_alone_are_computed_before_the_loop(loop_sources):
    assert_same_run(sauna, np.array([0.5, 0.6]), method="adam",
                    lr=SCHEDULES.cosine(0.05, period=300), max_iter=300)
    source = loop_sources[-1]
    before, loop = source.split("    while True:\n", 1)
    for part in ("(r_initial - r_final) * 0.5", "GROWTH_FACTOR * abs(m_f0)", "1000.0 * EPS"):
        assert part in before and part not in loop
    assert "R_min" not in source


LONG_RATES = {
    "constant": 0.05,
    "exponential": SCHEDULES.exponential(0.05, 0.999),
    "step": SCHEDULES.step(0.05, every=50, factor=0.8),
    "inverse_time": SCHEDULES.inverse_time(0.05, decay=0.01),
    "cosine": SCHEDULES.cosine(0.05, period=600),
    "cosine, int fields": SCHEDULES.cosine(1, period=600, final=0),
    "warmup": SCHEDULES.warmup(0.05, steps=30),
}


@pytest.mark.parametrize("schedule", list(LONG_RATES))
@pytest.mark.parametrize("method", ["adam", "adamw"])
@pytest.mark.parametrize("betas", [(0.9, 0.9), (0.5, 0.999), (0.0, 0.3)])
def test_bias_corrections_that_reach_one_give_the_same_run(float_runs, method, schedule, betas):
    # Once beta**count is below TINY, 1.0 - beta**count is 1.0 for good: the loop takes
    # neither the power nor the divisions by it, and its numbers stay the general loop's.
    beta1, beta2 = betas
    result = assert_same_run(sauna, np.array([0.5, 0.6]), method=method,
                             lr=LONG_RATES[schedule], max_iter=700, tol=None, beta1=beta1,
                             beta2=beta2)
    # Most of these runs go past step 395, where 0.9**count falls below TINY; those that
    # oscillate stop before (beta1 = 0, whose correction is 1.0 from step 1, among them).
    assert sum(float_runs) > 50
    assert sum(float_runs) > 590 or result.status == "stalled", result.message


def test_the_loop_stops_taking_a_power_that_reached_tiny(loop_sources):
    assert_same_run(sauna, np.array([0.5, 0.6]), method="adam", lr=0.05, max_iter=500)
    source = loop_sources[-1].split("    while True:\n", 1)[1]
    assert "if q_live_correction1:\n" in source and "q_beta1**q_count" in source
    assert "n_mean_0 / q_correction1 if q_live_correction1 else n_mean_0" in source


@settings(max_examples=300, deadline=None)
@given(beta=hst.one_of(hst.floats(0.0, 1.0, exclude_max=True),
                       hst.floats(1.0 - 1e-6, 1.0, exclude_max=True),
                       hst.sampled_from([0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0 - 2.0**-52])))
def test_a_power_below_tiny_leaves_every_later_correction_at_one(beta):
    from steepest.optim.float_descent import TINY

    if beta == 0.0:
        first = 1
    else:
        first = max(1, math.floor(math.log(TINY) / math.log(beta)) - 3)
        while not beta**first < TINY:
            first += 1
    for count in range(first, first + 2_000):
        assert 1.0 - beta**count == 1.0, (beta, first, count)
    for count in (10 * first, 1000 * first + 7, 2**62):
        assert 1.0 - beta**count == 1.0, (beta, first, count)



@pytest.fixture
def no_tables(monkeypatch):
    """The process's tables of bias corrections emptied (restored after the test); calling
    the fixture's value switches them off, so that every count takes its power."""
    from steepest.optim import float_descent

    monkeypatch.setattr(float_descent, "_CORRECTIONS", {})

    def switch_off():
        monkeypatch.setattr(float_descent, "_CORRECTIONS", {})
        monkeypatch.setattr(float_descent, "CORRECTIONS_SETTINGS", 0)

    return switch_off


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
@pytest.mark.parametrize("method", ["adam", "adamw"])
@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.99), (0.0, 0.3)])
def test_bias_corrections_read_from_the_table_give_the_same_run(float_runs, no_tables, method,
                                                                 schedule, betas):
    # The first run fills the tables, the second reads them, a third takes every power:
    # all three are the general loop's run.
    from steepest.optim import float_descent

    beta1, beta2 = betas
    options = dict(method=method, lr=LONG_RATES[schedule], max_iter=700, tol=None, beta1=beta1,
                   beta2=beta2)
    first = assert_same_run(sauna, np.array([0.5, 0.6]), **options)
    filled = len(float_descent.corrections(beta2, 0))
    assert filled > 30  # (0.3**35 is below TINY: that table ends there)
    second = assert_same_run(sauna, np.array([0.5, 0.6]), **options)
    no_tables()
    assert float_descent.corrections(beta2, 0) == ()
    third = assert_same_run(sauna, np.array([0.5, 0.6]), **options)
    for result in (second, third):
        assert (result.nit, result.message) == (first.nit, first.message)
        np.testing.assert_array_equal(result.x, first.x)
        np.testing.assert_array_equal(result.history.loss, first.history.loss)
    assert sum(float_runs) > 100


def test_counts_past_the_end_of_the_table_take_the_power(float_runs, no_tables, monkeypatch):
    from steepest.optim import float_descent

    monkeypatch.setattr(float_descent, "CORRECTIONS_LENGTH", 40)
    for _ in range(2):
        assert_same_run(sauna, np.array([0.5, 0.6]), method="adam", lr=0.05, max_iter=300,
                        tol=None)
    assert len(float_descent.corrections(0.999, 0)) == 40


def _outcome(call):
    """What a call gives, or the kind of error it raises, in a form that compares nan too."""
    try:
        return repr(call())
    except (ArithmeticError, ValueError) as error:
        return type(error).__name__


@settings(max_examples=60, deadline=None)
@given(beta1=hst.floats(-1.5, 1.5), beta2=hst.floats(-1.5, 1.5),
       count=hst.integers(0, 60), length=hst.integers(1, 50), steps=hst.integers(1, 80))
def test_the_table_gives_the_powers_numbers_for_any_beta(beta1, beta2, count, length, steps):
    # Settings inside and outside [0, 1] (where the loop never stops taking the power), a
    # run that starts at any count, tables that end before, at or after it: the loop's
    # result with the tables empty, filled by that same call, and switched off is the same.
    from unittest import mock

    from steepest.optim import float_descent
    from steepest.optim.objective import Objective
    from steepest.optim.rules import Adam

    obj = Objective(lambda v: (v[0] - 3.0) ** 2 + 0.5 * (v[1] + 1.0) ** 2, shape=(2,))
    for _ in range(3):
        f, g = obj.vg(np.array([0.5, 0.6]))
    loop = float_descent.descent_loop(obj.float_sweep(), sign=1.0, tol=False, gtol=False,
                                      ftol=False, record=False, formula=Adam.formula)

    def run():
        return loop((0.5, 0.6), float(f), tuple(g.tolist()), 0, steps, 0.01, None, None, None,
                    float(f), None, (), None, -math.inf, (beta1, beta2, 1e-8),
                    ((0.0, 0.0), (0.0, 0.0)), count)

    with mock.patch.object(float_descent, "_CORRECTIONS", {}), \
            mock.patch.object(float_descent, "CORRECTIONS_LENGTH", length):
        first, second = _outcome(run), _outcome(run)
        table = float_descent.corrections(beta2, 0)
        assert all(value == 1.0 - beta2**c for c, value in enumerate(table))
        with mock.patch.object(float_descent, "CORRECTIONS_SETTINGS", 0), \
                mock.patch.object(float_descent, "_CORRECTIONS", {}):
            powers = _outcome(run)
    assert first == second == powers


# Functions on which a run rises, turns back and forth, settles, stalls or blows up.
WATCHED_FUNCTIONS = {
    "sauna": sauna,
    "narrow valley": lambda v: v[0] ** 2 + 25.0 * v[1] ** 2,
    "kink": lambda v: abs(v[0]) ** 1.5 + v[1] ** 2,
    "quartic bowl": lambda v: (v[0] ** 2 + v[1] ** 2 - 1.0) ** 2 + 0.1 * v[0],
    "steep wall": lambda v: v[0] ** 2 + v[1] ** 6,
    "no minimum": lambda v: v[0] ** 2 - v[1] ** 3,
}


@settings(max_examples=60, deadline=None)
@given(
    method=hst.sampled_from(METHODS),
    schedule=hst.sampled_from(["constant", "exponential", "step", "inverse_time", "cosine"]),
    function=hst.sampled_from(list(WATCHED_FUNCTIONS)),
    scale=hst.sampled_from([0.3, 1.0, 3.0, 10.0, 40.0]),
    start=hst.tuples(hst.floats(-1.5, 1.5), hst.floats(-1.5, 1.5)),
    steps=hst.sampled_from([120, 1_200]),
)
def test_the_watch_over_floats_ends_runs_where_the_general_loop_does(method, schedule, function,
                                                                     scale, start, steps):
    # Every rule and schedule, at rates from timid to far too large: the monitor inline in
    # the loop over floats reaches each verdict (diverged, oscillating, stalled) at the
    # step where the general loop's monitor reaches it, with the same message.
    lr = RATES["constant"][method] * scale
    if schedule != "constant":
        lr = RATES[schedule](lr)
    start = np.array(start) + (np.array([0.5, 0.6]) if function == "sauna" else 0.0)
    assert_same_run(WATCHED_FUNCTIONS[function], start, method=method, lr=lr, tol=None,
                    max_iter=steps)
