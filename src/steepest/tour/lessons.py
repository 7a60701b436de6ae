"""The thirteen lessons of the tour, each computed by the library as it is written.

Every number in the report comes from a call into steepest (symbolic,
numeric, automatic differentiation, optimization, models), and where a
second, independent way exists (NumPy, SciPy, a closed form, another method
of differentiation) the two are computed and compared in the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sympy as sp

import steepest as st
from steepest import plot
from steepest.plot.style import new_grid
from steepest.symbolic.printing import limit_mathml
from steepest.tour.page import Section

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
QUADRATIC = "x^2 - 4x + 4"
QUARTIC = "(1/5000)(12 - theta)(23 - theta)(-14 - theta)(-15 - theta) + 7"
Y_GRID = np.array([12.0, 13.0, 15.0, 16.0, 17.0])
Y_STEP = np.array([12.1, 12.8, 14.9, 16.3, 17.2])
STEPS_ALL = 400  # descent steps on all seven parameters of the network


def _symbols(names: str) -> tuple[sp.Symbol, ...]:
    """Symbols as the parser makes them (with its assumptions), so substitutions match."""
    return tuple(st.symbolic.symbol(name) for name in names.split())


def _show(expr: Any) -> str:
    return st.symbolic.text_form(sp.sympify(expr))


def _m(expr: Any) -> str:
    """A SymPy value as a formula of a paragraph (``$...$``, typeset in the report)."""
    return f"${_show(expr)}$"


def _sci(value: float) -> str:
    """A float in the reader's notation: ``2.220446049250313 × 10^(-16)``."""
    mantissa, _, exponent = repr(float(value)).partition("e")
    return f"{mantissa} × 10^({int(exponent)})" if exponent else mantissa


def _point(point: dict[str, Any]) -> str:
    """``{"x": 4, "y": 4}`` as the formula ``(x, y) = (4, 4)``."""
    names = ", ".join(point)
    values = ", ".join(_show(v) for v in point.values())
    return f"$({names}) = ({values})$" if len(point) > 1 else f"${names} = {values}$"


def _agree(a: Any, b: Any, tolerance: float = 1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.allclose(a, b, rtol=tolerance, atol=tolerance))


def tip_percent() -> np.ndarray:
    """Percent tip 100 tip / total_bill for the 244 bills of the tips data."""
    tips = st.datasets.load("tips")
    return (100 * tips["tip"] / tips["total_bill"]).to_numpy()


# -- 1 ---------------------------------------------------------------------------------------


def limits(s: Section) -> None:
    s.text(
        "A limit says what $f(x)$ approaches as $x$ approaches a point, whether or not $f$ is "
        "defined there. steepest computes limits exactly (SymPy) and is honest about the "
        "one-sided ones."
    )
    rows = []
    for expr, at, side in [
        ("2x", 3, "both"),
        ("1/x", 0, "+"),
        ("1/x", 0, "-"),
        ("1/x", 0, "both"),
        ("sin(x)", "inf", "both"),
        ("sin(x)", "a", "both"),
        ("sin(x)/x", 0, "both"),
    ]:
        result = st.symbolic.limit(expr, "x", at, side=side)
        where = sp.oo if at == "inf" else sp.Symbol(at) if isinstance(at, str) else at
        rows.append(
            {
                "the limit": limit_mathml(expr, "x", where, side=side),
                "from the left": result.left if result.left is not None else "",
                "from the right": result.right if result.right is not None else "",
                "limit exists": result.exists,
                "value": result.value if result.exists else "does not exist",
                "why not": result.reason or "",
            }
        )
    s.table(pd.DataFrame(rows), "Limits computed by steepest.symbolic.limit")
    table = st.symbolic.limit("1/x", "x", 0).table(6)
    s.table(table, "1/x as x approaches 0 from each side: growth without bound", digits=8)
    s.figure(plot.limit("1/x", 0), "limit-one-over-x", "$1/x$ near 0: the two sides disagree.")
    s.figure(
        plot.limit("sin(x)", "inf"),
        "limit-sin-infinity",
        "$sin(x)$ as $x$ grows: it keeps oscillating, so there is no limit.",
    )
    s.heading("Continuity")
    s.text(
        "$f$ is continuous at $a$ when $f(a)$ is defined, the limit at $a$ exists, and the two are "
        "equal. When one of the three fails, steepest says which, and names the kind of break."
    )
    rows = []
    for expr, at in [("x^2", 2), ("sin(x)/x", 0), ("1/x", 0), ("|x|/x", 0), ("sin(1/x)", 0)]:
        c = st.symbolic.continuity(expr, at)
        rows.append(
            {
                "f(x)": expr,
                "a": at,
                "$f(a)$ defined": c.defined,
                "limit exists": c.limit_exists,
                "equal": c.equal,
                "continuous": c.continuous,
                "kind": c.kind or "",
            }
        )
    s.table(pd.DataFrame(rows), "The three conditions of continuity")
    s.figure(
        plot.limit("sin(x)/x", 0),
        "removable",
        "$sin(x)/x$ is undefined at 0, but both sides approach 1: a removable discontinuity.",
    )


# -- 2 ---------------------------------------------------------------------------------------


