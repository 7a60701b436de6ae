"""What every picture needs: a function to draw whatever form it came in, ranges, paths.

A function reaches the plotting code as an expression string (``"x^2 - 4x
+ 4"``), a :class:`steepest.Function`, or a Python function written with
NumPy.  :class:`Drawable` gives all three the same face: values on a whole
mesh at once, the gradient at a point (exact for expressions, by automatic
differentiation for Python code), and a math label for titles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from steepest.errors import SteepestError
from steepest.plot.style import math_text
from steepest.symbolic.parser import GREEK

FunctionLike = Any  # str | steepest.Function | Callable


class Drawable:
    """A function of ``n`` variables prepared for drawing.

    ``variables`` names the coordinates of a Python function on the axes
    (an expression names its own).

    >>> f = Drawable("x^2 - 4x + 4", 1)
    >>> f.values(np.array([0.0, 2.0])).tolist(), f.derivative(0.0)
    ([4.0, 0.0], -4.0)
    >>> Drawable(lambda p: p[0] ** 2 + p[1] ** 2, 2).gradient([2.0, 3.0]).tolist()
    [4.0, 6.0]
    """

    def __init__(
        self,
        f: FunctionLike,
        n: int | None = None,
        *,
        name: str = "f",
        variables: Sequence[str] | None = None,
    ) -> None:
        from steepest.symbolic import Function

        if isinstance(f, Drawable):
            f = f.symbolic if f.symbolic is not None else f.original
        self.original = f
        self.symbolic: Function | None = None
        if isinstance(f, str | Function):
            self.symbolic = f if isinstance(f, Function) else Function(f)
            self.variables: tuple[str, ...] = self.symbolic.variables
            if n is not None and len(self.variables) > n:
                raise SteepestError(
                    f"this picture needs a function of {_count(n)}; "
                    f"{self.symbolic.text!r} has {len(self.variables)} "
                    f"({', '.join(self.variables)})"
                )
            if n is not None and len(self.variables) < n:
                self.variables = _pad_names(self.variables, n)
                self.symbolic = Function(self.symbolic.expr, variables=self.variables,
                                         timeout=self.symbolic.timeout)
        elif callable(f):
            if n is None:
                raise SteepestError("say how many variables the function has")
            self.variables = ("x", "y", "z")[:n] if n <= 3 else tuple(f"x{i}" for i in range(n))
            if variables is not None:
                if len(variables) != n:
                    raise SteepestError(f"give {n} variable names, not {len(variables)}")
                # Names for the axes only: a Python function takes its point as one array.
                self.variables = tuple(str(v) for v in variables)
        else:
            raise SteepestError(
                f"expected an expression such as 'x^2' or a function, not {type(f).__name__}"
            )
        self.n = len(self.variables)
        self.name = name

    # -- values ----------------------------------------------------------------------------
    def values(self, *coords: np.ndarray) -> np.ndarray:
        """``f`` on arrays of coordinates (one per variable), the shape of their broadcast."""
        arrays = [np.asarray(c, dtype=float) for c in coords]
        if len(arrays) != self.n:
            raise SteepestError(f"expected {self.n} coordinate arrays, got {len(arrays)}")
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        arrays = [np.broadcast_to(a, shape) for a in arrays]
        if self.symbolic is not None:
            out = np.asarray(self.symbolic(*arrays))
            return _real(np.broadcast_to(out, shape))
        return _evaluate_callable(self.original, arrays, shape)

    def __call__(self, *point: float) -> float:
        """``f`` at one point, as a float."""
        return float(self.values(*[np.asarray(p, dtype=float) for p in point]))

    def gradient(self, point: Sequence[float] | float) -> np.ndarray:
        """The gradient at one point: exact for expressions, automatic for Python code."""
        coords = np.atleast_1d(np.asarray(point, dtype=float))
        if coords.size != self.n:
            raise SteepestError(f"a point of this function has {self.n} coordinates")
        if self.symbolic is not None:
            return _real(np.asarray(self.symbolic.grad(*coords), dtype=float)).reshape(self.n)
        import steepest as st

        with np.errstate(all="ignore"):
            if self.n == 1:
                return np.array([float(st.grad(self.original)(float(coords[0])))])
            return np.asarray(st.grad(self.original)(coords), dtype=float).reshape(self.n)

    def derivative(self, x: float) -> float:
        """f'(x) for a function of one variable."""
        return float(self.gradient([x])[0])

    # -- labels ----------------------------------------------------------------------------
    @property
    def latex(self) -> str | None:
        """The expression in LaTeX (None for Python code)."""
        if self.symbolic is None:
            return None
        from steepest.symbolic import latex_form

        return latex_form(self.symbolic.expr)

    def label(self, with_name: bool = True) -> str:
        """``$f(x) = x^{2} - 4 x + 4$`` for an expression, ``$f(x)$`` for Python code."""
        args = ", ".join(latex_name(v) for v in self.variables)
        head = f"{self.name}({args})"
        latex = self.latex
        if latex is None:
            return f"${head}$"
        body = f"{head} = {latex}" if with_name else latex
        plain = self.symbolic.text if self.symbolic is not None else head
        return math_text(body, fallback=f"{head} = {plain}" if with_name else plain)

    def axis_names(self) -> list[str]:
        """The variables as mathtext axis labels (``$\\theta$`` for theta)."""
        return [f"${latex_name(v)}$" for v in self.variables]


