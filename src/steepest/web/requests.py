"""Reading and checking the playground's JSON requests, with explicit bounds.

Every request body is parsed here before any computation starts: its size,
its JSON, the type and range of every field, and that no unknown field was
sent.  A mistake becomes a :class:`BadRequest` carrying one clear sentence
and the HTTP status to answer with.  Expressions are only measured here;
they are read by :func:`steepest.symbolic.parse` in a worker process and
never evaluated as Python.

>>> body = parse_body(b'{"function": "x^2", "x0": [1], "lr": 0.1, "method": "gd"}')
>>> request = minimize_request(body)
>>> request["x0"], request["max_iter"]
([1.0], 1000)
>>> minimize_request({"function": "x^2", "x0": [1], "lr": 0.1, "method": "sgd-ish"})
Traceback (most recent call last):
...
steepest.web.requests.BadRequest: method must be one of gd, momentum, ..., not 'sgd-ish'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

MAX_BODY_BYTES = 64 * 1024
MAX_EXPRESSION_CHARS = 2_000
MAX_ITER = 100_000
DEFAULT_MAX_ITER = 1_000
MAX_GRID = 200
MAX_COORDINATES = 10
MAX_COORDINATE = 1e6
MAX_LR = 100.0
MAX_TOL = 1e3
MAX_EPOCHS = 20
MAX_BATCH_SIZE = 256
MAX_SEED = 2**32 - 1

METHODS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "armijo", "lbfgs", "newton")
DATASETS = ("tips", "advertising")

_VARIABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,19}$")
_MISSING = object()


class BadRequest(Exception):
    """A request the playground cannot serve: one sentence and an HTTP status (4xx).

    >>> error = BadRequest("lr must be positive", field="lr")
    >>> error.status, error.as_json()
    (422, {'error': 'lr must be positive', 'field': 'lr'})
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 422,
        field: str | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
        self.column = column

    def as_json(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        out: dict[str, Any] = {"error": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.column is not None:
            out["column"] = self.column
        return out


# A JSON integer literal longer than this is out of range for every field (reading a
# longer one as an int would take time quadratic in its length).
MAX_NUMBER_CHARS = 40


class LargeNumber:
    """A JSON number literal too large for any field, kept as its text (never converted).

    >>> LargeNumber("9" * 400)
    a 400-digit number
    >>> LargeNumber("1e400")
    1e400
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        digits = self.text.lstrip("-")
        if digits.isdigit() and len(digits) > 12:
            return f"{'-' * self.text.startswith('-')}a {len(digits):,}-digit number"
        return self.text if len(self.text) <= 40 else self.text[:37] + "..."


def _read_int(text: str) -> int | LargeNumber:
    return int(text) if len(text) <= MAX_NUMBER_CHARS else LargeNumber(text)


def _read_float(text: str) -> float | LargeNumber:
    number = float(text)  # linear in the length of the text, unlike int()
    return number if math.isfinite(number) else LargeNumber(text)


def _reject_constant(name: str) -> Any:
    raise BadRequest(
        f"the body contains {name}, which is not a JSON number; send finite numbers only",
        status=400,
    )


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body, or a :class:`BadRequest` saying what is wrong.

    >>> parse_body(b'{"a": 1}')
    {'a': 1}
    >>> parse_body(b"x^2")
    Traceback (most recent call last):
    ...
    steepest.web.requests.BadRequest: the request body is not valid JSON (line 1, column 1)
    """
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(
            f"the request body has {len(raw):,} bytes; the limit is {MAX_BODY_BYTES:,}",
            status=413,
        )
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON object", status=400)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8 text", status=400) from None
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_int=_read_int, parse_float=_read_float
        )
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"the request body is not valid JSON (line {exc.lineno}, column {exc.colno})",
            status=400,
        ) from None
    except RecursionError:
        raise BadRequest("the request body is nested too deeply", status=400) from None
    if not isinstance(value, dict):
        raise BadRequest(
            f"the request body must be a JSON object, not {_json_type(value)}", status=400
        )
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float | LargeNumber):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _shown(value: Any) -> str:
    if isinstance(value, int) and abs(value) >= 10**15:
        value = LargeNumber(str(value))
    if isinstance(value, LargeNumber):
        return repr(value)
    text = repr(value) if isinstance(value, str | float) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_float(value: int | float | LargeNumber) -> float | None:
    """``value`` as a float, or ``None`` when it is too large to be one."""
    if isinstance(value, LargeNumber):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


