"""Typeset mathematics written as text, as MathML: the layer beneath every other.

A rule of differentiation, a heading, a formula of a paragraph or of a
chain-rule explanation is written in course notation as text (``(f*g)' =
f'*g + f*g'``, ``d/dx f(u) = f'(u)*du/dx``, ``x in {0, 0.5, 1}``);
:func:`formula_mathml` typesets it: primes, stacked fractions, powers,
d/dx and ∂/∂x, relations, sets, Greek letters, function application.  Words
stay words.  It needs no SymPy, so every layer can use it; SymPy
expressions are typeset by :mod:`steepest.symbolic.printing`, which
re-exports these functions.

>>> formula_mathml("(f*g)' = f'*g + f*g'").count("&#x2032;")
3
>>> formula_or_none("2 (pred - 10)", names=["pred"]) is not None, formula_or_none("two words")
(True, None)
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"


def math_element(content: str, alttext: str, *, display: bool = False) -> str:
    """Wrap MathML ``content`` in a ``<math>`` element with its plain text as ``alttext``.

    >>> math_element("<mi>x</mi>", "x", display=True)[-45:]
    'display="block" alttext="x"><mi>x</mi></math>'
    """
    mode = "block" if display else "inline"
    alt = html.escape(alttext, quote=True)
    return f'<math xmlns="{MATHML_NAMESPACE}" display="{mode}" alttext="{alt}">{content}</math>'


def identifier(name: str) -> str:
    """A variable name as MathML: Greek names as letters, ``x_1`` and ``w3`` with subscripts.

    >>> identifier("theta"), identifier("x_1"), identifier("w3")
    ('<mi>θ</mi>', '<msub><mi>x</mi><mn>1</mn></msub>', '<msub><mi>w</mi><mn>3</mn></msub>')
    """
    numbered = re.fullmatch(r"([A-Za-z])(\d+)", name)
    stem, _, sub = (numbered.group(1), "", numbered.group(2)) if numbered else name.partition("_")
    base = f"<mi>{html.escape(_LETTERS.get(stem, stem))}</mi>"
    if not sub:
        return base
    tag = "mn" if sub.isdigit() else "mi"
    return f"<msub>{base}<{tag}>{html.escape(_LETTERS.get(sub, sub))}</{tag}></msub>"


def operator_content(variable: str, *, partial: bool = False, order: int = 1) -> str:
    """``d/dx`` (or ``∂/∂x``, ``d²/dx²``) as a stacked fraction.

    >>> operator_content("x")
    '<mfrac><mrow><mo>d</mo></mrow><mrow><mo>d</mo><mi>x</mi></mrow></mfrac>'
    """
    d = "&#x2202;" if partial else "d"
    name = identifier(variable)
    top = f"<mo>{d}</mo>" if order == 1 else f"<msup><mo>{d}</mo><mn>{order}</mn></msup>"
    bottom = (
        f"<mo>{d}</mo>{name}" if order == 1 else f"<mo>{d}</mo><msup>{name}<mn>{order}</mn></msup>"
    )
    return f"<mfrac><mrow>{top}</mrow><mrow>{bottom}</mrow></mfrac>"


# A rule written in text ("(f*g)' = f'*g + f*g'", "d/dx f(u) = f'(u)*du/dx").
_FORMULA_TOKEN = re.compile(
    r"\s*(?:(?P<operator>(?:d|∂)/(?:d|∂)(?P<wrt>[A-Za-zα-ω]\w*))(?=[\s\[(]|$)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<relation><=|>=|->|<-|[<>=≤≥→←∈]|in(?!\w))"
    r"|(?P<name>[A-Za-zα-ωπ∂∇][\w]*)"
    r"|(?P<dots>\.\.\.|…)"
    r"|(?P<symbol>[-+*/^()\[\]{}|',±×·]))"
)
_RELATIONS = {"<=": "&#x2264;", ">=": "&#x2265;", "->": "&#x2192;", "<-": "&#x2190;",
              "<": "&lt;", ">": "&gt;", "=": "=", "≤": "&#x2264;", "≥": "&#x2265;",
              "→": "&#x2192;", "←": "&#x2190;", "in": "&#x2208;", "∈": "&#x2208;"}  # fmt: skip
# Names written as their letters: Greek, and inf as ∞.
_LETTERS = {"alpha": "α", "beta": "β", "gamma": "γ", "theta": "θ", "lambda": "λ", "mu": "μ",
            "sigma": "σ", "eta": "η", "eps": "ε", "epsilon": "ε", "pi": "π", "π": "π",
            "inf": "∞", "omega": "ω", "phi": "φ", "rho": "ρ", "tau": "τ"}  # fmt: skip
_FORMULA_FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "sech", "csch", "coth",
    "arcsin", "arccos", "arctan", "arccot", "arcsec", "arccsc", "arcsinh", "arccosh",
    "arctanh", "arccoth", "ln", "log", "exp", "sqrt", "max", "min", "sign", "floor", "ceil",
    "step", "delta", "abs", "pi",
}  # fmt: skip
_LEAD_WORDS = ("with ", "so ", "where ")


class _FormulaReader:
    """Reads one clause of a rule written in text and typesets it (raises ValueError)."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = _FORMULA_TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(text[position:])
            kinds = ("operator", "number", "relation", "name", "dots", "symbol")
            kind = next(k for k in kinds if match.group(k))
            value = match.group("wrt") if kind == "operator" else match.group(kind)
            if kind == "operator" and match.group("operator").startswith("∂"):
                kind = "partial"
            self.tokens.append((kind, value))
            position = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (value is not None and token[1] != value):
            raise ValueError(value or "end")
        self.index += 1
        return token

    def read(self) -> str:
        out = self.expression()
        while self.peek()[0] == "relation":
            relation = _RELATIONS.get(self.take()[1], "=")
            out += f"<mo>{relation}</mo>" + self.expression()
        if self.peek()[0] != "end":
            raise ValueError(self.peek()[1])
        return f"<mrow>{out}</mrow>"

    def expression(self) -> str:
        out = ""
        signs = {"+": "+", "-": "\u2212", "±": "±"}
        if self.peek() in (("symbol", "-"), ("symbol", "±")):
            out += f"<mo>{signs[self.take()[1]]}</mo>"
        out += self.product()
        while self.peek() in (("symbol", "+"), ("symbol", "-"), ("symbol", "±")):
            out += f"<mo>{signs[self.take()[1]]}</mo>" + self.product()
        return f"<mrow>{out}</mrow>"

    def starts_factor(self) -> bool:
        kind, value = self.peek()
        return kind in ("number", "name", "dots", "operator", "partial") or value in ("(", "[", "{")

    def product(self) -> str:
        out = self.fraction()
        while self.peek() in (("symbol", "*"), ("symbol", "×"), ("symbol", "·")) or (
            self.starts_factor()
        ):
            signs = {"*": "&#x2062;", "×": "&#xD7;", "·": "&#xB7;"}
            times = signs[self.take()[1]] if self.peek()[1] in signs else signs["*"]
            out += f"<mo>{times}</mo>" + self.fraction()
        return f"<mrow>{out}</mrow>"

    def fraction(self) -> str:
        out = self.power()
        while self.peek() == ("symbol", "/"):
            self.take()
            out = f"<mfrac>{_unwrapped(out)}{_unwrapped(self.power())}</mfrac>"
        return out

    def power(self) -> str:
        base = self.postfix()
        if self.peek() == ("symbol", "^"):
            self.take()
            exponent = self.take()[1] if self.peek() == ("symbol", "-") else ""
            sign = "<mo>\u2212</mo>" if exponent else ""
            return f"<msup>{base}<mrow>{sign}{_unwrapped(self.power())}</mrow></msup>"
        return base

    def postfix(self) -> str:
        out = self.atom()
        while self.peek() == ("symbol", "'"):
            self.take()
            out = f"<msup>{out}<mo>&#x2032;</mo></msup>"
        name = re.fullmatch(r"<mi>([a-z]+)</mi>", out)
        applied = name and name.group(1) in _FORMULA_FUNCTIONS and name.group(1) != "sqrt"
        if applied and self.starts_factor() and self.peek() != ("symbol", "("):
            return f'<mrow>{out}<mo>&#x2061;</mo><mspace width="0.17em"/>{self.power()}</mrow>'
        if self.peek() == ("symbol", "(") and out.startswith(("<mi>", "<msup><mi>", "<msub>")):
            self.take()
            arguments = [self.expression()]
            while self.peek() == ("symbol", ","):
                self.take()
                arguments.append(self.expression())
            self.take(")")
            inside = "<mo>,</mo>".join(arguments)
            if out == "<mi>sqrt</mi>":
                return f"<msqrt>{inside}</msqrt>"
            bare = re.fullmatch(r"(?:<mrow>)*(<m[in]>[^<]*</m[in]>)(?:</mrow>)*", inside)
            name = re.fullmatch(r"<mi>([^<]*)</mi>", out)
            known = bool(name and name.group(1) in _FORMULA_FUNCTIONS)
            argument = (
                f'<mspace width="0.17em"/>{bare.group(1)}'
                if bare and known
                else f"<mrow><mo>(</mo>{inside}<mo>)</mo></mrow>"
            )
            if known and self.peek() == ("symbol", "^"):
                # sin(x)^2 is written sin²x, as a course writes it (sin x² would be sin(x²)).
                self.take()
                out = f"<msup>{out}{_unwrapped(self.power())}</msup>"
            return f"<mrow>{out}<mo>&#x2061;</mo>{argument}</mrow>"
        return out

    def atom(self) -> str:
        kind, value = self.take()
        if kind == "number":
            return f"<mn>{value}</mn>"
        if kind == "dots":
            return "<mo>&#x2026;</mo>"
        if kind in ("operator", "partial"):
            operator = operator_content(value, partial=kind == "partial")
            return operator + (self.power() if self.starts_factor() else "")
        if kind == "name":
            return identifier(value)
        closing = {"(": ")", "[": "]", "|": "|", "{": "}"}.get(value)
        if closing is None:
            raise ValueError(value)
        inside = self.expression()
        while closing != "|" and self.peek() == ("symbol", ","):
            self.take()
            inside += "<mo>,</mo>" + self.expression()
        self.take(closing)
        fence = '<mo fence="true">{}</mo>'
        return f"<mrow>{fence.format(value)}{inside}{fence.format(closing)}</mrow>"


