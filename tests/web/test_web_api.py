"""The playground's HTTP API, through FastAPI's test client.

Answers are checked against independent references: the lessons' figures,
formulas written out by hand in NumPy, SymPy's own derivatives, SciPy's
root finders and optimizers, and NumPy's least squares.
"""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.optimize
import sympy

from steepest.symbolic import parse

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"


def strict_json(text: str) -> Any:
    """Parse JSON the way a browser does: NaN and Infinity are errors, not numbers."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def sauna_gradient(x: float, y: float) -> np.ndarray:
    """The lesson's partial derivatives of the sauna temperature, written out by hand."""
    return np.array(
        [
            -(1 / 90) * x * (3 * x - 12) * y**2 * (y - 6),
            -(1 / 90) * x**2 * (x - 6) * y * (3 * y - 12),
        ]
    )


def sauna(x: Any, y: Any) -> Any:
    return 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90


def minimize_body(**overrides: Any) -> dict[str, Any]:
    body = {"function": SAUNA, "x0": [0.5, 0.6], "lr": 0.05, "method": "gd", "max_iter": 1000}
    body.update(overrides)
    return body


# --------------------------------------------------------------------------------------------
# good requests
# --------------------------------------------------------------------------------------------


def test_health(client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_presets_run_to_their_documented_minima(client) -> None:
    presets = client.get("/api/presets").json()["presets"]
    names = [p["name"] for p in presets]
    assert names == ["bowl", "sauna", "rosenbrock", "himmelblau", "camel", "quartic"]
    for preset in presets:
        body = {key: preset[key] for key in ("function", "x0", "lr", "method", "max_iter")}
        out = client.post("/api/minimize", json=body).json()
        f = parse(preset["function"])
        symbols = sorted(f.free_symbols, key=lambda s: "xyz".index(s.name))
        gradient = [sympy.lambdify(symbols, sympy.diff(f, s)) for s in symbols]
        end = out["path"][-1]
        # The end is a critical point by SymPy's own gradient, and lower than the start.
        assert max(abs(g(*end)) for g in gradient) < 1e-3, preset["name"]
        assert out["losses"][-1] < out["losses"][0], preset["name"]


def test_minimize_sauna_reproduces_the_lesson(client) -> None:
    response = client.post("/api/minimize", json=minimize_body(max_iter=2))
    assert response.status_code == 200
    out = response.json()
    assert out["status"] == "max_iter"
    np.testing.assert_allclose(out["path"][1], [0.50567, 0.604675], atol=5e-7)
    np.testing.assert_allclose(out["path"][2], [0.511480, 0.609482], atol=5e-7)
    # Gradients and losses agree with the hand-written formulas at every iterate.
    for point, grad, loss in zip(out["path"], out["grads"], out["losses"], strict=True):
        np.testing.assert_allclose(grad, sauna_gradient(*point), rtol=1e-12)
        assert loss == pytest.approx(sauna(*point), rel=1e-13)


def test_minimize_sauna_converges_to_the_coldest_point(client) -> None:
    out = client.post("/api/minimize", json=minimize_body()).json()
    assert out["status"] == "converged"
    assert out["nit"] == len(out["path"]) - 1 == len(out["losses"]) - 1
    np.testing.assert_allclose(out["x"], [4, 4], atol=1e-4)
    assert out["fun"] == pytest.approx(3313 / 45, abs=1e-8)


@pytest.mark.parametrize(
    "method",
    ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "armijo", "lbfgs", "newton"],
)
def test_every_method_descends_the_bowl(client, method: str) -> None:
    out = client.post(
        "/api/minimize",
        json={"function": "x^2 + y^2", "x0": [1.5, -1.0], "lr": 0.1, "method": method,
              "max_iter": 3000},
    ).json()  # fmt: skip
    assert out["method"] == method
    assert out["status"] in ("converged", "max_iter", "stalled")
    assert np.hypot(*out["x"]) < 0.05
    assert out["losses"][-1] < 1e-2 * out["losses"][0]


