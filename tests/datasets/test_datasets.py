"""The shipped data sets."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest import datasets


def test_names_and_shapes():
    assert datasets.names() == ["advertising", "dosage", "powerlines", "tips"]
    assert datasets.available() == datasets.names()
    for name in datasets.names():
        frame = datasets.load(name)
        assert frame.shape == datasets.info(name).shape
        assert datasets.info(name).source


def test_tips_contents():
    tips = datasets.load("tips")
    assert list(tips.columns) == ["total_bill", "tip", "sex", "smoker", "day", "time", "size"]
    assert tips.shape == (244, 7)
    assert tips["total_bill"].sum() == pytest.approx(4827.77)
    assert tips["tip"].sum() == pytest.approx(731.58)
    percent = 100 * tips["tip"] / tips["total_bill"]
    assert round(percent.mean(), 2) == 16.08 and round(percent.median(), 2) == 15.48


def test_advertising_least_squares_line():
    ads = datasets.load("advertising")
    assert list(ads.columns) == ["TV", "radio", "newspaper", "sales"]
    m, b = np.polyfit(ads["TV"], ads["sales"], 1)
    assert (round(b, 4), round(m, 6)) == (7.0326, 0.047537)


def test_small_lesson_sets():
    dosage = datasets.load("dosage")
    assert dosage["dosage"].tolist() == [0.0, 0.5, 1.0]
    assert dosage["efficacy"].tolist() == [0, 1, 0]
    lines = datasets.load("powerlines")
    x, y = lines["x"].to_numpy(), lines["y"].to_numpy()
    m, b = np.polyfit(x, y, 1)
    assert (m, b) == (pytest.approx(0.5), pytest.approx(7 / 3))
    assert np.sum((m * x + b - y) ** 2) == pytest.approx(4.1667, abs=1e-4)


def test_each_load_is_a_fresh_copy():
    first = datasets.load("tips")
    first.loc[0, "tip"] = -1.0
    assert datasets.load("tips").loc[0, "tip"] == 1.01


def test_unknown_name_lists_the_choices():
    with pytest.raises(st.DataError, match="available: advertising, dosage, powerlines, tips"):
        datasets.load("iris")
    assert datasets.load(" Tips ").shape == (244, 7)


def test_a_column_with_a_word_among_numbers_is_reported_by_that_word() -> None:
    import pandas as pd

    from steepest import datasets
    from steepest.errors import DataError

    frame = pd.read_csv(__import__("io").StringIO("a,b\n1,1\n2,2\na,3\n"))
    assert datasets.first_non_number(frame["a"]) == "a"
    assert datasets.first_non_number(frame["b"]) is None
    with pytest.raises(DataError, match="it holds 'a'"):
        datasets.check_numeric(frame["a"], "a", "t.csv")
