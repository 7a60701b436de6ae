"""A math expression that is also a fast NumPy function.

:class:`Function` reads text once, compiles it to NumPy with
:func:`sympy.lambdify`, and evaluates it vectorized over arrays.  Its exact
gradient and Hessian are derived symbolically and compiled the same way, on
first use.

>>> import numpy as np
>>> sauna = Function("85 - x^2 (x-6) y^2 (y-6)/90")
>>> sauna.variables
('x', 'y')
>>> round(sauna(4, 4), 4)
73.6222
>>> sauna.grad(0.5, 0.6)
array([-0.1134, -0.0935])
>>> sauna(np.array([[0, 4], [0, 4]]))
array([85.        , 73.62222222])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import sympy
from sympy.printing.pycode import PythonCodePrinter

from steepest.errors import ParseError, SteepestError
from steepest.symbolic import nonsmooth
from steepest.symbolic.parser import is_variable_name, parse, parse_function, symbol, variables
from steepest.symbolic.steps import Derivation, derive, latex_form, text_form
from steepest.symbolic.timed import DEFAULT_TIMEOUT, timed

_Compiled = Callable[..., Any]


class Function:
    """A callable, vectorized math function built from text or a SymPy expression.

    Call it with one argument per variable (NumPy arrays broadcast together),
    or, for n > 1 variables, with one sequence or array whose first axis holds
    the n coordinates.  Scalars in give a Python float out; non-finite values
    come back as ``nan``/``inf`` the way NumPy computes them.  Complex inputs
    are allowed (complex-step differentiation uses them).

    ``variables`` fixes the argument order; by default it is x, y, z, then the
    other names alphabetically.  SymPy's work (deriving and compiling) is
    limited to ``timeout`` seconds each time.

    Functions with kinks and jumps (``|x|``, ``max``, ``relu``, ``floor``,
    ``sign``) have their derivative wherever it exists.  At a kink a scalar
    call of :meth:`grad` or :meth:`hessian` decides from the one-sided slopes,
    or raises a :class:`~steepest.errors.SteepestError` saying there is no
    derivative; array calls give ``nan`` at such points.

    >>> f = Function("x^2 - 4x + 4")
    >>> f(2.0), f.grad(0.0)
    (0.0, array([-4.]))
    >>> Function("a x^2").variables
    ('x', 'a')
    >>> Function("x y", variables=["y", "x"]).grad(2, 3)
    array([2., 3.])
    """

    def __init__(
        self,
        expr: str | sympy.Expr | Function,
        variables: Iterable[str | sympy.Symbol] | str | None = None,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self.timeout = timeout
        if isinstance(expr, Function):
            source: str | sympy.Expr = expr.expr
            self.text: str = expr.text
            if variables is None:
                variables = expr.symbols
        else:
            source = expr
            self.text = expr.strip() if isinstance(expr, str) else text_form(parse(expr))
        self.expr: sympy.Expr = parse_function(source)
        self.symbols: tuple[sympy.Symbol, ...] = _resolve_variables(self.expr, variables)
        self.variables: tuple[str, ...] = tuple(s.name for s in self.symbols)
        self._compiled = self._compile([self.expr], "compiling")
        self._gradient: tuple[sympy.Expr, ...] | None = None
        self._gradient_compiled: _Compiled | None = None
        self._hessian: sympy.Matrix | None = None
        self._hessian_compiled: _Compiled | None = None
        self._float_sweep: Any = None

    # -- evaluation --------------------------------------------------------
    def __call__(self, *coords: Any, **named: Any) -> Any:
        """Evaluate at the given coordinates (arrays broadcast)."""
        arrays = self._arguments(coords, named)
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            (value,) = self._compiled(*arrays)
        return _finish(_broadcast(value, shape, arrays))

    def grad(self, *coords: Any, **named: Any) -> np.ndarray:
        """The exact gradient, shape ``(n,)`` plus the broadcast shape of the inputs.

        >>> Function("x^2 + y^2").grad(2, 3)
        array([4., 6.])
        """
        values = self._evaluate_many(self._compiled_gradient(), len(self.symbols), coords, named)
        return self._settle_kinks(values, coords, named, self._gradient_entry)

    def _compiled_gradient(self) -> _Compiled:
        if self._gradient_compiled is None:
            self._gradient_compiled = self._compile(
                list(self._marked_gradient()), "the gradient of"
            )
        return self._gradient_compiled

    def float_sweep(self) -> Any:
        """The function and its exact gradient as statements over Python floats, or None.

        A :class:`steepest.autodiff.replay.FloatSweep` (the form a descent
        loop over floats takes, :mod:`steepest.optim.float_descent`) whose
        one input is the variables in order, computing the value and every
        partial derivative with their common subexpressions once.  Only for
        smooth expressions of arithmetic and the elementary functions (no
        kinks or jumps, nothing complex); None otherwise.  Where NumPy gives
        inf or nan the statements raise ``ArithmeticError`` or ``ValueError``
        (``math.sqrt(-1)``, ``math.pow(-8, 1/3)``), so a caller falls back to
        the NumPy evaluation there.

        >>> sweep = Function("x^2 y + sin(y)").float_sweep()
        >>> sweep.inputs, sweep.value, sweep.grads
        ((('e0_0', 'e0_1'),), 'c0', (('c1', 'c2'),))
        """
        if self._float_sweep is None:
            self._float_sweep = (_float_sweep(self.expr, self.symbols, self._marked_gradient())
                                 if _float_ready(self.expr) else False)
        return self._float_sweep or None

    def descent_grad(self, *coords: Any, **named: Any) -> np.ndarray:
        """:meth:`grad`, except that at a corner (|x| at 0) it gives the mean of the
        one-sided slopes, a subgradient, instead of saying there is no derivative: the
        step gradient descent takes there.

        >>> Function("abs(x) + y^2").descent_grad(0, 1)
        array([0., 2.])
        """
        values = self._evaluate_many(self._compiled_gradient(), len(self.symbols), coords, named)
        return self._settle_kinks(values, coords, named, self._middle_entry)

    def hessian(self, *coords: Any, **named: Any) -> np.ndarray:
        """The exact Hessian, shape ``(n, n)`` plus the broadcast shape of the inputs.

        >>> Function("x^3 + x y^2").hessian(1, 2)
        array([[6., 4.],
               [4., 2.]])
        """
        n = len(self.symbols)
        if self._hessian_compiled is None:
            self._hessian_compiled = self._compile(list(self._marked_hessian()), "the Hessian of")
        flat = self._evaluate_many(self._hessian_compiled, n * n, coords, named)
        flat = self._settle_kinks(flat, coords, named, self._hessian_entry)
        return flat.reshape((n, n) + flat.shape[1:])

    def _compile(self, exprs: list[sympy.Expr], what: str) -> _Compiled:
        shown = f"{what} {text_form(self.expr)}" if what != "compiling" else what
        if any(isinstance(e, sympy.Basic) and e.has(sympy.Derivative) for e in exprs):
            # SymPy left a derivative it could not work out (through a kink inside another
            # function): there is no formula to compile, and guessing one would be wrong.
            raise SteepestError(
                f"{shown} has no formula here: the derivative goes through a kink inside "
                "another function; use a numerical derivative (steepest.numeric) or a "
                "first-order method such as gd or lbfgs"
            )
        return timed(lambda: _compile(self.symbols, exprs), self.timeout, shown)

    def _settle_kinks(
        self, values: np.ndarray, coords: tuple[Any, ...], named: dict[str, Any], entry: Any
    ) -> np.ndarray:
        """At one point, replace NaN left by a kink with the derivative or a sentence."""
        if values.ndim != 1 or not np.isnan(values).any() or not self.expr.has(*nonsmooth.KINKED):
            return values
        arrays = self._arguments(coords, named)
        point = {s: sympy.nsimplify(float(a)) for s, a in zip(self.symbols, arrays, strict=True)}
        if not np.isfinite(self(*[float(a) for a in arrays])):
            return values
        settled = values.copy()
        for index in np.flatnonzero(np.isnan(values)):
            decided = timed(
                lambda at=int(index): entry(at, point), self.timeout, "deciding a derivative"
            )
            settled[index] = float(decided)
        return settled

    def _gradient_entry(self, index: int, point: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
        return nonsmooth.decide_at(self.expr, self.symbols[index], point)

    def _middle_entry(self, index: int, point: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
        return nonsmooth.decide_at(self.expr, self.symbols[index], point, middle=True)

    def _hessian_entry(self, index: int, point: dict[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
        row, column = divmod(index, len(self.symbols))
        first = sympy.diff(self.expr, self.symbols[row])  # decide_at reads it away from kinks
        return nonsmooth.decide_at(first, self.symbols[column], point)

    def _evaluate_many(
        self, compiled: _Compiled, count: int, coords: tuple[Any, ...], named: dict[str, Any]
    ) -> np.ndarray:
        arrays = self._arguments(coords, named)
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            values = compiled(*arrays)
        parts = [_broadcast(v, shape, arrays) for v in values]
        if not parts:
            return np.zeros((0,) + shape)
        dtype = np.result_type(*parts)
        return np.stack([p.astype(dtype, copy=False) for p in parts])

    def _arguments(self, coords: tuple[Any, ...], named: dict[str, Any]) -> list[np.ndarray]:
        n = len(self.symbols)
        if named:
            unknown = sorted(set(named) - set(self.variables))
            if unknown:
                raise SteepestError(
                    f"unknown variable {unknown[0]!r}: this function's variables are "
                    f"{', '.join(self.variables) or 'none'}"
                )
            if coords:
                raise SteepestError("give the coordinates either by position or by name")
            missing = [v for v in self.variables if v not in named]
            if missing:
                raise SteepestError(f"missing a value for {missing[0]!r}")
            coords = tuple(named[v] for v in self.variables)
        if len(coords) == 1 and n > 1:
            coords = tuple(_unpack(coords[0], n, self.variables))
        if len(coords) != n:
            names = ", ".join(self.variables) or "no variables"
            raise SteepestError(
                f"this function takes {n} coordinate{'s' if n != 1 else ''} ({names}), "
                f"not {len(coords)}"
            )
        return [_as_array(c) for c in coords]

    # -- calculus ----------------------------------------------------------
    @property
    def gradient_expr(self) -> tuple[sympy.Expr, ...]:
        """The partial derivatives, one SymPy expression per variable (as they hold away
        from kinks and jumps; :meth:`grad` settles those points)."""
        return tuple(nonsmooth.away_from_kinks(g) for g in self._marked_gradient())

    def _marked_gradient(self) -> tuple[sympy.Expr, ...]:
        """The partials as compiled: undefined exactly where a kink leaves them undecided."""
        if self._gradient is None:
            self._gradient = timed(
                lambda: tuple(nonsmooth.derivative(self.expr, s) for s in self.symbols),
                self.timeout,
                f"the gradient of {text_form(self.expr)}",
            )
        return self._gradient

    @property
    def hessian_expr(self) -> sympy.Matrix:
        """The matrix of second partial derivatives (a SymPy Matrix), as they hold away
        from kinks and jumps."""
        return self._marked_hessian().applyfunc(nonsmooth.away_from_kinks)

    def _marked_hessian(self) -> sympy.Matrix:
        if self._hessian is None:
            gradient = self._marked_gradient()
            self._hessian = timed(
                lambda: sympy.Matrix(
                    [[nonsmooth.derivative(g, s) for s in self.symbols] for g in gradient]
                ),
                self.timeout,
                f"the Hessian of {text_form(self.expr)}",
            )
        return self._hessian

    def derive(self, var: str | sympy.Symbol | None = None) -> Derivation:
        """The derivative with respect to ``var``, with its steps (see :func:`derive`).

        >>> Function("3x^2 y^3").derive("y").result
        9*x**2*y**2
        """
        if var is None and len(self.symbols) == 1:
            var = self.symbols[0]
        return derive(self.expr, wrt=var)

    def derivative(self, var: str | sympy.Symbol | None = None) -> Function:
        """The derivative (partial, for several variables) as a new :class:`Function`.

        >>> Function("x^3").derivative()(2.0)
        12.0
        """
        derivation = self.derive(var)
        return Function(derivation.result, variables=self.symbols)

    # -- display -----------------------------------------------------------
    def latex(self) -> str:
        """``f(x, y) = ...`` as LaTeX."""
        return f"f({', '.join(sympy.latex(s) for s in self.symbols)}) = {latex_form(self.expr)}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def _repr_html_(self) -> str:
        from steepest.symbolic.rich import function_html

        return function_html(self)

    def __str__(self) -> str:
        return f"f({', '.join(self.variables)}) = {text_form(self.expr)}"

    def __repr__(self) -> str:
        return f"Function({self.text!r}, variables={self.variables!r})"


def _resolve_variables(
    expr: sympy.Expr, requested: Iterable[str | sympy.Symbol] | str | None
) -> tuple[sympy.Symbol, ...]:
    present = variables(expr)
    if requested is None:
        return present
    if isinstance(requested, str):
        requested = [name for name in requested.replace(",", " ").split() if name]
    by_name = {s.name: s for s in present}
    chosen: list[sympy.Symbol] = []
    for item in requested:
        name = item.name if isinstance(item, sympy.Symbol) else str(item).strip()
        if not is_variable_name(name):
            raise ParseError(f"'{name}' is not a variable name", text=name)
        if any(s.name == name for s in chosen):
            raise ParseError(f"the variable {name} is listed twice", text=name)
        if name in by_name:
            chosen.append(by_name[name])
        else:
            chosen.append(item if isinstance(item, sympy.Symbol) else symbol(name))
    left_out = [s.name for s in present if s not in chosen]
    if left_out:
        raise ParseError(
            f"the expression also uses {', '.join(left_out)}, which is not among the "
            f"variables {', '.join(s.name for s in chosen) or '(none)'}"
        )
    return tuple(chosen)


def _compile(symbols: Sequence[sympy.Symbol], exprs: list[sympy.Expr]) -> _Compiled:
    modules = [nonsmooth.NUMPY_FUNCTIONS, "numpy"]
    return sympy.lambdify(list(symbols), exprs, modules=modules, cse=len(exprs) > 1)


# The functions a smooth expression may use to run over Python floats, by their math names.
_FLOAT_FUNCTIONS: dict[type, str] = {
    sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan",
    sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh", sympy.asin: "asin",
    sympy.acos: "acos", sympy.atan: "atan", sympy.asinh: "asinh", sympy.acosh: "acosh",
    sympy.atanh: "atanh",
}


def _float_ready(expr: sympy.Expr) -> bool:
    """Whether every part of ``expr`` has a form over Python floats (see :func:`_float_code`)."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Symbol | sympy.Add | sympy.Mul | sympy.Pow):
            continue
        if isinstance(node, sympy.Number):
            if not node.is_finite or not node.is_real:
                return False
            continue
        if node in (sympy.pi, sympy.E):
            continue
        if type(node) not in _FLOAT_FUNCTIONS or len(node.args) != 1:
            return False
    return True