def test_quartic_settles_in_the_local_minimum(client) -> None:
    out = client.post(
        "/api/minimize",
        json={"function": "x^4 - 3x^2 + x", "x0": [2.0], "lr": 0.01, "method": "gd"},
    ).json()
    local = scipy.optimize.brentq(lambda x: 4 * x**3 - 6 * x + 1, 0.5, 1.5)
    assert out["status"] == "converged"
    assert out["x"][0] == pytest.approx(local, abs=1e-5)
    assert all(len(point) == 1 for point in out["path"])


def test_diverged_run_is_valid_json_with_advice(client) -> None:
    response = client.post(
        "/api/minimize", json={"function": "x^2 + y^2", "x0": [1, 1], "lr": 1.5, "method": "gd"}
    )
    out = strict_json(response.text)
    assert response.status_code == 200
    assert out["status"] == "diverged"
    assert "learning rate 1.5" in out["message"] and "try" in out["message"]


def test_non_finite_values_become_null(client) -> None:
    # From x = 3 one step of rate 1 lands near -48600, where exp(x^2) overflows.
    response = client.post(
        "/api/minimize", json={"function": "exp(x^2)", "x0": [3], "lr": 1, "method": "gd"}
    )
    assert response.status_code == 200
    assert "NaN" not in response.text and "Infinity" not in response.text
    out = strict_json(response.text)
    assert out["status"] == "diverged"
    assert out["losses"][0] == pytest.approx(math.exp(9))
    assert out["losses"][-1] is None
    assert "not finite" in out["message"] or "inf" in out["message"]


def test_derive_matches_sympy_and_names_the_rules(client) -> None:
    x, y = sympy.symbols("x y")
    cases = [
        ("x^2/(x+1)", "x", x**2 / (x + 1), "quotient"),
        ("sin(3x)", "x", sympy.sin(3 * x), "chain"),
        ("3x^2 y^3", "y", 3 * x**2 * y**3, "constant multiple"),
        ("ln(x)", "x", sympy.log(x), "logarithm"),
    ]
    for text, wrt, reference, rule in cases:
        out = client.post("/api/derive", json={"expression": text, "wrt": wrt}).json()
        exact = sympy.diff(reference, sympy.Symbol(wrt))
        result = parse(out["result"])
        result = result.subs({s: sympy.Symbol(s.name) for s in result.free_symbols})
        assert sympy.simplify(result - exact) == 0, text
        assert out["steps"]["rule"] == rule, text
        assert out["latex"].startswith("\\begin{aligned}")
    partial = client.post("/api/derive", json={"expression": "3x^2 y^3", "wrt": "y"}).json()
    assert partial["partial"] is True and partial["held_constant"] == ["x"]


def test_surface_matches_numpy(client) -> None:
    out = client.post(
        "/api/surface", json={"function": SAUNA, "xlim": [0, 6], "ylim": [-1, 5], "n": 200}
    ).json()
    xs, ys = np.array(out["x"]), np.array(out["y"])
    z = np.array(out["z"])
    assert z.shape == (200, 200)
    np.testing.assert_allclose(xs, np.linspace(0, 6, 200))
    grid_x, grid_y = np.meshgrid(xs, ys)
    np.testing.assert_allclose(z, sauna(grid_x, grid_y), rtol=1e-12, atol=1e-12)


def test_surface_marks_undefined_values_null(client) -> None:
    response = client.post(
        "/api/surface", json={"function": "ln(x) + y", "xlim": [-1, 1], "ylim": [0, 1], "n": 3}
    )
    out = strict_json(response.text)
    assert out["z"][0][:2] == [None, None]  # ln of -1 and of 0
    assert out["z"][1][2] == pytest.approx(0.5)  # ln(1) + 0.5


def test_curve_of_one_variable(client) -> None:
    out = client.post("/api/curve", json={"function": "x^4 - 3x^2 + x", "xlim": [-2, 2]}).json()
    xs = np.array(out["x"])
    np.testing.assert_allclose(out["y"], xs**4 - 3 * xs**2 + xs, atol=1e-12)


