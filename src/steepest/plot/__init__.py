"""Pictures of calculus and optimization, each returned as a matplotlib Figure.

Figures are built without pyplot (nothing opens a window); save them with
``fig.savefig("picture.png")``.  The shared look (colorblind-safe Okabe-Ito
colors) is in :mod:`steepest.plot.style`.

>>> import numpy as np
>>> from steepest import plot
>>> fig = plot.numeric_error(lambda x: x**2, 3.0, methods=["forward"])
>>> fig.axes[0].get_xlabel()
'step size $h$'
"""

from __future__ import annotations

from steepest.plot.numeric import numeric_error

__all__ = ["numeric_error"]
