"""Whether sampled values of f close in on a claimed limit, however slowly.

The limit tests sample f at distances 10^-6, 10^-9 and 10^-12 from the point and
accept a claimed limit where the last value is within 10^-3 of it or the errors
shrink to under 0.05.  Some functions approach their limit too slowly for that:
2*x^(1/9) at 10^-12 is still 0.09 from its limit 0 at x = 0.  There the order of
approach decides: where the values go on changing by a constant ratio at each
scale (as C*d^p does, whatever the power p > 0), the limit they extrapolate to
(Aitken's delta-squared) must be the claimed one.  A wrong claim is still
refused: values tending to L extrapolate to L, not to the claim.

>>> slow = lambda ks: [2 * 10 ** (-k / 9) for k in ks]  # 2*x^(1/9) at x = 10^-k
>>> further = lambda: slow([15, 18])
>>> closes_in(slow([6, 9, 12]), 0.0), closes_in(slow([6, 9, 12]), 0.0, further)
(False, True)
>>> closes_in(slow([6, 9, 12]), -0.2, further)
False
>>> near_one = [1 + 10.0**-k for k in (2, 3, 4)]
>>> closes_in(near_one, 1.0), closes_in(near_one, 1.01, lambda: [1.00001, 1.000001])
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise


def closes_in(
    values: Sequence[float | None],
    claimed: float,
    further: Callable[[], Sequence[float | None]] | None = None,
) -> bool:
    """Whether f's ``values`` at three points ever closer to the point (each 1000 times
    closer) approach ``claimed``; ``further`` gives f at two more such points, asked
    for only where the three are not conclusive.  A None value (f cannot be
    computed there) leaves nothing to compare: True.
    """
    if None in values:
        return True
    first = [float(v) for v in values if v is not None]
    scale = max(1.0, abs(claimed))
    errors = [abs(v - claimed) for v in first]
    if errors[-1] < 1e-3 * scale:
        return True
    if errors[0] > errors[1] > errors[2] and errors[2] < 0.05 * scale:
        return True
    more = list(further()) if further is not None else []
    if not more or None in more:
        return False
    return _extrapolates_to(first + [float(v) for v in more if v is not None], claimed, scale)


def _extrapolates_to(values: list[float], claimed: float, scale: float) -> bool:
    """Values whose steps shrink by one steady ratio, extrapolated to the claim."""
    steps = [b - a for a, b in pairwise(values)]
    if any(step == 0 for step in steps):
        return False
    ratios = [b / a for a, b in pairwise(steps)]
    # A power law C*d^p changes by the ratio 10^(-3p) at each scale: steady, in (0, 1).
    if not all(0 < r < 0.95 for r in ratios) or max(ratios) - min(ratios) > 0.1:
        return False
    last, step, ratio = values[-1], steps[-1], ratios[-1]
    limit = last + step * ratio / (1 - ratio)
    return abs(limit - claimed) <= max(1e-3 * scale, 0.1 * abs(step))
