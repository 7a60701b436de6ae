"""What a classifier takes for labels, and histories of many coefficients.

A target of measured numbers handed to a classifier made every distinct
value a class of its own (the tips' 123 amounts became a 123-class model)
without a word; scikit-learn refuses it as "continuous".  Whole numbers
stored as floats stay labels.
"""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import steepest as st
from steepest.errors import DataError

CLASSIFIERS = [
    lambda: st.models.LogisticRegression(C=1.0),
    lambda: st.nn.MLPClassifier(hidden=(3,), epochs=20, seed=0),
]


def _data(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)


@pytest.mark.parametrize("make", CLASSIFIERS)
@given(fraction=hs.floats(0.001, 0.999), position=hs.integers(0, 39))
@settings(max_examples=10, deadline=None)
def test_a_number_with_a_fraction_is_refused_in_one_sentence(make, fraction, position):
    X, labels = _data()
    y = labels.astype(float)
    y[position] += fraction
    with pytest.raises(DataError, match="not whole") as caught:
        make().fit(X, y)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_whole_numbers_stored_as_floats_are_the_integer_labels(make):
    X, labels = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_int = make().fit(X, labels)
        as_float = make().fit(X, labels.astype(float))
    assert as_float.classes_.tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_array_equal(as_float.predict_proba(X), as_int.predict_proba(X))
    np.testing.assert_array_equal(as_float.predict(X), as_int.predict(X).astype(float))


def test_the_tips_amounts_are_not_classes():
    tips = st.datasets.load("tips")
    with pytest.raises(DataError, match=r"such as 1\.01"):
        st.models.LogisticRegression().fit(tips[["total_bill"]], tips["tip"])


def test_dask_labels_are_judged_as_in_memory():
    X, labels = _data()
    y = labels.astype(float)
    y[25] = 0.5
    with pytest.raises(DataError, match="partition 1"):
        st.models.LogisticRegression(C=1.0).fit(
            da.from_array(X, chunks=20), da.from_array(y, chunks=20))


def test_a_history_of_many_coefficients_is_one_frame_without_warnings():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = rng.integers(0, 40, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", st.models.ConvergenceWarning)
        model = st.models.LogisticRegression(C=1.0, max_iter=5).fit(X, y)
    history = model.history_
    assert history.shape == (6, 5 + 40 * 4)
    # The last row holds the model's own coefficients (40 classes x 3 features).
    last = history.iloc[-1]
    np.testing.assert_allclose(last[[f"intercept[{k}]" for k in range(40)]].to_numpy(float),
                               model.intercept_, rtol=1e-12)
    for feature in range(3):
        np.testing.assert_allclose(last[[f"x{feature}[{k}]" for k in range(40)]].to_numpy(float),
                                   model.coef_[:, feature], rtol=1e-12)


@pytest.mark.parametrize("make", CLASSIFIERS)
@pytest.mark.parametrize("labels", [
    np.array([1, "a"] * 5, dtype=object),
    np.array(["a", float("nan")] * 5, dtype=object),
])
def test_labels_that_cannot_be_ordered_are_refused_in_a_sentence(make, labels):
    """Mixed kinds of labels met NumPy's sort inside np.unique: a TypeError's traceback."""
    X = np.arange(10.0).reshape(-1, 1)
    with pytest.raises(DataError, match="cannot be put in order"):
        make().fit(X, labels)
