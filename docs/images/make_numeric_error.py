"""Draw docs/images/numeric_error.png, the picture in docs/numeric.md.

Run from the repository root:  python docs/images/make_numeric_error.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def main() -> Path:
    from steepest.plot import numeric_error

    figure = numeric_error(
        np.exp,
        1.0,
        methods=("forward", "central"),
        title=r"Derivative of $e^x$ at $x = 1$: error of forward and central differences",
    )
    target = Path(__file__).with_name("numeric_error.png")
    figure.savefig(target, dpi=100)
    return target


if __name__ == "__main__":
    print(main())
