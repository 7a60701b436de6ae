"""Draw docs/images/architecture.png, the picture in docs/architecture.md.

Left: the layers of the package, imports flowing down.  Right: the data flow
of one descent step.  Run from the repository root:

    python docs/images/make_architecture.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

LAYERS = [
    ("interfaces", "cli · web · tour · plot", "#E69F00"),
    ("models", "models · nn", "#56B4E9"),
    ("optimization", "optim: loop · batches · rules · schedules · stopping · divergence", "#009E73"),
    ("calculus", "symbolic · numeric · losses · datasets", "#F0E442"),
    ("engine", "autodiff: Tensor · primitives · transforms · replay", "#CC79A7"),
]

STEP = [
    ("data source", "optim.batches: the next batch"),
    ("loss", "objective: loss(x, batch)"),
    ("gradient", "autodiff, symbolic or grad="),
    ("update rule", "rules: update(g, state, x)"),
    ("the loop", "loop: step, stop, diverge?"),
    ("history", "history · result"),
]


def _box(ax, x, y, w, h, title, text, colour):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", fc=colour, ec="#333333",
                                alpha=0.85))
    ax.text(x + w / 2, y + h * 0.62, title, ha="center", va="center", fontsize=11,
            fontweight="bold")
    ax.text(x + w / 2, y + h * 0.28, text, ha="center", va="center", fontsize=8.5)


def _arrow(ax, start, end, text=""):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color="#333333"))
    if text:
        ax.text((start[0] + end[0]) / 2 + 0.02, (start[1] + end[1]) / 2, text, fontsize=8,
                va="center")


def main() -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 6.2))
    for ax in (left, right):
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
    left.set_title("Layers: imports flow down, never up", fontsize=12)
    height, gap = 0.12, 0.075
    for i, (title, text, colour) in enumerate(LAYERS):
        y = 1 - (i + 1) * (height + gap) + gap / 2
        _box(left, 0.02, y, 0.96, height, title, text, colour)
        if i:
            _arrow(left, (0.5, y + height + gap - 0.005), (0.5, y + height + 0.005), "imports")
    right.set_title("One descent step", fontsize=12)
    height, gap = 0.1, 0.065
    for i, (title, text) in enumerate(STEP):
        y = 1 - (i + 1) * (height + gap) + gap / 2
        _box(right, 0.15, y, 0.7, height, title, text, "#EEEEEE")
        if i:
            _arrow(right, (0.5, y + height + gap - 0.005), (0.5, y + height + 0.005))
    _arrow(right, (0.9, 1 - 5 * (height + gap) + gap / 2 + height / 2),
           (0.9, 1 - (height + gap) + gap / 2 + height / 2), "next step")
    path = Path(__file__).with_name("architecture.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(main())