class Fields:
    """Typed, bounded access to the fields of one request object.

    Each getter checks one field and remembers it; :meth:`finish` rejects the
    fields nobody asked for (a typo such as ``"learning_rate"`` is an error,
    not silently ignored).

    >>> fields = Fields({"n": 50, "extra": 1})
    >>> fields.integer("n", low=2, high=200)
    50
    >>> fields.finish()
    Traceback (most recent call last):
    ...
    steepest.web.requests.BadRequest: unknown field 'extra'; the fields are: n
    """

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.known: list[str] = []

    def _get(self, name: str, default: Any) -> Any:
        self.known.append(name)
        if name in self.body and self.body[name] is not None:
            return self.body[name]
        if default is _MISSING:
            raise BadRequest(f"the field '{name}' is required", field=name)
        return default

    def text(self, name: str, *, max_chars: int, default: Any = _MISSING) -> str:
        """A non-empty string of at most ``max_chars`` characters."""
        value = self._get(name, default)
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string, not {_json_type(value)}", field=name)
        if not value.strip():
            raise BadRequest(f"{name} is empty; type an expression such as x^2 + y^2", field=name)
        if len(value) > max_chars:
            raise BadRequest(
                f"{name} has {len(value):,} characters; the limit is {max_chars:,}", field=name
            )
        return value

    def number(
        self,
        name: str,
        *,
        low: float,
        high: float,
        default: Any = _MISSING,
        low_open: bool = False,
    ) -> float:
        """A finite number in ``[low, high]`` (``(low, high]`` when ``low_open``)."""
        value = self._get(name, default)
        bracket = "(" if low_open else "["
        if isinstance(value, bool) or not isinstance(value, int | float | LargeNumber):
            raise BadRequest(f"{name} must be a number, not {_json_type(value)}", field=name)
        number = _as_float(value)
        if number is None:
            raise BadRequest(
                f"{name} must be a finite number in {bracket}{low:g}, {high:g}], "
                f"not {_shown(value)}",
                field=name,
            )
        if not math.isfinite(number):
            raise BadRequest(f"{name} must be a finite number, not {_shown(value)}", field=name)
        too_low = number <= low if low_open else number < low
        if too_low or number > high:
            raise BadRequest(
                f"{name} must be in {bracket}{low:g}, {high:g}], not {number:g}", field=name
            )
        return number

    def integer(self, name: str, *, low: int, high: int, default: Any = _MISSING) -> int:
        """A whole number in ``[low, high]`` (an integral float such as 50.0 is accepted)."""
        value = self._get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float | LargeNumber):
            raise BadRequest(f"{name} must be a whole number, not {_json_type(value)}", field=name)
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise BadRequest(f"{name} must be a whole number, not {_shown(value)}", field=name)
        whole = None if isinstance(value, LargeNumber) else int(value)
        if whole is None or whole < low or whole > high:
            raise BadRequest(
                f"{name} must be between {low:,} and {high:,}, not {_shown(value)}", field=name
            )
        return whole

    def choice(self, name: str, options: Sequence[str], *, default: Any = _MISSING) -> str:
        """One of ``options`` (case and surrounding spaces ignored)."""
        value = self._get(name, default)
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string, not {_json_type(value)}", field=name)
        key = value.strip().lower()
        if key not in options:
            raise BadRequest(
                f"{name} must be one of {', '.join(options)}, not {_shown(value)}", field=name
            )
        return key

    def numbers(
        self,
        name: str,
        *,
        min_len: int,
        max_len: int,
        bound: float,
        default: Any = _MISSING,
    ) -> list[float]:
        """A list of ``min_len`` to ``max_len`` finite numbers, each within ``[-bound, bound]``."""
        value = self._get(name, default)
        if (
            isinstance(value, int | float | LargeNumber)
            and not isinstance(value, bool)
            and min_len == 1
        ):
            value = [value]
        if not isinstance(value, list):
            raise BadRequest(
                f"{name} must be an array of numbers, not {_json_type(value)}", field=name
            )
        if not min_len <= len(value) <= max_len:
            size = f"{min_len}" if min_len == max_len else f"{min_len} to {max_len}"
            raise BadRequest(f"{name} must hold {size} numbers, not {len(value)}", field=name)
        out: list[float] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int | float | LargeNumber):
                raise BadRequest(
                    f"{name} must hold numbers only, not {_json_type(item)}", field=name
                )
            number = _as_float(item)
            if number is None:
                raise BadRequest(
                    f"{name} values must be finite numbers within ±{bound:g}, not {_shown(item)}",
                    field=name,
                )
            if not math.isfinite(number):
                raise BadRequest(f"{name} must hold finite numbers, not {_shown(item)}", field=name)
            if abs(number) > bound:
                raise BadRequest(
                    f"{name} values must be within ±{bound:g}, not {number:g}", field=name
                )
            out.append(number)
        return out

    def interval(self, name: str, *, bound: float = MAX_COORDINATE) -> list[float]:
        """Two finite numbers ``[low, high]`` with ``low < high``."""
        low, high = self.numbers(name, min_len=2, max_len=2, bound=bound)
        if not low < high:
            raise BadRequest(
                f"{name} must be [low, high] with low < high, not [{low:g}, {high:g}]", field=name
            )
        return [low, high]

    def variable(self, name: str, *, default: Any = _MISSING) -> str:
        """A variable name: a letter, then letters, digits or underscores."""
        value = self._get(name, default)
        if not isinstance(value, str):
            raise BadRequest(f"{name} must be a string, not {_json_type(value)}", field=name)
        value = value.strip()
        if not _VARIABLE_NAME.match(value):
            raise BadRequest(
                f"{name} must be a variable name such as x or y, not {_shown(value)}", field=name
            )
        return value

    def finish(self) -> None:
        """Reject fields that no getter asked for."""
        unknown = [key for key in self.body if key not in self.known]
        if unknown:
            raise BadRequest(
                f"unknown field '{unknown[0]}'; the fields are: {', '.join(self.known)}",
                status=400,
                field=unknown[0],
            )