class _FloatPrinter(PythonCodePrinter):
    """Python over floats: math's functions by bare name, and powers that never turn complex.

    A power with a non-integer exponent is ``pow`` (``math.pow``), which
    raises ``ValueError`` for a negative base where ``**`` would give a
    complex number.
    """

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exponent = expr.args
        if exponent.is_Integer:
            if exponent == -1:
                return f"1.0 / {self.parenthesize(base, 1000)}"
            return f"{self.parenthesize(base, 1000)}**{int(exponent)}"
        if exponent == sympy.S.Half:
            return f"sqrt({self._print(base)})"
        return f"pow({self._print(base)}, {self._print(exponent)})"

    def _print_Rational(self, expr: sympy.Rational) -> str:
        return f"({float(expr)!r})"

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return f"{float(expr)!r}"

    def _print_Float(self, expr: sympy.Float) -> str:
        return f"{float(expr)!r}"

    def _print_Function(self, expr: sympy.Expr) -> str:
        return f"{_FLOAT_FUNCTIONS[type(expr)]}({self._print(expr.args[0])})"

    def _print_Exp1(self, expr: sympy.Expr) -> str:
        return f"{math.e!r}"

    def _print_Pi(self, expr: sympy.Expr) -> str:
        return f"{math.pi!r}"