def derivatives(s: Section) -> None:
    x, h = _symbols("x h")
    s.text("The derivative is the limit of the difference quotient:")
    s.math(limit_mathml(None, "h", 0, shown="(f(x + h) - f(x))/h", name="f'(x)", display=True))
    s.text("steepest takes that limit symbolically:")
    rows = []
    for text in ("3", "3x", "x^2"):
        f = st.symbolic.parse(text)
        quotient = (f.subs(x, x + h) - f) / h
        value = st.symbolic.limit(quotient, "h", 0).value
        rows.append(
            {
                "f(x)": text,
                "(f(x+h) - f(x))/h": _show(sp.simplify(quotient)),
                "limit as h → 0": _show(value),
                "f'(x) by the rules": _show(st.symbolic.derive(text, wrt="x").result),
            }
        )
    s.table(pd.DataFrame(rows), "Derivatives from the definition, next to the rules")
    s.figure(
        plot.function("x^2", at=3, secants=[2, 1, 0.5], xlim=(0, 6)),
        "secants",
        "Secants of $x^2$ through $x = 3$ with $h = 2, 1, 0.5$: their slopes $(f(3 + h) - f(3))/h$ "
        "approach the tangent's slope as h shrinks.",
    )
    s.heading("Forward differences in floating point")
    exact = float(st.symbolic.derive("x^2", wrt="x").result.subs(x, 3))
    rows = []
    for step in (1e-2, 1e-3, 1e-4, 1e-5, 1e-16):
        value = st.numeric.derivative(lambda v: v**2, 3.0, method="forward", h=step)
        rows.append({"h": step, "(f(3+h) - f(3))/h": value, "error": abs(value - exact)})
    s.table(pd.DataFrame(rows), f"Forward differences of $x^2$ at 3 (exact derivative {exact:g})")
    s.text(
        f"With $h = 10^(-16)$, $3 + h$ rounds back to 3 in double precision "
        f"({3.0 + 1e-16 == 3.0}), so the difference quotient is exactly zero: the "
        "information is lost before the division (catastrophic cancellation)."
    )


# -- 3 ---------------------------------------------------------------------------------------


def numerical(s: Section) -> None:
    eps = float(np.finfo(float).eps)
    s.text(
        f"Machine epsilon of float64 is $eps = 2^(-52) = {_sci(eps)}$. In floating point, "
        f"$1 + 10^(-16) = 1$ is {1.0 + 1e-16 == 1.0}; $1 + eps > 1$ is {1.0 + eps > 1.0}."
    )
    s.text(
        "A finite difference has two errors: truncation (from the Taylor series) shrinks with "
        "$h$, and round-off grows like $eps/h$. The best step balances them: about $sqrt(eps)$ "
        "for the forward difference, about $eps^(1/3)$ for the central one."
    )

    def square(v: Any) -> Any:
        return v**2

    sweeps = [st.numeric.error_sweep(square, 3.0, method=m) for m in ("forward", "central")]
    rows = []
    for sweep in sweeps:
        rows.append(
            {
                "method": sweep.method,
                "best h measured": sweep.best_h,
                "smallest error": sweep.best_error,
                "best h of the model": sweep.model_best_h,
                "default step": sweep.default_h,
            }
        )
    s.table(pd.DataFrame(rows), "Where the error of $x^2$ at 3 is smallest")
    s.text(
        f"$sqrt(eps) = {eps**0.5:.3g}$ and $eps^(1/3) = {eps ** (1 / 3):.3g}$ (times $|x| = 3$ "
        "here): the measured best steps sit at those scales."
    )
    forward = st.numeric.derivative(square, 3.0, method="forward", h=eps**0.5)
    central_tiny = st.numeric.derivative(square, 3.0, method="central", h=1e-15)
    s.table(
        pd.DataFrame(
            [
                {"method": "forward", "h": eps**0.5, "estimate": forward},
                {"method": "central", "h": 1e-15, "estimate": central_tiny},
            ]
        ),
        "A good step and a step far too small",
        digits=16,
    )
    rows = []
    for method in ("forward", "central", "richardson", "complex"):
        est = st.numeric.estimate(np.exp, 1.0, method=method)
        rows.append(
            {
                "method": method,
                "estimate of $(e^x)'$ at 1": est.value,
                "error estimate": est.error,
                "actual error": abs(est.value - np.e),
                "reliable": est.reliable,
                "evaluations": est.nfev,
            }
        )
    s.table(pd.DataFrame(rows), "Four methods with their own error estimates", digits=10)
    s.figure(
        plot.numeric_error(square, 3.0, exact=6.0),
        "error-vs-h",
        "Error of forward and central differences of $x^2$ at 3 against $h$: round-off on the "
        "left, truncation on the right.",
    )


# -- 4 ---------------------------------------------------------------------------------------

RULE_EXAMPLES = [
    ("constant", "6"),
    ("power", "x^4"),
    ("constant multiple", "3x^4"),
    ("sum", "3x^4 + 4x"),
    ("product", "(x-2)(x+3)"),
    ("quotient", "x^2/(x+1)"),
    ("exponential", "e^x"),
    ("general exponential", "2^x"),
    ("logarithm", "ln(x)"),
    ("general logarithm", "log(2x^2 + 4x, a)"),
    ("trigonometric", "sin(x)"),
    ("trigonometric", "cos(x)"),
    ("trigonometric", "tan(x)"),
    ("hyperbolic", "tanh(x)"),
    ("chain", "sin(3x)"),
]


