"""The length of a vector of floats, also where its square underflows or overflows.

Lengths of gradients and steps decide verdicts (converged, diverged) and scale
steps (``clip_by_norm``): computed as ``sqrt(v @ v)`` a gradient of 1e-170
has length 0 and one of 1e200 has length inf, though both are finite and
neither is zero.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["rescaled_length", "vector_length"]


def vector_length(v: np.ndarray) -> float:
    """The length of ``v``, also where its square underflows (a gradient of 1e-170) or
    overflows (one of 1e300).

    >>> vector_length(np.array([3e-170, 4e-170])), vector_length(np.array([3.0, 4.0]))
    (5e-170, 5.0)
    >>> with np.errstate(over="ignore"):  # (NumPy warns of the square's overflow)
    ...     print(vector_length(np.array([3e300, -4e300])))
    5e+300
    """
    length = math.sqrt(float(v @ v))
    return length if 1e-150 < length < 1e150 else rescaled_length(v)


def rescaled_length(v: np.ndarray) -> float:
    """The length of ``v`` computed from ``v`` over its largest entry (inf or nan where an
    entry is).

    >>> rescaled_length(np.array([0.0, 1e-320])), rescaled_length(np.array([1.0, np.inf]))
    (1e-320, inf)
    """
    largest = float(np.max(np.abs(v))) if v.size else 0.0
    if not (largest > 0 and math.isfinite(largest)):
        return largest
    w = v / largest
    return largest * math.sqrt(float(w @ w))