def _unwrapped(markup: str) -> str:
    """A parenthesised group without its parentheses (a fraction or exponent shows the grouping)."""
    opening, closing = '<mrow><mo fence="true">(</mo>', '<mo fence="true">)</mo></mrow>'
    if markup.startswith(opening) and markup.endswith(closing):
        return "<mrow>" + markup[len(opening) : -len(closing)] + "</mrow>"
    return markup


def _split_clauses(text: str) -> list[str]:
    """``text`` split at its top-level commas and semicolons."""
    clauses, depth, current = [], 0, ""
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char in ",;" and depth == 0:
            clauses.append(current.strip())
            current = ""
        else:
            current += char
    clauses.append(current.strip())
    return [clause for clause in clauses if clause]


def _clause_content(clause: str, names: Collection[str] = ()) -> str:
    for word in _LEAD_WORDS:
        if clause.startswith(word):
            rest = _clause_content(clause[len(word) :], names)
            return f"<mtext>{word.strip()}\u00a0</mtext>" + rest
    typeset = _clause_formula(clause, names)
    if typeset is None:
        return f"<mtext>{html.escape(clause.replace('*', '·'))}</mtext>"
    return typeset


def _clause_formula(clause: str, names: Collection[str] | None = ()) -> str | None:
    """The MathML of one clause when all of it is mathematics, else None.

    A word of three letters or more is taken for English (and the clause for
    words) unless it is a function, a Greek letter, or one of ``names``;
    ``names=None`` reads every name as a variable (for text known to be a formula).
    """
    if names is not None:
        words = re.findall(r"[A-Za-z]{3,}", clause)
        known = (*_FORMULA_FUNCTIONS, *_LETTERS, *names)
        if any(word not in known for word in words):
            return None
    try:
        return _FormulaReader(clause).read()
    except (ValueError, RecursionError):
        return None


