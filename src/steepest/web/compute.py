"""The playground's computations: checked request in, JSON-ready answer out.

Each task takes the plain dict made by :mod:`steepest.web.requests` and
returns plain Python values (lists, floats, strings) in which every
non-finite number is ``None``, so that a diverged run is still valid JSON.
The tasks run in worker processes (:mod:`steepest.web.worker`) under a
deadline; they are ordinary functions and can be called directly too.

>>> out = minimize_task({"function": "x^2 - 4x + 4", "x0": [0.0], "lr": 0.4,
...                      "method": "gd", "max_iter": 5, "tol": 1e-6})
>>> [round(p[0], 5) for p in out["path"]]
[0.0, 1.6, 1.92, 1.984, 1.9968, 1.99936]
>>> out["status"]
'max_iter'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from steepest.bounded import DEFAULT_TIMEOUT, within
from steepest.errors import SteepestError
from steepest.symbolic import Function, critical_points, derive, latex_form, text_form
from steepest.symbolic.calculus import search_critical_points
from steepest.symbolic.parser import parse
from steepest.symbolic.printing import (
    derivative_mathml,
    gradient_mathml,
    latex,
    mathml,
    plain_math_text,
    plain_text,
)
from steepest.web import practice
from steepest.web.presets import OKABE_ITO, listing
from steepest.web.requests import BadRequest

# Soft limit on one run of the optimizer: it stops itself ("stopped") and returns its path.
RUN_SECONDS = 3.0

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def finite_or_none(values: Any) -> Any:
    """Nested lists of floats with every inf/nan replaced by ``None`` (valid JSON).

    >>> finite_or_none(np.array([1.0, np.inf, np.nan]))
    [1.0, None, None]
    >>> finite_or_none(float("-inf")) is None
    True
    """
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        number = float(array)
        return number if math.isfinite(number) else None
    return np.where(np.isfinite(array), array, None).tolist()


@lru_cache(maxsize=64)
def _compiled(text: str, timeout: float | None) -> Function:
    return Function(text, timeout=timeout)


def symbolic_timeout(request: dict[str, Any]) -> float | None:
    """The limit on symbolic work the server gave this request (``timeout``).

    >>> symbolic_timeout({"timeout": 4.0}), symbolic_timeout({})
    (4.0, 10.0)
    """
    return float(request.get("timeout", DEFAULT_TIMEOUT))


def load_function(
    text: str, *, field: str = "function", timeout: float | None = DEFAULT_TIMEOUT
) -> Function:
    """The expression as a :class:`steepest.Function`, or a :class:`BadRequest` saying why not.

    >>> load_function("x^2 + y^2").variables
    ('x', 'y')
    >>> load_function("__import__('os')")
    Traceback (most recent call last):
    ...
    steepest.web.requests.BadRequest: could not read the function: names cannot start with '_' ...
    """
    try:
        return _compiled(text, timeout)
    except SteepestError as exc:
        raise BadRequest(
            f"could not read the {field}: {_sentence(exc)}",
            field=field,
            column=getattr(exc, "column", None),
        ) from None
    except RecursionError:
        raise BadRequest(f"the {field} is nested too deeply to read", field=field) from None


def _remaining(request: dict[str, Any], started: float) -> float:
    """Seconds left of the task's budget ``request["max_time"]`` (compiling counts too)."""
    budget = float(request.get("max_time", RUN_SECONDS))
    return max(0.05, budget - (time.perf_counter() - started))


