"""The function being minimized, seen by the loop as flat float vectors.

Whatever the user passed (an expression string, a ``steepest.Function``, a
NumPy function differentiated automatically, or a function with its own
``grad=``), the loop sees one object with ``vg(z) -> (loss, gradient)`` on a
flat float64 vector ``z``.  For :func:`steepest.maximize` the objective is
negated here, once, so every rule only ever minimizes.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from steepest.autodiff.core import plain_array
from steepest.errors import OptimizationError

Kind = str  # "symbolic" | "autodiff" | "user"


def as_start(x0: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """Validate a starting point: a flat float64 copy and the original shape.

    >>> as_start(0.5)
    (array([0.5]), ())
    >>> as_start([[1, 2], [3, 4]])[1]
    (2, 2)
    """
    if x0 is None:
        raise OptimizationError("a starting point x0 is required for this method")
    if isinstance(x0, np.ndarray) and type(x0) is not np.ndarray:
        x0 = plain_array(x0)  # np.matrix and masked arrays: the function means something else
    try:
        array = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise OptimizationError(f"the starting point must be numbers, not {x0!r}") from None
    if array.size == 0:
        raise OptimizationError("the starting point x0 is empty")
    if not np.all(np.isfinite(array)):
        raise OptimizationError(f"the starting point must be finite numbers, not {x0!r}")
    return array.reshape(-1), array.shape


def _is_function_like(f: Any) -> bool:
    return (
        callable(f)
        and hasattr(f, "variables")
        and callable(getattr(f, "grad", None))
        and callable(getattr(f, "hessian", None))
    )


@functools.lru_cache(maxsize=64)
def _expression(text: str) -> Any:
    """The ``steepest.Function`` of an expression string, parsed and derived once.

    Runs on the same text (a playground session, a script that calls
    ``minimize`` in a loop) share it with its compiled gradient and its
    program over floats; a text that fails to parse is not kept.
    """
    from steepest.symbolic import Function  # SymPy is slow to import: only when needed

    return Function(text)


def resolve_function(f: Any) -> tuple[Any, Kind]:
    """An expression string becomes a ``steepest.Function``; callables pass through."""
    if isinstance(f, str):
        return _expression(f), "symbolic"
    if _is_function_like(f):
        return f, "symbolic"
    if callable(f):
        return f, "autodiff"
    raise OptimizationError(
        f"the function to minimize must be a callable or an expression string, not {f!r}"
    )


class Objective:
    """A loss with its gradient (and Hessian on demand) on flat parameter vectors.

    ``sign = -1`` turns maximization into minimization: every value,
    gradient and Hessian this object returns is of ``sign * f``.

    >>> import numpy as np
    >>> obj = Objective(lambda x: (x - 3.0) ** 2, grad=lambda x: 2 * (x - 3.0), shape=())
    >>> obj.vg(np.array([1.0]))
    (4.0, array([-4.]))
    >>> Objective(lambda x: x * (2 - x), grad=lambda x: 2 - 2 * x, shape=(), sign=-1).vg(
    ...     np.array([0.5]))
    (-0.75, array([-1.]))
    """

    def __init__(
        self,
        f: Any,
        *,
        grad: Callable[..., Any] | None = None,
        hessian: Callable[..., Any] | None = None,
        args: Sequence[Any] = (),
        shape: tuple[int, ...] = (),
        sign: float = 1.0,
    ) -> None:
        self.function, self.kind = resolve_function(f)
        self.user_grad = grad
        self.user_hessian = hessian
        self.args = tuple(args)
        self.shape = tuple(shape)
        self.size = math.prod(self.shape)
        self.sign = float(sign)
        self.variables: tuple[str, ...] | None = None
        if self.kind == "symbolic":
            self.variables = tuple(str(name) for name in self.function.variables)
            if self.size != len(self.variables):
                names = ", ".join(self.variables)
                count = len(self.variables)
                raise OptimizationError(
                    f"the function has {count} variable{'s' * (count != 1)} ({names}) "
                    f"but the starting point has {self.size} value{'s' * (self.size != 1)}"
                )
        if grad is not None:
            self.kind = "user"
        self.vg = self._make_vg()

    # -- building -------------------------------------------------------------------------------

    def with_args(self, args: Sequence[Any]) -> Objective:
        """The same objective with other trailing arguments (another mini-batch)."""
        clone = object.__new__(Objective)
        clone.__dict__.update(self.__dict__)
        clone.args = tuple(args)
        clone.vg = clone._make_vg()
        return clone

    def to_user(self, z: np.ndarray) -> Any:
        """The flat vector in the shape the user's function expects (a float for a scalar)."""
        if not self.shape:
            return z[0]
        return z.reshape(self.shape) if len(self.shape) != 1 else z

    def _make_vg(self) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        f, args, sign, n = self.function, self.args, self.sign, self.size
        to_user = self.to_user
        flat = len(self.shape) == 1

        def as_flat(g: Any) -> np.ndarray:
            # Already a flat float vector (the usual case): no copy, no conversion.
            if type(g) is np.ndarray and g.dtype == np.float64 and g.shape == (n,):
                return g if sign == 1.0 else -g
            if type(g) is float and n == 1:
                return np.array([g if sign == 1.0 else -g])
            g = np.asarray(g, dtype=float).reshape(-1)
            return g if sign == 1.0 else -g

        if self.kind == "symbolic" and self.user_grad is None:
            # At a corner (|x| at 0) descent steps along a subgradient.
            gradient = getattr(f, "descent_grad", f.grad)

            def numpy_vg(z: np.ndarray) -> tuple[float, np.ndarray]:
                return sign * _scalar(f(*z)), as_flat(gradient(*z))

            program = self._float_program()
            if program is None:
                return numpy_vg

            def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
                # The exact gradient over floats; NumPy where that raises (inf, nan, a
                # complex power), as the expression evaluates there.
                try:
                    value, grads = program(*z.tolist())
                except (ArithmeticError, ValueError):
                    return numpy_vg(z)
                if sign == 1.0:
                    return value, np.array(grads)
                return -value, -np.array(grads)

            return vg
        if self.user_grad is not None:
            user_grad = self.user_grad
            if self.kind == "symbolic":

                def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
                    return sign * _scalar(f(*z)), as_flat(user_grad(to_user(z), *args))

            elif flat:

                def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
                    return sign * _scalar(f(z, *args)), as_flat(user_grad(z, *args))

            else:

                def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
                    x = to_user(z)
                    return sign * _scalar(f(x, *args)), as_flat(user_grad(x, *args))

            return vg
        from steepest.autodiff import replay, value_and_grad

        # Every call of a run has the same signature, so once the function is
        # recorded the run calls its program directly: from the first call, when an
        # earlier run recorded it (the entry is looked up then, once).  The tracing
        # wrapper is made only for a call that must be traced.
        recording: list[Any] = [None]
        self._recording = recording
        first, traced = [True], [None]

        def vg(z: np.ndarray) -> tuple[float, np.ndarray]:
            call = (z if flat else to_user(z), *args)
            entry = recording[0]
            if entry is None and first[0]:
                first[0] = False
                entry = recording[0] = replay.lookup(f, call, (0,))
            if entry is not None:
                replayed = entry.replay(call)
                if replayed is not None:
                    return sign * _scalar(replayed[0]), as_flat(replayed[1][0])
            if traced[0] is None:
                traced[0] = value_and_grad(f)
            value, g = traced[0](*call)
            if entry is None or entry.program is None:
                recording[0] = replay.lookup(f, call, (0,))
            return sign * _scalar(value), as_flat(g)

        return vg

    def vg_with(self, z: np.ndarray, args: tuple[Any, ...]) -> tuple[float, np.ndarray]:
        """Like :attr:`vg` with other trailing arguments (a mini-batch), without a new object."""
        sign, x = self.sign, self.to_user(z)
        if self.user_grad is not None:
            value = self.function(*z) if self.kind == "symbolic" else self.function(x, *args)
            g = self.user_grad(x, *args)
        elif self.kind == "symbolic":
            return self.vg(z)
        else:
            value, g = self._traced()(x, *args)
        g = np.asarray(g, dtype=float).reshape(-1)
        return sign * _scalar(value), g if sign == 1.0 else -g

    def _traced(self) -> Callable[..., tuple[Any, Any]]:
        traced = self.__dict__.get("_traced_function")
        if traced is None:
            from steepest.autodiff import value_and_grad

            traced = value_and_grad(self.function)
            self.__dict__["_traced_function"] = traced
        return traced

    # -- what rules may ask for -----------------------------------------------------------------

    def value(self, z: np.ndarray) -> float:
        """``sign * f(z)`` alone (line searches need only this)."""
        if self.kind == "symbolic":
            return self.sign * float(self.function(*z))
        return self.sign * _scalar(self.function(self.to_user(z), *self.args))

    def value_and_grad(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        """``sign * f(z)`` and its gradient, flat."""
        return self.vg(z)

    def hessian(self, z: np.ndarray) -> np.ndarray:
        """``sign *`` the Hessian at ``z`` as an (n, n) array.

        Exact for expression strings, automatic for NumPy functions, the
        user's ``hessian=`` when given, and central differences of the
        user's ``grad=`` otherwise (a user gradient says the function may not
        be traceable).
        """
        n = z.size
        if self.user_hessian is not None:
            h = self.user_hessian(self.to_user(z), *self.args)
        elif self.kind == "symbolic":
            h = self.function.hessian(*z)
        elif self.user_grad is not None:
            h = self._hessian_from_gradient(z)
        else:
            from steepest.autodiff import hessian

            f, args, to_user = self.function, self.args, self.to_user
            if self.shape:
                h = hessian(lambda x: f(x, *args))(to_user(z))
            else:
                h = hessian(lambda x: f(x, *args))(float(z[0]))
        h = np.asarray(h, dtype=float).reshape(n, n)
        return self.sign * h

    def _hessian_from_gradient(self, z: np.ndarray) -> np.ndarray:
        n = z.size
        columns = np.empty((n, n))
        for i in range(n):
            h = np.cbrt(np.finfo(float).eps) * max(1.0, abs(float(z[i])))
            forward, backward = z.copy(), z.copy()
            forward[i] += h
            backward[i] -= h
            g_plus = np.asarray(self.user_grad(self.to_user(forward), *self.args), float)
            g_minus = np.asarray(self.user_grad(self.to_user(backward), *self.args), float)
            columns[:, i] = (g_plus.reshape(-1) - g_minus.reshape(-1)) / (forward[i] - backward[i])
        return 0.5 * (columns + columns.T)

    def _float_program(self) -> Callable[..., tuple[float, tuple[float, ...]]] | None:
        """``program(*z) -> (value, gradient)`` over floats for an expression, when it has one
        (compiled once per expression: each run of the same one reuses it)."""
        sweep = self._symbolic_sweep()
        if sweep is None:
            return None
        program = _PROGRAMS.get(sweep)
        if program is None:
            program = _PROGRAMS[sweep] = _compile_program(sweep)
        return program

    def _symbolic_sweep(self) -> Any:
        if "_sweep" not in self.__dict__:
            make = getattr(self.function, "float_sweep", None)
            sweep = make() if callable(make) else None
            ok = sweep is not None and len(sweep.inputs[0]) == self.size
            self.__dict__["_sweep"] = sweep if ok else None
        return self.__dict__["_sweep"]

    def float_sweep(self) -> Any:
        """The gradient program as statements over Python floats, when there is one.

        For an expression, the exact symbolic gradient compiled to floats
        (:meth:`steepest.symbolic.Function.float_sweep`); for a NumPy function,
        its recorded program.

        A :class:`steepest.autodiff.replay.FloatSweep` whose input 0 is the
        parameters (their values in flat order) and whose gradient is taken
        in them alone; None until the function is recorded, and for
        functions whose program is not over floats (arrays, reductions) or
        whose outside data changed since it was recorded.
        """
        if self.kind == "symbolic":
            return self._symbolic_sweep()
        recording = self.__dict__.get("_recording")
        entry = recording[0] if recording else None
        program = entry.program if entry is not None else None
        sweep = program.float_sweep if program is not None else None
        if (sweep is None or sweep.grad_inputs != (0,) or len(sweep.inputs[0]) != self.size
                or not entry.guard.holds()):
            return None
        return sweep

    def check(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        """Evaluate once at the start and turn shape mistakes into clear errors."""
        value, g = self.vg(z)
        if g.size != z.size:
            raise OptimizationError(
                f"the gradient has {g.size} entries but the parameters have {z.size}; "
                "grad must return an array shaped like x0"
            )
        return value, g


# sweep -> its program over floats; a program leaves with its expression's sweep.
_PROGRAMS: weakref.WeakKeyDictionary[Any, Callable[..., Any]] = weakref.WeakKeyDictionary()


def _compile_program(sweep: Any) -> Callable[..., tuple[float, tuple[float, ...]]]:
    """The statements of an expression's sweep as ``program(*z) -> (value, gradient)``."""
    names = sweep.inputs[0]
    lines = [f"def program({', '.join(names)}):", *(f"    {line}" for line in sweep.body),
             f"    return {sweep.value}, ({', '.join(sweep.grads[0])},)"]
    namespace = dict(sweep.namespace)
    # Generated from the expression's own SymPy form by a printer, never from user text.
    exec(compile("\n".join(lines) + "\n", "<steepest expression over floats>", "exec"),
         namespace)
    return namespace["program"]


def _scalar(value: Any) -> float:
    """One float from what a loss returned; a clear error if it is not one number."""
    kind = type(value)
    if kind is float or kind is np.float64:
        return float(value)
    if isinstance(value, float | int | np.floating | np.integer):
        return float(value)
    array = np.asarray(value, dtype=float) if not hasattr(value, "item") else value
    if getattr(array, "size", 1) != 1:
        raise OptimizationError(
            "the function must return one number (a scalar loss), not an array of shape "
            f"{tuple(np.shape(array))}; reduce it with np.mean or np.sum"
        )
    return float(array.item() if hasattr(array, "item") else array)


__all__ = ["Objective", "as_start", "resolve_function"]