# Greek variable names the parser accepts; mathtext has no \omicron.
_GREEK = set(GREEK) - {"omicron"}


def latex_name(name: str) -> str:
    """A variable name as mathtext: ``theta`` -> ``\\theta``, ``x1`` -> ``x_{1}``.

    >>> latex_name("theta"), latex_name("x1"), latex_name("b")
    ('\\\\theta', 'x_{1}', 'b')
    """
    if name in _GREEK:
        return "\\" + name
    stem = name.rstrip("0123456789")
    if stem and stem != name:
        return f"{latex_name(stem)}_{{{name[len(stem) :]}}}"
    if len(name) > 1:
        return rf"\mathrm{{{name}}}"
    return name


def _count(n: int) -> str:
    return "one variable" if n == 1 else f"{n} variables"


def _pad_names(present: tuple[str, ...], n: int) -> tuple[str, ...]:
    names = list(present)
    for candidate in ("x", "y", "z", "t", "u", "v"):
        if len(names) >= n:
            break
        if candidate not in names:
            names.append(candidate)
    return tuple(names)


def _real(values: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(values):
        values = np.where(
            np.abs(values.imag) <= 1e-12 * np.maximum(1, np.abs(values.real)), values.real, np.nan
        )
    return np.asarray(values, dtype=float)


def _evaluate_callable(f: Callable[..., Any], arrays: list[np.ndarray], shape: tuple) -> np.ndarray:
    """A Python function on a mesh: vectorized when it can be, point by point otherwise.

    A one-variable function gets the array of x values; an n-variable one the
    stacked array of shape (n, ...), as ``steepest.minimize`` passes a point.
    The result is accepted only when it has the mesh's shape (a function
    that reduces over data, such as a mean, does not).
    """
    argument = arrays[0] if len(arrays) == 1 else np.stack(arrays)
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(f(argument), dtype=float)
        if values.shape == shape:
            return values
    except Exception:
        pass
    flat = [a.ravel() for a in arrays]
    out = np.empty(flat[0].size)
    with np.errstate(all="ignore"):
        for i in range(out.size):
            point = flat[0][i] if len(flat) == 1 else np.array([c[i] for c in flat])
            try:
                out[i] = float(f(point))
            except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError):
                out[i] = np.nan
    return out.reshape(shape)


# -- ranges ----------------------------------------------------------------------------------


