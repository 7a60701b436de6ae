"""Data that lives in Dask: one more source of batches and one more way to evaluate the loss.

A Dask array, DataFrame or Series (or a tuple of them with the same rows)
given as ``data=`` to :func:`steepest.minimize`, or as ``X`` and ``y`` to a
model, stays where it is: on the workers of a ``distributed`` cluster when
a client is active (:func:`cluster` starts one), otherwise in Dask's local
threaded scheduler, with nothing to start.  The descent loop is the same
one as for data in memory; only two things differ, both here:

- **full batch**: each evaluation of the loss and gradient (and Hessian for
  Newton) is one map-reduce.  Every partition computes ``rows x loss`` and
  ``rows x gradient`` with steepest's automatic differentiation (or the
  model's closed form) where it lives; one reduction adds them and divides
  by the rows; one round trip to the scheduler per evaluation.  The data is
  persisted on the workers once per run and the function is shipped to
  them once per run; only the parameters travel each step (sent once to
  the cluster when they are large).
- **over batches** (``batch_size``): each epoch visits the partitions in an
  order drawn from ``seed``, shuffles the rows of each partition where it
  lives (a seed per partition, drawn from the same generator) and fetches
  the next partition while the steps run on the current one.  Batches have
  ``batch_size`` rows and run across partition boundaries, so an epoch has
  ``ceil(rows / batch_size)`` steps, as in memory.  The same partitioning
  and seed give the same run.  Over batches the data is not persisted (it
  may be larger than the workers' memory): an epoch reads each partition
  once for its batches and once more for the loss on all of the data.

The contract for the user's function is the one of data in memory:
``f(params, batch)`` returns the **mean** over the rows of ``batch`` (so
that partitions of different sizes combine by their rows); a function that
returns the sum says so with ``reduction="sum"`` on :class:`Partitions`.
A Dask Series reaches ``f`` as a NumPy array (when the gradient is
automatic), a DataFrame as a pandas DataFrame, a Dask array as NumPy.

Without Dask installed, a Dask object gives one sentence:
``pip install 'steepest[dask]'``.

>>> import numpy as np, steepest as st
>>> import dask.array as da
>>> y = da.from_array(np.array([12.1, 12.8, 14.9, 16.3, 17.2]), chunks=2)
>>> res = st.minimize(lambda t, y: np.mean((y - t) ** 2), 0.0, data=y, lr=0.2, tol=1e-3)
>>> round(res.x, 6), res.nit
(14.658511, 18)
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.batches import BatchSource, count_rows, register, take_rows
from steepest.optim.objective import Objective

INSTALL = "pip install 'steepest[dask]'"
# Parameter vectors with more entries than this are sent to the cluster once per step
# instead of inside every partition's task.
SCATTER_ENTRIES = 100_000
# Over batches on a cluster, a partition reaches the client in slices of this many rows (or
# a batch, when larger): the client holds two slices, not two partitions.
SLICE_ROWS = 65_536


def require_dask(what: str = "this data is a Dask collection") -> Any:
    """The ``dask`` module, or one sentence on how to install it.

    >>> require_dask().__name__
    'dask'
    """
    try:
        import dask
        import dask.array
    except ImportError:
        raise OptimizationError(
            f"{what}, and Dask is not installed: {INSTALL}"
        ) from None
    return dask


def is_lazy(data: Any) -> bool:
    """Whether ``data`` is a Dask collection, :class:`Partitions`, or a tuple of them.

    >>> is_lazy(np.zeros(3)), is_lazy((np.zeros(3),))
    (False, False)
    """
    if isinstance(data, Partitions):
        return True
    if isinstance(data, tuple) and data:
        return any(is_lazy(part) for part in data)
    return hasattr(data, "__dask_graph__") and hasattr(data, "__dask_keys__")


def active_client() -> Any:
    """The active ``distributed.Client``, or None (Dask's local scheduler is used then).

    >>> active_client() is None  # no cluster started here
    True
    """
    if "distributed" not in sys.modules:
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def cluster(workers: int | None = None, *, scheduler: str | None = None,
            threads_per_worker: int = 1, processes: bool = True,
            memory_limit: str | float | None = "auto", quiet: bool = False) -> Any:
    """Start a Dask ``LocalCluster`` of ``workers`` (or connect to ``scheduler``); the client.

    The client becomes the active one: every run over Dask data then uses
    it.  The dashboard's link is printed when a cluster is started (unless
    ``quiet``).  Close it with ``client.close()`` (and ``client.cluster.close()``),
    or use it as a ``with`` block.

    >>> import steepest as st
    >>> with st.cluster(workers=1, processes=False, quiet=True) as client:
    ...     len(client.scheduler_info()["workers"])
    1
    """
    require_dask("a Dask cluster was asked for")
    try:
        from distributed import Client
    except ImportError:
        raise OptimizationError(f"a Dask cluster needs the distributed package: {INSTALL}") \
            from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as error:
            raise OptimizationError(
                f"no Dask scheduler answered at {scheduler} ({error}); start one with "
                "`dask scheduler`, or leave the address out to start a local cluster"
            ) from None
    count = 1 if workers is None else workers
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise OptimizationError(f"workers must be a whole number >= 1, not {workers!r}")
    # The client owns its cluster: closing the client (or leaving its with block) ends both.
    client = Client(n_workers=count, threads_per_worker=threads_per_worker,
                    silence_logs=logging.ERROR,
                    processes=processes, memory_limit=memory_limit,
                    dashboard_address=":0")
    if not quiet:
        print(f"Dask cluster of {count} worker{'s' * (count != 1)}: dashboard at "
              f"{client.dashboard_link}", file=sys.stderr)
    return client


# --------------------------------------------------------------------------------------------
# partitions
# --------------------------------------------------------------------------------------------


class Partitions:
    """A data set in Dask, as the list of its partitions (each a Dask ``Delayed``).

    Built from a Dask array, DataFrame or Series, or a tuple of them with the
    same rows (each partition is then the tuple of their partitions).
    ``reduction`` says what the user's function returns over a batch:
    ``"mean"`` (the default) or ``"sum"`` over its rows.  ``parallel=True``
    makes mini-batch descent synchronous and data-parallel: every partition
    gives each step its share of the batch, where it lives, and the step
    uses their gradients averaged by rows (one round trip per step).

    >>> import dask.array as da
    >>> parts = Partitions(da.ones((10, 2), chunks=(4, 2)))
    >>> parts.npartitions, parts.rows()
    (3, 10)
    """

    def __init__(self, data: Any, reduction: str = "mean", parallel: bool = False) -> None:
        require_dask()
        if reduction not in ("mean", "sum"):
            raise OptimizationError(f"reduction must be 'mean' or 'sum', not {reduction!r}")
        self.reduction, self.parallel = reduction, bool(parallel)
        if isinstance(data, Partitions):
            self.parts, self.names = list(data.parts), data.names
        else:
            self.parts, self.names = _partitions_of(data)
        self._rows: list[int] | None = None

    @property
    def npartitions(self) -> int:
        """The number of partitions."""
        return len(self.parts)

    def map(self, func: Callable[..., Any], *args: Any) -> Partitions:
        """The partitions ``func(partition, *args)``, lazily (nothing is computed here)."""
        from dask import delayed

        clone = object.__new__(Partitions)
        clone.__dict__.update(self.__dict__)
        clone.parts = [delayed(func, pure=True)(part, *args) for part in self.parts]
        return clone

    def each(self, func: Callable[..., Any], *args: Any) -> list[Any]:
        """``func(partition, index, *args)`` for every partition, in one computation."""
        from dask import delayed

        tasks = [delayed(func, pure=True)(part, i, *args) for i, part in enumerate(self.parts)]
        return list(_compute(tasks))

    def rows_per_partition(self) -> list[int]:
        """The rows of each partition (counted once, where the partitions live)."""
        if self._rows is None:
            self._rows = [int(n) for n in self.each(_rows_of)]
        return self._rows

    def rows(self) -> int:
        """The rows in all."""
        return sum(self.rows_per_partition())


def _partitions_of(data: Any) -> tuple[list[Any], list[str] | None]:
    """The Delayed partitions of a collection (or tuple of them), and column names."""
    from dask import delayed

    if isinstance(data, tuple):
        if not all(is_lazy(part) for part in data):
            raise OptimizationError(
                "data mixes Dask collections with data in memory; make every member of the "
                "tuple a Dask collection with the same partitions (dask.array.from_array)"
            )
        if len(data) > 1 and all(hasattr(part, "divisions") for part in data):
            return _frames_together(data), None
        arrays = [part for part in data if hasattr(part, "chunks") and hasattr(part, "rechunk")]
        if len(arrays) == len(data) > 1 and not any(
                math.isnan(n) for part in arrays for n in part.chunks[0]):
            # Arrays split differently along the rows are split like the first one.
            rows = arrays[0].chunks[0]
            data = tuple(part if part.chunks[0] == rows else part.rechunk({0: rows})
                         for part in data)
        members = [_partitions_of(part)[0] for part in data]
        counts = {len(member) for member in members}
        if len(counts) != 1:
            raise OptimizationError(
                f"the members of data have different numbers of partitions "
                f"({', '.join(str(len(m)) for m in members)}); split them alike (for example "
                "columns of one DataFrame, or arrays with the same chunks along the rows)"
            )
        together = [delayed(_together, pure=True)(*row) for row in zip(*members, strict=True)]
        return together, None
    if isinstance(data, Partitions):
        return list(data.parts), data.names
    if hasattr(data, "to_delayed") and hasattr(data, "chunks"):  # a Dask array
        if data.ndim == 0:
            raise OptimizationError("data is a single number; steepest needs rows of data")
        if data.ndim > 1 and len(data.chunks[1]) > 1:
            data = data.rechunk({i: -1 for i in range(1, data.ndim)})
        blocks = data.to_delayed()
        return list(blocks.reshape(blocks.shape[0], -1)[:, 0]), None
    if hasattr(data, "to_delayed") and hasattr(data, "divisions"):  # DataFrame or Series
        names = [str(c) for c in data.columns] if data.ndim == 2 else None
        return list(data.to_delayed()), names
    raise OptimizationError(
        f"data is a lazy collection ({type(data).__name__}) that steepest cannot read "
        "partition by partition; use a Dask array, DataFrame or Series, or compute it into "
        "memory first (data.compute())"
    )


def _frames_together(frames: tuple[Any, ...]) -> list[Any]:
    """The partitions of several Dask DataFrames and Series read side by side.

    Dask may split each column selection of the same files differently when
    it plans them apart, so the members are joined into one frame first and
    each of its partitions is split back into the members.
    """
    from dask import delayed

    layout: list[tuple[list[str], list[Any], bool, Any]] = []
    joined = None
    for k, member in enumerate(frames):
        series = member.ndim == 1
        frame = member.to_frame() if series else member
        originals = list(frame.columns)
        inner = [f"_{k}_{i}" for i in range(len(originals))]
        frame = frame.rename(columns=dict(zip(originals, inner, strict=True)))
        layout.append((inner, originals, series, getattr(member, "name", None)))
        try:
            joined = frame if joined is None else joined.assign(
                **{name: frame[name] for name in inner})
        except (ValueError, NotImplementedError, TypeError):
            raise OptimizationError(
                "the members of data are not split alike; take them from one DataFrame "
                "(X = frame[columns], y = frame[target])"
            ) from None
    return [delayed(_split, pure=True)(part, layout) for part in joined.to_delayed()]


def _split(part: Any, layout: list[tuple[list[str], list[Any], bool, Any]]) -> tuple[Any, ...]:
    members = []
    for inner, originals, series, name in layout:
        frame = part[inner]
        frame.columns = originals
        members.append(frame.iloc[:, 0].rename(name) if series else frame)
    return tuple(members)


def _together(*members: Any) -> tuple[Any, ...]:
    lengths = {count_rows(member) for member in members}
    if len(lengths) != 1:
        raise OptimizationError(
            f"the members of data have partitions with different numbers of rows "
            f"({sorted(lengths)}); split them alike"
        )
    return tuple(members)


def _rows_of(part: Any, index: int) -> int:
    return count_rows(part)


def _compute(tasks: Sequence[Any]) -> Any:
    """Compute Dask objects in one go: on the active client, else the local threads."""
    import dask

    client = active_client()
    if client is not None:
        return client.compute(list(tasks), sync=True)
    return dask.compute(*tasks, scheduler="threads")


def as_batch(part: Any, series_as_numpy: bool) -> Any:
    """A partition as the user's function receives it: a pandas Series as NumPy when asked
    (the automatic gradient cannot trace pandas), tuples member by member.

    >>> import pandas as pd
    >>> as_batch((pd.Series([1.0, 2.0]), np.zeros(2)), series_as_numpy=True)[0]
    array([1., 2.])
    """
    if isinstance(part, tuple):
        return tuple(as_batch(member, series_as_numpy) for member in part)
    if series_as_numpy and getattr(part, "ndim", 0) == 1 and hasattr(part, "iloc"):
        return part.to_numpy()
    return part


# --------------------------------------------------------------------------------------------
# evaluation where the data lives
# --------------------------------------------------------------------------------------------


class _Evaluator:
    """What each partition runs: the user's function (and gradient program) on a partition.

    Pickled to the workers once per run; each worker builds its
    :class:`Objective` (and records the gradient program) on first use.
    """

    def __init__(self, f: Any, grad: Any, hessian: Any, args: tuple[Any, ...],
                 shape: tuple[int, ...], series_as_numpy: bool, reduction: str) -> None:
        self.f, self.grad, self.hessian, self.args, self.shape = f, grad, hessian, args, shape
        self.series_as_numpy, self.reduction = series_as_numpy, reduction
        self._objective: Objective | None = None
        self._bound: dict[int, tuple[Any, Objective]] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_objective"], state["_lock"], state["_bound"] = None, None, {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def objective(self) -> Objective:
        if self._objective is None:
            with self._lock:
                if self._objective is None:
                    self._objective = Objective(self.f, grad=self.grad, hessian=self.hessian,
                                                args=self.args, shape=self.shape)
        return self._objective

    def order(self, index: int, rows: int, seed: int, shuffle: bool) -> np.ndarray:
        """The order of a partition's rows for one epoch (kept while the epoch lasts)."""
        kept = self._bound.get(-1 - index)
        if kept is None or kept[0] != (rows, seed, shuffle):
            order = np.random.default_rng(seed).permutation(rows) if shuffle else np.arange(rows)
            kept = ((rows, seed, shuffle), order)  # type: ignore[assignment]
            self._bound[-1 - index] = kept
        return kept[1]  # type: ignore[return-value]

    def bound(self, index: int, part: Any) -> Objective:
        """The objective on a partition held in memory (persisted): built once per run, so
        the gradient program recorded at its first evaluation is replayed at the next."""
        kept = self._bound.get(index)
        if kept is None or kept[0] is not part:
            call = (as_batch(part, self.series_as_numpy), *self.args)
            kept = (part, Objective(self.f, grad=self.grad, hessian=self.hessian, args=call,
                                    shape=self.shape))
            self._bound[index] = kept
        return kept[1]

    def partial(self, z: np.ndarray, part: Any, what: str,
                index: int | None = None) -> tuple[Any, ...]:
        """``(rows, weight x loss, weight x gradient, weight x Hessian)`` on one partition
        (weight: its rows for a mean, 1 for a sum); Nones for what was not asked.
        ``index``: the partition is held from one evaluation to the next."""
        rows = count_rows(part)
        if rows == 0:
            return 0, 0.0, None, None
        weight = float(rows) if self.reduction == "mean" else 1.0
        if index is not None and what == "grad":
            value, g = self.bound(index, part).vg(z)
            return rows, weight * value, weight * g, None
        batch = as_batch(part, self.series_as_numpy)
        objective = self.objective()
        call = (batch, *self.args)
        g = h = None
        if what == "value":
            value = float(objective.with_args(call).value(z))
        else:
            value, g = objective.vg_with(z, call)
            g = weight * g
        if what == "hessian":
            h = weight * objective.with_args(call).hessian(z)
        return rows, weight * value, g, h


