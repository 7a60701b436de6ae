"""Small data sets the lessons use, shipped inside the package (no network).

``load(name)`` returns a fresh :class:`pandas.DataFrame` each time, so
changing it never changes what the next caller sees.

>>> import steepest as st
>>> st.datasets.names()
['advertising', 'dosage', 'powerlines', 'tips']
>>> st.datasets.load("tips").shape
(244, 7)
>>> st.datasets.load("powerlines")
   x  y
0  1  2
1  2  5
2  3  3
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from steepest.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class DatasetInfo:
    """What a data set holds and where it comes from."""

    name: str
    description: str
    source: str
    shape: tuple[int, int]


_INFO: dict[str, DatasetInfo] = {
    "advertising": DatasetInfo(
        "advertising",
        "Sales (thousands of units) of a product in 200 markets against its TV, radio and "
        "newspaper advertising budgets (thousands of dollars).",
        "An Introduction to Statistical Learning, G. James, D. Witten, T. Hastie and "
        "R. Tibshirani (Springer), Advertising.csv.",
        (200, 4),
    ),
    "dosage": DatasetInfo(
        "dosage",
        "Three doses of a drug (0, 0.5, 1) and whether each was effective (0, 1, 0): the "
        "small network of the backpropagation lesson fits it.",
        "Made up for the backpropagation lesson.",
        (3, 2),
    ),
    "powerlines": DatasetInfo(
        "powerlines",
        "Three points (1, 2), (2, 5), (3, 3) for a least-squares line fitted by calculus "
        "and by gradient descent.",
        "Made up for the linear regression lesson.",
        (3, 2),
    ),
    "tips": DatasetInfo(
        "tips",
        "244 restaurant bills: total_bill, tip, sex, smoker, day, time and party size.",
        "P. G. Bryant and M. A. Smith (1995), Practical Data Analysis: Case Studies in "
        "Business Statistics; as shipped with seaborn and the R package reshape2.",
        (244, 7),
    ),
}

_CSV_FILES = {"advertising": "advertising.csv", "tips": "tips.csv"}


def names() -> list[str]:
    """The names :func:`load` accepts, sorted.

    >>> "tips" in names()
    True
    """
    return sorted(_INFO)


available = names


def info(name: str) -> DatasetInfo:
    """Description, source and shape of a data set.

    >>> info("advertising").shape
    (200, 4)
    """
    return _INFO[_check_name(name)]


def load(name: str) -> pd.DataFrame:
    """Load a data set by name as a new pandas DataFrame.

    ``tips`` (244 x 7), ``advertising`` (200 x 4), ``dosage`` (columns
    ``dosage`` and ``efficacy``) and ``powerlines`` (columns ``x`` and ``y``).

    >>> df = load("dosage")
    >>> df["dosage"].tolist(), df["efficacy"].tolist()
    ([0.0, 0.5, 1.0], [0, 1, 0])
    >>> round(float((100 * load("tips").eval("tip / total_bill")).mean()), 2)
    16.08
    """
    return _load_cached(_check_name(name)).copy()


def _check_name(name: str) -> str:
    if not isinstance(name, str) or name.strip().lower() not in _INFO:
        raise DataError(f"unknown data set {name!r}; available: {', '.join(names())}")
    return name.strip().lower()


@cache
def _load_cached(name: str) -> pd.DataFrame:
    import pandas as pd

    if name in _CSV_FILES:
        path = resources.files("steepest.datasets").joinpath("data", _CSV_FILES[name])
        with path.open("r", encoding="utf-8") as handle:
            return pd.read_csv(handle)
    if name == "dosage":
        return pd.DataFrame({"dosage": [0.0, 0.5, 1.0], "efficacy": [0, 1, 0]})
    return pd.DataFrame({"x": [1, 2, 3], "y": [2, 5, 3]})


def first_non_number(values: Any) -> Any:
    """The first value of a column that does not read as a number (None if all do).

    Missing values do not count: they are reported on their own.

    >>> import pandas as pd
    >>> first_non_number(pd.Series(["1", " 2", "a", "b"])), first_non_number([1, 2.5, None])
    ('a', None)
    """
    import pandas as pd

    series = pd.Series(values)
    if pd.api.types.is_bool_dtype(series):
        return series.dropna().iloc[0] if series.notna().any() else None
    as_numbers = pd.to_numeric(series, errors="coerce")
    offending = series[as_numbers.isna() & series.notna()]
    return None if offending.empty else offending.iloc[0]


def check_numeric(values: Any, column: str, source: str) -> None:
    """One sentence quoting the first offending value when a column is not all numbers.

    >>> import pandas as pd
    >>> check_numeric(pd.Series(["1", "2", "a"]), "price", "shop.csv")
    Traceback (most recent call last):
    ...
    steepest.errors.DataError: column 'price' of shop.csv is not numeric: it holds 'a'; ...
    """
    offending = first_non_number(values)
    if offending is not None:
        raise DataError(
            f"column {column!r} of {source} is not numeric: it holds {str(offending)!r}; "
            "fix or remove that value, or choose another column"
        )


__all__ = [
    "DatasetInfo",
    "available",
    "check_numeric",
    "first_non_number",
    "info",
    "load",
    "names",
]