def _float_sweep(expr: sympy.Expr, symbols: Sequence[sympy.Symbol],
                 gradient: Sequence[sympy.Expr]) -> Any:
    """The statements of :meth:`Function.float_sweep` (value ``c0``, partials ``c1...``)."""
    from steepest.autodiff.replay import FloatSweep

    names = tuple(f"e0_{i}" for i in range(len(symbols)))
    inputs = dict(zip(symbols, (sympy.Symbol(name) for name in names), strict=True))
    exprs = [sympy.sympify(e).xreplace(inputs) for e in (expr, *gradient)]
    shared, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("w"))
    printer = _FloatPrinter({"fully_qualified_modules": False})
    body = [f"{name} = {printer.doprint(value)}" for name, value in shared]
    body += [f"c{i} = {printer.doprint(value)}" for i, value in enumerate(reduced)]
    namespace: dict[str, Any] = {name: getattr(math, name) for name in _FLOAT_FUNCTIONS.values()}
    namespace.update(sqrt=math.sqrt, pow=math.pow)
    count = len(symbols)
    return FloatSweep(inputs=(names,), kinds=("array",), shapes=((count,),), unpack={},
                      body=tuple(body), value="c0", grad_inputs=(0,),
                      grads=(tuple(f"c{i + 1}" for i in range(count)),), namespace=namespace)


