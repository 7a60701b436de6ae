"""``steepest demo``: one worked example end to end, from the course's sauna.

The temperature in a sauna is T(x, y) = 85 - (1/90) x^2 (x - 6) y^2 (y - 6).
Gradient descent walks from (0.5, 0.6) to the coldest point (4, 4); the same
gradient comes from three differentiation engines, and calculus confirms the
minimum.
"""

from __future__ import annotations

import json

import click
import numpy as np

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
START = (0.5, 0.6)
RATE = 0.05


def _sauna_numpy(p: np.ndarray) -> object:
    x, y = p
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def run_demo() -> dict[str, object]:
    """Differentiate and minimize the sauna function; return every figure shown.

    >>> figures = run_demo()
    >>> [round(v, 4) for v in figures["gradient_autodiff"]]
    [-0.1134, -0.0935]
    >>> figures["status"], [round(v, 4) for v in figures["x"]], round(figures["fun"], 4)
    ('converged', [4.0, 4.0], 73.6222)
    """
    from steepest import grad, numeric, symbolic
    from steepest.optim import minimize

    start = np.array(START)
    function = symbolic.Function(SAUNA)
    auto = grad(_sauna_numpy)(start)
    numerical = numeric.gradient(_sauna_numpy, start)
    exact = function.grad(*start)
    result = minimize(SAUNA, list(START), lr=RATE, max_iter=5000, tol=1e-6)
    critical = symbolic.critical_points(SAUNA, domain={"x": (0, 6), "y": (0, 6)})
    minima = [c for c in critical if c.kind == "minimum"]
    return {
        "function": SAUNA,
        "gradient_autodiff": [float(v) for v in auto],
        "gradient_numeric": [float(v) for v in numerical],
        "gradient_symbolic": [float(v) for v in exact],
        "status": result.status,
        "message": result.message,
        "iterations": result.nit,
        "x": [float(v) for v in result.x],
        "fun": float(result.fun),
        "history": result.history.to_frame(),
        "calculus_minimum": {k: float(v) for k, v in minima[0].point.items()} if minima else None,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def demo(as_json: bool) -> None:
    """Minimize the course's sauna function by gradient descent, showing every step."""
    figures = run_demo()
    frame = figures.pop("history")
    if as_json:
        figures["path"] = [list(map(float, x)) for x in frame["x"]]
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"The sauna: T(x, y) = {SAUNA}, from (x, y) = {START}, learning rate {RATE}.\n")
    click.echo("Gradient at the start, three ways:")
    for engine in ("autodiff", "numeric", "symbolic"):
        gx, gy = figures[f"gradient_{engine}"]
        click.echo(f"  {engine:<9} ({gx:+.12f}, {gy:+.12f})")
    click.echo("\nGradient descent, x_new = x - rate * gradient:")
    click.echo(f"  {'step':>5}  {'x':>10}  {'y':>10}  {'T(x, y)':>10}  {'|gradient|':>11}")
    last = len(frame) - 1
    shown = [i for i in range(len(frame)) if i <= 5 or i % 20 == 0 or i >= last - 2]
    previous = -1
    for i in shown:
        if i != previous + 1:
            click.echo(f"  {'...':>5}")
        x, y = frame["x"][i]
        click.echo(
            f"  {i:>5}  {x:>10.6f}  {y:>10.6f}  {frame['loss'][i]:>10.6f}"
            f"  {frame['grad_norm'][i]:>11.3e}"
        )
        previous = i
    click.echo(f"\n{figures['message']}")
    click.echo(
        f"Coldest point found: ({figures['x'][0]:.6f}, {figures['x'][1]:.6f}), "
        f"T = {figures['fun']:.4f}"
    )
    if figures["calculus_minimum"]:
        point = figures["calculus_minimum"]
        click.echo(
            f"Calculus (both partial derivatives zero, Hessian positive definite): "
            f"minimum at ({point['x']:g}, {point['y']:g})."
        )
