"""The preset functions of the playground and the colours of its runs.

Kept apart from the computations so that the web server can list them
without importing SymPy.

>>> [p["name"] for p in PRESETS]
['bowl', 'sauna', 'rosenbrock', 'himmelblau', 'camel', 'quartic']
>>> OKABE_ITO[:3]
('#D55E00', '#0072B2', '#009E73')
"""

from __future__ import annotations

from typing import Any

# Okabe-Ito colours, distinguishable with every common form of colour blindness.
OKABE_ITO = ("#D55E00", "#0072B2", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442")


def _preset(
    name: str,
    label: str,
    function: str,
    *,
    x0: list[float],
    lr: float,
    method: str,
    xlim: list[float],
    ylim: list[float] | None,
    note: str,
    max_iter: int = 1000,
) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "function": function,
        "x0": x0,
        "lr": lr,
        "method": method,
        "max_iter": max_iter,
        "xlim": xlim,
        "ylim": ylim,
        "note": note,
    }


PRESETS: tuple[dict[str, Any], ...] = (
    _preset(
        "bowl",
        "Bowl",
        "x^2 + y^2",
        x0=[1.5, -1.0],
        lr=0.1,
        method="gd",
        xlim=[-2.0, 2.0],
        ylim=[-2.0, 2.0],
        note="Convex: every start slides to the one minimum at (0, 0).",
    ),
    _preset(
        "sauna",
        "Sauna",
        "85 - x^2 (x-6) y^2 (y-6)/90",
        x0=[0.5, 0.6],
        lr=0.05,
        method="gd",
        xlim=[0.0, 6.0],
        ylim=[0.0, 6.0],
        note="The coldest point of the sauna is (4, 4), where T = 73.62.",
    ),
    _preset(
        "rosenbrock",
        "Rosenbrock",
        "(1 - x)^2 + 100 (y - x^2)^2",
        x0=[-1.5, 2.0],
        lr=0.001,
        method="momentum",
        xlim=[-2.0, 2.0],
        ylim=[-1.0, 3.0],
        max_iter=5000,
        note="A curved narrow valley: plain gradient descent crawls along its floor.",
    ),
    _preset(
        "himmelblau",
        "Himmelblau",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        x0=[0.0, 0.0],
        lr=0.01,
        method="gd",
        xlim=[-5.0, 5.0],
        ylim=[-5.0, 5.0],
        note="Four minima of equal height: the start decides which one a run reaches.",
    ),
    _preset(
        "camel",
        "Six-hump camel",
        "(4 - 2.1 x^2 + x^4/3) x^2 + x y + (-4 + 4 y^2) y^2",
        x0=[-1.5, 0.8],
        lr=0.01,
        method="gd",
        xlim=[-2.0, 2.0],
        ylim=[-1.2, 1.2],
        note="Six local minima; the two global ones are near (0.09, -0.71) and (-0.09, 0.71).",
    ),
    _preset(
        "quartic",
        "1-D quartic with a trap",
        "x^4 - 3x^2 + x",
        x0=[2.0],
        lr=0.01,
        method="gd",
        xlim=[-2.2, 2.2],
        ylim=None,
        note="From x = 2 descent settles in the local minimum near 1.13, not the global one "
        "near -1.30.",
    ),
)


def listing() -> dict[str, Any]:
    """The answer of ``GET /api/presets``: copies of the presets and the run colours.

    >>> sorted(listing())
    ['colors', 'presets']
    """
    return {"presets": [dict(p) for p in PRESETS], "colors": list(OKABE_ITO)}


__all__ = ["OKABE_ITO", "PRESETS", "listing"]