def _unpack(point: Any, n: int, names: tuple[str, ...]) -> list[Any]:
    if isinstance(point, (list, tuple)) and len(point) == n:
        return list(point)
    array = np.asarray(point)
    if array.ndim == 0 or array.shape[0] != n:
        raise SteepestError(
            f"this function takes {n} coordinates ({', '.join(names)}): pass them as "
            f"{n} arguments or as one array whose first axis has length {n}, "
            f"not shape {array.shape}"
        )
    return list(array)


def _as_array(value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    if array.dtype.kind == "O":
        try:
            return array.astype(np.complex128 if _has_complex(array) else np.float64)
        except (TypeError, ValueError):
            raise SteepestError("coordinates must be numbers or arrays of numbers") from None
    if array.dtype.kind not in "fc":
        raise SteepestError(f"coordinates must be numbers, not {array.dtype}")
    return array


def _has_complex(array: np.ndarray) -> bool:
    return any(isinstance(item, complex) for item in array.flat)


def _broadcast(value: Any, shape: tuple[int, ...], arrays: list[np.ndarray]) -> np.ndarray:
    result = np.asarray(value)
    if result.dtype.kind in "biuO":
        result = result.astype(np.complex128 if np.iscomplexobj(result) else np.float64)
    input_type = np.result_type(*arrays) if arrays else np.dtype(np.float64)
    if input_type.kind == "c" and result.dtype.kind != "c":
        result = result.astype(np.result_type(result.dtype, input_type))
    if result.shape != shape:
        result = np.broadcast_to(result, shape).copy()
    return result


def _finish(result: np.ndarray) -> Any:
    if result.ndim == 0:
        item = result.item()
        return complex(item) if isinstance(item, complex) else float(item)
    return result


__all__ = ["Function"]