def formula_or_none(text: str, names: Collection[str] | None = ()) -> str | None:
    """The MathML content of ``text`` when every part of it reads as mathematics, else None.

    For deciding whether a heading or a table cell is a formula; ``names``
    are the longer names (``pred``, ``loss``) that are variables, not words
    (``None``: every name is a variable).

    >>> formula_or_none("(f(x+h) - f(x))/h") is not None, formula_or_none("limit exists")
    (True, None)
    """
    clauses = _split_clauses(text)
    typeset = [_clause_formula(clause, names) for clause in clauses]
    if not typeset or any(part is None for part in typeset):
        return None
    joined = '<mo>,</mo><mspace width="0.5em"/>'.join(part or "" for part in typeset)
    return f"<mrow>{joined}</mrow>"


def formula_content(text: str, names: Collection[str] = ()) -> str:
    """The MathML (without ``<math>``) of a rule written as text; see :func:`formula_mathml`.

    >>> "<msup><mi>x</mi><mrow><mi>n</mi></mrow></msup>" in formula_content("x^n")
    True
    """
    clauses = [_clause_content(clause, names) for clause in _split_clauses(text)]
    return "<mrow>" + '<mo>,</mo><mspace width="0.5em"/>'.join(clauses) + "</mrow>"


def formula_mathml(text: str, *, display: bool = False, names: Collection[str] = ()) -> str:
    """A differentiation rule written as text, typeset: primes, stacked fractions, d/dx.

    Used for the general form of each rule in a derivation; phrases in words
    stay words.  ``alttext`` is the text itself.

    >>> m = formula_mathml("(f*g)' = f'*g + f*g'")
    >>> "*" in m.split(">", 1)[1], m.count("&#x2032;")
    (False, 3)
    >>> "<mfrac>" in formula_mathml("d/dx f(u) = f'(u)*du/dx")
    True
    """
    return math_element(formula_content(text, names), text, display=display)


__all__ = [
    "MATHML_NAMESPACE",
    "formula_content",
    "formula_mathml",
    "formula_or_none",
    "identifier",
    "math_element",
    "operator_content",
]
