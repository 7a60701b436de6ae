"""Critical points where the derivative does not exist (kinks, jumps) and where f is flat.

A critical point is where f' = 0 or where f' does not exist; an interval where f
is constant is one entry, never a list of sample points.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steepest.cli.main import cli
from steepest.errors import SteepestError
from steepest.symbolic import critical_points
from steepest.symbolic.calculus import search_critical_points
from steepest.web.compute import critical_task

KINK = "the derivative is not defined here (a kink)"


def summary(text: str, **options) -> list[tuple]:
    """(kind, point or region text, value) for each entry."""
    out = []
    for p in critical_points(text, **options):
        where = p.to_dict()["region"] if p.region is not None else p.point
        out.append((p.kind, where, p.value))
    return out


def only(text: str):
    [p] = critical_points(text)
    return p


def test_a_kink_is_a_critical_point_however_it_is_written() -> None:
    # relu(x) + x^2 once had "no critical points"; |x| + x^2 a "degenerate" point.
    for text in ("relu(x) + x^2", "abs(x) + x^2", "max(x, 0) + x^2", "max(x, -x) + x^2"):
        p = only(text)
        assert (p.kind, p.point, p.value) == ("minimum", {"x": 0}, 0), text
        assert KINK in p.note and p.found == "exactly" and p.exact


def test_a_flat_interval_is_one_entry_between_its_kinks() -> None:
    assert summary("abs(x - 1) + abs(x + 1)") == [
        ("minimum", {"x": -1}, 2),
        ("degenerate", "-1 < x < 1", 2),
        ("minimum", {"x": 1}, 2),
    ]
    assert summary("max(x^2, 1)") == [
        ("minimum", {"x": -1}, 1),
        ("degenerate", "-1 < x < 1", 1),
        ("minimum", {"x": 1}, 1),
    ]
    flat = critical_points("abs(x - 1) + abs(x + 1)")[1]
    assert flat.free == ("x",) and flat.region == sp.Interval.open(-1, 1)
    assert "f is constant there" in flat.note
    assert "not strict" in critical_points("max(x^2, 1)")[0].note


def test_relu_is_a_flat_half_line_and_a_kink() -> None:
    assert summary("max(x, 0)") == [("degenerate", "x < 0", 0), ("minimum", {"x": 0}, 0)]
    assert summary("relu(x)") == summary("max(x, 0)")
    assert summary("max(x, 0) - max(x - 1, 0)") == [
        ("degenerate", "x < 0", 0),
        ("minimum", {"x": 0}, 0),
        ("maximum", {"x": 1}, 1),
        ("degenerate", "x > 1", 1),
    ]


def test_kinds_at_kinks_and_at_points_where_both_slopes_are_zero() -> None:
    top = only("-abs(x)")
    assert (top.kind, top.point) == ("maximum", {"x": 0}) and KINK in top.note
    # |x|^3 is differentiable at 0 (slope 0 from both sides): a stationary minimum.
    cube = only("abs(x)^3")
    assert cube.kind == "minimum" and "derivative is 0 here" in cube.note
    # x|x| is differentiable at 0 with slope 0, rising through it: neither (a saddle).
    odd = only("x abs(x)")
    assert odd.kind == "saddle" and "neither a minimum nor a maximum" in odd.note
    # min(x, 0) + x^2: a smooth minimum at -1/2 and a kink at 0 that is neither.
    assert summary("min(x, 0) + x^2") == [
        ("minimum", {"x": sp.Rational(-1, 2)}, sp.Rational(-1, 4)),
        ("saddle", {"x": 0}, 0),
    ]
    # A kink with the same slope on both sides is no critical point.
    assert critical_points("abs(x)^3 + x") == critical_points("abs(x)^3 + x")[:1]
    assert [p.point for p in critical_points("abs(x)^3 + x")] == [{"x": -sp.sqrt(3) / 3}]


def test_jumps_are_not_invented_minima() -> None:
    # sign(x) jumps from -1 through 0 to 1: neither a minimum nor a maximum at 0.
    entries = critical_points("sign(x)")
    assert [(p.kind, p.to_dict()["region"] or p.point) for p in entries] == [
        ("degenerate", "x < 0"),
        ("saddle", {"x": 0}),
        ("degenerate", "x > 0"),
    ]
    assert "f jumps" in entries[1].note
    # |sign(x)| is 0 at 0 and 1 elsewhere: 0 really is a strict minimum.
    assert critical_points("abs(sign(x))")[1].kind == "minimum"
    x = sp.Symbol("x", real=True)
    step = critical_points(sp.Heaviside(x) * (x + 1))
    assert [p.kind for p in step] == ["degenerate", "saddle"] and "f jumps" in step[1].note
    with pytest.raises(SteepestError, match="jumps"):
        critical_points("floor(x)")


def test_vertical_tangents_cusps_and_ends_of_the_domain() -> None:
    assert only("cbrt(x)").kind == "saddle" and "vertical tangent" in only("cbrt(x)").note
    assert only("cbrt(x)^2").kind == "minimum" and "cusp" in only("cbrt(x)^2").note
    end = only("sqrt(x)")
    assert (end.kind, end.point) == ("minimum", {"x": 0}) and "end of its domain" in end.note


def test_a_domain_box_cuts_the_flat_interval_and_adds_its_ends() -> None:
    assert summary("max(x, 0)", domain={"x": (-2, 3)}) == [
        ("degenerate", "-2 < x < 0", 0),
        ("minimum", {"x": 0}, 0),
        ("boundary", {"x": -2}, 0),
        ("boundary", {"x": 3}, 3),
    ]


def test_periodic_kinks_ask_for_a_domain() -> None:
    with pytest.raises(SteepestError, match="infinitely many critical points"):
        critical_points("abs(sin(x))")
    # The sentence names the function asked about, not the piece sin(x) - x of it.
    with pytest.raises(SteepestError, match=r"^sin\(x\) \+ \|x\| has infinitely many"):
        critical_points("abs(x) + sin(x)")
    inside = summary("abs(sin(x))", domain={"x": (1, 7)})
    assert [(kind, where) for kind, where, _ in inside[:3]] == [
        ("maximum", {"x": sp.pi / 2}),
        ("minimum", {"x": sp.pi}),
        ("maximum", {"x": 3 * sp.pi / 2}),
    ]


# ---------------------------------------------------------------------------
# Several variables


def test_a_kink_line_in_two_variables_is_one_family_and_its_special_point() -> None:
    line, origin = critical_points("abs(x) + y^2")
    assert (line.point, line.free) == ({"x": 0}, ("y",)) and "kink" in line.note
    # |x| + y^2 - 0 >= 0 everywhere: a minimum, proven (lines alone could not prove it).
    assert (origin.kind, origin.point) == ("minimum", {"x": 0, "y": 0})
    assert "not defined" in origin.note and "nowhere smaller" in origin.note
    # Where the lines all rise but f falls elsewhere, no claim beyond what the lines show.
    tip = critical_points("x^2 + y^2 - sqrt(x^2 + y^2)")[-1]
    assert (tip.kind, tip.point) == ("degenerate", {"x": 0, "y": 0})
    assert "perhaps a maximum" in tip.note
    # Along y, abs(x) - y^2 falls; along x it rises: proven a saddle.
    saddle = critical_points("abs(x) - y^2")[-1]
    assert (saddle.kind, saddle.point) == ("saddle", {"x": 0, "y": 0})
    # The minimum at the origin of x^2 + y^2 + |x + y| lies on its kink line.
    assert [p.point for p in critical_points("x^2 + y^2 + abs(x + y)")] == [
        {"x": -sp.Symbol("y", real=True)},
        {"x": 0, "y": 0},
    ]


def test_a_flat_quadrant_is_one_entry() -> None:
    entries = critical_points("max(x, 0) + max(y, 0)")
    assert entries[0].point == {} and entries[0].free == ("x", "y")
    assert entries[0].to_dict()["region"] == "x < 0 and y < 0"
    assert len(entries) == 4  # the quadrant, the kink lines x = 0 and y = 0, the origin


# ---------------------------------------------------------------------------
# The numerical search, the command line and the web


def test_the_numerical_search_reports_a_flat_region_once() -> None:
    flat, kink = search_critical_points("max(x, 0)", {"x": (-5, 5)})
    assert flat.found == "numerically" and flat.free == ("x",)
    assert float(flat.region.inf) >= -5 and float(flat.region.sup) <= 0
    assert "f looks constant there" in flat.note and float(flat.value) == 0
    assert (kink.kind, float(kink.point["x"])) == ("minimum", 0.0) and "kink" in kink.note
    _, between, _ = search_critical_points("abs(x - 1) + abs(x + 1)", {"x": (-3, 3)})
    assert -1 <= float(between.region.inf) < float(between.region.sup) <= 1
    # Isolated points are still isolated points.
    found = search_critical_points("x^4 - 3x^2 + x", {"x": (-3, 3)})
    assert [p.kind for p in found] == ["minimum", "maximum", "minimum"]
    assert all(p.region is None for p in found)
    [quadrant] = search_critical_points("max(x, 0) + max(y, 0)", {"x": (-3, 3), "y": (-3, 3)})
    assert quadrant.free == ("x", "y") and quadrant.region.is_ProductSet


@pytest.mark.parametrize(
    "text", ["relu(x) + x^2", "x abs(x)", "abs(x)^3", "-abs(x)", "max(x, 0)", "sign(x)",
             "abs(x - 1) + abs(x + 1)", "min(x, 0) + x^2"],
)  # fmt: skip
def test_the_numerical_search_finds_kinks_with_the_exact_kinds(text: str) -> None:
    exact = [(p.kind, float(p.point["x"])) for p in critical_points(text) if p.point]
    searched = search_critical_points(text, {"x": (-5, 5)})
    found = [(p.kind, float(p.point["x"])) for p in searched if p.point]
    assert [kind for kind, _ in found] == [kind for kind, _ in exact]
    np.testing.assert_allclose([c for _, c in found], [c for _, c in exact], atol=1e-9)
    assert all(p.found == "numerically" for p in searched)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_lists_kinks_and_flat_intervals() -> None:
    out = run("critical", "relu(x)+x^2")
    assert "minimum     (x = 0), f = 0" in out and KINK in out
    assert "never zero" not in out
    lines = run("critical", "max(x,0)").splitlines()
    assert lines[1:] == [
        "degenerate  every point with x < 0, f = 0  [f is constant there: every point is critical]",
        f"minimum     (x = 0), f = 0  [{KINK}; not strict: f is constant on one side]",
    ]
    data = json.loads(run("critical", "abs(x-1)+abs(x+1)", "--json"))
    assert [(p["kind"], p["region"], p["point"]) for p in data["points"]] == [
        ("minimum", None, {"x": "-1"}),
        ("degenerate", "-1 < x < 1", {}),
        ("minimum", None, {"x": "1"}),
    ]
    assert data["points"][1]["value"] == "2" and data["points"][1]["free"] == ["x"]


def test_cli_says_what_an_empty_list_means() -> None:
    assert "the derivative is never zero, and it exists wherever f is defined" in run(
        "critical", "e^x"
    )
    assert "the gradient is never zero" in run("critical", "e^x + y")


def test_cli_says_which_points_without_a_gradient_a_numerical_search_left_out() -> None:
    out = run("critical", "sqrt(x^2 + y^2)")
    assert out.splitlines()[1].startswith("minimum     (x = 0, y = 0), f = 0")
    assert "not looked for" not in out
    data = json.loads(run("critical", "x^2 + y^2 - sqrt(x^2 + y^2)", "--json"))
    assert data["left_out"] is None and len(data["points"]) == 3
    # Exact solving gives way to a numerical search, which does not look for the tip; the
    # tip is found exactly beside it, so nothing is left out.
    data = json.loads(run("critical", "sqrt(x^2 + y^2) - x", "--json"))
    tip = data["points"][0]
    assert (tip["found"], tip["point"]) == ("exactly", {"x": "0", "y": "0"})
    assert {p["found"] for p in data["points"][1:]} == {"numerically"}
    assert data["left_out"] is None
    assert json.loads(run("critical", "sqrt(x^2 + y^2 + 1)", "--json"))["left_out"] is None


# ---------------------------------------------------------------------------
# Several variables: where the argument of a root is 0


def _one_sided_slopes(f, point: list[float], axis: int, h: float = 1e-7) -> tuple[float, float]:
    """Difference quotients of f at the point along one axis, from each side."""
    ahead, behind = list(point), list(point)
    ahead[axis] += h
    behind[axis] -= h
    return (f(*ahead) - f(*point)) / h, (f(*point) - f(*behind)) / h


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a=st.integers(-3, 3), b=st.integers(-3, 3), root=st.sampled_from(["sqrt", "cbrt"]))
def test_the_tip_of_a_cone_is_a_minimum_without_a_gradient(a: int, b: int, root: str) -> None:
    power = "1/2" if root == "sqrt" else "1/3"
    text = f"((x - ({a}))^2 + (y - ({b}))^2)^({power})"
    [tip] = critical_points(text)
    assert (tip.kind, tip.point, tip.value) == ("minimum", {"x": a, "y": b}, 0)
    assert "not defined" in tip.note and "nowhere smaller" in tip.note
    # Independently: the slopes from either side differ, and f is larger all around.
    f = sp.lambdify(sp.symbols("x y"), sp.sympify(text.replace("^", "**")), "math")
    right, left = _one_sided_slopes(f, [a, b], 0)
    assert right - left > 1
    rng = np.random.default_rng(abs(a) * 7 + abs(b))
    for dx, dy in rng.normal(size=(50, 2)) * 1e-3:
        assert f(a + dx, b + dy) > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Isolated points where a root's argument and its gradient are 0.
        ("sqrt(x^4 + y^2)", [("minimum", {"x": 0, "y": 0})]),
        ("sqrt((x-1)^2 + (y-2)^2 + z^2)", [("minimum", {"x": 1, "y": 2, "z": 0})]),
        ("5 - sqrt(x^2 + y^2)", [("maximum", {"x": 0, "y": 0})]),
        # The formula of the gradient is 0/0 there, but the gradient exists and is 0.
        ("x sqrt(x^2 + y^2)", [("saddle", {"x": 0, "y": 0})]),  # f(t, 0) = t |t|
        # f itself is 0/0 at the origin: not defined there, so no critical point.
        ("x y / sqrt(x^2 + y^2)", []),
        # Real only at the origin: no neighbourhood, no gradient to speak of (as in one
        # variable, an isolated point of the domain is not listed).
        ("sqrt(-(x^2 + y^2))", []),
        ("sqrt(x^2 + y^2 + 1)", [("minimum", {"x": 0, "y": 0})]),
    ],
)
def test_points_where_a_roots_argument_is_zero(text: str, expected: list) -> None:
    assert [(p.kind, p.point) for p in critical_points(text)] == expected


def test_an_edge_of_the_domain_is_a_family_of_critical_points() -> None:
    edge, corner = critical_points("sqrt(x) + y^2")
    assert (edge.point, edge.free, edge.kind) == ({"x": 0}, ("y",), "degenerate")
    assert "argument of sqrt(x) is 0" in edge.note and "every point is critical" in edge.note
    assert corner.point == {"x": 0, "y": 0}
    top, *rim = critical_points("sqrt(1 - x^2 - y^2)")
    assert (top.kind, top.point) == ("maximum", {"x": 0, "y": 0})
    y = sp.Symbol("y", real=True)
    assert sorted(str(p.point["x"]) for p in rim) == ["-sqrt(1 - y**2)", "sqrt(1 - y**2)"]
    assert all(p.free == ("y",) and p.value == 0 for p in rim)
    assert rim[0].point["x"].subs(y, 0) ** 2 == 1


def test_a_kink_along_a_product_is_every_line_where_a_factor_is_zero() -> None:
    # |x y| has a kink along both axes, not only along x = 0.
    lines = critical_points("abs(x y)")
    assert [(p.point, p.free) for p in lines] == [({"x": 0}, ("y",)), ({"y": 0}, ("x",))]
    assert all("kink along" in p.note for p in lines)
    # |x y| + x^2 is differentiable at the origin (|x y| <= (x^2 + y^2)/2): gradient 0 there.
    *_, origin = critical_points("abs(x y) + x^2")
    assert (origin.kind, origin.point) == ("minimum", {"x": 0, "y": 0})
    assert origin.note.startswith("the gradient is 0 here")


def test_web_critical_points_share_the_same_answer() -> None:
    out = critical_task({"function": "max(x, 0)", "xlim": [-5, 5], "ylim": None})
    assert out["source"] == "symbolic"
    assert out["points"] == [
        {"kind": "degenerate", "point": [None], "value": 0.0, "free": ["x"], "region": "x < 0"},
        {"kind": "minimum", "point": [0.0], "value": 0.0, "free": []},
    ]


# ---------------------------------------------------------------------------
# Property: every kink is what its label says, checked with f on both sides

x_symbol = sp.Symbol("x", real=True)
small = st.integers(-3, 3)


@st.composite
def kinked(draw) -> sp.Expr:
    """A random function of x with kinks: sums of |x - c|, max/min with lines, x^2, x."""
    x = x_symbol
    terms = [
        draw(small) * sp.Abs(x - draw(small)),
        draw(small) * sp.Max(x - draw(small), draw(small) * x),
        draw(small) * sp.Min(x**2 - draw(st.integers(0, 4)), draw(small)),
        draw(small) * x,
        draw(st.integers(-1, 1)) * x**2,
    ]
    return sp.Add(*terms)


def _side_values(f, p: float, h: float) -> tuple[float, float, float]:
    return f(p - h), f(p), f(p + h)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinked())
def test_every_kink_is_labelled_truly(expr: sp.Expr) -> None:
    f = sp.lambdify(x_symbol, expr, "numpy")
    try:
        entries = critical_points(expr, timeout=20)
    except SteepestError:
        return  # a sentence instead of a list is allowed; a wrong list is not
    for entry in entries:
        if entry.region is not None:
            low, high = float(entry.region.inf), float(entry.region.sup)
            low = low if np.isfinite(low) else min(high, 0.0) - 20
            high = high if np.isfinite(high) else low + 40
            samples = np.linspace(low, high, 9)[1:-1]
            assert np.allclose(f(samples), float(entry.value), atol=1e-9)
            continue
        if "not defined" not in entry.note and "derivative is 0 here" not in entry.note:
            continue
        p = float(entry.point["x"])
        for h in (1e-3, 1e-5):
            left, here, right = _side_values(f, p, h)
            tol = 1e-9 * (1 + abs(here))
            if entry.kind == "minimum":
                assert left >= here - tol and right >= here - tol, (expr, entry)
            elif entry.kind == "maximum":
                assert left <= here + tol and right <= here + tol, (expr, entry)
            elif entry.kind == "saddle":
                assert (left - here) * (right - here) < 0, (expr, entry)
    # And no kink is missed: wherever the one-sided slopes differ, an entry is there.
    listed = [float(e.point["x"]) for e in entries if e.point]
    regions = [e.region for e in entries if e.region is not None]
    for c in range(-3, 4):
        h = 1e-6
        slopes = ((f(c) - f(c - h)) / h, (f(c + h) - f(c)) / h)
        if abs(slopes[0] - slopes[1]) > 1e-3:
            assert any(abs(c - q) < 1e-9 for q in listed) or any(
                r.contains(c) for r in regions
            ), (expr, c)



def test_a_flat_region_found_numerically_is_shown_to_the_digits_it_has() -> None:
    # f = 0 on the ray y = 0, x >= 0: the roots found there differ in y only by the root
    # finder's tolerance, so that side is one value; the ends of the sampled stretch are
    # shown to six significant digits, not to the seventeen of one sample.
    entries = critical_points("sqrt(x^2 + y^2) - x", fallback="numeric")
    [flat] = [p for p in entries if p.region is not None]
    assert [float(v) for v in flat.region.sets[1]] == [0.0]
    shown = flat.describe()
    assert ", y = 0," in shown
    for number in re.findall(r"-?\d+\.\d+(?:e[+-]\d+)?", shown.split("[")[0]):
        assert len(number.lstrip("-").split("e")[0].replace(".", "").lstrip("0")) <= 6, number
