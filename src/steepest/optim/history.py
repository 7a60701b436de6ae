"""Per-iteration record of a run, in preallocated arrays of bounded size.

Row ``k`` holds iterate ``x_k``, the loss and gradient there, the length of
the step that led to ``x_k`` and the learning rate of that step (row 0 is
the start, with no step: ``nan``).

Full iterates and gradients are kept for runs over at most
``KEEP_ITERATES_UP_TO`` (10,000) parameters, or when asked (``iterates=True``,
``record="all"`` in :func:`steepest.minimize`).  A run over more parameters
keeps per-step summaries only (iteration, loss, gradient norm, step
length, rate): a few dozen bytes a step instead of two copies of the
parameters, so that descent over millions of parameters costs little more
memory than the hand-written loop; its ``x`` and ``grad`` say, in one
sentence, that they were not kept (the result's ``x`` and ``grad`` hold the
last ones).

Memory stays bounded on very long runs.  Every row is kept until the
history holds ``limit`` rows (by default 100,000, fewer when the parameters
are large so that iterates and gradients stay within about 80 MB).  After
that the first quarter of the limit is kept as it was, the rows in the
middle are thinned to every ``stride``-th iteration (the stride doubling
each time the space fills again), and the most recent quarter of the limit
is kept in full.  ``thinned`` says whether this happened; the
``iteration`` column always tells which iterations are present.

>>> import numpy as np
>>> h = History(shape=())
>>> h.record(0, np.array([0.0]), 4.0, np.array([-4.0]), np.nan, np.nan)
>>> h.record(1, np.array([1.6]), 0.16, np.array([-0.8]), 1.6, 0.4)
>>> h.to_frame()
   iteration    x  loss  grad_norm  step   lr
0          0  0.0  4.00        4.0   NaN  NaN
1          1  1.6  0.16        0.8   1.6  0.4
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from steepest.errors import OptimizationError
from steepest.optim.lengths import vector_length

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_LIMIT = 100_000
FLOAT_BUDGET = 10_000_000  # floats for iterates plus gradients (80 MB)
KEEP_ITERATES_UP_TO = 10_000  # parameters; larger runs keep per-step summaries only


class _Column:
    """A read-only column of a :class:`History` (a view; iterates and gradients reshaped)."""

    def __init__(self, key: str, doc: str, shaped: bool = False) -> None:
        self.key, self.shaped, self.__doc__ = key, shaped, doc

    def __get__(self, history: History | None, owner: type) -> Any:
        if history is None:
            return self
        column = history._column(self.key)
        return column.reshape(-1, *history.shape) if self.shaped else column


class History:
    """Iterates, losses, gradients, step lengths and learning rates of one run.

    Arrays are exposed as read-only views: ``iteration``, ``x`` (one row per
    kept iteration, each shaped like the start), ``loss``, ``grad`` (shaped
    like ``x``), ``grad_norm``, ``step`` and ``lr``.  ``epochs`` is the
    per-epoch history of a stochastic run (``None`` otherwise).
    ``iterates`` says whether ``x`` and ``grad`` are kept (by default, when
    the parameters have at most ``KEEP_ITERATES_UP_TO`` entries).

    >>> h = History(shape=(20_000,))
    >>> h.record(0, np.ones(20_000), 1.0, np.full(20_000, 2.0), np.nan, np.nan)
    >>> h.iterates, h.grad_norm.tolist()
    (False, [282.842712474619])
    """

    def __init__(
        self,
        shape: tuple[int, ...] = (),
        *,
        limit: int | None = None,
        variables: tuple[str, ...] | None = None,
        kind: str = "steps",
        sign: float = 1.0,
        iterates: bool | None = None,
    ) -> None:
        self.shape = tuple(shape)
        self.size = math.prod(self.shape)
        self.variables = variables
        self.kind = kind
        self.sign = sign
        self.iterates = self.size <= KEEP_ITERATES_UP_TO if iterates is None else bool(iterates)
        # Summaries alone take no room per parameter: only iterates count against the budget.
        kept = self.size if self.iterates else 0
        budget_rows = FLOAT_BUDGET // (2 * max(1, kept))
        self.limit = max(4, min(DEFAULT_LIMIT if limit is None else int(limit), budget_rows))
        self.epochs: History | None = None
        self.thinned = False
        self._stride = 1
        self._head = self.limit // 4
        self._count = 0
        self._allocate(min(self.limit, 256))
        self._ring: dict[str, np.ndarray] | None = None
        self._ring_count = 0

    # -- storage ----------------------------------------------------------------------------------

    def _allocate(self, capacity: int) -> None:
        old = getattr(self, "_arrays", None)
        width = self.size if self.iterates else 0
        arrays = {
            "iteration": np.zeros(capacity, dtype=np.int64),
            "x": np.zeros((capacity, width)),
            "grad": np.zeros((capacity, width)),
            "grad_norm": np.zeros(capacity),
            "loss": np.zeros(capacity),
            "step": np.zeros(capacity),
            "lr": np.zeros(capacity),
        }
        if old is not None:
            for key, array in arrays.items():
                array[: self._count] = old[key][: self._count]
        self._arrays = arrays
        self._capacity = capacity
        # Bound names for the fast path of record().
        self._it, self._x, self._g = arrays["iteration"], arrays["x"], arrays["grad"]
        self._gn = arrays["grad_norm"]
        self._loss = arrays["loss"]
        self._step, self._lr = arrays["step"], arrays["lr"]

    def record(
        self,
        iteration: int,
        x: np.ndarray,
        loss: float,
        grad: np.ndarray | None,
        step: float,
        lr: float,
    ) -> None:
        """Add one row (``x`` and ``grad`` flat, ``grad`` None when unknown; ``loss`` of the
        user's function).  ``x`` and ``grad`` are copied only when iterates are kept."""
        i = self._count
        if i < self._capacity and self._stride == 1:
            self._it[i] = iteration
            if self.iterates:
                self._x[i] = x
                self._g[i] = grad if grad is not None else math.nan
            else:
                self._gn[i] = _length(grad)
            self._loss[i] = loss
            self._step[i] = step
            self._lr[i] = lr
            self._count = i + 1
            return
        self._record_slow(iteration, x, loss, grad, step, lr)

    def record_rows(self, rows: list[tuple[float, ...]], lr: float | None = None) -> None:
        """Add many rows at once, each ``(iteration, *x, loss, *grad, step, lr)`` as numbers.

        The same as :meth:`record` row by row (flat ``x`` and ``grad`` of
        ``size`` numbers each), in a few array writes instead of one call per
        row.  ``lr``, when given, is the rate of every row, which then ends
        at ``step``.

        >>> h = History(shape=(2,))
        >>> h.record_rows([(1, 0.5, 0.25, 3.0, -1.0, -2.0, 0.1, 0.05)])
        >>> h.x.tolist(), h.grad.tolist(), h.step.tolist(), h.lr.tolist()
        ([[0.5, 0.25]], [[-1.0, -2.0]], [0.1], [0.05])
        """
        if not rows:
            return
        table = np.array(rows, dtype=float)
        n = self.size
        step_at = 2 * n + 2
        rates = table[:, step_at + 1] if lr is None else np.full(len(rows), lr)
        i, m = self._count, len(rows)
        if self._stride != 1 or i + m > self.limit:
            for row, rate in zip(table, rates, strict=True):
                self.record(int(row[0]), row[1 : n + 1], float(row[n + 1]), row[n + 2 : step_at],
                            float(row[step_at]), float(rate))
            return
        if i + m > self._capacity:
            capacity = self._capacity
            while capacity < i + m:
                capacity *= 2
            self._allocate(min(self.limit, capacity))
        self._it[i : i + m] = table[:, 0]
        grads = table[:, n + 2 : step_at]
        if self.iterates:
            self._x[i : i + m] = table[:, 1 : n + 1]
            self._g[i : i + m] = grads
        else:
            self._gn[i : i + m] = np.sqrt(np.einsum("ij,ij->i", grads, grads))
        self._loss[i : i + m] = table[:, n + 1]
        self._step[i : i + m] = table[:, step_at]
        self._lr[i : i + m] = rates
        self._count = i + m

    def _record_slow(self, iteration, x, loss, grad, step, lr) -> None:
        if self._capacity < self.limit:
            self._allocate(min(self.limit, 2 * self._capacity))
            self.record(iteration, x, loss, grad, step, lr)
            return
        if self._ring is None:
            self._start_thinning()
        ring = self._ring
        assert ring is not None
        j = self._ring_count % ring["loss"].size
        values = {
            "iteration": iteration,
            "x": x if self.iterates else 0.0,
            "grad": (grad if grad is not None else math.nan) if self.iterates else 0.0,
            "grad_norm": _length(grad),
            "loss": loss,
            "step": step,
            "lr": lr,
        }
        for key, value in values.items():
            ring[key][j] = value
        self._ring_count += 1
        if iteration % self._stride:
            return
        if self._count == self._capacity:
            self._thin()
        i = self._count
        for key, value in values.items():
            self._arrays[key][i] = value
        self._count = i + 1

    def _start_thinning(self) -> None:
        tail = self.limit // 4
        self._ring = {
            key: np.zeros((tail, *array.shape[1:]), dtype=array.dtype)
            for key, array in self._arrays.items()
        }
        self.thinned = True
        self._stride = 1
        self._thin()

    def _thin(self) -> None:
        """Halve the middle rows: keep iterations that are multiples of the doubled stride."""
        self._stride *= 2
        head = self._head
        middle = self._arrays["iteration"][head : self._count]
        keep = np.flatnonzero(middle % self._stride == 0) + head
        kept = keep.size
        for array in self._arrays.values():
            array[head : head + kept] = array[keep]
        self._count = head + kept

    # -- reading ----------------------------------------------------------------------------------

    def _rows(self) -> dict[str, np.ndarray]:
        columns = {key: array[: self._count] for key, array in self._arrays.items()}
        if self._ring is None or self._ring_count == 0:
            return columns
        size = self._ring["loss"].size
        n = min(self._ring_count, size)
        start = self._ring_count % size if self._ring_count > size else 0
        order = (np.arange(n) + start) % size
        ring = {key: array[order] for key, array in self._ring.items()}
        merged = {key: np.concatenate([columns[key], ring[key]]) for key in columns}
        _, first = np.unique(merged["iteration"], return_index=True)
        return {key: array[first] for key, array in merged.items()}

    def _with_norms(self) -> dict[str, np.ndarray]:
        rows = self._rows()
        if self.iterates:  # the norms of the kept gradients, computed when read
            rows["grad_norm"] = np.sqrt(np.einsum("ij,ij->i", rows["grad"], rows["grad"]))
        return rows

    def __len__(self) -> int:
        return int(self._rows()["iteration"].size) if self._ring is not None else self._count

    def _column(self, key: str) -> np.ndarray:
        if key in ("x", "grad") and not self.iterates:
            what = "iterates" if key == "x" else "gradients"
            raise OptimizationError(
                f"the {what} of this run were not kept: it has {self.size:,} parameters, more "
                f"than {KEEP_ITERATES_UP_TO:,}, so its history keeps the loss, gradient norm, "
                "step and rate of each step; pass record='all' to keep them too (or read the "
                "result's x and grad)"
            )
        column = self._with_norms()[key] if key == "grad_norm" else self._rows()[key]
        column.flags.writeable = False
        return column

    iteration = _Column("iteration", "Iteration number of each kept row (0 is the start).")
    x = _Column("x", "Iterates, one row each, shaped like the starting point.", shaped=True)
    grad = _Column("grad", "Gradients of the user's function at each iterate, shaped like ``x``.",
                   shaped=True)
    loss = _Column("loss", "Value of the user's function at each iterate.")
    grad_norm = _Column("grad_norm", "Euclidean norm of the gradient at each iterate.")
    step = _Column("step", "Length of the step that led to each iterate (``nan`` at the start).")
    lr = _Column("lr", "Learning rate of the step that led to each iterate (``nan`` at the start).")

    def to_frame(self, expand: bool = False) -> pd.DataFrame:
        """A pandas DataFrame: ``iteration``, ``x``, ``loss``, ``grad_norm``, ``step``, ``lr``.

        ``x`` holds floats for a scalar parameter and arrays otherwise;
        ``expand=True`` replaces it with one column per coordinate, named
        after the function's variables when they are known.
        """
        import pandas as pd

        rows = self._with_norms()
        frame: dict[str, Any] = {"iteration": rows["iteration"]}
        xs = rows["x"]
        if not self.iterates:
            pass
        elif expand or not self.shape:
            names = self._coordinate_names()
            if not self.shape:
                frame["x"] = xs[:, 0]
            else:
                for i, name in enumerate(names):
                    frame[name] = xs[:, i]
        else:
            frame["x"] = [row.reshape(self.shape) for row in xs]
        for key in ("loss", "grad_norm", "step", "lr"):
            frame[key] = rows[key]
        return pd.DataFrame(frame)

    def _coordinate_names(self) -> list[str]:
        if self.variables and len(self.variables) == self.size:
            return list(self.variables)
        return [f"x{i}" for i in range(self.size)]

    def table(self, name: str | None = None, digits: int = 2, final: bool = False) -> str:
        """The printed trace of the course: one line per iterate a step was taken from.

        ``theta: 0.00 | loss: 218.76`` for a scalar parameter; coordinates are
        named after the function's variables when known, and a maximization
        prints ``value`` instead of ``loss``.  The last iterate
        (the value returned) is left out, as in the course's loop, unless
        ``final=True``; a grid search lists every grid point.

        >>> import numpy as np
        >>> h = History(shape=())
        >>> h.record(0, np.array([0.0]), 218.764, np.array([-29.3]), np.nan, np.nan)
        >>> h.record(1, np.array([5.86]), 81.2104, np.array([-17.6]), 5.86, 0.2)
        >>> print(h.table(final=True))
        theta: 0.00 | loss: 218.76
        theta: 5.86 | loss: 81.21
        """
        rows = self._rows()
        count = rows["iteration"].size
        if self.kind == "steps" and not final and count > 1:
            count -= 1
        label = "value" if self.sign < 0 else "loss"
        lines = []
        previous = None
        for i in range(count):
            iteration = int(rows["iteration"][i])
            if previous is not None and iteration != previous + 1:
                lines.append(f"... ({iteration - previous - 1} iterations not kept)")
            previous = iteration
            where = (self._format_x(rows["x"][i], name, digits) if self.iterates
                     else f"step {iteration}")
            lines.append(f"{where} | {label}: {rows['loss'][i]:.{digits}f}")
        return "\n".join(lines)

    def _format_x(self, x: np.ndarray, name: str | None, digits: int) -> str:
        if not self.shape:
            default = self.variables[0] if self.variables and len(self.variables) == 1 else "theta"
            return f"{name or default}: {x[0]:.{digits}f}"
        if self.variables and len(self.variables) == self.size and name is None:
            return " | ".join(
                f"{var}: {value:.{digits}f}" for var, value in zip(self.variables, x, strict=True)
            )
        inner = ", ".join(f"{value:.{digits}f}" for value in x)
        return f"{name or 'x'}: ({inner})"

    def _repr_html_(self, limit: int = 12) -> str:
        from steepest.display import box, paragraph, table

        rows = self._rows()
        # Up to six coordinates get a column each; more are summarized by their norm.
        few = self.size <= 6
        names = self._coordinate_names() if few else ["|x|"]
        label = "value" if self.sign < 0 else "loss"
        header = ["iteration", *names, label, "|gradient|", "step length", "rate"]
        count = rows["iteration"].size
        shown = list(range(count)) if count <= limit else [
            *range(limit // 2), *range(count - limit // 2, count)
        ]  # fmt: skip
        norms = np.linalg.norm(rows["grad"], axis=1) if count else np.zeros(0)
        where = rows["x"] if few else np.linalg.norm(rows["x"], axis=1)[:, None]
        body = [
            [int(rows["iteration"][i]), *map(float, where[i]), float(rows["loss"][i]),
             float(norms[i]), float(rows["step"][i]), float(rows["lr"][i])]
            for i in shown
        ]  # fmt: skip
        note = f"{count} rows"
        if count > limit:
            note += f"; the first and last {limit // 2} shown"
        return box("History", paragraph(note), table(body, header))

    def __repr__(self) -> str:
        extra = ", thinned" if self.thinned else ""
        return f"History({len(self)} rows, shape={self.shape}{extra})"


def _length(grad: np.ndarray | None) -> float:
    if grad is None:
        return math.nan
    return vector_length(grad)


__all__ = ["KEEP_ITERATES_UP_TO", "History"]
