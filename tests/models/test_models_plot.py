"""Pictures of fitted models."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import steepest as st
from steepest.errors import DataError
from steepest.plot.fitted import regression_fit, training_curve


@pytest.fixture(scope="module")
def ads():
    return st.datasets.load("advertising")


def test_one_feature_draws_the_line_and_the_residuals(ads):
    model = st.models.LinearRegression().fit(ads[["TV"]], ads["sales"])
    fig = regression_fit(model, ads[["TV"]], ads["sales"], title="sales on TV")
    assert isinstance(fig, Figure)
    left, right = fig.axes
    assert left.get_xlabel() == "TV" and left.get_ylabel() == "sales"
    line = left.get_lines()[0]
    x, y = line.get_data()
    np.testing.assert_allclose(y, model.intercept_ + model.coef_[0] * x)
    residuals = right.collections[-1].get_offsets()[:, 1]
    np.testing.assert_allclose(
        np.sort(residuals), np.sort(ads["sales"] - model.predict(ads[["TV"]]))
    )
    assert fig._suptitle.get_text() == "sales on TV"


def test_several_features_and_a_classifier(ads):
    X = ads[["TV", "radio"]]
    fig = regression_fit(st.models.LinearRegression().fit(X, ads["sales"]), X, ads["sales"])
    assert fig.axes[0].get_xlabel() == "predicted sales"
    labels = ads["sales"] > 14
    classifier = st.models.LogisticRegression().fit(X, labels)
    fig = regression_fit(classifier, X, labels)
    assert fig.axes[1].get_ylabel() == "training loss"
    single = st.models.LogisticRegression().fit(ads[["TV"]], labels)
    curve = regression_fit(single, ads[["TV"]], labels).axes[0].get_lines()[0].get_ydata()
    assert np.all((curve > 0) & (curve < 1)) and np.all(np.diff(curve) > 0)


def test_training_curve_reads_the_history(ads):
    model = st.models.LinearRegression(solver="gd", lr=0.05)
    model.fit(ads[["TV"]], ads["sales"])
    ax = training_curve(model).axes[0]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), model.history_["loss"])
    with pytest.raises(DataError, match="fit it first"):
        training_curve(st.models.LinearRegression())