def _sentence(exc: BaseException) -> str:
    text = plain_text(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _plot_dimension(f: Function, allowed: tuple[int, ...]) -> int:
    n = len(f.variables)
    if n == 0:
        raise BadRequest(
            "the function has no variables; write it in x (and y), such as x^2 + y^2",
            field="function",
        )
    if n not in allowed:
        names = ", ".join(f.variables)
        wanted = " or ".join(str(a) for a in allowed)
        raise BadRequest(
            f"this needs a function of {wanted} variable{'s' * (allowed != (1,))}, but it has "
            f"{n} ({names})",
            field="function",
        )
    return n


# --------------------------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------------------------


def presets_task(request: dict[str, Any] | None = None) -> dict[str, Any]:
    """The preset functions with their start, rate, method and plotting window.

    >>> [p["name"] for p in presets_task()["presets"]][:3]
    ['bowl', 'sauna', 'rosenbrock']
    """
    return listing()


def inspect_task(request: dict[str, Any]) -> dict[str, Any]:
    """Variables, the expression as read (text and LaTeX) and its symbolic gradient.

    >>> info = inspect_task({"function": "3x^2 y^3"})
    >>> info["variables"], info["gradient"]
    (['x', 'y'], ['6*x*y^3', '9*x^2*y^2'])
    """
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    _plot_dimension(f, tuple(range(1, 11)))
    return {
        "function": request["function"],
        "variables": list(f.variables),
        "dimension": len(f.variables),
        "text": text_form(f.expr),
        "latex": latex_form(f.expr),
        "gradient": [text_form(g) for g in f.gradient_expr],
        "gradient_latex": [latex_form(g) for g in f.gradient_expr],
        "mathml": mathml(f.expr, display=True),
        "gradient_mathml": gradient_mathml(f.gradient_expr, f.variables, display=True),
    }


def preview_task(request: dict[str, Any]) -> dict[str, Any]:
    """The typed expression as MathML (and its text and LaTeX), or where it stops parsing.

    >>> out = preview_task({"expression": "x^2 sin x"})
    >>> out["text"], out["mathml"].startswith("<math")
    ('x^2*sin(x)', True)
    >>> preview_task({"expression": "x + )"})
    Traceback (most recent call last):
    ...
    steepest.web.requests.BadRequest: expected an expression (at column 5)
    """
    try:
        expr = parse(request["expression"])
    except SteepestError as exc:
        raise BadRequest(
            _sentence(exc), field="expression", column=getattr(exc, "column", None)
        ) from None
    except RecursionError:
        raise BadRequest(
            "the expression is nested too deeply to read", field="expression"
        ) from None
    return {
        "expression": request["expression"],
        "mathml": mathml(expr, display=True),
        "text": plain_math_text(expr),
        "latex": latex(expr),
    }


def minimize_task(request: dict[str, Any]) -> dict[str, Any]:
    """Run :func:`steepest.minimize` and return every iterate, loss and gradient.

    The run stops itself after ``request["max_time"]`` seconds (default
    ``RUN_SECONDS``) with status ``stopped`` and the path so far.

    The sauna from (0.5, 0.6) with rate 0.05, as in the lessons:

    >>> out = minimize_task({"function": "85 - x^2 (x-6) y^2 (y-6)/90", "x0": [0.5, 0.6],
    ...                      "lr": 0.05, "method": "gd", "max_iter": 2, "tol": 1e-6})
    >>> [[round(v, 6) for v in p] for p in out["path"]]
    [[0.5, 0.6], [0.50567, 0.604675], [0.51148, 0.609482]]
    >>> [round(v, 4) for v in out["grads"][0]]
    [-0.1134, -0.0935]
    """
    from steepest.optim import minimize

    started = time.perf_counter()
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    n = _plot_dimension(f, tuple(range(1, 11)))
    x0 = request["x0"]
    if len(x0) != n:
        names = ", ".join(f.variables)
        raise BadRequest(
            f"the function has {n} variable{'s' * (n != 1)} ({names}) but the start point has "
            f"{len(x0)} value{'s' * (len(x0) != 1)}",
            field="x0",
        )
    max_iter = int(request["max_iter"])
    try:
        result = minimize(
            f,
            np.array(x0, dtype=float),
            method=request["method"],
            lr=request["lr"],
            max_iter=max_iter,
            tol=request["tol"] if request["tol"] > 0 else None,
            max_time=_remaining(request, started),
            history_limit=max_iter + 1,
        )
    except SteepestError as exc:
        raise BadRequest(f"the run could not start: {_sentence(exc)}") from None
    history = result.history
    assert history is not None  # recorded by default
    path = np.asarray(history.x, dtype=float).reshape(-1, n)
    grads = np.asarray(history.grad, dtype=float).reshape(-1, n)
    return {
        "function": request["function"],
        "variables": list(f.variables),
        "method": request["method"],
        "lr": request["lr"],
        "path": finite_or_none(path),
        "losses": finite_or_none(history.loss),
        "grads": finite_or_none(grads),
        "status": result.status,
        "message": result.message,
        "x": finite_or_none(path[-1]),
        "fun": finite_or_none(result.fun),
        "nit": int(result.nit),
    }


def derive_task(request: dict[str, Any]) -> dict[str, Any]:
    """The derivative with its rule-by-rule steps (a tree of rule applications).

    >>> out = derive_task({"expression": "sin(3x)", "wrt": "x"})
    >>> out["result"], out["steps"]["rule"], out["steps"]["substeps"][0]["rule"]
    ('3*cos(3*x)', 'chain', 'trig')
    """
    timeout = symbolic_timeout(request)
    load_function(request["expression"], field="expression", timeout=timeout)
    try:
        # Typesetting a long derivative costs as much as finding it: both share the limit.
        return within(
            lambda: _derivation_answer(request, timeout),
            timeout=timeout,
            what=f"differentiating {request['expression']}",
        )
    except SteepestError as exc:
        raise BadRequest(f"could not differentiate: {_sentence(exc)}", field="expression") from None


def _derivation_answer(request: dict[str, Any], timeout: float | None) -> dict[str, Any]:
    derivation = derive(request["expression"], wrt=request["wrt"], timeout=timeout)
    described = derivation.to_dict()
    return {
        "expression": described["expr"],
        "wrt": described["wrt"],
        "partial": described["partial"],
        "held_constant": described["held_constant"],
        "result": described["result"],
        "result_latex": described["result_latex"],
        "latex": described["latex"],
        "text": described["text"],
        "rules": described["rules"],
        "steps": described["steps"],
        "html": derivation.html(),
        "result_mathml": derivative_mathml(
            derivation.expr,
            derivation.wrt,
            derivation.result,
            partial=derivation.is_partial,
            shown=derivation.steps.display,
        ),
    }


def surface_task(request: dict[str, Any]) -> dict[str, Any]:
    """``f`` on an n x n grid: ``z[i][j] = f(x[j], y[i])`` (the layout Plotly expects).

    >>> out = surface_task({"function": "x^2 + y^2", "xlim": [-1, 1], "ylim": [0, 2], "n": 3})
    >>> out["x"], out["y"], out["z"]
    ([-1.0, 0.0, 1.0], [0.0, 1.0, 2.0], [[1.0, 0.0, 1.0], [2.0, 1.0, 2.0], [5.0, 4.0, 5.0]])
    """
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    _plot_dimension(f, (2,))
    n = int(request["n"])
    xs = np.linspace(*request["xlim"], n)
    ys = np.linspace(*request["ylim"], n)
    grid_x, grid_y = np.meshgrid(xs, ys)
    z = np.real_if_close(np.asarray(f(grid_x, grid_y)))
    if np.iscomplexobj(z):
        z = np.where(np.abs(z.imag) > 1e-12, np.nan, z.real)
    return {
        "variables": list(f.variables),
        "x": xs.tolist(),
        "y": ys.tolist(),
        "z": finite_or_none(z),
    }


def curve_task(request: dict[str, Any]) -> dict[str, Any]:
    """``f`` of one variable at n points of ``xlim``.

    >>> curve_task({"function": "x^4 - 3x^2 + x", "xlim": [-1, 1], "n": 3})["y"]
    [-3.0, 0.0, -1.0]
    """
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    _plot_dimension(f, (1,))
    xs = np.linspace(*request["xlim"], int(request["n"]))
    ys = np.asarray(f(xs))
    if np.iscomplexobj(ys):
        ys = np.where(np.abs(ys.imag) > 1e-12, np.nan, ys.real)
    return {"variables": list(f.variables), "x": xs.tolist(), "y": finite_or_none(ys)}


def critical_symbolic_task(request: dict[str, Any]) -> dict[str, Any]:
    """Critical points solved exactly by :func:`steepest.symbolic.critical_points`.

    Isolated points carry every coordinate; a non-isolated family (the line
    x = 0 of the sauna) carries its fixed coordinates and names the ``free``
    ones.  Can take long on hard systems: run it under a deadline.

    >>> out = critical_symbolic_task({"function": "x^2 - 4x + 4"})
    >>> out["points"], out["source"]
    ([{'kind': 'minimum', 'point': [2.0], 'value': 0.0, 'free': []}], 'symbolic')
    """
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    _plot_dimension(f, tuple(range(1, 11)))
    try:
        found = critical_points(f.expr, timeout=symbolic_timeout(request))
    except SteepestError as exc:
        raise BadRequest(f"could not solve for the critical points: {_sentence(exc)}") from None
    return {"points": _points_json(f, found), "source": "symbolic"}


def critical_task(request: dict[str, Any]) -> dict[str, Any]:
    """Critical points solved exactly when that finishes within ``request["exact_timeout"]``
    seconds, and otherwise found by the numerical search inside the window (``source``
    says which).

    Only a function that jumps (floor, ceil, a step) gets a sentence instead:
    its critical points are not a list of points.

    >>> out = critical_task({"function": "cos(x) - x^2/10", "xlim": [-5, 5], "ylim": None})
    >>> out["source"], [p["kind"] for p in out["points"]]
    ('numeric', ['maximum', 'minimum', 'maximum', 'minimum', 'maximum'])
    >>> [round(p["point"][0], 4) for p in out["points"]]
    [-4.9063, -4.1046, 0.0, 4.1046, 4.9063]
    """
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    _plot_dimension(f, tuple(range(1, 11)))
    exact_seconds = min(
        float(request.get("exact_timeout", DEFAULT_TIMEOUT)), symbolic_timeout(request)
    )
    try:
        found = critical_points(f.expr, timeout=exact_seconds)
    except SteepestError as exc:
        if f.expr.has(sp.floor, sp.ceiling, sp.Heaviside):
            raise BadRequest(f"could not solve for the critical points: {_sentence(exc)}") from None
        return critical_numeric_task(request)
    return {"points": _points_json(f, found), "source": "symbolic"}


def _points_json(f: Function, found: list[Any]) -> list[dict[str, Any]]:
    """Critical points as JSON: coordinates in the order of ``f.variables`` (``None`` for
    the free ones of a family); points with a coordinate that is not a real number left out.
    Where f is constant on a region, one entry with its ``value`` and the ``region`` in words.

    >>> out = critical_symbolic_task({"function": "max(x, 0)"})
    >>> out["points"][0]
    {'kind': 'degenerate', 'point': [None], 'value': 0.0, 'free': ['x'], 'region': 'x < 0'}
    """
    points: list[dict[str, Any]] = []
    for entry in found:
        coordinates: list[float | None] = []
        for name in f.variables:
            if name in entry.point:
                value = _real_number(entry.point[name])
                if value is None:
                    break
                coordinates.append(value)
            else:
                coordinates.append(None)
        else:
            free = [name for name in f.variables if name not in entry.point]
            value = None if free and entry.region is None else _real_number(entry.value)
            data = {"kind": entry.kind, "point": coordinates, "value": value, "free": free}
            if entry.region is not None:
                # An interval (or region) where f is constant: every point of it is critical.
                data["region"] = entry.to_dict()["region"]
            points.append(data)
    return points


def _real_number(value: Any) -> float | None:
    try:
        number = complex(value)
    except (TypeError, ValueError):
        return None
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)) or not math.isfinite(number.real):
        return None
    return float(number.real)