def rules(s: Section) -> None:
    s.text(
        "Each derivative below is worked out rule by rule; the rules applied are named in "
        "the steps. Every result is checked at $x = 0.7$ against a central difference."
    )
    rows = []
    for rule, text in RULE_EXAMPLES:
        derivation = st.symbolic.derive(text, wrt="x")
        derivative = derivation.result
        check = ""
        if derivative.free_symbols <= {_symbols("x")[0]} or not derivative.free_symbols:
            f = st.Function(text, variables=["x"])
            numeric = st.numeric.derivative(f, 0.7, method="central")
            exact = float(derivative.subs(_symbols("x")[0], sp.Rational(7, 10)))
            check = f"{abs(numeric - exact):.1e}"
        rows.append(
            {
                "rule": rule,
                "f(x)": text,
                "f'(x)": st.symbolic.text_form(derivative),
                "rules used": ", ".join(sorted(derivation.rules())),
                "difference from a central difference at 0.7": check,
            }
        )
    s.table(pd.DataFrame(rows), "The rules of differentiation, one example each")
    for text in ("(x-2)(x+3)", "x^2/(x+1)", "log(2x^2 + 4x, a)", "sin(3x)"):
        s.derivation(st.symbolic.derive(text, wrt="x"))
    s.figure(
        plot.function("sin(3x)", at=[0.0, 0.6], xlim=(-2.2, 2.2)),
        "chain-rule",
        "$sin(3x)$ with tangents whose slopes are $3 cos(3x)$: the chain rule's factor 3.",
    )


# -- 5 ---------------------------------------------------------------------------------------


def partials(s: Section) -> None:
    for text in ("x^2 + y^2", "3x^2 y^3"):
        for var in ("x", "y"):
            s.derivation(st.symbolic.partial(text, var))
    gradient = st.symbolic.gradient("x^2 + y^2", at=(2, 3))
    s.text(
        f"The gradient of $x^2 + y^2$ at $(2, 3)$ is $({', '.join(_show(g) for g in gradient)})$."
    )
    points = st.symbolic.critical_points("x^2 + y^2")
    s.text(
        "Both partial derivatives vanish only at "
        + "; ".join(f"{_point(p.point)} ({p.kind})" for p in points)
        + "."
    )
    rows = []
    for text in ("tanh(x) + tanh(y)", "-x^2 - (-y^3)", "x^5 + y^2"):
        g = st.symbolic.gradient(text)
        rows.append({"f(x, y)": text, "∂f/∂x": _show(g[0]), "∂f/∂y": _show(g[1])})
    s.table(pd.DataFrame(rows), "More partial derivatives")
    s.heading("The tangent plane")
    plane = st.symbolic.tangent_plane("x^2 + y^2", at=(2, 4))
    s.text(
        f"Tangent plane of $x^2 + y^2$ at $(2, 4)$: ${plane}$ "
        f"(slopes {_m(plane.slopes['x'])} along $x$ and {_m(plane.slopes['y'])} along $y$)."
    )
    along = np.linspace(-3.0, 3.0, 7)
    inside = _agree(plane(2 + along, 4.0), plane.lines["x"](2 + along)) and _agree(
        plane(2.0, 4 + along), plane.lines["y"](4 + along)
    )
    s.check(f"Both tangent lines lie in the plane: {inside}.")
    s.figure(
        plot.surface("x^2 + y^2", xlim=(-1, 4), ylim=(-1, 6), tangent_at=(2, 4)),
        "tangent-plane",
        "The tangent plane of $x^2 + y^2$ at $(2, 4)$ contains the tangent lines along $x$ "
        "and $y$.",
    )
    s.heading("The chain rule in several variables")
    (t,) = _symbols("t")
    rule = st.symbolic.chain_rule(
        "x^2 - 3x y + 2y^2", {"x": 3 * sp.sin(2 * t), "y": 4 * sp.cos(2 * t)}, "t"
    )
    for line in rule.text().splitlines():
        s.math(line.strip() if not line.strip().startswith("=") else f"dz/dt {line.strip()}")
    x, y = _symbols("x y")
    composed = (x**2 - 3 * x * y + 2 * y**2).subs({x: 3 * sp.sin(2 * t), y: 4 * sp.cos(2 * t)})
    direct = sp.diff(composed, t)
    s.check(
        "Differentiating the composed function directly gives the same: "
        f"{sp.simplify(direct - rule.result) == 0}."
    )

    def z_of_t(value: Any) -> Any:
        xs, ys = 3 * np.sin(2 * value), 4 * np.cos(2 * value)
        return xs**2 - 3 * xs * ys + 2 * ys**2

    automatic = float(st.grad(z_of_t)(0.3))
    exact = float(rule.result.subs(t, 0.3))
    s.check(
        f"At $t = 0.3$, automatic differentiation of the NumPy code gives {automatic:.12g}; "
        f"the formula gives {exact:.12g}."
    )


# -- 6 ---------------------------------------------------------------------------------------