# --------------------------------------------------------------------------------------------
# one reader per endpoint: body dict -> plain dict of checked values
# --------------------------------------------------------------------------------------------


def function_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{function}``: the expression alone.

    >>> function_request({"function": "x^2 + y^2"})
    {'function': 'x^2 + y^2'}
    """
    fields = Fields(body)
    out = {"function": fields.text("function", max_chars=MAX_EXPRESSION_CHARS)}
    fields.finish()
    return out


def minimize_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{function, x0, lr, method, max_iter?, tol?}`` with their bounds.

    >>> minimize_request({"function": "x^2", "x0": 3, "lr": 0.1, "method": "Adam",
    ...                   "max_iter": 50, "tol": 0})
    {'function': 'x^2', 'x0': [3.0], 'lr': 0.1, 'method': 'adam', 'max_iter': 50, 'tol': 0.0}
    """
    fields = Fields(body)
    out = {
        "function": fields.text("function", max_chars=MAX_EXPRESSION_CHARS),
        "x0": fields.numbers("x0", min_len=1, max_len=MAX_COORDINATES, bound=MAX_COORDINATE),
        "lr": fields.number("lr", low=0.0, high=MAX_LR, low_open=True),
        "method": fields.choice("method", METHODS),
        "max_iter": fields.integer("max_iter", low=1, high=MAX_ITER, default=DEFAULT_MAX_ITER),
        "tol": fields.number("tol", low=0.0, high=MAX_TOL, default=1e-6),
    }
    fields.finish()
    return out


def derive_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{expression, wrt?}`` (``wrt`` defaults to x).

    >>> derive_request({"expression": "sin(3x)"})
    {'expression': 'sin(3x)', 'wrt': 'x'}
    """
    fields = Fields(body)
    out = {
        "expression": fields.text("expression", max_chars=MAX_EXPRESSION_CHARS),
        "wrt": fields.variable("wrt", default="x"),
    }
    fields.finish()
    return out


def preview_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{expression}``: text to show typeset while it is typed.

    >>> preview_request({"expression": "x^2 sin x"})
    {'expression': 'x^2 sin x'}
    """
    fields = Fields(body)
    out = {"expression": fields.text("expression", max_chars=MAX_EXPRESSION_CHARS)}
    fields.finish()
    return out