def critical_numeric_task(request: dict[str, Any]) -> dict[str, Any]:
    """Critical points inside the window found by the numerical search of
    :func:`steepest.symbolic.calculus.search_critical_points`: root finding on the gradient
    (with the exact Hessian) from starts spread over the window, classified by the
    Hessian's eigenvalues.  The list may be incomplete.

    >>> out = critical_numeric_task({"function": "x^4 - 3x^2 + x", "xlim": [-2, 2],
    ...                              "ylim": None})
    >>> [(p["kind"], round(p["point"][0], 4)) for p in out["points"]]
    [('minimum', -1.3008), ('maximum', 0.1699), ('minimum', 1.1309)]
    """
    f = load_function(request["function"], timeout=symbolic_timeout(request))
    n = _plot_dimension(f, tuple(range(1, 11)))
    if n >= 2 and request.get("ylim") is None:
        raise BadRequest("ylim is required for a function of two variables", field="ylim")
    window = dict(zip(f.variables, [request["xlim"], request.get("ylim")][:n]))
    with np.errstate(all="ignore"):
        found = search_critical_points(f.expr, {name: tuple(w) for name, w in window.items()})
    return {"points": _points_json(f, found), "source": "numeric"}


# --------------------------------------------------------------------------------------------
# data mode: full batch vs SGD vs mini-batch on a straight-line fit
# --------------------------------------------------------------------------------------------