def gradient_and_jacobian(s: Section) -> None:
    g = st.symbolic.gradient("2x + 3y^2 - sin(z)")
    s.text(
        f"The gradient of $2x + 3y^2 - sin(z)$ is $({', '.join(_show(c) for c in g)})$; its "
        f"magnitude is {_m(g.magnitude)}."
    )
    at = st.symbolic.gradient("2x + 3y^2 - sin(z)", at=(1, 2, 0))
    values = np.array([float(c) for c in at])

    def f3(p: Any) -> Any:
        return 2 * p[0] + 3 * p[1] ** 2 - np.sin(p[2])

    automatic = st.grad(f3)(np.array([1.0, 2.0, 0.0]))
    numeric = st.numeric.gradient(f3, np.array([1.0, 2.0, 0.0]))
    s.table(
        pd.DataFrame(
            {
                "component": ["x", "y", "z"],
                "symbolic": values,
                "automatic": automatic,
                "numerical": numeric,
            }
        ),
        "The gradient at $(1, 2, 0)$, three ways",
        digits=12,
    )
    s.text(f"Its Euclidean norm there is {np.linalg.norm(values):.6g}.")
    s.heading("The Jacobian")
    x, y = _symbols("x y")
    jac = st.symbolic.jacobian([x**2 * y, 5 * x + sp.sin(y)], variables=["x", "y"])
    s.text("For $f(x, y) = (x^2 y, 5x + sin y)$, row $i$ of the Jacobian is the gradient of $f_i$:")
    s.math(jac)

    def vector(p: Any) -> Any:
        return np.stack([p[0] ** 2 * p[1], 5 * p[0] + np.sin(p[1])])

    point = np.array([1.0, 2.0])
    exact = np.array(jac.subs({x: 1, y: 2}).evalf(), dtype=float)
    automatic_j = st.jacobian(vector)(point)
    numeric_j = st.numeric.jacobian(vector, point)
    s.check(
        f"At (1, 2) the symbolic, automatic and numerical Jacobians agree: "
        f"{_agree(exact, automatic_j) and _agree(exact, numeric_j, 1e-6)}."
    )
    s.table(pd.DataFrame(exact, columns=["∂/∂x", "∂/∂y"]), "The Jacobian at $(1, 2)$")
    s.figure(
        plot.gradient_field("x e^(-(x^2+y^2))"),
        "gradient-field",
        "The gradient field of $x e^(-(x^2 + y^2))$: arrows point uphill, across the level curves.",
    )


# -- 7 ---------------------------------------------------------------------------------------


def descent_one(s: Section) -> None:
    derivative = st.symbolic.derive(QUADRATIC, wrt="x").result
    points = st.symbolic.critical_points(QUADRATIC)
    s.text(
        f"$f(x) = {QUADRATIC}$: $f'(x) = {_show(derivative)}$, zero at "
        + ", ".join(f"$x = {_show(p.point['x'])}$ ({p.kind})" for p in points)
        + ". Gradient descent finds the same point by stepping against the slope: "
        "$x <- x - alpha f'(x)$."
    )
    down = st.minimize(QUADRATIC, 0.0, lr=0.4, max_iter=5, tol=None)
    up = st.maximize(f"-({QUADRATIC})", 0.0, lr=0.4, max_iter=5, tol=None)
    frame = down.history.to_frame()[["iteration", "x", "loss", "grad_norm"]]
    frame["x of the ascent on $-f$"] = up.history.x
    s.table(frame, "Five steps of descent on $f$ from 0 with rate 0.4, and of ascent on $-f$")
    s.check(
        "Descent on $f$ and ascent on $-f$ take the same steps: "
        f"{_agree(down.history.x, up.history.x)}."
    )
    rates = [0.1, 0.4, 0.9, 1.1]
    figure = plot.learning_rates(QUADRATIC, 0.0, rates, steps=5)
    s.figure(
        figure,
        "learning-rates",
        "The same five steps from $x = 0$ with four learning rates.",
    )
    rows = []
    for rate in rates:
        run = st.minimize(QUADRATIC, 0.0, lr=rate, max_iter=5, tol=None)
        path = np.asarray(run.history.x)
        rows.append(
            {
                "rate": rate,
                "x after 5 steps": path[-1],
                "distance to 2": abs(path[-1] - 2),
                "behaviour": plot.describe_run(path, np.asarray(run.history.loss), run.status),
            }
        )
    s.table(pd.DataFrame(rows), "What each rate did")
    s.heading("A minimum with no closed form: $e^x - ln x$")
    f = "e^x - ln(x)"
    s.text(f"$f'(x) = {_show(st.symbolic.derive(f, wrt='x').result)}$ has no elementary root.")
    run = st.minimize(f, 0.05, lr=0.005, max_iter=20000, tol=1e-12)
    first = run.history.to_frame().head(3)[["iteration", "x", "grad_norm"]]
    first["slope"] = run.history.grad[:3]
    s.table(first, "The first steps from 0.05 with rate 0.005", digits=7)
    from scipy.special import lambertw

    omega = float(lambertw(1).real)
    s.check(
        f"After {run.nit} steps ({run.status}) descent reaches $x = {run.x:.10f}$; the omega "
        f"constant $W(1)$ from SciPy is {omega:.10f}."
    )
    s.figure(
        plot.function(f, at=[0.05, run.x], xlim=(0.02, 1.6)),
        "omega",
        "$e^x - ln x$ with its tangent at the start 0.05 (steep) and at the minimum (flat).",
    )


# -- 8 ---------------------------------------------------------------------------------------


