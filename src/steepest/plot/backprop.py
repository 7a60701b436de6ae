"""The small network of the backpropagation lesson, drawn with its numbers.

One input node, one hidden layer (softplus by default) and one output node
that adds the weighted hidden values and a bias.  Every edge shows its
weight and the gradient of the sum of squared residuals with respect to it;
every node shows its values on the data.  The numbers come from running the
network forward and backpropagating through it (:mod:`steepest.nn`).

>>> fig = network()
>>> label = next(t for t in fig.axes[0].texts if t.get_gid() == "param:b3")
>>> print(label.get_text())
$b_3 = 0$
$\\partial\\,\\mathrm{SSR}/\\partial b_3 = -15.7$
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from steepest.errors import SteepestError
from steepest.plot.style import CURVE, HIGHLIGHT, STEP, TANGENT, TEXT_COLOR, new_figure, styled

#: The lesson's weights: hidden (w, b) pairs, output weights, output bias.
LESSON_WEIGHTS: dict[str, Any] = {
    "hidden_weight": [3.34, -3.53],
    "hidden_bias": [-1.43, 0.57],
    "output_weight": [-1.22, -2.30],
    "output_bias": 0.0,
}
LESSON_DOSAGE = (0.0, 0.5, 1.0)
LESSON_OBSERVED = (0.0, 1.0, 0.0)


def lesson_network(b3: float = 0.0) -> Any:
    """The lesson's 1-2-1 softplus network with its published weights.

    >>> net = lesson_network()
    >>> net(np.array([[0.0], [0.5], [1.0]]))[:, 0].data.round(2)
    array([-2.6 , -1.61, -2.61])
    """
    from steepest import nn

    net = nn.Sequential(nn.Linear(1, 2), nn.Softplus(), nn.Linear(2, 1))
    net[0].weight.data[:] = np.reshape(LESSON_WEIGHTS["hidden_weight"], (2, 1))
    net[0].bias.data[:] = LESSON_WEIGHTS["hidden_bias"]
    net[2].weight.data[:] = np.reshape(LESSON_WEIGHTS["output_weight"], (1, 2))
    net[2].bias.data[:] = [b3]
    return net


@dataclass
class NetworkNumbers:
    """One forward and backward pass: values of every node, gradient of every parameter."""

    x: np.ndarray
    observed: np.ndarray
    hidden_in: np.ndarray  # (n, k): w_j x + b_j
    hidden_out: np.ndarray  # (n, k): after the activation
    predicted: np.ndarray  # (n,)
    ssr: float
    hidden_weight: np.ndarray  # (k,)
    hidden_bias: np.ndarray
    output_weight: np.ndarray
    output_bias: float
    grads: dict[str, np.ndarray]  # same keys as the parameters
    activation: str


def forward_backward(net: Any, x: Any, observed: Any) -> NetworkNumbers:
    """Run ``net`` (Linear(1, k), activation, Linear(k, 1)) forward on ``x`` and backpropagate SSR.

    >>> numbers = forward_backward(lesson_network(), LESSON_DOSAGE, LESSON_OBSERVED)
    >>> round(numbers.ssr, 1), round(float(numbers.grads["output_bias"]), 2)
    (20.4, -15.7)
    """
    from steepest import nn

    layers = list(net) if isinstance(net, nn.Sequential) else []
    if (
        len(layers) != 3
        or not isinstance(layers[0], nn.Linear)
        or not isinstance(layers[2], nn.Linear)
        or layers[0].in_features != 1
        or layers[2].out_features != 1
        or layers[0].out_features != layers[2].in_features
    ):
        raise SteepestError(
            "network draws a Sequential(Linear(1, k), activation, Linear(k, 1)), "
            "the shape of the lesson's network"
        )
    if layers[0].bias is None or layers[2].bias is None:
        raise SteepestError("network draws layers with biases")
    inputs = np.asarray(x, dtype=float).reshape(-1, 1)
    target = np.asarray(observed, dtype=float).reshape(-1)
    if target.size != inputs.shape[0]:
        raise SteepestError(f"got {inputs.shape[0]} inputs but {target.size} observed values")
    net.zero_grad()
    hidden_in = layers[0](inputs)
    hidden_out = layers[1](hidden_in)
    predicted = layers[2](hidden_out)[:, 0]
    ssr = np.sum((target - predicted) ** 2)
    ssr.backward()
    grads = {
        "hidden_weight": np.asarray(layers[0].weight.grad, dtype=float).reshape(-1),
        "hidden_bias": np.asarray(layers[0].bias.grad, dtype=float).reshape(-1),
        "output_weight": np.asarray(layers[2].weight.grad, dtype=float).reshape(-1),
        "output_bias": np.asarray(layers[2].bias.grad, dtype=float).reshape(-1)[0],
    }
    return NetworkNumbers(
        x=inputs[:, 0],
        observed=target,
        hidden_in=np.asarray(hidden_in.data, dtype=float),
        hidden_out=np.asarray(hidden_out.data, dtype=float),
        predicted=np.asarray(predicted.data, dtype=float),
        ssr=float(ssr.data),
        hidden_weight=layers[0].weight.data.reshape(-1).astype(float),
        hidden_bias=layers[0].bias.data.reshape(-1).astype(float),
        output_weight=layers[2].weight.data.reshape(-1).astype(float),
        output_bias=float(layers[2].bias.data.reshape(-1)[0]),
        grads=grads,
        activation=type(layers[1]).__name__.lower(),
    )


def _values(values: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


def tex_number(value: float) -> str:
    """A number for mathtext, tiny or huge ones as m x 10^k.

    >>> tex_number(-15.655), tex_number(2.02e-15), tex_number(0.0)
    ('-15.7', '2.02 \\\\times 10^{-15}', '0')
    """
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{float(mantissa):.3g} \\times 10^{{{int(exponent)}}}"


def _param(name: str, value: float, grad: float) -> str:
    return (
        f"${name} = {tex_number(value)}$\n"
        f"$\\partial\\,\\mathrm{{SSR}}/\\partial {name} = {tex_number(grad)}$"
    )


@styled
def network(
    net: Any = None,
    x: Any = LESSON_DOSAGE,
    observed: Any = LESSON_OBSERVED,
    *,
    title: str | None = None,
) -> Figure:
    """The 1-k-1 network with every weight, value and gradient written on it.

    ``net`` is a ``steepest.nn.Sequential(Linear(1, k), activation,
    Linear(k, 1))``; by default the lesson's softplus network with its
    published weights and b3 = 0.  The values are computed on the inputs
    ``x``; the gradients are those of the sum of squared residuals against
    ``observed``, found by backpropagation.  Edges are drawn thicker for
    larger weights, orange when the gradient says to increase the weight
    (negative gradient), blue when it says to decrease it.

    >>> fig = network()
    >>> sorted(t.get_gid() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("param:"))
    ['param:b1', 'param:b2', 'param:b3', 'param:w1', 'param:w2', 'param:w3', 'param:w4']
    """
    numbers = forward_backward(net if net is not None else lesson_network(), x, observed)
    k = numbers.hidden_weight.size
    spread = 2.0  # vertical distance between hidden nodes
    top = (k - 1) * spread / 2
    fig, ax = new_figure(12.5, 3.6 + 1.5 * k)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.set_xlim(-2.0, 7.6)
    ax.set_ylim(-top - 1.7, top + 1.4)
    drawing = _NetworkDrawing(ax, numbers)
    hidden_at = [np.array([2.6, top - j * spread]) for j in range(k)]
    drawing.input_node()
    for j in range(k):
        drawing.hidden_unit(j, hidden_at[j])
    drawing.output_node()
    ax.text(
        -1.9,
        -top - 1.65,
        "edge width: size of the weight.  orange: negative gradient (a step increases the "
        "weight);  blue: positive (a step decreases it)",
        fontsize=10.5,
        color=TEXT_COLOR,
        ha="left",
        va="bottom",
    )
    ax.set_title(
        title
        if title is not None
        else "Backpropagation: every gradient of SSR by the chain rule "
        f"({numbers.activation} network)"
    )
    return fig


class _NetworkDrawing:
    """Draws the nodes, edges and labels of a 1-k-1 network on one Axes."""

    radius = 0.36
    input_at = np.array([0.0, 0.0])
    output_at = np.array([5.2, 0.0])
    box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.9, "edgecolor": "none"}

    def __init__(self, ax: Axes, numbers: NetworkNumbers) -> None:
        self.ax = ax
        self.numbers = numbers

    def node(self, center: np.ndarray, label: str, color: str, gid: str, size: float = 15) -> None:
        self.ax.add_patch(
            Circle(center, self.radius, facecolor="white", edgecolor=color, linewidth=2.5)
        )
        self.ax.text(*center, label, ha="center", va="center", fontsize=size, gid=gid)

    def edge(self, start: np.ndarray, end: np.ndarray, weight: float, grad: float) -> None:
        color = HIGHLIGHT if grad < 0 else CURVE
        width = 1.2 + 3.0 * min(1.0, abs(weight) / 3.5)
        direction = (end - start) / np.linalg.norm(end - start)
        self.ax.add_patch(
            FancyArrowPatch(
                tuple(start + direction * self.radius),
                tuple(end - direction * self.radius),
                arrowstyle="-|>,head_length=10,head_width=5",
                color=color,
                linewidth=width,
                shrinkA=0,
                shrinkB=0,
                mutation_scale=1.0,
            )
        )

    def edge_label(self, start: np.ndarray, end: np.ndarray, text: str, gid: str) -> None:
        middle = (start + end) / 2
        above = middle[1] > 0 or (middle[1] == 0 and end[1] >= start[1])
        rising = end[1] > start[1]
        # Off the line, on the side away from the other edges.
        left = rising if above else not rising
        self.ax.text(
            middle[0] + (-0.12 if left else 0.12),
            middle[1] + (0.12 if above else -0.12),
            text,
            ha="right" if left else "left",
            va="bottom" if above else "top",
            fontsize=12,
            bbox=self.box,
            gid=gid,
        )

    def weighted_edge(self, start: np.ndarray, end: np.ndarray, name: str, gid: str,
                      weight: float, grad: float) -> None:  # fmt: skip
        self.edge(start, end, weight, grad)
        self.edge_label(start, end, _param(name, weight, grad), gid)

    def input_node(self) -> None:
        self.node(self.input_at, "$x$", TEXT_COLOR, "node:input", size=18)
        shown_x = ", ".join(f"{v:g}" for v in self.numbers.x)
        self.ax.text(
            self.input_at[0] - self.radius - 0.15,
            self.input_at[1],
            f"$x$ = ({shown_x})",
            ha="right",
            va="center",
            fontsize=12,
            color=TEXT_COLOR,
            gid="values:input",
        )

    def hidden_unit(self, j: int, at: np.ndarray) -> None:
        """Hidden node j with its two edges, its bias, and its values in and out."""
        numbers, k = self.numbers, self.numbers.hidden_weight.size
        grads = numbers.grads
        self.weighted_edge(self.input_at, at, f"w_{j + 1}", f"param:w{j + 1}",
                           numbers.hidden_weight[j], grads["hidden_weight"][j])  # fmt: skip
        self.node(at, numbers.activation, STEP, f"node:hidden{j + 1}", size=10)
        above = 1 if at[1] >= 0 else -1
        self.ax.text(
            at[0],
            at[1] + (self.radius + 0.1) * above,
            _param(f"b_{j + 1}", numbers.hidden_bias[j], grads["hidden_bias"][j]),
            ha="center",
            va="bottom" if above > 0 else "top",
            fontsize=12,
            bbox=self.box,
            gid=f"param:b{j + 1}",
        )
        self.ax.text(
            at[0],
            at[1] - (self.radius + 0.1) * above,
            f"in  {_values(numbers.hidden_in[:, j])}\nout {_values(numbers.hidden_out[:, j])}",
            ha="center",
            va="top" if above > 0 else "bottom",
            fontsize=10.5,
            family="monospace",
            color=TEXT_COLOR,
            gid=f"values:hidden{j + 1}",
        )
        self.weighted_edge(at, self.output_at, f"w_{k + j + 1}", f"param:w{k + j + 1}",
                           numbers.output_weight[j], grads["output_weight"][j])  # fmt: skip

    def output_node(self) -> None:
        numbers, k = self.numbers, self.numbers.hidden_weight.size
        at = self.output_at
        self.node(at, "$+$", TANGENT, "node:output", size=18)
        self.ax.text(
            at[0] + self.radius + 0.2,
            at[1] + 0.05,
            _param(f"b_{k + 1}", numbers.output_bias, float(numbers.grads["output_bias"])),
            ha="left",
            va="bottom",
            fontsize=12,
            bbox=self.box,
            gid=f"param:b{k + 1}",
        )
        residuals = numbers.observed - numbers.predicted
        self.ax.text(
            at[0] + self.radius + 0.2,
            at[1] - 0.2,
            f"predicted {_values(numbers.predicted)}\n"
            f"observed  {_values(numbers.observed)}\n"
            f"residual  {_values(residuals)}\n"
            f"SSR = {numbers.ssr:.4g}",
            ha="left",
            va="top",
            fontsize=10.5,
            family="monospace",
            color=TEXT_COLOR,
            gid="values:output",
        )


__all__ = ["LESSON_WEIGHTS", "NetworkNumbers", "forward_backward", "lesson_network", "network"]