def test_inspect_reports_variables_and_gradient(client) -> None:
    out = client.post("/api/inspect", json={"function": "x^2 + y^2"}).json()
    assert out["variables"] == ["x", "y"] and out["dimension"] == 2
    assert out["gradient"] == ["2*x", "2*y"]


def test_critical_points_of_the_sauna_are_exact(client) -> None:
    out = client.post("/api/critical", json={"function": SAUNA, "xlim": [0, 6], "ylim": [0, 6]})
    points = out.json()["points"]
    minima = [p for p in points if p["kind"] == "minimum"]
    assert out.json()["source"] == "symbolic"
    assert minima == [{"kind": "minimum", "point": [4.0, 4.0], "value": 3313 / 45, "free": []}]
    # The lines x = 0 and y = 0 are families of critical points (the gradient vanishes there).
    families = sorted(tuple(p["free"]) for p in points if p["free"])
    assert families == [("x",), ("y",)]


def test_critical_points_of_himmelblau_agree_with_scipy(client) -> None:
    out = client.post(
        "/api/critical", json={"function": HIMMELBLAU, "xlim": [-5, 5], "ylim": [-5, 5]}
    ).json()
    minima = sorted(tuple(p["point"]) for p in out["points"] if p["kind"] == "minimum")
    assert len(minima) == 4
    kinds = [p["kind"] for p in out["points"]]
    assert kinds.count("saddle") == 4 and kinds.count("maximum") == 1

    def himmelblau(v: np.ndarray) -> float:
        return (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2

    for point in minima:
        nearby = np.array(point) + 0.2
        reference = scipy.optimize.minimize(himmelblau, nearby, method="BFGS", tol=1e-12).x
        np.testing.assert_allclose(point, reference, atol=1e-5)


def test_critical_points_of_a_quartic(client) -> None:
    out = client.post("/api/critical", json={"function": "x^4 - 3x^2 + x", "xlim": [-3, 3]})
    points = out.json()["points"]
    roots = np.sort(np.roots([4, 0, -6, 1]).real)
    assert [p["kind"] for p in points] == ["minimum", "maximum", "minimum"]
    np.testing.assert_allclose([p["point"][0] for p in points], roots, atol=1e-9)


def test_critical_points_fall_back_to_the_search_where_solving_cannot_finish(client) -> None:
    # x + 5 sin(x) = 0 has no exact solution: the search in the window finds its roots.
    out = client.post(
        "/api/critical", json={"function": "cos(x) - x^2/10 + y^2", "xlim": [-5, 5],
                               "ylim": [-2, 2]}
    ).json()  # fmt: skip
    assert out["source"] == "numeric"
    root = scipy.optimize.brentq(lambda x: -math.sin(x) - x / 5, 3.5, 4.5)
    far = scipy.optimize.brentq(lambda x: -math.sin(x) - x / 5, 4.5, 5.0)
    expected = [(-far, "saddle"), (-root, "minimum"), (0.0, "saddle"), (root, "minimum"),
                (far, "saddle")]  # fmt: skip
    assert [p["kind"] for p in out["points"]] == [kind for _, kind in expected]
    for point, (x, _) in zip(out["points"], expected, strict=True):
        np.testing.assert_allclose(point["point"], [x, 0.0], atol=1e-9)
    # A periodic function has infinitely many critical points: those in the window.
    out = client.post(
        "/api/critical", json={"function": "sin(x) + y^2", "xlim": [-4, 4], "ylim": [-1, 1]}
    ).json()
    assert out["source"] == "numeric"
    assert [p["kind"] for p in out["points"]] == ["minimum", "saddle"]
    np.testing.assert_allclose(
        [p["point"] for p in out["points"]], [[-math.pi / 2, 0], [math.pi / 2, 0]], atol=1e-9
    )
    # A cube root is written with sign, which the exact solver refuses: the search takes over.
    out = client.post(
        "/api/critical", json={"function": "x^2 - 2x + cbrt(y^3 + 1)", "xlim": [-3, 3],
                               "ylim": [-3, 3]}
    ).json()  # fmt: skip
    assert out["source"] == "numeric"
    # d/dy = y^2 / (y^3 + 1)^(2/3) vanishes at y = 0 with f'' = 0 there: no extremum in y.
    [point] = out["points"]
    assert point["kind"] == "degenerate"
    np.testing.assert_allclose(point["point"], [1.0, 0.0], atol=1e-9)


def test_critical_points_of_a_function_that_jumps_are_one_sentence(client) -> None:
    response = client.post("/api/critical", json={"function": "floor(x) + y^2", "xlim": [-1, 1],
                                                  "ylim": [-1, 1]})  # fmt: skip
    assert response.status_code == 422
    assert "jumps" in response.json()["error"]


def test_data_descent_full_batch_reaches_least_squares(client) -> None:
    # In standardized units the loss is a round bowl, 2 I its Hessian: rate 0.45 shrinks the
    # error of full-batch descent tenfold per epoch.
    body = {"dataset": "advertising", "lr": 0.45, "batch_size": 16, "epochs": 10, "seed": 0}
    response = client.post("/api/data-descent", json=body)
    assert response.status_code == 200, response.text
    full, sgd, mini = response.json()["runs"]
    # The lesson's least-squares line, computed independently with numpy.
    frame = __import__("steepest").datasets.load("advertising")
    design = np.column_stack([np.ones(len(frame)), frame["TV"].to_numpy(float)])
    (intercept, slope), *_ = np.linalg.lstsq(design, frame["sales"].to_numpy(float), rcond=None)
    assert (round(intercept, 4), round(slope, 6)) == (7.0326, 0.047537)
    assert full["line"]["intercept"] == pytest.approx(intercept, rel=1e-5)
    assert full["line"]["slope"] == pytest.approx(slope, rel=1e-5)
    assert (full["steps"], mini["steps"]) == (10, 10 * 13)
    # SGD takes one step per example, unless the time limit stopped it first (a busy machine).
    assert sgd["steps"] == 10 * 200 or (sgd["status"] == "stopped" and sgd["steps"] > 200)
    # Full batch descends smoothly; single examples make the loss on all the data jump about.
    assert np.all(np.diff(full["losses"]) <= 1e-12)
    assert np.sum(np.diff(sgd["losses"]) > 0) > 100
    assert mini["batch_size"] == 16 and mini["epoch"][-1] == pytest.approx(10)


# --------------------------------------------------------------------------------------------
# bad requests: 4xx with {"error": one sentence}, and the server stays up
# --------------------------------------------------------------------------------------------


def assert_error(response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    message = body["error"]
    assert "\n" not in message and "Traceback" not in message and 10 < len(message) < 300
    for word in words:
        assert word in message, message
    return body


BAD_MINIMIZE = [
    ({"function": "x^2 +"}, "could not read the function"),
    ({"function": "x" * 1000 + "+" + "y" * 1000}, "limit is 2,000"),
    ({"function": "__import__('os').system('touch /tmp/steepest-pwned')"}, "could not read"),
    ({"function": "().__class__.__bases__[0]"}, "could not read"),
    ({"function": "x; import os"}, "could not read"),
    ({"function": "lambda: 1"}, "could not read"),
    ({"function": "open('/etc/passwd')"}, "could not read"),
    ({"function": "9^9^9^9"}, "could not read"),
    ({"function": "5"}, "no variables"),
    ({"function": ""}, "empty"),
    ({"function": 42}, "must be a string"),
    ({"x0": [1.0]}, "2 variables (x, y) but the start point has 1 value"),
    ({"x0": [1, 2, 3]}, "has 3 values"),
    ({"x0": []}, "x0 must hold 1 to 10 numbers"),
    ({"x0": [1, "2"]}, "numbers only"),
    ({"x0": [1e7, 0]}, "within"),
    ({"method": "sgd-with-sauce"}, "method must be one of"),
    ({"method": 3}, "must be a string"),
    ({"lr": 0}, "lr must be in (0, 100]"),
    ({"lr": -0.1}, "lr must be in"),
    ({"lr": "fast"}, "must be a number"),
    ({"max_iter": 100_001}, "max_iter must be between 1 and 100,000"),
    ({"max_iter": 0}, "max_iter must be between"),
    ({"max_iter": 2.5}, "whole number"),
    ({"max_iter": True}, "whole number"),
    ({"tol": -1}, "tol must be in"),
]


@pytest.mark.parametrize(("change", "words"), BAD_MINIMIZE)
def test_bad_minimize_requests(client, change: dict[str, Any], words: str) -> None:
    response = client.post("/api/minimize", json=minimize_body(**change))
    assert_error(response, 422, words)
    assert client.get("/api/health").json() == {"status": "ok"}


def test_code_is_never_run(client) -> None:
    marker = Path("/tmp/steepest-pwned")
    marker.unlink(missing_ok=True)
    for text in ["__import__('os').system('touch /tmp/steepest-pwned')",
                 "eval(\"__import__('os').system('touch /tmp/steepest-pwned')\")"]:  # fmt: skip
        for path, field in [("/api/minimize", "function"), ("/api/derive", "expression")]:
            body = minimize_body(function=text) if field == "function" else {field: text}
            assert 400 <= client.post(path, json=body).status_code < 500
    assert not marker.exists()


def test_parse_errors_point_at_the_column(client) -> None:
    body = assert_error(client.post("/api/minimize", json=minimize_body(function="x^2 + )")), 422)
    assert body["field"] == "function" and body["column"] == 7


def test_numbers_too_large_for_a_float_are_rejected(client) -> None:
    headers = {"content-type": "application/json"}
    # 1e400 is valid JSON, but it overflows a float to infinity.
    body = b'{"function": "x^2 + y^2", "x0": [1e400, 0], "lr": 0.1, "method": "gd"}'
    assert_error(client.post("/api/minimize", content=body, headers=headers), 422, "finite")
    body = b'{"function": "x y", "xlim": [-1, 1], "ylim": [-1e400, 1], "n": 20}'
    assert_error(client.post("/api/surface", content=body, headers=headers), 422, "finite")


def test_missing_and_unknown_fields(client) -> None:
    assert_error(client.post("/api/minimize", json={"function": "x^2"}), 422, "'x0' is required")
    body = assert_error(
        client.post("/api/minimize", json=minimize_body(learning_rate=0.1)), 400, "unknown field"
    )
    assert body["field"] == "learning_rate"


def test_non_json_bodies(client) -> None:
    headers = {"content-type": "application/json"}
    assert_error(
        client.post("/api/minimize", content=b"function=x^2", headers=headers),
        400,
        "not valid JSON",
    )
    assert_error(
        client.post("/api/minimize", content=b"[1, 2]", headers=headers), 400, "JSON object"
    )
    assert_error(client.post("/api/minimize", content=b"", headers=headers), 400, "empty")
    assert_error(client.post("/api/minimize", content=b"\xff\xfe", headers=headers), 400, "UTF-8")
    assert_error(client.post("/api/minimize", content=b'{"lr": NaN}', headers=headers), 400, "NaN")
    assert_error(
        client.post("/api/minimize", content=b'{"lr": Infinity}', headers=headers), 400, "Infinity"
    )
    assert_error(client.post("/api/minimize", content=b"[" * 100_00, headers=headers), 400)
    assert_error(client.post("/api/minimize", data={"function": "x^2"}), 415, "application/json")
    assert client.get("/api/health").status_code == 200


def test_oversized_bodies(client) -> None:
    big = minimize_body(padding="x" * 70_000)
    assert_error(client.post("/api/minimize", json=big), 413, "65,536")

    def chunks():  # sent without a Content-Length: the limit holds while reading
        for _ in range(100):
            yield b" " * 1024

    response = client.post(
        "/api/minimize", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "limit")
    assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/surface", {"function": "x y", "xlim": [-1, 1], "ylim": [-1, 1], "n": 201}, 422,
         "n must be between 2 and 200"),
        ("/api/surface", {"function": "x y", "xlim": [1, -1], "ylim": [-1, 1], "n": 20}, 422,
         "low < high"),
        ("/api/surface", {"function": "x^2", "xlim": [-1, 1], "ylim": [-1, 1], "n": 20}, 422,
         "2 variables"),
        ("/api/curve", {"function": "x y", "xlim": [-1, 1]}, 422, "1 variable"),
        ("/api/derive", {"expression": "sin(", "wrt": "x"}, 422, "could not read the expression"),
        ("/api/derive", {"expression": "x^2", "wrt": "x; rm"}, 422, "variable name"),
        ("/api/derive", {"expression": "x" * 2001}, 422, "2,000"),
        ("/api/critical", {"function": "x y", "xlim": [-1, 1], "ylim": [2, 1]}, 422, "low < high"),
        ("/api/data-descent", {"dataset": "iris", "lr": 0.1}, 422, "tips, advertising"),
        ("/api/data-descent", {"dataset": "tips", "lr": 0.1, "epochs": 1000}, 422, "epochs"),
        ("/api/data-descent", {"dataset": "tips", "lr": 0.1, "batch_size": 1}, 422, "batch_size"),
    ],
)  # fmt: skip
def test_bad_requests_elsewhere(client, path: str, body: dict, status: int, words: str) -> None:
    assert_error(client.post(path, json=body), status, words)