def descent_two(s: Section) -> None:
    s.text(f"The sauna's temperature $T(x, y) = {SAUNA}$ on $0 <= x, y <= 6$. Where is it coldest?")
    for var in ("x", "y"):
        s.math(f"∂T/∂{var} = {_show(sp.factor(st.symbolic.partial(SAUNA, var).result))}")
    points = st.symbolic.critical_points(SAUNA, domain={"x": (0, 6), "y": (0, 6)})
    s.table(
        pd.DataFrame(
            [
                {
                    "point": _point(p.point),
                    "kind": p.kind,
                    "T": _show(p.value),
                    "note": p.note,
                }
                for p in points
            ]
        ),
        "Critical points of $T$ on the square, by calculus",
    )
    start = [0.5, 0.6]
    run = st.minimize(SAUNA, start, lr=0.05, max_iter=2000, tol=1e-8)
    frame = run.history.to_frame(expand=True).head(3)
    frame["∂T/∂x"] = run.history.grad[:3, 0]
    frame["∂T/∂y"] = run.history.grad[:3, 1]
    s.table(frame[["iteration", "x", "y", "∂T/∂x", "∂T/∂y", "loss"]], "The first steps", digits=7)
    minimum = next(p for p in points if p.kind == "minimum")
    s.check(
        f"Descent from $(0.5, 0.6)$ with rate 0.05 ends after {run.nit} steps at "
        f"$({run.x[0]:.6f}, {run.x[1]:.6f})$ with $T = {run.fun:.6f}$; calculus: "
        f"{_point(minimum.point)} with $T = {float(minimum.value):.6f}$."
    )
    s.figure(
        plot.contour(SAUNA, run, xlim=(0, 6), ylim=(0, 6)),
        "sauna-contour",
        "The descent path over the sauna's contours; the arrow is $-∇T$ at the start, "
        "perpendicular to the dashed level curve through it.",
    )
    s.figure(
        plot.surface(SAUNA, xlim=(0, 6), ylim=(0, 6), path=run),
        "sauna-surface",
        "The same path on the surface $T(x, y)$.",
    )
    s.animation(
        lambda path: plot.animate(run, SAUNA, path, xlim=(0, 6), ylim=(0, 6), max_frames=40),
        "sauna-descent",
        "Descent on the sauna, one frame per iteration (sampled evenly to at most 40 frames).",
    )
    s.heading("Several methods from one start")
    runs = {}
    for method, rate in (("gd", 0.05), ("momentum", 0.02), ("adam", 0.2)):
        runs[f"{method} (lr {rate:g})"] = st.minimize(
            SAUNA, [0.5, 2.5], method=method, lr=rate, max_iter=400, tol=1e-8
        )
    s.figure(
        plot.compare(SAUNA, runs, xlim=(0, 6), ylim=(0, 6), optimum=float(minimum.value)),
        "sauna-methods",
        "Gradient descent, momentum and Adam from $(0.5, 2.5)$, and the gap $T - T_min$ per "
        "iteration.",
    )
    s.heading("A local minimum")
    bumpy = "x^4 - 4x^2 + x + y^2"
    found = st.symbolic.critical_points(bumpy)
    s.table(
        pd.DataFrame(
            [
                {
                    "x": p.approx().get("x"),
                    "y": p.approx().get("y"),
                    "kind": p.kind,
                    "f": float(p.value),
                }
                for p in found
            ]
        ),
        f"Critical points of ${bumpy}$",
    )
    left = st.minimize(bumpy, [-0.3, 1.5], lr=0.05, max_iter=500, tol=1e-9)
    right = st.minimize(bumpy, [0.3, 1.5], lr=0.05, max_iter=500, tol=1e-9)
    s.text(
        f"From $(-0.3, 1.5)$ descent ends at $x = {left.x[0]:.4f}$ with $f = {left.fun:.4f}$; "
        f"from $(0.3, 1.5)$ at $x = {right.x[0]:.4f}$ with $f = {right.fun:.4f}$: the second run "
        "stops in a local minimum, higher than the global one, because the gradient is zero "
        "there too."
    )
    s.figure(
        plot.contour(
            bumpy,
            {"from (-0.3, 1.5)": left, "from (0.3, 1.5)": right},
            xlim=(-2.2, 2.2),
            ylim=(-1.8, 1.8),
            arrow_at=None,
        ),
        "local-minimum",
        "Two starts, two minima: descent on a non-convex surface can stop in a local minimum.",
    )


# -- 9 ---------------------------------------------------------------------------------------


def linear_regression(s: Section) -> None:
    lines = st.datasets.load("powerlines")
    m, b = _symbols("m b")
    cost = sp.expand(sum((m * xi + b - yi) ** 2 for xi, yi in zip(lines["x"], lines["y"])))
    s.text(
        "Three points $(1, 2)$, $(2, 5)$, $(3, 3)$. The squared error of the line $y = m x + b$ "
        f"is $E(m, b) = {_show(cost)}$."
    )
    for var in (m, b):
        s.math(f"∂E/∂{var} = {_show(sp.diff(cost, var))}")
    (best,) = [p for p in st.symbolic.critical_points(cost) if p.kind == "minimum"]
    s.text(
        f"Both partials vanish at $m = {_show(best.point['m'])}$, $b = {_show(best.point['b'])}$, "
        f"where $E = {_show(best.value)} = {float(best.value):.4f}$."
    )
    run = st.minimize(
        st.Function(cost, variables=["m", "b"]), [0.0, 0.0], lr=0.03, tol=1e-10, max_iter=5000
    )
    s.check(
        f"Gradient descent on $E$ from $(0, 0)$ with rate 0.03: $({run.x[0]:.6f}, {run.x[1]:.6f})$ "
        f"after {run.nit} steps; calculus: $({float(best.point['m']):.6f}, "
        f"{float(best.point['b']):.6f})$."
    )
    s.figure(
        plot.contour(st.Function(cost, variables=["m", "b"]), run, xlim=(-1, 3), ylim=(-1, 5)),
        "powerlines-cost",
        "Descent on $E(m, b)$ over its contours.",
    )
    s.figure(
        plot.regression("x", "y", data=lines, line=(run.x[0], run.x[1])),
        "powerlines-line",
        "The line found by descent, with the residuals it squares.",
    )
    s.heading("Advertising: sales against TV budget")
    ads = st.datasets.load("advertising")
    design = np.column_stack([ads["TV"], np.ones(len(ads))])
    (slope, intercept), *_ = np.linalg.lstsq(design, ads["sales"].to_numpy(), rcond=None)
    rows = [{"method": "NumPy least squares", "b": intercept, "m": slope}]
    for solver in ("normal", "gd", "sgd", "minibatch"):
        model = st.models.LinearRegression(solver=solver, seed=0).fit(ads[["TV"]], ads["sales"])
        rows.append(
            {"method": f"LinearRegression({solver})", "b": model.intercept_, "m": model.coef_[0]}
        )
    s.table(pd.DataFrame(rows), "The same coefficients four ways", digits=6)
    s.figure(
        plot.regression("TV", "sales", data=ads),
        "advertising",
        "Sales against TV budget with the least-squares line and its residuals.",
    )


