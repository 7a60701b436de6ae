"""Models learned by calculus and by descent, with scikit-learn's conventions.

``ConstantModel`` (one number for every prediction), ``LinearRegression``
(the normal equations or descent) and ``LogisticRegression`` (binary, by
descent).  All of them follow scikit-learn's estimator rules, so they work
with ``sklearn.base.clone``, pipelines and ``GridSearchCV``.

>>> import steepest as st
>>> ads = st.datasets.load("advertising")
>>> model = st.models.LinearRegression(solver="minibatch", seed=0)
>>> model.fit(ads[["TV"]], ads["sales"]).coef_.round(5)
array([0.04754])
>>> round(model.score(ads[["TV"]], ads["sales"]), 3)
0.612
"""

from __future__ import annotations

from steepest.models.base import BaseModel, ClassifierMixin, RegressorMixin, r2_score
from steepest.models.constant import ConstantModel, huber_location
from steepest.models.descent import ConvergenceWarning
from steepest.models.linear import LinearRegression, LogisticRegression

__all__ = [
    "BaseModel",
    "ClassifierMixin",
    "ConstantModel",
    "ConvergenceWarning",
    "LinearRegression",
    "LogisticRegression",
    "RegressorMixin",
    "huber_location",
    "r2_score",
]