def surface_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{function, xlim, ylim, n}``: an n x n grid, n at most 200.

    >>> surface_request({"function": "x y", "xlim": [-1, 1], "ylim": [0, 2], "n": 3})["n"]
    3
    >>> surface_request({"function": "x y", "xlim": [-1, 1], "ylim": [0, 2], "n": 500})
    Traceback (most recent call last):
    ...
    steepest.web.requests.BadRequest: n must be between 2 and 200, not 500
    """
    fields = Fields(body)
    out = {
        "function": fields.text("function", max_chars=MAX_EXPRESSION_CHARS),
        "xlim": fields.interval("xlim"),
        "ylim": fields.interval("ylim"),
        "n": fields.integer("n", low=2, high=MAX_GRID, default=60),
    }
    fields.finish()
    return out


def curve_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{function, xlim, n}`` for a function of one variable (n at most 2,000 points).

    >>> curve_request({"function": "x^4 - 3x^2 + x", "xlim": [-2, 2]})["n"]
    400
    """
    fields = Fields(body)
    out = {
        "function": fields.text("function", max_chars=MAX_EXPRESSION_CHARS),
        "xlim": fields.interval("xlim"),
        "n": fields.integer("n", low=2, high=10 * MAX_GRID, default=400),
    }
    fields.finish()
    return out


def critical_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{function, xlim, ylim?}``: where to look for critical points when solving fails.

    >>> critical_request({"function": "x^2", "xlim": [-1, 1]})["ylim"] is None
    True
    """
    fields = Fields(body)
    out: dict[str, Any] = {
        "function": fields.text("function", max_chars=MAX_EXPRESSION_CHARS),
        "xlim": fields.interval("xlim"),
        "ylim": None,
    }
    if body.get("ylim") is not None:
        out["ylim"] = fields.interval("ylim")
    else:
        fields.known.append("ylim")
    fields.finish()
    return out


def data_descent_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{dataset, lr, batch_size, epochs, seed}`` for full batch vs SGD vs mini-batch.

    >>> data_descent_request({"dataset": "tips", "lr": 0.05, "batch_size": 16})
    {'dataset': 'tips', 'lr': 0.05, 'batch_size': 16, 'epochs': 10, 'seed': 0}
    """
    fields = Fields(body)
    out = {
        "dataset": fields.choice("dataset", DATASETS),
        "lr": fields.number("lr", low=0.0, high=10.0, low_open=True),
        "batch_size": fields.integer("batch_size", low=2, high=MAX_BATCH_SIZE, default=16),
        "epochs": fields.integer("epochs", low=1, high=MAX_EPOCHS, default=10),
        "seed": fields.integer("seed", low=0, high=MAX_SEED, default=0),
    }
    fields.finish()
    return out


MAX_ANSWER_CHARS = 500
MAX_PRACTICE_SEED = 10**9


def practice_exercise_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{topic, level?, seed?}``: one exercise of :func:`steepest.practice.exercises`.

    >>> practice_exercise_request({"topic": "chain", "level": 2, "seed": 7})
    {'topic': 'chain', 'level': 2, 'seed': 7}
    """
    from steepest.practice.exercises import LEVELS, TOPICS

    fields = Fields(body)
    out = {
        "topic": fields.choice("topic", TOPICS),
        "level": fields.integer("level", low=min(LEVELS), high=max(LEVELS), default=1),
        "seed": fields.integer("seed", low=0, high=MAX_PRACTICE_SEED, default=0),
    }
    fields.finish()
    return out


def practice_check_request(body: dict[str, Any]) -> dict[str, Any]:
    """``{question, answer}``: a learner's answer to judge.

    >>> practice_check_request({"question": "d/dx x^2", "answer": "2x"})
    {'question': 'd/dx x^2', 'answer': '2x'}
    """
    fields = Fields(body)
    out = {
        "question": fields.text("question", max_chars=MAX_EXPRESSION_CHARS),
        "answer": fields.text("answer", max_chars=MAX_ANSWER_CHARS),
    }
    fields.finish()
    return out


__all__ = [
    "DATASETS",
    "MAX_BODY_BYTES",
    "MAX_EXPRESSION_CHARS",
    "MAX_GRID",
    "MAX_ITER",
    "MAX_NUMBER_CHARS",
    "METHODS",
    "BadRequest",
    "Fields",
    "LargeNumber",
    "critical_request",
    "curve_request",
    "data_descent_request",
    "derive_request",
    "function_request",
    "minimize_request",
    "parse_body",
    "practice_check_request",
    "practice_exercise_request",
    "preview_request",
    "surface_request",
]