# -- 10 --------------------------------------------------------------------------------------


def loss_functions(s: Section) -> None:
    grid = np.arange(12, 18, 0.1)
    losses = {"MSE": st.losses.mse, "MAE": st.losses.mae, "Huber": st.losses.huber(1)}

    def as_objective(loss: Any) -> Callable[[Any, Any], Any]:
        return lambda theta, y: loss(y, theta)

    rows = []
    for name, loss in losses.items():
        found = st.minimize(as_objective(loss), method="grid", grid=grid, data=Y_GRID)
        rows.append({"loss": name, "grid minimizer": found.x, "loss there": found.fun})
    s.table(
        pd.DataFrame(rows),
        "Grid search over 12, 12.1, ..., 17.9 for $y = (12, 13, 15, 16, 17)$",
        digits=6,
    )
    s.check(f"The mean of $y$ is {Y_GRID.mean():g} and its median {np.median(Y_GRID):g}.")
    tips = tip_percent()
    from scipy.optimize import minimize_scalar

    huber_exact = minimize_scalar(
        lambda t: float(losses["Huber"](tips, t)), bracket=(10, 20), tol=1e-10
    ).x
    exact = {
        "MSE": (tips.mean(), "the mean (NumPy)"),
        "MAE": (float(np.median(tips)), "the median (NumPy)"),
        "Huber": (huber_exact, "SciPy minimize_scalar"),
    }
    rows = []
    coarse = np.arange(0, 50, 0.1)
    for name, loss in losses.items():
        found = st.minimize(as_objective(loss), method="grid", grid=coarse, data=tips)
        value, how = exact[name]
        rows.append({"loss": name, "grid minimizer": found.x, "exact minimizer": value, "by": how})
    s.table(
        pd.DataFrame(rows),
        "Percent tips of 244 bills: the best constant on the grid 0, 0.1, ..., 49.9",
        digits=5,
    )
    fig, axes = new_grid(1, 3, width=15.0, height=4.4)
    for ax, (name, loss), row in zip(axes, losses.items(), rows):
        plot.loss_curve(loss, tips, thetas=(5, 30), ax=ax, theta=row["grid minimizer"])
        ax.set_title(f"{name}: minimized at {row['grid minimizer']:.2f}")
    s.figure(fig, "tips-losses", "MSE, MAE and Huber over $theta$ for the tips; flat at the best.")
    s.heading("One step of gradient descent")
    automatic = float(st.grad(lambda theta: st.losses.mse(Y_STEP, theta))(12.0))
    analytic = float(st.losses.mse.grad(Y_STEP, 12.0))
    numeric = st.numeric.derivative(lambda theta: st.losses.mse(Y_STEP, theta), 12.0)
    s.check(
        f"The slope of the MSE at $theta = 12$ for $y = ({', '.join(f'{v:g}' for v in Y_STEP)})$: "
        f"automatic {automatic:.10g}, by hand "
        f"{analytic:.10g}, numerical {numeric:.10g}."
    )
    rows = []
    for theta, rate in ((12.0, 1.0), (12.0, 0.3), (13.6, 0.3), (14.24, 0.3), (14.49, 0.3)):
        slope = float(st.losses.mse.grad(Y_STEP, theta))
        rows.append(
            {"theta": theta, "rate": rate, "slope": slope, "next theta": theta - rate * slope}
        )
    s.table(pd.DataFrame(rows), "Steps $theta - alpha f'(theta)$ with rate $alpha$", digits=6)
    fig, axes = new_grid(1, 2, width=14.0, height=4.8)
    plot.loss_curve("mse", Y_STEP, 12.0, lr=1.0, ax=axes[0])
    plot.loss_curve("mse", Y_STEP, 12.0, lr=0.3, ax=axes[1])
    s.figure(fig, "one-step", "Rate 1 overshoots past the minimum; rate 0.3 lands short of it.")
    s.heading("The course's minimize loop")

    def mse(theta: Any, y: Any) -> Any:
        return np.mean((y - theta) ** 2)

    def grad_mse(theta: Any, y: Any) -> Any:
        return -2 * np.mean(y - theta)

    run = st.minimize(mse, 0.0, grad=grad_mse, data=Y_STEP, lr=0.2, tol=0.001)
    s.code(run.table())
    s.check(f"It returns {run.x!r} after {run.nit} steps; the mean of $y$ is {Y_STEP.mean():.4f}.")

    def huber(theta: Any, y: Any) -> Any:
        return st.losses.huber(1)(y, theta)

    def grad_huber(theta: Any, y: Any) -> Any:
        d = y - theta
        return np.mean(np.where(np.abs(d) <= 1, -d, -np.sign(d)))

    run = st.minimize(huber, 0.0, grad=grad_huber, data=tips, lr=0.2, tol=0.001)
    s.check(
        f"The same loop with the Huber loss on the tips returns {run.x!r} after {run.nit} steps."
    )
    s.figure(
        plot.history(run, title="Huber loss on the tips, per iteration"),
        "huber-history",
        "The Huber loss per iteration of that run.",
    )