def _share_partial(evaluator: _Evaluator, z: np.ndarray, part: Any, share: _Share,
                   index: int) -> tuple[Any, ...]:
    """The partition's share of one data-parallel step: its rows ``lo:hi`` of the epoch's
    order of its rows (drawn from the partition's seed)."""
    rows = count_rows(part)
    order = evaluator.order(index, rows, int(share.seeds[index]), share.shuffle)
    lo, hi = (rows * share.step) // share.steps, (rows * (share.step + 1)) // share.steps
    return evaluator.partial(z, take_rows(part, order[lo:hi]), "grad")


def _partial(evaluator: _Evaluator, z: np.ndarray, part: Any, what: str,
             index: int | None = None) -> tuple[Any, ...]:
    return evaluator.partial(z, part, what, index)


def _combine(partials: list[tuple[Any, ...]], reduction: str) -> tuple[Any, ...]:
    """Add the partitions' sums in partition order (the same sum at every run) and divide
    by the rows for a mean."""
    rows = sum(p[0] for p in partials)
    value, g, h = 0.0, None, None
    for _, v, gi, hi in partials:
        value += v
        if gi is not None:
            g = gi.copy() if g is None else g + gi
        if hi is not None:
            h = hi.copy() if h is None else h + hi
    if reduction == "mean" and rows:
        value, g, h = value / rows, None if g is None else g / rows, None if h is None else h / rows
    return rows, value, g, h


