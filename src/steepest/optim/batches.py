"""One source of batches: how ``data=`` becomes the batches of each epoch.

Every descent over data (``steepest.minimize(..., data=...)``, every model,
every network) draws its batches here, so ``batch_size``, ``epochs``,
``shuffle`` and ``seed`` mean the same thing everywhere:

========================  ===========================================================
``batch_size=None``       full batch: every step uses all of the data
``batch_size=1``          stochastic descent: one row per step, rows x epochs steps
``batch_size=k``          mini-batch descent: ceil(rows / k) steps per epoch (the last
                          batch holds what is left)
``shuffle=True``          a new order of the rows every epoch, drawn from ``seed``
========================  ===========================================================

The solver names of the models map onto these: ``"gd"`` is full batch,
``"sgd"`` is ``batch_size=1``, ``"minibatch"`` is ``batch_size=32`` unless
``batch_size`` says otherwise.

Data held in memory and indexable by rows is a NumPy array, a pandas
DataFrame or Series, a list of numbers, or a tuple of such with equal
numbers of rows (``(X, y)``).  Anything else iterable is taken as batches
already made (a list of arrays, a generator, or a function returning an
iterable, called once per epoch).  Other kinds of collection plug in with
:func:`register`.

>>> import numpy as np
>>> source = batch_source(np.arange(5.0), batch_size=2, seed=0, shuffle=False)
>>> [batch.tolist() for batch in source.epoch()]
[[0.0, 1.0], [2.0, 3.0], [4.0]]
>>> source.rows, source.steps_per_epoch
(5, 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from steepest.errors import OptimizationError

SOLVER_BATCHES = {"gd": None, "sgd": 1, "minibatch": 32}


class BatchSource:
    """The batches of one data set, epoch after epoch.

    ``whole`` is all of the data when it is at hand (``None`` for batches
    that come from an iterator), ``rows`` its number of rows, and
    ``steps_per_epoch`` the number of batches in an epoch (``None`` when
    only the iterator knows).
    """

    whole: Any = None
    rows: int | None = None
    steps_per_epoch: int | None = None

    def epoch(self) -> Iterator[Any]:  # pragma: no cover - every source overrides
        raise NotImplementedError


class InMemory(BatchSource):
    """Rows of arrays or pandas objects, reshuffled every epoch from ``seed``."""

    def __init__(self, data: Any, batch_size: int | None, seed: Any, shuffle: bool) -> None:
        self.whole = np.asarray(data, dtype=float) if isinstance(data, list) else data
        self.rows = count_rows(self.whole)
        if self.rows == 0:
            raise OptimizationError("data has no rows")
        self.batch_size = self.rows if batch_size is None else min(batch_size, self.rows)
        self.steps_per_epoch = math.ceil(self.rows / self.batch_size)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.shuffle = shuffle

    def epoch(self) -> Iterator[Any]:
        n, size = self.rows, self.batch_size
        if size == n and not self.shuffle:
            yield self.whole
            return
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, size):
            yield take_rows(self.whole, order[start : start + size])


class Batches(BatchSource):
    """Batches already made: an iterable (read once per epoch), an iterator (one
    pass in all), or a function returning an iterable (called once per epoch)."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def epoch(self) -> Iterator[Any]:
        if callable(self.data):
            yield from iter(self.data())
        elif isinstance(self.data, Iterator):
            yield from self.data
            self.data = iter(())
        else:
            yield from iter(self.data)


# Other kinds of collection: (is this kind?, make its source) pairs, asked first.
_SOURCES: list[tuple[Callable[[Any], bool], Callable[..., BatchSource]]] = []


def register(
    accepts: Callable[[Any], bool], make: Callable[[Any, int | None, Any, bool], BatchSource]
) -> None:
    """Teach :func:`batch_source` a new kind of data (a distributed or lazy collection).

    ``make(data, batch_size, seed, shuffle)`` is called for data that ``accepts``.
    """
    _SOURCES.insert(0, (accepts, make))


def batch_source(data: Any, batch_size: int | None, seed: Any, shuffle: bool = True) -> BatchSource:
    """The :class:`BatchSource` for ``data``, or one sentence on why there is none."""
    for accepts, make in _SOURCES:
        if accepts(data):
            return make(data, batch_size, seed, shuffle)
    if in_memory(data):
        return InMemory(data, batch_size, seed, shuffle)
    if hasattr(data, "__dask_graph__"):
        raise OptimizationError(
            f"data is a lazy collection ({type(data).__name__}) that steepest cannot read "
            "batch by batch here; compute it into memory first (for example "
            "data.compute()), or install the extra with pip install 'steepest[dask]'"
        )
    iterable = callable(data) or isinstance(data, Iterable)
    if isinstance(data, Mapping | str | bytes) or not iterable:
        raise OptimizationError(
            f"data of type {type(data).__name__} cannot be split into batches; use an "
            "array, a DataFrame, a tuple of arrays, or an iterable of batches"
        )
    return Batches(data)


def in_memory(data: Any) -> bool:
    """Data that can be indexed by rows (sliced into batches and evaluated whole).

    >>> in_memory([1.0, 2.0]), in_memory([np.zeros(2), np.zeros(3)])
    (True, False)
    """
    if isinstance(data, np.ndarray) or hasattr(data, "iloc"):
        return True
    if isinstance(data, tuple) and data and all(in_memory(part) for part in data):
        return True
    if isinstance(data, list):
        # A list of numbers is data; a list of arrays is a list of batches.
        try:
            return np.asarray(data, dtype=float).ndim == 1
        except (TypeError, ValueError):
            return False
    return False


def count_rows(data: Any) -> int:
    """Rows of an array, a pandas object or a tuple of them (which must agree)."""
    if isinstance(data, tuple):
        lengths = {count_rows(part) for part in data}
        if len(lengths) != 1:
            raise OptimizationError(
                f"the arrays in data have different numbers of rows: {sorted(lengths)}"
            )
        return lengths.pop()
    return len(data)


def take_rows(data: Any, index: np.ndarray) -> Any:
    """The rows ``index`` of an array, a pandas object or each member of a tuple."""
    if isinstance(data, tuple):
        return tuple(take_rows(part, index) for part in data)
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return data[index]


def solver_batch_size(solver: str, batch_size: int | None) -> int | None:
    """The batch size a solver name means (see the table above); ``batch_size`` wins
    for ``"minibatch"``.

    >>> solver_batch_size("sgd", None), solver_batch_size("minibatch", 8)
    (1, 8)
    """
    if solver == "minibatch":
        return batch_size if batch_size is not None else SOLVER_BATCHES["minibatch"]
    if solver == "sgd":
        if batch_size not in (None, 1):
            raise OptimizationError(
                f"solver 'sgd' takes one row per step; for batch_size={batch_size} "
                "use solver 'minibatch'"
            )
        return 1
    return batch_size


__all__ = [
    "SOLVER_BATCHES",
    "BatchSource",
    "Batches",
    "InMemory",
    "batch_source",
    "count_rows",
    "in_memory",
    "register",
    "solver_batch_size",
    "take_rows",
]