# -- 11 --------------------------------------------------------------------------------------


def convexity(s: Section) -> None:
    (theta,) = _symbols("theta")
    quartic = st.symbolic.parse(QUARTIC)
    derivative = sp.factor(sp.diff(quartic, theta))
    s.text(f"The quartic loss $L(theta) = {QUARTIC}$ has derivative:")
    s.math(f"L'(theta) = {_show(derivative)}")
    rows = []
    f = st.Function(QUARTIC)
    for start in (-21.0, -9.9, -12.6, -14.2):
        slope = float(f.grad(start)[0])
        rows.append(
            {"theta": start, "L'(theta)": slope, "theta - 2.5 L'(theta)": start - 2.5 * slope}
        )
    s.table(pd.DataFrame(rows), "Steps of rate 2.5", digits=8)
    run = st.minimize(QUARTIC, -21.0, lr=2.5, max_iter=500, tol=1e-10)
    points = st.symbolic.critical_points(QUARTIC)
    minima = sorted(
        ((float(p.point["theta"]), float(p.value)) for p in points if p.kind == "minimum"),
        key=lambda item: item[1],
    )
    s.check(
        f"Descent settles at $theta = {run.x:.6f}$ ($L = {run.fun:.6f}$); the minima by calculus: "
        + ", ".join(f"$theta = {t:.6f}$ ($L = {v:.6f}$)" for t, v in minima)
        + ". It found the local one, not the global one."
    )
    s.figure(
        plot.learning_rates(QUARTIC, -21.0, [2.5], steps=12, xlim=(-25, 25)),
        "quartic-descent",
        "Twelve steps of rate 2.5 from -21 settle in the local minimum near -14.5.",
    )
    s.text(
        "Convexity: $f$ is convex when $t f(a) + (1 - t) f(b) >= f(t a + (1 - t) b)$ for every "
        "$a$, $b$ and $t in [0, 1]$: every chord lies on or above the curve."
    )
    rows = []
    for name, text in (("MSE of $y = 0$: $theta^2$", "theta^2"), ("the quartic", QUARTIC)):
        gap = plot.chord_gap(text, -12.0, 12.0)
        rows.append({"loss": name, "smallest chord minus curve on $[-12, 12]$": float(gap.min())})
    s.table(pd.DataFrame(rows), "The chord test from -12 to 12")
    s.figure(
        plot.convexity("theta^2", QUARTIC, a=-12, b=12),
        "convexity",
        "The chord from -12 to 12 never dips below MSE, but crosses below the quartic.",
    )


# -- 12 --------------------------------------------------------------------------------------


def stochastic(s: Section) -> None:
    s.text(
        "Stochastic gradient descent steps on one observation's gradient at a time, "
        "reshuffling every pass; mini-batch descent steps on the mean gradient of each batch."
    )
    tips = tip_percent()

    def mse(theta: Any, y: Any) -> Any:
        return np.mean((y - theta) ** 2)

    rows = []
    settings = (("full batch", None, 0.2), ("stochastic", 1, 0.01), ("mini-batch of 16", 16, 0.1))
    for name, batch, rate in settings:
        run = st.minimize(
            mse,
            0.0,
            data=tips,
            batch_size=batch,
            lr=rate,
            epochs=30,
            seed=0,
            tol=1e-4,
            max_iter=2000,
        )
        rows.append(
            {
                "method": name,
                "rate": rate,
                "steps": run.nit,
                "epochs": run.epochs if run.epochs is not None else "",
                "theta": run.x,
                "status": run.status,
            }
        )
    s.table(pd.DataFrame(rows), "The constant model of the tips, three ways", digits=6)
    s.check(f"The mean of the percentages is {tips.mean():.6f}.")
    s.heading("Linear regression, full batch against stochastic and mini-batch")
    ads = st.datasets.load("advertising")
    x = ads["TV"].to_numpy()
    z = (x - x.mean()) / x.std()
    y = ads["sales"].to_numpy()

    def cost(p: Any, batch: Any) -> Any:
        xb, yb = batch
        return np.mean((p[0] * xb + p[1] - yb) ** 2) / 2

    def full(p: Any) -> Any:
        return np.mean((p[0] * z + p[1] - y) ** 2) / 2

    runs = {
        "full batch (lr 0.3)": st.minimize(cost, [0.0, 0.0], data=(z, y), lr=0.3, max_iter=60),
        "stochastic (lr 0.02)": st.minimize(
            cost, [0.0, 0.0], data=(z, y), batch_size=1, epochs=2, seed=0, lr=0.02, tol=None
        ),
        "mini-batch 16 (lr 0.1)": st.minimize(
            cost, [0.0, 0.0], data=(z, y), batch_size=16, epochs=10, seed=0, lr=0.1, tol=None
        ),
    }
    (slope, intercept), *_ = np.linalg.lstsq(np.column_stack([z, np.ones_like(z)]), y, rcond=None)
    rows = [
        {
            "run": name,
            "steps": run.nit,
            "slope": run.x[0],
            "intercept": run.x[1],
            "loss on all data": full(run.x),
        }
        for name, run in runs.items()
    ]
    rows.append(
        {
            "run": "least squares",
            "steps": 0,
            "slope": slope,
            "intercept": intercept,
            "loss on all data": full(np.array([slope, intercept])),
        }
    )
    s.table(pd.DataFrame(rows), "Sales against standardized TV budget", digits=6)
    picture = plot.compare(
        full, runs, xlim=(-0.5, 6), ylim=(-1, 17), minima=[(slope, intercept)], variables=("m", "b")
    )
    picture.axes[0].set_xlabel("slope $m$ (per standard deviation of TV)")
    picture.axes[0].set_title(r"$\frac{1}{2n} \sum_i (m z_i + b - y_i)^2$ on all the data")
    s.figure(
        picture,
        "sgd-vs-minibatch",
        "Full batch moves smoothly; one observation at a time zigzags; mini-batches are in "
        "between. The loss per step is the loss of the batch used.",
    )
    s.figure(
        plot.history(
            {k: v for k, v in runs.items() if v.history.epochs is not None},
            per="epoch",
            title="loss on all the data after each epoch",
        ),
        "sgd-epochs",
        "Stochastic and mini-batch descent, loss on all the data after each pass.",
    )