def _keep(value: Any) -> Any:
    return value


class Cluster:
    """Where a run's data lives: persisted once on the active client's workers, or in memory
    through Dask's local threads; one map-reduce per evaluation, counted in ``round_trips``.

    >>> import dask.array as da
    >>> parts = Partitions(da.from_array(np.array([1.0, 2.0, 6.0]), chunks=2))
    >>> evaluator = _Evaluator(lambda t, y: np.mean((y - t) ** 2), None, None, (), (), True,
    ...                        "mean")
    >>> place = Cluster(parts, evaluator, persist=True)
    >>> value, g, _ = place.evaluate(np.array([3.0]), "grad")
    >>> round(value, 6), g.round(6).tolist(), place.round_trips
    (4.666667, [0.0], 1)
    """

    def __init__(self, partitions: Partitions, evaluator: _Evaluator, persist: bool) -> None:
        self.partitions, self.evaluator = partitions, evaluator
        self.client = active_client()
        self.round_trips = 0
        self.rows: int | None = None
        self._held: list[Any] | None = None
        self._persist = persist
        self._shipped: Any = None

    def held(self) -> list[Any]:
        """The partitions, computed once: futures on the workers, or values in memory."""
        if self._held is None:
            if self.client is not None:
                self._held = self.client.compute(self.partitions.parts)
            else:
                import dask

                self._held = list(dask.compute(*self.partitions.parts, scheduler="threads"))
        return self._held

    def evaluate(self, z: np.ndarray, what: str) -> tuple[float, Any, Any]:
        """``(loss, gradient, Hessian)`` over all partitions at ``z``: one round trip."""
        self.round_trips += 1
        reduction = self.evaluator.reduction
        if not self._persist:
            # Data larger than memory is read again at each evaluation, never held.
            from dask import delayed

            tasks = [delayed(_partial, pure=False)(self.evaluator, z, part, what)
                     for part in self.partitions.parts]
            rows, value, g, h = _combine(list(_compute(tasks)), reduction)
        elif self.client is not None:
            rows, value, g, h = self._on_client(z, what, reduction)
        else:
            import dask.threaded

            held, evaluator = _Held(self.held()), self.evaluator
            graph: dict[Any, Any] = {
                ("partial", i): (_partial_at, evaluator, z, held, i, what)
                for i in range(len(held.parts))
            }
            graph["total"] = (_combine, [("partial", i) for i in range(len(held.parts))],
                              reduction)
            rows, value, g, h = dask.threaded.get(graph, "total")
        if rows == 0:
            raise OptimizationError("the Dask data has no rows")
        self.rows = rows
        return value, g, h

    def evaluate_share(self, z: np.ndarray, share: _Share) -> tuple[float, Any]:
        """Loss and gradient of one data-parallel step: every partition's share, one trip."""
        self.round_trips += 1
        reduction = self.evaluator.reduction
        if self.client is not None:
            client = self.client
            if self._shipped is None:
                self._shipped = client.submit(_keep, self.evaluator, pure=False)
            partials = client.gather([
                client.submit(_share_partial, self._shipped, z, part, share, i, pure=False)
                for i, part in enumerate(self.held())])
        else:
            import dask.threaded

            held, evaluator = _Held(self.held()), self.evaluator
            graph: dict[Any, Any] = {
                ("share", i): (_share_at, evaluator, z, held, share, i)
                for i in range(len(held.parts))
            }
            graph["all"] = (list, [("share", i) for i in range(len(held.parts))])
            partials = dask.threaded.get(graph, "all")
        _, value, g, _ = _combine(list(partials), reduction)
        return value, g

    def _on_client(self, z: np.ndarray, what: str, reduction: str) -> tuple[Any, ...]:
        client = self.client
        if self._shipped is None:
            # The function travels once per run, as a task the scheduler can redo if lost.
            self._shipped = client.submit(_keep, self.evaluator, pure=False)
        point = client.scatter(z, broadcast=True) if z.size > SCATTER_ENTRIES else z
        partials = [client.submit(_partial, self._shipped, point, part, what, i, pure=False)
                    for i, part in enumerate(self.held())]
        # The partial sums are a few numbers per partition: gathered straight to the client
        # and added there in partition order.  (A reduction task on a worker adds a transfer
        # between workers to every round trip: 0.11 s instead of 0.05 s per evaluation on a
        # busy two-core machine, see docs/scale.md.)
        return _combine(client.gather(partials), reduction)

    def fetch(self, index: int, seed: int, shuffle: bool) -> Any:
        """Partition ``index`` with its rows shuffled from ``seed`` (shuffled where it lives)."""
        if self.client is not None:
            part = self.held()[index] if self._persist else self.partitions.parts[index]
            if self._persist:
                return self.client.submit(_shuffled, part, seed, shuffle, pure=False)
            from dask import delayed

            return self.client.compute(delayed(_shuffled, pure=True)(part, seed, shuffle))
        return _fetcher().submit(_shuffled_local, self.partitions.parts[index], seed, shuffle)