def test_unknown_routes_and_methods_answer_json(client) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "/api/nothing-here")
    assert_error(client.get("/api/minimize"), 405, "GET is not allowed")


# --------------------------------------------------------------------------------------------
# time limits
# --------------------------------------------------------------------------------------------


def test_slow_requests_do_not_hold_up_fast_ones(client) -> None:
    """A descent that runs into the time limit is slow; a derivative asked meanwhile is
    answered first."""
    finished: list[str] = []

    def slow() -> None:
        body = {"function": "(1 - x)^2 + 100 (y - x^2)^2", "x0": [-1.5, 2], "lr": 1e-6,
                "method": "newton", "max_iter": 100_000, "tol": 0}  # fmt: skip
        client.post("/api/minimize", json=body)
        finished.append("slow")

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.3)
    fast = client.post("/api/derive", json={"expression": "x^3", "wrt": "x"})
    finished.append("fast")
    worker.join()
    assert fast.json()["result"] == "3*x^2"
    assert finished == ["fast", "slow"]


def test_long_runs_stop_themselves_within_the_time_limit() -> None:
    from fastapi.testclient import TestClient  # imported quietly by conftest.py already

    from steepest.web.app import create_app

    with TestClient(create_app(workers=1, time_limit=3.0)) as short:
        body = {"function": "(1 - x)^2 + 100 (y - x^2)^2", "x0": [-1.5, 2], "lr": 1e-6,
                "method": "newton", "max_iter": 100_000, "tol": 0}  # fmt: skip
        out = short.post("/api/minimize", json=body).json()
        assert out["status"] == "stopped"
        assert "max_time" in out["message"]
        assert 1 < len(out["path"]) < 100_001


def test_symbolic_work_in_a_request_ends_with_the_time_limit_sentence() -> None:
    from steepest.web import compute
    from steepest.web.requests import BadRequest

    slow = (
        "(sin(x)^5 cos(x)^7 + tanh(x)^3)^3/(tan(x) + e^(x^2) + ln(x^2+1))^4"
        " * sqrt(sin(x)^2+cos(x)^3+1)"
    )
    with pytest.raises(BadRequest, match=r"took longer than the time limit of 0\.05 s"):
        compute.derive_task({"expression": slow, "wrt": "x", "timeout": 0.05})
    answer = compute.derive_task({"expression": "x^3", "wrt": "x", "timeout": 5.0})
    assert answer["result"] == "3*x^2"
