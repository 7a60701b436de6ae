"""Calculus you can steer in a Jupyter notebook: sliders, a dropdown, a click on the contours.

* :func:`descent`: gradient descent with a log slider for the learning
  rate, a dropdown of steepest's methods, the number of steps and the start
  (typed, or clicked on the contours), redrawing the path over the curve or
  over the contours and the 3-D surface, with the loss per iteration;
* :func:`learning_rates`: several learning rates side by side from one start;
* :func:`tangent`: the tangent line (with a secant and its step h) or the
  tangent plane at a point moved with sliders.

Every number comes from steepest itself (:func:`steepest.minimize`,
:mod:`steepest.symbolic`) and every picture from :mod:`steepest.plot`.
Each function returns a panel whose ``widgets`` can be set from code and
whose results (``path``, ``losses``, ``runs``, ``line``...) can be read,
exactly as a test does.  The panels need ipywidgets (``pip install
'steepest[notebook]'``); clicking on the contours also needs plotly's
widgets (plotly and anywidget), and without them the start is typed.

>>> import steepest as st
>>> panel = st.interact.descent("x^2 - 4x + 4", x0=0.0, lr=0.4, steps=5)
>>> panel.result.x == st.minimize("x^2 - 4x + 4", 0.0, lr=0.4, max_iter=5, tol=None).x
True
"""

from __future__ import annotations

from steepest.interact.descent import Descent, LearningRates, descent, learning_rates
from steepest.interact.panel import Panel
from steepest.interact.tangent import Tangent, tangent

__all__ = ["Descent", "LearningRates", "Panel", "Tangent", "descent", "learning_rates", "tangent"]