DATA_COLUMNS = {
    "tips": ("total_bill", "tip"),
    "advertising": ("TV", "sales"),
}


def line_loss(theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> float:
    """Mean squared error of the line ``theta[0] + theta[1] * x`` on one batch ``(x, y)``.

    >>> line_loss(np.array([1.0, 2.0]), (np.array([0.0, 1.0]), np.array([1.0, 4.0])))
    0.5
    """
    x, y = batch
    residual = theta[0] + theta[1] * x - y
    return float(np.mean(residual * residual))


def line_loss_grad(theta: np.ndarray, batch: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The exact gradient of :func:`line_loss`: ``2 mean(r)`` and ``2 mean(r x)``.

    >>> line_loss_grad(np.array([1.0, 2.0]), (np.array([0.0, 1.0]), np.array([1.0, 4.0])))
    array([-1., -1.])
    """
    x, y = batch
    residual = theta[0] + theta[1] * x - y
    return np.array([2.0 * np.mean(residual), 2.0 * np.mean(residual * x)])


def data_descent_task(request: dict[str, Any]) -> dict[str, Any]:
    """Fit ``y = b + m x`` three ways from the same start: full batch, SGD, mini-batch.

    The feature is standardized (``z = (x - mean) / std``), so the loss
    surface over (intercept, slope in z) is round and one learning rate
    suits all three runs; the fitted lines are reported in the data's units
    next to the least-squares line.

    >>> out = data_descent_task({"dataset": "advertising", "lr": 0.3, "batch_size": 16,
    ...                          "epochs": 20, "seed": 0})
    >>> [run["label"] for run in out["runs"]]
    ['full batch', 'SGD (batch size 1)', 'mini-batch (batch size 16)']
    >>> full = out["runs"][0]["line"]
    >>> round(full["intercept"], 4), round(full["slope"], 6)
    (7.0326, 0.047537)
    """
    from steepest.datasets import load

    started = time.perf_counter()
    name = request["dataset"]
    x_name, y_name = DATA_COLUMNS[name]
    frame = load(name)
    x = frame[x_name].to_numpy(dtype=float)
    y = frame[y_name].to_numpy(dtype=float)
    mean, std = float(x.mean()), float(x.std())
    z = (x - mean) / std
    slope_ls, intercept_ls = np.polyfit(x, y, 1)
    best = np.array([intercept_ls + slope_ls * mean, slope_ls * std])  # in (b, m_z) coordinates

    def in_data_units(theta: np.ndarray) -> dict[str, float | None]:
        return {
            "intercept": finite_or_none(theta[0] - theta[1] * mean / std),
            "slope": finite_or_none(theta[1] / std),
        }

    runs = _descent_runs(request, z, y, started, in_data_units)
    axis_b, axis_m, grid_loss = _loss_grid(runs, best, z, y)
    return {
        "dataset": name,
        "x_name": x_name,
        "y_name": y_name,
        "x": x.tolist(),
        "y": y.tolist(),
        "mean": mean,
        "std": std,
        "runs": runs,
        "least_squares": {
            "intercept": float(intercept_ls),
            "slope": float(slope_ls),
            "theta": best.tolist(),
            "loss": line_loss(best, (z, y)),
        },
        "grid": {"b": axis_b.tolist(), "m": axis_m.tolist(), "loss": finite_or_none(grid_loss)},
    }


def _descent_runs(
    request: dict[str, Any],
    z: np.ndarray,
    y: np.ndarray,
    started: float,
    in_data_units: Callable[[np.ndarray], dict[str, float | None]],
) -> list[dict[str, Any]]:
    """Full batch, SGD and mini-batch from the same start, sharing what is left of the time."""
    from steepest.optim import minimize

    rows = len(z)
    settings = [
        ("full batch", rows),
        ("SGD (batch size 1)", 1),
        (f"mini-batch (batch size {request['batch_size']})", min(request["batch_size"], rows)),
    ]
    runs: list[dict[str, Any]] = []
    for (label, batch_size), colour in zip(settings, OKABE_ITO):
        result = minimize(
            line_loss,
            np.zeros(2),
            grad=line_loss_grad,
            data=(z, y),
            batch_size=batch_size,
            epochs=request["epochs"],
            lr=request["lr"],
            seed=request["seed"],
            tol=None,
            max_time=_remaining(request, started) / (3 - len(runs)),
            history_limit=request["epochs"] * rows + 1,
        )
        history = result.history
        assert history is not None
        path = np.asarray(history.x, dtype=float).reshape(-1, 2)
        # The loss on all the data at every iterate: comparable between the three runs.
        with np.errstate(all="ignore"):
            residuals = path[:, :1] + path[:, 1:] * z[None, :] - y[None, :]
            full_losses = np.mean(residuals * residuals, axis=1)
        steps_per_epoch = math.ceil(rows / batch_size)
        runs.append(
            {
                "label": label,
                "batch_size": batch_size,
                "color": colour,
                "path": finite_or_none(path),
                "losses": finite_or_none(full_losses),
                "epoch": (np.asarray(history.iteration, dtype=float) / steps_per_epoch).tolist(),
                "steps": int(result.nit),
                "status": result.status,
                "message": result.message,
                "theta": finite_or_none(path[-1]),
                "line": in_data_units(path[-1]),
                "loss": finite_or_none(full_losses[-1]),
            }
        )
    return runs


def _loss_grid(
    runs: list[dict[str, Any]], best: np.ndarray, z: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 60 x 60 grid of (b, m) around the runs and the optimum, with the MSE at each point."""
    theta_points = np.concatenate(
        [np.zeros((1, 2)), best[None, :]]
        + [np.asarray(r["path"], dtype=float).reshape(-1, 2) for r in runs]
    )
    finite = theta_points[np.all(np.isfinite(theta_points), axis=1)]
    low, high = finite.min(axis=0), finite.max(axis=0)
    pad = np.maximum(0.15 * (high - low), 0.5)
    low, high = (
        np.maximum(low - pad, best - 50 * (np.abs(best) + 1)),
        np.minimum(high + pad, best + 50 * (np.abs(best) + 1)),
    )
    axis_b = np.linspace(low[0], high[0], 60)
    axis_m = np.linspace(low[1], high[1], 60)
    grid_b, grid_m = np.meshgrid(axis_b, axis_m)
    # MSE of every grid line at once: it is quadratic in (b, m), so three sums suffice.
    grid_loss = (
        grid_b**2
        + 2 * grid_b * grid_m * z.mean()
        + grid_m**2 * np.mean(z * z)
        - 2 * grid_b * y.mean()
        - 2 * grid_m * np.mean(z * y)
        + np.mean(y * y)
    )
    return axis_b, axis_m, grid_loss


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "presets": presets_task,
    "inspect": inspect_task,
    "minimize": minimize_task,
    "derive": derive_task,
    "surface": surface_task,
    "curve": curve_task,
    "critical_symbolic": critical_symbolic_task,
    "critical_numeric": critical_numeric_task,
    "critical": critical_task,
    "data_descent": data_descent_task,
    "practice_exercise": practice.exercise_task,
    "practice_check": practice.check_task,
}


__all__ = [
    "TASKS",
    "critical_numeric_task",
    "critical_symbolic_task",
    "critical_task",
    "curve_task",
    "data_descent_task",
    "derive_task",
    "finite_or_none",
    "inspect_task",
    "line_loss",
    "line_loss_grad",
    "load_function",
    "minimize_task",
    "presets_task",
    "preview_task",
    "surface_task",
]
