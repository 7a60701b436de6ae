"""Draw docs/images/autodiff_graph.svg, the picture in docs/autodiff.md.

The traced graph of the lesson's small network: the sum of squared residuals
as a function of its seven parameters, with every value and its gradient.
Needs Graphviz's ``dot``.  Run from the repository root:

    python docs/images/make_autodiff_graph.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DOSAGE = np.array([0.0, 0.5, 1.0])
OBSERVED = np.array([0.0, 1.0, 0.0])


def ssr(w1, b1, w2, b2, w3, w4, b3):
    blue = w3 * np.log(1 + np.exp(w1 * DOSAGE + b1))
    orange = w4 * np.log(1 + np.exp(w2 * DOSAGE + b2))
    return np.sum((OBSERVED - (blue + orange + b3)) ** 2)


def main() -> Path:
    import steepest as st

    graph = st.trace(ssr, 3.34, -1.43, -3.53, 0.57, -1.22, -2.30, 0.0)
    return graph.render(Path(__file__).with_name("autodiff_graph.svg"), rankdir="TB")


if __name__ == "__main__":
    print(main())
