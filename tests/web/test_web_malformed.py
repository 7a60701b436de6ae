"""Hundreds of malformed requests, generated per endpoint and field: each one a JSON 4xx.

For every endpoint a valid body is spoiled one field at a time (wrong types,
numbers of any size, non-finite literals, out-of-range values, unknown
fields), and whole bodies are spoiled too (not JSON, not an object, too
large, not UTF-8, nested too deeply, the wrong content type); unknown paths
and methods are tried as well.  None may answer 5xx or anything but a JSON
object with one sentence under ``error``, and the server answers normally
afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from steepest.web.requests import MAX_BODY_BYTES

VALID = {
    "/api/minimize": {"function": "x^2 + y^2", "x0": [1, 2], "lr": 0.1, "method": "gd",
                      "max_iter": 5, "tol": 1e-6},
    "/api/derive": {"expression": "x^2 y", "wrt": "x"},
    "/api/surface": {"function": "x y", "xlim": [-1, 1], "ylim": [-1, 1], "n": 5},
    "/api/curve": {"function": "x^2", "xlim": [-1, 1], "n": 5},
    "/api/inspect": {"function": "x^2 + y"},
    "/api/critical": {"function": "x^2 - 2x", "xlim": [-3, 3]},
    "/api/data-descent": {"dataset": "tips", "lr": 0.05, "batch_size": 16, "epochs": 1,
                          "seed": 0},
}  # fmt: skip

HUGE = "9" * 400
# Raw JSON literals that no field accepts (some are JSON only to Python's reader: NaN...).
ANY_FIELD = ["true", '{"a": 1}', "[[[1]]]"]
NUMBER = [f"-{HUGE}", HUGE, "1e400", "-1e400", "NaN", "Infinity", "-Infinity", '"1"', "[]",
          "1e308", "-1e308"]  # fmt: skip
INTEGER = [*NUMBER, "2.5", "-1", "1e300", "100000000000000000000"]
TEXT = ["123", "[]", '""', '"   "', json.dumps("x" * 2_001)]
VECTOR = ["[]", '["1", 2]', f"[{HUGE}, 1]", "[1e400, 1]", "[NaN, 1]", "[-Infinity, 1]",
          "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", "[1e7, 1]", HUGE, '"1, 2"']  # fmt: skip
INTERVAL = [*VECTOR, "[1, -1]", "[0, 0]", "[1]"]
CHOICE = ["1", '"no-such-thing"', '""', "[]"]
VARIABLE = ["1", '"1x"', '"x y"', '"__class__"', '"x-y"']

FIELDS: dict[str, dict[str, list[str]]] = {
    "/api/minimize": {"function": TEXT, "x0": VECTOR, "lr": [*NUMBER, "0", "-0.1", "101"],
                      "method": CHOICE, "max_iter": [*INTEGER, "0", "100001"],
                      "tol": [*NUMBER, "-1", "1001"]},
    "/api/derive": {"expression": TEXT, "wrt": VARIABLE},
    "/api/surface": {"function": TEXT, "xlim": INTERVAL, "ylim": INTERVAL,
                     "n": [*INTEGER, "1", "201"]},
    "/api/curve": {"function": TEXT, "xlim": INTERVAL, "n": [*INTEGER, "1", "2001"]},
    "/api/inspect": {"function": TEXT},
    "/api/critical": {"function": TEXT, "xlim": INTERVAL, "ylim": INTERVAL},
    "/api/data-descent": {"dataset": CHOICE, "lr": [*NUMBER, "0", "11"],
                          "batch_size": [*INTEGER, "1", "257"],
                          "epochs": [*INTEGER, "0", "21"], "seed": [*INTEGER, "-1", "4294967296"]},
}  # fmt: skip

JSON = {"content-type": "application/json"}
BAD_BODIES = [
    (b"", "empty"),
    (b"   ", "blank"),
    (b"not json", "not JSON"),
    (b'{"function": "x^2",', "cut short"),
    (b"[1, 2]", "an array"),
    (b'"x^2"', "a string"),
    (b"null", "null"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100_000, "nested too deeply"),
    (b'{"a": ' * 20_000 + b"1" + b"}" * 20_000, "objects nested too deeply"),
    (b'{"pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}', "oversized"),
    (b"1" * 5_000, "a 5,000-digit number"),
    (b'{"function": "x", "function": 1}', "a repeated field"),
]


def _with_raw(body: dict[str, object], field: str, raw: str) -> bytes:
    """``body`` as JSON text with ``field`` set to the raw literal ``raw``."""
    marker = "__spoiled__"
    text = json.dumps({**body, field: marker})
    return text.replace(json.dumps(marker), raw).encode()


def malformed() -> Iterator[tuple[str, str, bytes, dict[str, str], str]]:
    """``(method, path, body, headers, what)`` for every malformed request of the suite."""
    for path, body in VALID.items():
        for field, raws in FIELDS[path].items():
            for raw in [*raws, *ANY_FIELD]:
                yield "POST", path, _with_raw(body, field, raw), JSON, f"{field}={raw[:30]}"
        required = next(iter(body))
        missing = {k: v for k, v in body.items() if k != required}
        yield "POST", path, json.dumps(missing).encode(), JSON, f"no {required}"
        yield "POST", path, json.dumps({**body, "extra": 1}).encode(), JSON, "unknown field"
        yield "POST", path, json.dumps({**body, "Lr": 1}).encode(), JSON, "unknown field Lr"
        for raw, what in BAD_BODIES:
            yield "POST", path, raw, JSON, what
        yield "POST", path, json.dumps(body).encode(), {"content-type": "text/plain"}, "text/plain"
        yield "POST", path, json.dumps(body).encode(), {}, "no content type"
        form = {"content-type": "application/x-www-form-urlencoded"}
        yield "POST", path, json.dumps(body).encode(), form, "a form"
        yield "GET", path, b"", {}, "GET on a POST route"
        yield "PUT", path, json.dumps(body).encode(), JSON, "PUT"
        yield "DELETE", path, b"", {}, "DELETE"
    for path in ["/api/nothing", "/api/minimize/extra", "/etc/passwd", "/static/../app.py",
                 "/api", "/vendor/other.js", "/static/nothing.js"]:  # fmt: skip
        yield "GET", path, b"", {}, "unknown path"
        yield "POST", path, b"{}", JSON, "unknown path"
    yield "POST", "/api/health", b"{}", JSON, "POST on a GET route"
    yield "DELETE", "/api/presets", b"", {}, "DELETE on a GET route"


def test_every_malformed_request_is_a_json_client_error(client) -> None:
    requests = list(malformed())
    assert len(requests) >= 150
    wrong: list[str] = []
    for method, path, body, headers, what in requests:
        response = client.request(method, path, content=body or None, headers=headers)
        reason = ""
        if not 400 <= response.status_code < 500:
            reason = f"status {response.status_code}"
        elif not response.headers.get("content-type", "").startswith("application/json"):
            reason = f"content type {response.headers.get('content-type')}"
        else:
            message = response.json().get("error")
            if not isinstance(message, str) or not message or "\n" in message:
                reason = f"error {message!r}"
            elif "Traceback" in message or len(message) > 300:
                reason = f"error {message[:80]!r}"
        if reason:
            wrong.append(f"{method} {path} ({what}): {reason}: {response.text[:120]}")
    assert not wrong, "\n".join(wrong)
    # The server is healthy afterwards, and computes.
    assert client.get("/api/health").json() == {"status": "ok"}
    for path, body in VALID.items():
        response = client.post(path, json=body)
        assert response.status_code == 200, (path, response.text)


def test_a_400_digit_learning_rate_is_out_of_range(client) -> None:
    body = _with_raw(VALID["/api/minimize"], "lr", HUGE)
    response = client.post("/api/minimize", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "error": "lr must be a finite number in (0, 100], not a 400-digit number",
        "field": "lr",
    }
    seed = _with_raw(VALID["/api/data-descent"], "seed", HUGE)
    response = client.post("/api/data-descent", content=seed, headers=JSON)
    assert response.status_code == 422
    assert "a 400-digit number" in response.json()["error"]