# -- 13 --------------------------------------------------------------------------------------


def backpropagation(s: Section) -> None:
    x = np.array([0.0, 0.5, 1.0])
    observed = np.array([0.0, 1.0, 0.0])
    s.text(
        "Dosage $x in {0, 0.5, 1}$, observed efficacy $0, 1, 0$. Two softplus nodes: "
        "blue = $-1.22 softplus(3.34 x - 1.43)$, orange = $-2.30 softplus(-3.53 x + 0.57)$, "
        "prediction = blue + orange + $b_3$."
    )
    rows = []
    for b3 in (0.0, 1.0, 2.0, 3.0):
        numbers = plot.forward_backward(plot.lesson_network(b3), x, observed)
        row = {"b3": b3}
        row.update({f"predicted at {xi:g}": p for xi, p in zip(x, numbers.predicted)})
        row["SSR"] = numbers.ssr
        row["slope of SSR in b3 (backpropagation)"] = float(numbers.grads["output_bias"])
        row["sum of −2 (observed − predicted) (chain rule)"] = float(
            np.sum(-2 * (observed - numbers.predicted))
        )
        rows.append(row)
    s.table(pd.DataFrame(rows), "The network for several $b_3$", digits=4)
    s.figure(
        plot.network(plot.lesson_network(0.0)),
        "network",
        "The network at $b_3 = 0$ with every value and every gradient of SSR.",
    )

    def ssr_of_b3(b3: Any) -> Any:
        blue = -1.22 * np.log1p(np.exp(3.34 * x - 1.43))
        orange = -2.30 * np.log1p(np.exp(-3.53 * x + 0.57))
        return np.sum((observed - (blue + orange + b3)) ** 2)

    run = st.minimize(ssr_of_b3, 0.0, lr=0.1, tol=0.001, max_iter=1000)
    frame = run.history.to_frame()[["iteration", "x", "loss", "grad_norm", "step"]]
    frame = frame.rename(
        columns={"x": "b_3", "loss": "SSR", "grad_norm": "size of the slope", "step": "step length"}
    )
    s.table(frame.head(8), "Descent on $b_3$ alone with rate 0.1 (first steps)", digits=5)
    s.check(f"It stops after {run.nit} steps at $b_3 = {run.x:.4f}$.")
    s.figure(
        plot.loss_curve(
            ssr_of_b3, None, 0.0, lr=0.1, thetas=(-1, 5), parameter="b3", title="SSR over b3"
        ),
        "ssr-b3",
        "SSR as a function of $b_3$ and the first step from 0 with rate 0.1.",
    )
    s.heading("All seven parameters by backpropagation")
    net = plot.lesson_network(0.0)
    params = net.parameters()
    inputs = x.reshape(-1, 1)
    losses = []
    for _ in range(STEPS_ALL):
        net.zero_grad()
        predicted = net(inputs)[:, 0]
        ssr = np.sum((observed - predicted) ** 2)
        ssr.backward()
        losses.append(float(ssr.data))
        for p in params:
            p.data -= 0.05 * p.grad
    final = plot.forward_backward(net, x, observed)
    s.text(
        f"{STEPS_ALL} steps of gradient descent (rate 0.05) on all seven parameters, each gradient "
        f"from one backward pass: SSR {losses[0]:.4g} → {final.ssr:.4g}; predictions "
        f"{', '.join(f'{v:g}' for v in np.round(final.predicted, 3))} for observed "
        f"{', '.join(f'{v:g}' for v in observed)}."
    )
    s.figure(
        plot.history(np.array(losses), labels=["SSR"], title="SSR per step of backpropagation"),
        "backprop-history",
        "The sum of squared residuals while all seven parameters are learned.",
    )
    s.figure(
        plot.network(net, title=f"The network after {STEPS_ALL} steps of backpropagation"),
        "network-trained",
        "The network after training: small gradients everywhere, predictions close to the data.",
    )


SECTIONS: list[tuple[str, Callable[[Section], None]]] = [
    ("Limits", limits),
    ("Derivatives", derivatives),
    ("Numerical differentiation", numerical),
    ("Differentiation rules", rules),
    ("Partial derivatives and the chain rule", partials),
    ("Gradient and Jacobian", gradient_and_jacobian),
    ("Gradient descent and the learning rate", descent_one),
    ("Gradient descent in two variables", descent_two),
    ("Linear regression", linear_regression),
    ("Loss functions (MSE, MAE, Huber)", loss_functions),
    ("Convexity", convexity),
    ("Stochastic and mini-batch gradient descent", stochastic),
    ("Backpropagation", backpropagation),
]

__all__ = ["SECTIONS", "tip_percent"]