class _Share:
    """One step of data-parallel descent: which slice of each partition's epoch order."""

    def __init__(self, seeds: np.ndarray, step: int, steps: int, shuffle: bool) -> None:
        self.seeds, self.step, self.steps, self.shuffle = seeds, step, steps, shuffle


def _share_at(evaluator: _Evaluator, z: np.ndarray, held: _Held, share: _Share,
              i: int) -> tuple[Any, ...]:
    return _share_partial(evaluator, z, held.parts[i], share, i)


class _Held:
    """The partitions in memory, handed to the local scheduler's tasks as one opaque object
    (so that it does not look inside them for tasks)."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts


def _partial_at(evaluator: _Evaluator, z: np.ndarray, held: _Held, i: int,
                what: str) -> tuple[Any, ...]:
    return evaluator.partial(z, held.parts[i], what, i)


def _shuffled(part: Any, seed: int, shuffle: bool) -> Any:
    if not shuffle:
        return part
    order = np.random.default_rng(seed).permutation(count_rows(part))
    return take_rows(part, order)


def _slice_of(part: Any, start: int, stop: int) -> tuple[Any, int]:
    """Rows ``start:stop`` of a partition, and how many rows it has."""
    rows = count_rows(part)
    return take_rows(part, np.arange(start, min(stop, rows))), rows


def _shuffled_local(part: Any, seed: int, shuffle: bool) -> Any:
    import dask

    (value,) = dask.compute(part, scheduler="sync")
    return _shuffled(value, seed, shuffle)


_FETCHER: list[concurrent.futures.ThreadPoolExecutor] = []


def _fetcher() -> concurrent.futures.ThreadPoolExecutor:
    """One thread that fetches the next partition while the steps run on the current one."""
    if not _FETCHER:
        _FETCHER.append(concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="steepest-fetch"))
    return _FETCHER[0]


class DistributedObjective(Objective):
    """The loss over all of the Dask data: each evaluation one map-reduce over the partitions.

    On a batch (``vg_with``) it evaluates in memory, like :class:`Objective`.

    >>> import dask.array as da
    >>> source = DaskSource(da.from_array(np.array([1.0, 2.0, 6.0]), chunks=2), None, 0, True)
    >>> objective = source.objective(lambda t, y: np.mean((y - t) ** 2))
    >>> objective.vg(np.array([0.0]))
    (13.666666666666666, array([-6.]))
    """

    distributed = True

    def __init__(self, cluster: Cluster, f: Any, *, grad: Any = None, hessian: Any = None,
                 args: Sequence[Any] = (), shape: tuple[int, ...] = (),
                 sign: float = 1.0) -> None:
        self.cluster = cluster
        super().__init__(f, grad=grad, hessian=hessian, args=args, shape=shape, sign=sign)
        if self.kind == "symbolic":
            raise OptimizationError(
                "an expression string takes no data; write the loss as a NumPy function "
                "f(params, batch) to run it over Dask data"
            )

    def _make_vg(self) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        if not getattr(self, "distributed", False) or "cluster" not in self.__dict__:
            return super()._make_vg()
        sign, evaluate = self.sign, self.cluster.evaluate

        def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
            value, g, _ = evaluate(z, "grad")
            g = np.asarray(g, dtype=float).reshape(-1)
            return sign * value, g if sign == 1.0 else -g

        return vg

    def vg_with(self, z: np.ndarray, args: tuple[Any, ...]) -> tuple[float, np.ndarray]:
        """On a batch in memory as :class:`Objective`; a data-parallel step's share where the
        partitions live."""
        if args and isinstance(args[0], _Share):
            value, g = self.cluster.evaluate_share(z, args[0])
            g = np.asarray(g, dtype=float).reshape(-1)
            return self.sign * value, g if self.sign == 1.0 else -g
        return super().vg_with(z, args)

    def with_args(self, args: Sequence[Any]) -> Objective:
        """The loss on one batch in memory (a plain :class:`Objective`)."""
        return Objective(self.function, grad=self.user_grad, hessian=self.user_hessian,
                         args=args, shape=self.shape, sign=self.sign)

    def value(self, z: np.ndarray) -> float:
        """The loss over all of the data alone (one round trip)."""
        return self.sign * self.cluster.evaluate(z, "value")[0]

    def hessian(self, z: np.ndarray) -> np.ndarray:
        """The Hessian over all of the data, each partition's weighted by its rows."""
        h = self.cluster.evaluate(z, "hessian")[2]
        return self.sign * np.asarray(h, dtype=float).reshape(z.size, z.size)

    def float_sweep(self) -> Any:
        """None: the steps over Dask data are not taken over Python floats."""
        return None