def padded(values: Any, padding: float = 0.25, minimum: float = 1.0) -> tuple[float, float]:
    """The span of the finite ``values`` widened by ``padding`` of its width on each side.

    >>> padded([0.0, 2.0])
    (-0.5, 2.5)
    """
    array = np.asarray(values, dtype=float).ravel()
    array = array[np.isfinite(array)]
    if array.size == 0:
        return (-minimum, minimum)
    low, high = float(array.min()), float(array.max())
    width = high - low
    if width <= 0:
        half = max(minimum, abs(low) * 0.5)
        return (low - half, high + half)
    return (low - padding * width, high + padding * width)


def as_range(value: Any, name: str) -> tuple[float, float]:
    """``(low, high)`` from a pair, checked."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise SteepestError(f"{name} must be a pair (low, high), not {value!r}") from None
    if not (np.isfinite(low) and np.isfinite(high)) or not low < high:
        raise SteepestError(f"{name} must be finite with low < high, not ({low:g}, {high:g})")
    return low, high


def robust_limits(values: np.ndarray, padding: float = 0.08) -> tuple[float, float] | None:
    """y-limits that show the shape of a curve even when it shoots off near a pole.

    When a few values dwarf the rest (1/x near 0), the limits come from the
    2nd and 98th percentiles instead of the extremes.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    q_low, q_high = (float(q) for q in np.percentile(finite, [2, 98]))
    if (high - low) > 12 * max(q_high - q_low, 1e-12):
        low, high = q_low, q_high
    width = high - low
    if width <= 0:
        width = max(1.0, abs(low))
    return low - padding * width, high + padding * width


def clip_to(values: np.ndarray, limits: tuple[float, float] | None) -> np.ndarray:
    """Values far outside ``limits`` become nan, so a line breaks at a pole instead of jumping."""
    if limits is None:
        return values
    low, high = limits
    margin = 2 * (high - low)
    return np.where((values < low - margin) | (values > high + margin), np.nan, values)


# -- runs and paths ----------------------------------------------------------------------------


def path_of(run: Any) -> np.ndarray:
    """The iterates of a run (an OptimizeResult, or an array of points), finite rows only.

    One parameter gives shape (k,), several give (k, n).
    """
    history = getattr(run, "history", None)
    if history is not None:
        points = np.asarray(history.x, dtype=float)
    elif hasattr(run, "x") and hasattr(run, "status"):
        raise SteepestError("this run kept no history (record=False), so it has no path to draw")
    else:
        points = np.asarray(run, dtype=float)
    if points.ndim == 0:
        points = points.reshape(1)
    if points.ndim > 2:
        points = points.reshape(len(points), -1)
    if points.ndim == 2 and points.shape[1] == 1:
        points = points[:, 0]
    flat = points.reshape(len(points), -1)
    return points[np.all(np.isfinite(flat), axis=1)]


def named_runs(runs: Any, labels: Sequence[str] | None = None) -> list[tuple[str, Any]]:
    """(label, run) pairs from one run, a list of runs, or a mapping label -> run."""
    if runs is None:
        return []
    if isinstance(runs, Mapping):
        return [(str(k), v) for k, v in runs.items()]
    single = hasattr(runs, "history") or (isinstance(runs, np.ndarray) and runs.dtype != object)
    items = [runs] if single else list(runs)
    names = list(labels) if labels is not None else [run_label(r, i) for i, r in enumerate(items)]
    if len(names) != len(items):
        raise SteepestError(f"got {len(names)} labels for {len(items)} runs")
    return list(zip(names, items))


def run_label(run: Any, index: int = 0) -> str:
    """``gd (lr 0.05)`` for a run, ``path 1`` for plain points."""
    method = getattr(run, "method", None)
    if method is None:
        return f"path {index + 1}"
    history = getattr(run, "history", None)
    if history is not None and len(history) > 1:
        rates = np.asarray(history.lr)[1:]
        rates = rates[np.isfinite(rates)]
        if rates.size and np.allclose(rates, rates[0]):
            return f"{method} ($\\alpha$ = {rates[0]:g})"
    return str(method)


__all__ = [
    "Drawable",
    "as_range",
    "clip_to",
    "latex_name",
    "named_runs",
    "padded",
    "path_of",
    "robust_limits",
    "run_label",
]
