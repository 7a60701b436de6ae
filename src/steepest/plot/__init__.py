"""Pictures of calculus and gradient descent, each returned as a matplotlib Figure.

Figures are built without pyplot, so nothing opens a window and no global
setting changes; save them with ``fig.savefig("picture.png")`` or
:func:`save` (PNG, SVG, PDF or GIF by the file's extension).  One look
throughout (:mod:`steepest.plot.style`): the colorblind-safe Okabe-Ito
palette, viridis for contours and surfaces, math typeset by mathtext, text
readable on a slide.

Every function that takes a function also takes an expression string such
as ``"x^2 - 4x + 4"`` (read by :class:`steepest.Function`, with exact
derivatives) or a Python function written with NumPy (differentiated
automatically).

* calculus: :func:`function` (tangent lines), :func:`limit` (one-sided
  approach), :func:`convexity` (the chord test), :func:`numeric_error`
  (error of numerical derivatives against h);
* two variables: :func:`surface` (3D, tangent plane), :func:`contour`
  (descent paths, the gradient, minima), :func:`gradient_field`;
* descent: :func:`loss_curve` (one step on the loss curve),
  :func:`learning_rates` (small multiples), :func:`history` (loss per
  iteration), :func:`compare` (several runs on one contour),
  :func:`animate` (a GIF, one frame per iteration);
* models: :func:`regression` (data, line, residuals), :func:`network` (the
  backpropagation lesson's network with its values and gradients),
  :func:`regression_fit` and :func:`training_curve` for fitted models.

>>> import numpy as np
>>> from steepest import plot
>>> fig = plot.numeric_error(lambda x: x**2, 3.0, methods=["forward"])
>>> fig.axes[0].get_xlabel()
'step size $h$'
>>> fig = plot.function("x^2 - 4x + 4", at=[0, 3])
>>> fig.axes[0].get_title()
'$f(x) = x^{2} - 4 x + 4$'
"""

from __future__ import annotations

import sys

from steepest.plot import descent as _descent
from steepest.plot import fitted
from steepest.plot import numeric as _numeric
from steepest.plot.animation import animate, frame_indices
from steepest.plot.backprop import forward_backward, lesson_network, network
from steepest.plot.calculus import chord_gap, convexity, function, limit
from steepest.plot.fitted import regression_fit, training_curve
from steepest.plot.landscape import (
    compare,
    contour,
    describe_run,
    find_minima,
    gradient_field,
    learning_rates,
    surface,
)
from steepest.plot.loss import history, loss_curve
from steepest.plot.residuals import least_squares_line, regression
from steepest.plot.style import (
    CMAP,
    OKABE_ITO,
    PALETTE,
    new_figure,
    new_grid,
    plot_style,
    save,
    styled,
)

# The same fonts and mathtext for the pictures of the numeric and descent layers.
numeric_error = styled(_numeric.numeric_error)
descent_figure = styled(_descent.descent_figure)
descent_history = styled(_descent.descent_history)
descent_path = styled(_descent.descent_path)

__all__ = [
    "CMAP",
    "OKABE_ITO",
    "PALETTE",
    "animate",
    "chord_gap",
    "compare",
    "contour",
    "convexity",
    "descent_figure",
    "descent_history",
    "descent_path",
    "describe_run",
    "find_minima",
    "forward_backward",
    "frame_indices",
    "function",
    "gradient_field",
    "history",
    "learning_rates",
    "least_squares_line",
    "lesson_network",
    "limit",
    "loss_curve",
    "network",
    "new_figure",
    "new_grid",
    "numeric_error",
    "plot_style",
    "regression",
    "regression_fit",
    "save",
    "surface",
    "training_curve",
]

# The pictures of fitted models lived in ``steepest.plot.regression``, a module name the
# function ``regression`` shadowed; they live in ``steepest.plot.fitted`` now.  The old
# import path keeps working for one release.
sys.modules[f"{__name__}.regression"] = fitted