class DaskSource(BatchSource):
    """The batches of a Dask collection (see the module's documentation).

    >>> import dask.array as da
    >>> source = DaskSource(da.from_array(np.arange(5.0), chunks=2), 2, 0, False)
    >>> _ = source.objective(lambda t, y: np.mean((y - t) ** 2))
    >>> [batch.tolist() for batch in source.epoch()]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    """

    whole = None

    def __init__(self, data: Any, batch_size: int | None, seed: Any, shuffle: bool) -> None:
        self.partitions = data if isinstance(data, Partitions) else Partitions(data)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.cluster: Cluster | None = None
        self.rows: int | None = None
        self.steps_per_epoch: int | None = None
        # The rows are not counted ahead (that would read all of the data once more): an
        # epoch simply ends with the last partition.

    def objective(self, f: Any, *, grad: Any = None, hessian: Any = None,
                  args: Sequence[Any] = (), shape: tuple[int, ...] = (),
                  sign: float = 1.0) -> DistributedObjective:
        """The objective over this data, evaluated where the partitions live."""
        series = grad is None and not isinstance(f, str)
        evaluator = _Evaluator(f, grad, hessian, tuple(args), tuple(shape), series,
                               self.partitions.reduction)
        held = self.batch_size is None or self.partitions.parallel
        self.cluster = Cluster(self.partitions, evaluator, persist=held)
        return DistributedObjective(self.cluster, f, grad=grad, hessian=hessian, args=args,
                                    shape=shape, sign=sign)

    def epoch(self) -> Iterator[Any]:
        """The batches of one epoch: partitions in a seeded order, rows shuffled where they live,
        the next partition fetched while the current one is used."""
        if self.cluster is None or self.batch_size is None:
            raise OptimizationError("batches of Dask data are drawn through steepest.minimize")
        if self.partitions.parallel:
            yield from self._parallel_epoch()
            return
        count = self.partitions.npartitions
        order = self.rng.permutation(count) if self.shuffle else np.arange(count)
        seeds = self.rng.integers(0, 2**63 - 1, size=count)
        size, series = self.batch_size, self.cluster.evaluator.series_as_numpy
        pieces: list[Any] = []
        held = 0
        for part in self._arriving(order, seeds):
            rows = count_rows(part)
            start = 0
            while start < rows:
                take = min(size - held, rows - start)
                pieces.append(take_rows(part, np.arange(start, start + take)))
                held += take
                start += take
                if held == size:
                    yield as_batch(_joined(pieces), series)
                    pieces, held = [], 0
            part = None  # let it go before the next one arrives: at most two at a time
        if held:
            yield as_batch(_joined(pieces), series)

    def _arriving(self, order: np.ndarray, seeds: np.ndarray) -> Iterator[Any]:
        """The rows of the epoch in order: each partition shuffled where it lives; on a
        cluster handed over in slices, the next one asked for while the current one is used."""
        cluster, count = self.cluster, len(order)
        assert cluster is not None
        pending = cluster.fetch(int(order[0]), int(seeds[order[0]]), self.shuffle)
        if cluster.client is None:
            for position in range(count):
                part = pending.result()
                if position + 1 < count:
                    following = int(order[position + 1])
                    pending = cluster.fetch(following, int(seeds[following]), self.shuffle)
                yield part
                part = None  # let it go before the next one arrives
            return
        client = cluster.client
        step = max(SLICE_ROWS, self.batch_size or 1)
        position, shuffled = 0, pending
        following = cluster.fetch(int(order[1]), int(seeds[order[1]]), self.shuffle) \
            if count > 1 else None
        request = client.submit(_slice_of, shuffled, 0, step, pure=False)
        start = 0
        while request is not None:
            piece, rows = request.result()
            start += step
            if start < rows:
                request = client.submit(_slice_of, shuffled, start, start + step, pure=False)
            elif position + 1 < count:
                position, start, shuffled = position + 1, 0, following
                following = cluster.fetch(int(order[position + 1]),
                                          int(seeds[order[position + 1]]), self.shuffle) \
                    if position + 1 < count else None
                request = client.submit(_slice_of, shuffled, 0, step, pure=False)
            else:
                request = None
            yield piece
            piece = None


    def _parallel_epoch(self) -> Iterator[Any]:
        """Data-parallel steps: ``ceil(rows / batch_size)`` of them, each taking from every
        partition its share of the batch (a slice of its rows in an order drawn from the
        partition's seed for this epoch)."""
        if self.rows is None:
            self.rows = self.partitions.rows()
            if self.rows == 0:
                raise OptimizationError("the Dask data has no rows")
            self.steps_per_epoch = math.ceil(self.rows / min(self.batch_size, self.rows))
        count = self.partitions.npartitions
        seeds = self.rng.integers(0, 2**63 - 1, size=count)
        steps = self.steps_per_epoch or 1
        for step in range(steps):
            yield _Share(seeds, step, steps, self.shuffle)


def _joined(pieces: list[Any]) -> Any:
    """Rows of several pieces as one batch (arrays, pandas objects, or tuples of them)."""
    if len(pieces) == 1:
        return pieces[0]
    first = pieces[0]
    if isinstance(first, tuple):
        return tuple(_joined([piece[i] for piece in pieces]) for i in range(len(first)))
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(pieces)
    return np.concatenate(pieces)


def _make_source(data: Any, batch_size: int | None, seed: Any, shuffle: bool) -> DaskSource:
    return DaskSource(data, batch_size, seed, shuffle)


register(is_lazy, _make_source)


__all__ = [
    "INSTALL",
    "Cluster",
    "DaskSource",
    "DistributedObjective",
    "Partitions",
    "active_client",
    "as_batch",
    "cluster",
    "is_lazy",
    "require_dask",
]
