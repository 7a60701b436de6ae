"""Derivatives that show their work, one named rule at a time.

:func:`derive` walks the expression the way a calculus course does: it
recognizes the outermost form (a sum, a product, a true quotient, a power, a
function of something) and applies the rule for it, recursing into the parts.
Every application is a :class:`Step` in a tree, so the derivation can be read
as text, typeset as LaTeX, sent as JSON, or shown in a notebook.

>>> d = derive("sin(3x)")
>>> d.result
3*cos(3*x)
>>> print(d.text())
d/dx [sin(3*x)] = 3*cos(3*x)
└─ chain rule: d/dx f(u) = f'(u)*du/dx, with u = 3*x
   d/dx [sin(3*x)] = 3*cos(3*x)
   ├─ sin rule: d/du sin(u) = cos(u)
   │  d/du [sin(u)] = cos(u)
   └─ constant multiple rule: d/dx [c*f] = c*f', with c = 3
      d/dx [3*x] = 3
      └─ variable rule: d/dx x = 1
         d/dx [x] = 1
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sympy

from steepest.bounded import check_memory
from steepest.errors import ParseError
from steepest.symbolic.parser import is_variable_name, parse_function, symbol, variables
from steepest.symbolic.printing import (
    derivative_mathml,
    formula_mathml,
    latex_form,
    mathml,
    text_form,
)
from steepest.symbolic.sizes import SizeModel
from steepest.symbolic.timed import DEFAULT_MEMORY, DEFAULT_TIMEOUT, timed, timed_apart

# ---------------------------------------------------------------------------
# The step tree.


@dataclass(frozen=True)
class Step:
    """One application of a differentiation rule.

    ``rule`` is the rule's name (``"power"``, ``"product"``, ``"chain"``,
    ``"trig"``, ...); for rules about one function, ``function`` names it
    (``"tan"``).  ``expr`` is differentiated with respect to ``wrt`` and gives
    ``result``, written the way the rule produces it (before simplifying).
    ``bindings`` name the parts the rule uses (``u = 3*x``, ``f = x^2``) and
    ``held_constant`` the other variables of a partial derivative.

    >>> step = derive("x^4").steps
    >>> step.rule, step.result
    ('power', 4*x**3)
    """

    rule: str
    expr: sympy.Expr
    result: sympy.Expr
    wrt: sympy.Symbol
    substeps: tuple[Step, ...] = ()
    function: str | None = None
    formula: str = ""
    bindings: tuple[tuple[str, sympy.Expr], ...] = ()
    held_constant: tuple[sympy.Symbol, ...] = ()
    note: str = ""
    display: str | None = None
    display_latex: str | None = None

    @property
    def title(self) -> str:
        """The rule's name as a heading: ``"sin rule"``, ``"quotient rule"``."""
        name = self.function or self.rule
        return f"{_TITLES.get(name, name)} rule"

    def walk(self) -> Iterator[Step]:
        """This step and every step below it, depth first.

        >>> [s.rule for s in derive("3x^2").steps.walk()]
        ['constant multiple', 'power']
        """
        yield self
        for substep in self.substeps:
            yield from substep.walk()

    def expr_text(self) -> str:
        return self.display or text_form(self.expr)

    def expr_latex(self) -> str:
        return self.display_latex or latex_form(self.expr)

    def explanation(self) -> str:
        """The rule in words: its formula, the parts it names, what is held constant."""
        parts = [self.formula] if self.formula else []
        if self.bindings:
            parts.append("with " + ", ".join(f"{n} = {text_form(v)}" for n, v in self.bindings))
        if self.held_constant:
            names = ", ".join(s.name for s in self.held_constant)
            verb = "is" if len(self.held_constant) == 1 else "are"
            parts.append(f"{names} {verb} held constant")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description of this step and its substeps."""
        return {
            "rule": self.rule,
            "function": self.function,
            "title": self.title,
            "wrt": self.wrt.name,
            "expr": self.expr_text(),
            "expr_latex": self.expr_latex(),
            "result": text_form(self.result),
            "result_latex": latex_form(self.result),
            "formula": self.formula,
            "bindings": {name: text_form(value) for name, value in self.bindings},
            "held_constant": [s.name for s in self.held_constant],
            "note": self.note,
            "substeps": [substep.to_dict() for substep in self.substeps],
        }


# ---------------------------------------------------------------------------
# Rules for one function of u: SymPy class -> (rule, course name, f'(u)).

_FunctionRule = tuple[str, str, Callable[[sympy.Expr], sympy.Expr]]

_FUNCTION_RULES: dict[type, _FunctionRule] = {
    sympy.sin: ("trig", "sin", lambda u: sympy.cos(u)),
    sympy.cos: ("trig", "cos", lambda u: -sympy.sin(u)),
    sympy.tan: ("trig", "tan", lambda u: sympy.sec(u) ** 2),
    sympy.sec: ("trig", "sec", lambda u: sympy.sec(u) * sympy.tan(u)),
    sympy.csc: ("trig", "csc", lambda u: -sympy.csc(u) * sympy.cot(u)),
    sympy.cot: ("trig", "cot", lambda u: -(sympy.csc(u) ** 2)),
    sympy.asin: ("inverse trig", "arcsin", lambda u: 1 / sympy.sqrt(1 - u**2)),
    sympy.acos: ("inverse trig", "arccos", lambda u: -1 / sympy.sqrt(1 - u**2)),
    sympy.atan: ("inverse trig", "arctan", lambda u: 1 / (1 + u**2)),
    sympy.acot: ("inverse trig", "arccot", lambda u: -1 / (1 + u**2)),
    sympy.asec: (
        "inverse trig",
        "arcsec",
        lambda u: 1 / (sympy.Abs(u) * sympy.sqrt(u**2 - 1)),
    ),
    sympy.acsc: (
        "inverse trig",
        "arccsc",
        lambda u: -1 / (sympy.Abs(u) * sympy.sqrt(u**2 - 1)),
    ),
    sympy.sinh: ("hyperbolic", "sinh", lambda u: sympy.cosh(u)),
    sympy.cosh: ("hyperbolic", "cosh", lambda u: sympy.sinh(u)),
    sympy.tanh: ("hyperbolic", "tanh", lambda u: 1 - sympy.tanh(u) ** 2),
    sympy.sech: ("hyperbolic", "sech", lambda u: -sympy.sech(u) * sympy.tanh(u)),
    sympy.csch: ("hyperbolic", "csch", lambda u: -sympy.csch(u) * sympy.coth(u)),
    sympy.coth: ("hyperbolic", "coth", lambda u: 1 - sympy.coth(u) ** 2),
    sympy.asinh: ("inverse hyperbolic", "arcsinh", lambda u: 1 / sympy.sqrt(u**2 + 1)),
    sympy.acosh: ("inverse hyperbolic", "arccosh", lambda u: 1 / sympy.sqrt(u**2 - 1)),
    sympy.atanh: ("inverse hyperbolic", "arctanh", lambda u: 1 / (1 - u**2)),
    sympy.acoth: ("inverse hyperbolic", "arccoth", lambda u: 1 / (1 - u**2)),
    sympy.exp: ("exponential", "exp", lambda u: sympy.exp(u)),
    sympy.log: ("logarithm", "ln", lambda u: 1 / u),
    sympy.Abs: ("abs", "abs", lambda u: sympy.sign(u)),
    sympy.sign: ("sign", "sign", lambda u: sympy.Integer(0)),
    sympy.floor: ("step", "floor", lambda u: sympy.Integer(0)),
    sympy.ceiling: ("step", "ceil", lambda u: sympy.Integer(0)),
}

_TITLES = {"exp": "exponential", "ln": "logarithm", "abs": "absolute value"}

_FUNCTION_NOTES = {
    "abs": "|{v}| has no derivative at {v} = 0",
    "sign": "sign({v}) jumps at {v} = 0, where it has no derivative",
    "floor": "floor({v}) jumps at every integer {v}, where it has no derivative",
    "ceil": "ceil({v}) jumps at every integer {v}, where it has no derivative",
}


class _Deriver:
    """Builds the step tree for d/d(wrt) of an expression."""

    def __init__(self, wrt: sympy.Symbol, held_constant: tuple[sympy.Symbol, ...]) -> None:
        self.wrt = wrt
        self.held_constant = held_constant
        self.partial = bool(held_constant)

    def d(self, variable: sympy.Symbol) -> str:
        return (
            f"∂/∂{variable.name}"
            if self.partial and variable == self.wrt
            else (f"d/d{variable.name}")
        )

    def step(self, expr: sympy.Expr, x: sympy.Symbol) -> Step:
        if not expr.has(x):
            return self.constant(expr, x)
        if expr == x:
            return Step("variable", expr, sympy.Integer(1), x, formula=f"{self.d(x)} {x} = 1")
        if isinstance(expr, sympy.Add):
            return self.sum(expr, x)
        if isinstance(expr, sympy.Mul):
            return self.mul(expr, x)
        if isinstance(expr, sympy.Pow):
            return self.pow(expr, x)
        if isinstance(expr, sympy.Piecewise):
            return self.piecewise(expr, x)
        if isinstance(expr, (sympy.Max, sympy.Min)):
            return self.extremum(expr, x)
        rule = _FUNCTION_RULES.get(type(expr))
        if rule is not None and len(expr.args) == 1:
            return self.function(expr, x, rule)
        result = sympy.diff(expr, x)
        return Step(
            "sympy",
            expr,
            result,
            x,
            note="no course rule covers this function; SymPy computed its derivative",
        )

    # -- the rules ---------------------------------------------------------
    def constant(self, expr: sympy.Expr, x: sympy.Symbol) -> Step:
        held = tuple(s for s in self.held_constant if expr.has(s))
        return Step(
            "constant",
            expr,
            sympy.Integer(0),
            x,
            formula=f"{self.d(x)} c = 0",
            held_constant=held,
        )

    def sum(self, expr: sympy.Add, x: sympy.Symbol) -> Step:
        terms = expr.as_ordered_terms()
        substeps = tuple(self.step(term, x) for term in terms)
        negative = any(term.could_extract_minus_sign() for term in terms[1:])
        rule = "difference" if negative else "sum"
        formula = "(f - g)' = f' - g'" if negative else "(f + g)' = f' + g'"
        return Step(
            rule, expr, sympy.Add(*(s.result for s in substeps)), x, substeps, None, formula
        )

    def mul(self, expr: sympy.Mul, x: sympy.Symbol) -> Step:
        factors = expr.as_ordered_factors()
        constants = [f for f in factors if not f.has(x)]
        dependent = [f for f in factors if f.has(x)]
        general_log = self.general_logarithm(constants, dependent, x)
        if general_log is not None:
            log_step, constants = general_log
            if not constants:
                return log_step
            inner = log_step
        elif constants:
            inner = self.step(sympy.Mul(*dependent), x)
        else:
            inner = None
        if inner is not None:
            c = sympy.Mul(*constants)
            return Step(
                "constant multiple",
                expr,
                c * inner.result,
                x,
                (inner,),
                formula=f"{self.d(x)} [c*f] = c*f'",
                bindings=(("c", c),),
                held_constant=tuple(s for s in self.held_constant if c.has(s)),
            )
        denominators = [f for f in dependent if _is_reciprocal_power(f)]
        if denominators:
            numerator = sympy.Mul(*[f for f in dependent if not _is_reciprocal_power(f)])
            denominator = sympy.Mul(*[sympy.Pow(f.base, -f.exp) for f in denominators])
            top, bottom = self.step(numerator, x), self.step(denominator, x)
            result = (top.result * denominator - numerator * bottom.result) / denominator**2
            return Step(
                "quotient",
                expr,
                result,
                x,
                (top, bottom),
                formula="(f/g)' = (f'*g - f*g')/g^2",
                bindings=(("f", numerator), ("g", denominator)),
            )
        substeps = tuple(self.step(f, x) for f in dependent)
        terms = []
        for index, substep in enumerate(substeps):
            others = [f for j, f in enumerate(dependent) if j != index]
            terms.append(sympy.Mul(substep.result, *others))
        names = "fgh" if len(dependent) <= 3 else [f"f{i + 1}" for i in range(len(dependent))]
        formula = (
            "(f*g)' = f'*g + f*g'"
            if len(dependent) == 2
            else "(f*g*h)' = f'*g*h + f*g'*h + f*g*h'"
            if len(dependent) == 3
            else "(f1*...*fn)' = sum of fi' times the other factors"
        )
        return Step(
            "product",
            expr,
            sympy.Add(*terms),
            x,
            substeps,
            formula=formula,
            bindings=tuple(zip(names, dependent, strict=False)),
        )

    def general_logarithm(
        self, constants: list[sympy.Expr], dependent: list[sympy.Expr], x: sympy.Symbol
    ) -> tuple[Step, list[sympy.Expr]] | None:
        # log_a(u) reaches us as log(u) * (1/log(a)).
        if len(dependent) != 1 or not isinstance(dependent[0], sympy.log):
            return None
        for index, factor in enumerate(constants):
            if (
                isinstance(factor, sympy.Pow)
                and factor.exp == -1
                and isinstance(factor.base, sympy.log)
            ):
                base = factor.base.args[0]
                argument = dependent[0].args[0]
                rest = constants[:index] + constants[index + 1 :]
                step = self.outer_or_chain(
                    sympy.log(argument) / sympy.log(base),
                    argument,
                    x,
                    lambda u, b=base: sympy.log(u) / sympy.log(b),
                    lambda u, b=base: 1 / (u * sympy.log(b)),
                    rule="general logarithm",
                    function=None,
                    formula_text=lambda v, b=base: (
                        f"d/d{v} log_a({v}) = 1/({v}*ln(a))"
                        + ("" if text_form(b) == "a" else f", with a = {text_form(b)}")
                    ),
                    display=lambda u, b=base: (
                        f"log_{_base_text(b)}({text_form(u)})",
                        rf"\log_{{{latex_form(b)}}}\left({latex_form(u)}\right)",
                    ),
                )
                return step, rest
        return None

    def pow(self, expr: sympy.Pow, x: sympy.Symbol) -> Step:
        base, exponent = expr.base, expr.exp
        if not exponent.has(x):
            if exponent == sympy.Rational(1, 2):
                rule, formula = "square root", "d/d{v} sqrt({v}) = 1/(2*sqrt({v}))"
            elif exponent.is_Rational and exponent.p == 1 and exponent.q > 2:
                rule, formula = "root", "d/d{v} {v}^(1/n) = (1/n)*{v}^(1/n - 1)"
            else:
                rule, formula = "power", "d/d{v} {v}^n = n*{v}^(n - 1)"
            return self.outer_or_chain(
                expr,
                base,
                x,
                lambda u, n=exponent: u**n,
                lambda u, n=exponent: _power_derivative(u, n),
                rule=rule,
                function=None,
                formula_text=lambda v, f=formula: f.format(v=v),
                bindings=(("n", exponent),) if rule in ("power", "root") else (),
            )
        if not base.has(x):
            return self.outer_or_chain(
                expr,
                exponent,
                x,
                lambda u, a=base: a**u,
                lambda u, a=base: a**u * sympy.log(a),
                rule="general exponential",
                function=None,
                formula_text=lambda v: f"d/d{v} a^{v} = a^{v}*ln(a)",
                bindings=(("a", base),),
            )
        # f(x)^g(x): write y = f^g, then ln y = g ln f and differentiate that.
        logarithm = exponent * sympy.log(base)
        inner = self.step(logarithm, x)
        return Step(
            "logarithmic differentiation",
            expr,
            expr * inner.result,
            x,
            (inner,),
            formula="y = f^g, ln(y) = g*ln(f), so y' = y*(g*ln(f))'",
            bindings=(("f", base), ("g", exponent)),
        )

    def function(self, expr: sympy.Expr, x: sympy.Symbol, rule: _FunctionRule) -> Step:
        family, name, derivative = rule
        cls = type(expr)
        return self.outer_or_chain(
            expr,
            expr.args[0],
            x,
            lambda u: cls(u),
            derivative,
            rule=family,
            function=name,
            formula_text=lambda v: (
                f"d/d{v} {text_form(cls(symbol(v)))} = {text_form(derivative(symbol(v)))}"
            ),
            note=lambda v: _FUNCTION_NOTES.get(name, "").format(v=v),
        )

    def extremum(self, expr: sympy.Expr, x: sympy.Symbol) -> Step:
        # max(u, v)' is u' where u is the largest and v' where v is; where two
        # arguments tie the slopes may differ and there is no derivative.
        name = "max" if isinstance(expr, sympy.Max) else "min"
        beats = (lambda a, b: a > b) if name == "max" else (lambda a, b: a < b)
        arguments = list(expr.args)
        substeps = tuple(self.step(argument, x) for argument in arguments)
        pieces = [
            (step.result, sympy.And(*[beats(a, b) for b in arguments if b is not a]))
            for a, step in zip(arguments, substeps, strict=True)
        ]
        return Step(
            name,
            expr,
            sympy.Piecewise(*pieces),
            x,
            substeps,
            name,
            f"d/d{x} {name}(u, v) = u' where u is the {'largest' if name == 'max' else 'smallest'}"
            ", v' where v is",
            note=f"{name}(...) has no derivative where two arguments tie with different slopes",
        )

    def piecewise(self, expr: sympy.Piecewise, x: sympy.Symbol) -> Step:
        substeps = tuple(self.step(value, x) for value, _ in expr.args)
        result = sympy.Piecewise(
            *[(s.result, condition) for s, (_, condition) in zip(substeps, expr.args, strict=True)]
        )
        return Step(
            "piecewise",
            expr,
            result,
            x,
            substeps,
            formula="differentiate each piece on its own interval",
            note="at a boundary between pieces the derivative exists only if both one-sided "
            "derivatives agree",
        )

    # -- the chain rule ----------------------------------------------------
    def outer_or_chain(
        self,
        expr: sympy.Expr,
        inside: sympy.Expr,
        x: sympy.Symbol,
        outer: Callable[[sympy.Expr], sympy.Expr],
        outer_derivative: Callable[[sympy.Expr], sympy.Expr],
        *,
        rule: str,
        function: str | None,
        formula_text: Callable[[str], str],
        bindings: tuple[tuple[str, sympy.Expr], ...] = (),
        note: Callable[[str], str] | None = None,
        display: Callable[[sympy.Expr], tuple[str, str]] | None = None,
    ) -> Step:
        """The rule itself when ``inside`` is the variable, else the chain rule."""
        if self.partial:
            plain_formula = formula_text

            def formula_text(v: str) -> str:
                text = plain_formula(v)
                return text.replace(f"d/d{v}", f"∂/∂{v}") if v == self.wrt.name else text

        def rule_in(variable: sympy.Symbol, applied_to: sympy.Expr) -> Step:
            shown = display(variable) if display else (None, None)
            return Step(
                rule,
                applied_to,
                outer_derivative(variable),
                variable,
                function=function,
                formula=formula_text(variable.name),
                bindings=bindings,
                note=note(variable.name) if note else "",
                display=shown[0],
                display_latex=shown[1],
            )

        if inside == x:
            return rule_in(x, expr)
        u = _placeholder(expr)
        outer_step = rule_in(u, outer(u))
        inner_step = self.step(inside, x)
        shown = display(inside) if display else (None, None)
        return Step(
            "chain",
            expr,
            outer_derivative(inside) * inner_step.result,
            x,
            (outer_step, inner_step),
            formula=f"{self.d(x)} f({u.name}) = f'({u.name})*d{u.name}/d{x.name}",
            bindings=((u.name, inside),),
            display=shown[0],
            display_latex=shown[1],
        )


def _is_reciprocal_power(factor: sympy.Expr) -> bool:
    return isinstance(factor, sympy.Pow) and factor.exp.is_number and bool(factor.exp.is_negative)


def _power_derivative(u: sympy.Expr, n: sympy.Expr) -> sympy.Expr:
    if n == sympy.Rational(1, 2):
        return 1 / (2 * sympy.sqrt(u))
    return n * u ** (n - 1)


def _base_text(base: sympy.Expr) -> str:
    text = text_form(base)
    return text if base.is_Atom else f"({text})"


def _placeholder(expr: sympy.Expr) -> sympy.Symbol:
    """A name for the inner function u that the expression does not already use."""
    used = {s.name for s in expr.free_symbols}  # type: ignore[attr-defined]
    for name in ("u", "v", "w", "s", "q"):
        if name not in used:
            return symbol(name)
    index = 1
    while f"u_{index}" in used:
        index += 1
    return symbol(f"u_{index}")


# ---------------------------------------------------------------------------
# Simplifying the final answer without losing the course's forms.

_TIDY_MAX_OPS = 250
_TIDY_MAX_DEGREE = 40
_TIDY_MAX_TERMS = 200  # factoring expands: (a+b+c+d+e+f)^8 has 1287 terms

# Expressions this large are differentiated in a child process under a memory limit.
RISKY_TERMS = 1000
RISKY_NODES = 1000
RISKY_DIGITS = 300


def tidy(expr: sympy.Expr) -> sympy.Expr:
    """A short equivalent of ``expr``: the fewest operations among a few rewrites.

    Only rewrites that keep the course's function forms are tried (factoring and
    cancelling, not trigonometric identities), so ``sec(x)^2`` and
    ``1 - tanh(x)^2`` stay as they are; large expressions are left alone.

    >>> tidy(parse_function("(2x (x+1) - x^2)/(x+1)^2"))
    x*(x + 2)/(x + 1)**2
    >>> tidy(parse_function("1 - tanh(x)^2"))
    1 - tanh(x)**2
    """
    if expr.is_Atom or isinstance(expr, sympy.Piecewise):
        return expr
    # Away from 0 (where these derivatives do not exist) sign(u)^2 is 1.
    expr = expr.replace(
        lambda e: isinstance(e, sympy.Pow) and isinstance(e.base, sympy.sign) and e.exp == 2,
        lambda e: sympy.Integer(1),
    )
    if (
        sympy.count_ops(expr) > _TIDY_MAX_OPS
        or _largest_exponent(expr) > _TIDY_MAX_DEGREE
        or SizeModel().terms(expr) > _TIDY_MAX_TERMS
    ):
        return expr
    candidates = [expr]
    for rewrite in (sympy.factor, sympy.cancel, sympy.together):
        try:
            candidate = rewrite(expr)
        except (sympy.PolynomialError, TypeError, ValueError, NotImplementedError):
            continue
        if candidate.has(sympy.zoo, sympy.nan, sympy.I) and not expr.has(sympy.I):
            continue
        candidates.append(candidate)
    return min(enumerate(candidates), key=lambda item: (sympy.count_ops(item[1]), item[0]))[1]


def _largest_exponent(expr: sympy.Expr) -> float:
    """The largest size of an exponent's number in ``expr``.

    Factoring writes ``y^(10^8 sqrt 2)`` (or ``y^(10^8 x)``) as a polynomial of that
    degree in ``y^(sqrt 2)``, so every number an exponent is built from counts,
    not only integer exponents.

    >>> _largest_exponent(parse_function("y^(10^8 x) + x^(5/2)"))
    100000000.0
    """
    largest = 0.0
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, sympy.Pow):
            continue
        for term in sympy.Add.make_args(node.exp):
            coefficient = term if term.is_number else term.as_coeff_Mul()[0]
            try:
                size = abs(float(sympy.N(coefficient, 5)))
            except (TypeError, ValueError):
                continue
            largest = max(largest, size)
    return largest


# ---------------------------------------------------------------------------
# The derivation as a whole.


@dataclass(frozen=True)
class Derivation:
    """The derivative of ``expr`` with respect to ``wrt``, with every step shown.

    ``result`` is the simplified derivative; ``steps`` is the root
    :class:`Step` of the rule tree; ``held_constant`` lists the other
    variables when this is a partial derivative.

    >>> d = derive("x^2/(x+1)")
    >>> d.result
    x*(x + 2)/(x + 1)**2
    >>> d.steps.rule, text_form(d.steps.result)
    ('quotient', '(2*x*(x + 1) - x^2)/(x + 1)^2')
    >>> sorted(d.rules())
    ['constant', 'power', 'quotient', 'sum', 'variable']
    """

    expr: sympy.Expr
    wrt: sympy.Symbol
    steps: Step
    result: sympy.Expr
    held_constant: tuple[sympy.Symbol, ...] = field(default=())

    @property
    def is_partial(self) -> bool:
        """True when other variables are held constant."""
        return bool(self.held_constant)

    @property
    def operator(self) -> str:
        """``d/dx`` or, for a partial derivative, ``∂/∂x``."""
        name = self.wrt.name
        return f"∂/∂{name}" if self.is_partial else f"d/d{name}"

    def walk(self) -> Iterator[Step]:
        """Every step of the derivation, depth first."""
        return self.steps.walk()

    def rules(self) -> set[str]:
        """Names of every rule used, and of every function whose rule was used.

        >>> sorted(derive("tan(x^2)").rules())
        ['chain', 'power', 'tan', 'trig']
        """
        names: set[str] = set()
        for step in self.walk():
            names.add(step.rule)
            if step.function:
                names.add(step.function)
        return names

    def text(self) -> str:
        """The derivation as an indented tree of rules, in plain text."""
        heading = f"{self.operator} [{text_form(self.expr)}] = {text_form(self.result)}"
        lines = [heading]
        if self.held_constant:
            lines.append(_held_sentence(self.held_constant))
        _text_lines(self.steps, "", True, lines, self)
        if sympy.srepr(self.result) != sympy.srepr(self.steps.result):
            lines.append(f"simplified: {text_form(self.result)}")
        return "\n".join(lines)

    def latex(self) -> str:
        """The derivation as a LaTeX ``aligned`` block, one rule per line."""
        rows: list[str] = []
        _latex_rows(self.steps, 0, rows, self)
        if sympy.srepr(self.result) != sympy.srepr(self.steps.result):
            rows.append(rf"&= {latex_form(self.result)} && \text{{simplified}}")
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: expression, variable, result and the step tree.

        >>> derive("x^4").to_dict()["result"]
        '4*x^3'
        """
        return {
            "expr": text_form(self.expr),
            "expr_latex": latex_form(self.expr),
            "wrt": self.wrt.name,
            "partial": self.is_partial,
            "held_constant": [s.name for s in self.held_constant],
            "result": text_form(self.result),
            "result_latex": latex_form(self.result),
            "rules": sorted(self.rules()),
            "steps": self.steps.to_dict(),
            "text": self.text(),
            "latex": self.latex(),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def html(self) -> str:
        """The derivation as HTML with MathML: each rule by name, in general form, applied.

        Every step shows the rule's name, the rule in general form, the parts
        it names (``u = 3x``), and the rule applied to this expression with
        its result; sub-steps are nested under the step that needs them.  The
        tour, the playground and notebooks show this same markup.

        >>> page = derive("x^2 sin x").html()
        >>> page.count("<math"), "product rule" in page
        (11, True)
        """
        heading = derivative_mathml(
            self.expr,
            self.wrt,
            self.steps.result,
            partial=self.is_partial,
            display=True,
            shown=self.steps.display,
        )
        parts = [f'<div class="steepest-derivation" style="{_BOX_STYLE}">', heading]
        if self.held_constant:
            parts.append(f"<p>{html.escape(_held_sentence(self.held_constant))}</p>")
        parts.append(f'<ol class="steepest-steps" style="{_LIST_STYLE}">')
        parts.append(_html_step(self.steps, self))
        parts.append("</ol>")
        if sympy.srepr(self.result) != sympy.srepr(self.steps.result):
            simplified = mathml(self.result, display=True)
            parts.append(f'<p class="steepest-simplified">simplified: {simplified}</p>')
        parts.append("</div>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<Derivation {self.operator} [{text_form(self.expr)}] = {text_form(self.result)}>"


def _held_sentence(held: tuple[sympy.Symbol, ...]) -> str:
    names = ", ".join(s.name for s in held)
    verb = "is" if len(held) == 1 else "are"
    return f"(partial derivative: {names} {verb} held constant)"


def _operator_for(step: Step, derivation: Derivation) -> str:
    if derivation.is_partial and step.wrt == derivation.wrt:
        return f"∂/∂{step.wrt.name}"
    return f"d/d{step.wrt.name}"


def _latex_operator_for(step: Step, derivation: Derivation) -> str:
    name = sympy.latex(step.wrt)
    if derivation.is_partial and step.wrt == derivation.wrt:
        return rf"\frac{{\partial}}{{\partial {name}}}"
    return rf"\frac{{d}}{{d{name}}}"


def _latex_operator(derivation: Derivation) -> str:
    return _latex_operator_for(derivation.steps, derivation)


def _text_lines(
    step: Step, prefix: str, last: bool, lines: list[str], derivation: Derivation
) -> None:
    branch = "└─ " if last else "├─ "
    explanation = step.explanation()
    lines.append(f"{prefix}{branch}{step.title}" + (f": {explanation}" if explanation else ""))
    child_prefix = prefix + ("   " if last else "│  ")
    lines.append(
        f"{child_prefix}{_operator_for(step, derivation)} [{step.expr_text()}] = "
        f"{text_form(step.result)}"
    )
    for index, substep in enumerate(step.substeps):
        _text_lines(substep, child_prefix, index == len(step.substeps) - 1, lines, derivation)


def _latex_rows(step: Step, depth: int, rows: list[str], derivation: Derivation) -> None:
    indent = r"\quad " * depth
    label = rf"\text{{{_latex_text(step.title)}}}"
    if step.bindings:
        label += r"\text{ with } " + r",\; ".join(
            f"{sympy.latex(symbol(n))} = {latex_form(v)}" for n, v in step.bindings
        )
    if step.held_constant:
        names = ", ".join(s.name for s in step.held_constant)
        label += rf"\text{{, {_latex_text(names)} held constant}}"
    rows.append(
        f"{indent}{_latex_operator_for(step, derivation)}\\left[{step.expr_latex()}\\right] "
        f"&= {latex_form(step.result)} && {label}"
    )
    for substep in step.substeps:
        _latex_rows(substep, depth + 1, rows, derivation)


def _latex_text(text: str) -> str:
    replacements = {"\\": r"\textbackslash{}", "_": r"\_", "^": r"\^{}", "&": r"\&", "%": r"\%",
                    "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}"}  # fmt: skip
    return "".join(replacements.get(char, char) for char in text)


_BOX_STYLE = "font-size: 1.05em; line-height: 1.6"
_LIST_STYLE = "list-style: none; padding-left: 1.2em; border-left: 2px solid #ddd; margin: 0.3em 0"


def _html_step(step: Step, derivation: Derivation) -> str:
    """One step as a list item: rule name, general form, named parts, the instance."""
    partial = derivation.is_partial and step.wrt == derivation.wrt
    about: list[str] = []
    if step.formula:
        about.append(formula_mathml(step.formula))
    if step.bindings:
        named = ", ".join(
            mathml(sympy.Eq(symbol(name), value, evaluate=False)) for name, value in step.bindings
        )
        about.append(f"with {named}")
    if step.held_constant:
        names = ", ".join(s.name for s in step.held_constant)
        verb = "is" if len(step.held_constant) == 1 else "are"
        about.append(f"{html.escape(names)} {verb} held constant")
    if step.note:
        about.append(html.escape(step.note))
    instance = derivative_mathml(
        step.expr, step.wrt, step.result, partial=partial, display=True, shown=step.display
    )
    children = "".join(_html_step(substep, derivation) for substep in step.substeps)
    nested = f'<ol class="steepest-steps" style="{_LIST_STYLE}">{children}</ol>' if children else ""
    return (
        f'<li class="steepest-step"><b class="steepest-rule">{html.escape(step.title)}</b>'
        + (f': <span class="steepest-general">{"; ".join(about)}</span>' if about else "")
        + f'<div class="steepest-instance">{instance}</div>{nested}</li>'
    )


def resolve_variable(
    expr: sympy.Expr, wrt: str | sympy.Symbol | None
) -> tuple[sympy.Symbol, tuple[sympy.Symbol, ...]]:
    """The symbol to differentiate by, and the other variables (held constant).

    ``wrt`` may be a name or a SymPy symbol; a symbol of the same name in the
    expression is used whatever its assumptions.  ``None`` means x, or the only
    variable of an expression in one variable.

    >>> resolve_variable(parse_function("x^2 y"), "y")
    (y, (x,))
    >>> resolve_variable(parse_function("t^2"), None)
    (t, ())
    """
    present = variables(expr)
    if wrt is None:
        names = [s.name for s in present]
        if "x" in names or not present:
            wrt = "x"
        elif len(present) == 1:
            wrt = present[0]
        else:
            raise ParseError(
                f"the expression has the variables {', '.join(names)}: "
                "choose one to differentiate by (wrt=...)"
            )
    if isinstance(wrt, sympy.Symbol):
        name = wrt.name
    elif isinstance(wrt, str):
        name = wrt.strip()
        if not is_variable_name(name):
            raise ParseError(
                f"'{wrt}' is not a variable name (single letters, Greek names or x_1)",
                text=wrt,
            )
    else:
        raise ParseError(f"wrt must be a variable name, not {type(wrt).__name__}")
    matches = [s for s in present if s.name == name]
    chosen = matches[0] if matches else (wrt if isinstance(wrt, sympy.Symbol) else symbol(name))
    others = tuple(s for s in present if s != chosen)
    return chosen, others


def derive(
    expr: str | sympy.Expr,
    wrt: str | sympy.Symbol | None = None,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    memory: int | None = DEFAULT_MEMORY,
) -> Derivation:
    """Differentiate ``expr`` rule by rule, with respect to ``wrt``.

    ``expr`` is text in learner notation (see :func:`~steepest.symbolic.parse`)
    or a SymPy expression.  ``wrt`` is a variable name or symbol; left out, it
    is x, or the only variable of an expression in one other variable
    (``t^2``).  An explicit ``wrt`` is always obeyed: ``derive("t^2", "x")`` is 0.  On an
    expression with several variables this is the partial derivative: the
    other variables are held constant, and the steps say so.  The work is
    limited to ``timeout`` seconds (a :class:`~steepest.errors.TimeLimitError` after);
    an expression large enough to be risky (see :func:`is_risky`) is differentiated
    in a child process that may use ``memory`` more bytes
    (a :class:`~steepest.errors.MemoryLimitError` after).

    >>> derive("3x^4 + 4x").result
    12*x**3 + 4
    >>> derive("2^x").result
    2**x*log(2)
    >>> d = derive("3x^2 y^3", wrt="y")
    >>> d.result, d.held_constant
    (9*x**2*y**2, (x,))
    """
    check_memory(memory)
    expression = parse_function(expr)
    variable, others = resolve_variable(expression, wrt)

    def work() -> Derivation:
        root = _Deriver(variable, others).step(expression, variable)
        if others:
            root = _with_held(root, others)
        return Derivation(expression, variable, root, tidy(root.result), others)

    what = f"differentiating {text_form(expression)}"
    if memory is not None and is_risky(expression):
        return timed_apart(work, timeout, memory, what)
    return timed(work, timeout, what)


def is_risky(expr: sympy.Expr) -> bool:
    """Whether ``expr`` is large enough that symbolic work on it could grow memory.

    Its full expansion, its tree or its exact numbers are large (see
    :class:`~steepest.symbolic.sizes.SizeModel`).

    >>> is_risky(parse_function("x^2 sin(x)")), is_risky(parse_function("(x+y+z+a)^20"))
    (False, True)
    """
    model = SizeModel()
    return (
        model.terms(expr) > RISKY_TERMS
        or model.nodes(expr) > RISKY_NODES
        or model.digits(expr) > RISKY_DIGITS
    )


def _with_held(step: Step, others: tuple[sympy.Symbol, ...]) -> Step:
    """Mark the root step of a partial derivative with the variables held constant."""
    held = tuple(s for s in others if step.expr.has(s))
    return Step(
        step.rule,
        step.expr,
        step.result,
        step.wrt,
        step.substeps,
        step.function,
        step.formula,
        step.bindings,
        held,
        step.note,
        step.display,
        step.display_latex,
    )


__all__ = [
    "Derivation",
    "Step",
    "derive",
    "is_risky",
    "latex_form",
    "resolve_variable",
    "text_form",
    "tidy",
]
