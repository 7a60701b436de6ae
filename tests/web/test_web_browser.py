"""The playground page in headless Chromium, driven by Playwright.

Skipped unless Playwright for Python and a Chromium (``/usr/bin/chromium``
by default, or ``STEEPEST_CHROMIUM``) are installed.  The server runs in
this process on a free loopback port; every request the page makes to any
other host is refused and reported.  Screenshots go to
``STEEPEST_SCREENSHOTS`` when it is set (to look at them), else to a
temporary folder.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = Path(os.environ.get("STEEPEST_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from steepest.web.app import create_app  # noqa: E402
from steepest.web.server import BackgroundServer  # noqa: E402

expect = sync_api.expect
# Generous waits: software WebGL on a busy two-core machine draws a step in about a second.
expect.set_options(timeout=30_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    # These tests check what the pages show; the server's time limits have tests of their
    # own (test_web_api.py, test_web_fairness.py, test_web_worker_ends.py).  A run that
    # the default 5 s would cut short on a machine busy with other tests (the SGD path of
    # the data mode stopped at 970 of its 2,441 points once) must not change what is shown.
    with BackgroundServer(create_app(workers=2, time_limit=30.0)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("STEEPEST_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """A browser tab on the playground that records console errors and foreign requests."""

    def __init__(self, browser: Any, server: BackgroundServer) -> None:
        self.server = server
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(60_000)
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.dialogs: list[str] = []
        self.load_errors: list[str] = []
        self.context.route("**/*", self._only_loopback)
        self.tab = self.context.new_page()
        self.tab.on("console", self._console)
        self.tab.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.tab.on("dialog", self._dialog)

    def _only_loopback(self, route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, preset: str = "sauna") -> Page:
        self.tab.goto(f"{self.server.url}/?preset={preset}")
        self.tab.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
        self.settle()
        self.load_errors = list(self.errors)
        return self

    def use(self, preset: str) -> Page:
        """Show a preset with its settings, as a fresh page would (without reloading)."""
        self.errors.clear()
        if self.test_id("mode-functions").get_attribute("aria-selected") != "true":
            self.test_id("mode-functions").click()
        if self.test_id("compare-toggle").is_checked():
            self.test_id("compare-toggle").uncheck()
        select = self.test_id("preset-select")
        if select.input_value() == preset:
            select.dispatch_event("change")
        else:
            select.select_option(preset)
        self.settle()
        return self

    def settle(self) -> None:
        """Wait until no request is pending and the current run is drawn.

        (A CSS selector, not ``wait_for_function``: the page's Content Security
        Policy forbids the string evaluation that the latter relies on.)
        """
        self.tab.wait_for_selector(
            "body[data-busy=false][data-index]", state="attached", timeout=60_000
        )

    def test_id(self, name: str) -> Any:
        return self.tab.get_by_test_id(name)

    def traces(self, plot: str) -> list[dict[str, Any]]:
        """Name, point count and colour of every trace drawn in a plot."""
        return self.tab.evaluate(
            """(plot) => document.querySelector(`[data-testid="${plot}"]`).data.map((t) => ({
                   name: t.name, type: t.type, points: t.x ? t.x.length : 0,
                   color: t.line ? t.line.color : null, x: t.x, y: t.y}))""",
            plot,
        )

    def point(self) -> list[float]:
        return [
            float(v)
            for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", self.test_id("current-point").inner_text())
        ]

    def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.tab.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def shared_page(browser: Any, server: BackgroundServer) -> Iterator[Page]:
    # One tab for the whole module: loading Plotly and starting WebGL in software takes
    # seconds, so the tests switch presets the way a user does instead of reloading.
    opened = Page(browser, server).open("sauna")
    yield opened
    opened.close()


@pytest.fixture
def page(shared_page: Page) -> Iterator[Page]:
    shared_page.errors.clear()
    yield shared_page
    assert shared_page.foreign == [], "the page tried to reach another host"


def sauna_descent(steps: int) -> np.ndarray:
    """Gradient descent on the sauna with the lesson's hand-written partial derivatives."""
    point = np.array([0.5, 0.6])
    for _ in range(steps):
        x, y = point
        grad = np.array([-(1 / 90) * x * (3 * x - 12) * y**2 * (y - 6),
                         -(1 / 90) * x**2 * (x - 6) * y * (3 * y - 12)])  # fmt: skip
        point = point - 0.05 * grad
    return point


def test_page_loads_without_console_errors(page: Page, shots: Path, record_property: Any) -> None:
    assert page.load_errors == []
    page.use("sauna")
    assert page.errors == []
    for hook in ("function-input", "x0-input", "lr-input", "method-select", "step-button",
                 "run-button", "reset-button", "iteration-count", "current-point", "current-loss",
                 "surface-plot", "contour-plot", "loss-plot", "steps-panel"):  # fmt: skip
        expect(page.test_id(hook)).to_be_visible()
    expect(page.test_id("error-message")).to_be_hidden()
    expect(page.test_id("function-input")).to_have_value("85 - x^2 (x-6) y^2 (y-6)/90")
    expect(page.test_id("iteration-count")).to_have_text("0")
    start_loss = 85 - 0.5**2 * (0.5 - 6) * 0.6**2 * (0.6 - 6) / 90
    assert float(page.test_id("current-loss").inner_text()) == pytest.approx(start_loss, rel=1e-6)
    # The steps panel shows both partial derivatives, rule by rule.
    steps = page.test_id("steps-panel")
    expect(steps.locator('summary math[alttext^="∂/∂x ["]')).to_have_count(1)
    expect(steps.locator('summary math[alttext^="∂/∂y ["]')).to_have_count(1)
    expect(steps).to_contain_text("product rule")
    expect(steps).to_contain_text("y is held constant")
    # The minimum at (4, 4) is marked on the contour.
    minima = [t for t in page.traces("contour-plot") if t["name"] == "minimum"]
    assert minima and minima[0]["x"] == [4] and minima[0]["y"] == [4]
    # First paint is measured, not asserted (the report states it).
    timing = page.tab.evaluate(
        """() => {
            const paint = performance.getEntriesByType('paint')
              .find((e) => e.name === 'first-contentful-paint');
            const nav = performance.getEntriesByType('navigation')[0];
            return {first_contentful_paint_ms: paint ? paint.startTime : null,
                    dom_content_loaded_ms: nav.domContentLoadedEventEnd};
        }"""
    )
    for key, value in timing.items():
        record_property(key, value)
    (shots / "timings.json").write_text(json.dumps(timing, indent=2))
    page.shot(shots, "loaded-sauna")


def test_three_steps_update_count_point_and_plots(page: Page, shots: Path) -> None:
    page.use("sauna")
    for _ in range(3):
        page.test_id("step-button").click()
    expect(page.test_id("iteration-count")).to_have_text("3")
    np.testing.assert_allclose(page.point(), sauna_descent(3), rtol=1e-5)
    x, y = sauna_descent(3)
    loss = 85 - x**2 * (x - 6) * y**2 * (y - 6) / 90
    assert float(page.test_id("current-loss").inner_text()) == pytest.approx(loss, rel=1e-5)
    for plot in ("surface-plot", "contour-plot"):
        paths = [t for t in page.traces(plot) if t["name"].startswith("path")]
        assert [t["points"] for t in paths] == [4], plot
    losses = [t for t in page.traces("loss-plot") if t["name"].startswith("path")]
    assert losses[0]["points"] == 4
    # Two of the steps match the lesson exactly.
    page.test_id("reset-button").click()
    expect(page.test_id("iteration-count")).to_have_text("0")
    page.test_id("step-button").click()
    expect(page.test_id("current-point")).to_have_text("(0.50567, 0.604675)")
    page.test_id("step-button").click()
    expect(page.test_id("current-point")).to_have_text("(0.51148, 0.609482)")
    page.shot(shots, "sauna-two-steps")


def test_click_on_the_contour_sets_the_start(page: Page, shots: Path) -> None:
    page.use("bowl")
    area = page.tab.locator('[data-testid="contour-plot"] .nsewdrag').first.bounding_box()
    assert area is not None
    # The window is [-2, 2] x [-2, 2]: three quarters across and a quarter down is (1, 1).
    page.tab.mouse.click(area["x"] + 0.75 * area["width"], area["y"] + 0.25 * area["height"])
    expect(page.test_id("x0-input")).not_to_have_value("1.5, -1")
    page.settle()
    start = [float(v) for v in page.test_id("x0-input").input_value().split(",")]
    np.testing.assert_allclose(start, [1.0, 1.0], atol=0.06)
    expect(page.test_id("iteration-count")).to_have_text("0")
    np.testing.assert_allclose(page.point(), start, atol=1e-9)
    page.test_id("step-button").click()
    expect(page.test_id("iteration-count")).to_have_text("1")
    # One step of rate 0.1 on x^2 + y^2 shrinks the point by 1 - 2 * 0.1.
    np.testing.assert_allclose(page.point(), 0.8 * np.array(start), rtol=1e-5)
    page.shot(shots, "bowl-clicked-start")


def test_an_invalid_function_shows_an_error(page: Page, shots: Path) -> None:
    page.use("bowl")
    function = page.test_id("function-input")
    for text, words in [
        ("x^2 +", "could not read the function"),
        ("__import__('os').system('id')", "could not read the function"),
        ("<img src=x onerror=alert(1)>", "could not read the function"),
        ("x + y + z", "one or two variables"),
    ]:
        function.fill(text)
        function.press("Enter")
        expect(page.test_id("error-message")).to_be_visible()
        expect(page.test_id("error-message")).to_contain_text(words)
    page.shot(shots, "invalid-function")
    page.test_id("step-button").click()
    expect(page.test_id("error-message")).to_contain_text("fix the function first")
    function.fill("x^2 + 2y^2")
    function.press("Enter")
    expect(page.test_id("error-message")).to_be_hidden()
    page.settle()
    expect(page.test_id("gradient-mathml").locator("math")).to_have_attribute(
        "alttext", "grad f(x, y) = [2*x, 4*y]"
    )
    assert page.dialogs == []
    # The browser reports each refused request (status 422) on its console; nothing else.
    assert all("status of 422" in error for error in page.errors), page.errors


def test_compare_mode_draws_two_paths(page: Page, shots: Path) -> None:
    page.use("rosenbrock")
    page.test_id("compare-toggle").check()
    page.test_id("compare-method-1").select_option("adam")
    page.test_id("compare-lr-1").fill("0.05")
    page.test_id("compare-lr-1").press("Enter")
    page.settle()
    for _ in range(5):
        page.test_id("step-button").click()
    expect(page.test_id("iteration-count")).to_have_text("5")
    for plot in ("contour-plot", "surface-plot", "loss-plot"):
        paths = [t for t in page.traces(plot) if t["name"].startswith("path")]
        assert [t["points"] for t in paths] == [6, 6], plot
        assert len({t["color"] for t in paths}) == 2
        if plot != "loss-plot":
            assert paths[0]["x"][0] == paths[1]["x"][0] == -1.5  # the same start
    expect(page.test_id("runs-table").locator("tbody tr")).to_have_count(2)
    page.shot(shots, "compare-rosenbrock")


def test_run_pause_reset_and_learning_rate_slider(page: Page) -> None:
    page.use("sauna")
    page.test_id("run-button").click()
    expect(page.test_id("run-status")).to_have_text("converged", timeout=60_000)
    expect(page.test_id("iteration-count")).to_have_text("124")
    page.test_id("reset-button").click()
    expect(page.test_id("iteration-count")).to_have_text("0")
    slider = page.test_id("lr-slider")
    slider.evaluate("(s) => { s.value = '-2'; s.dispatchEvent(new Event('input')); }")
    expect(page.test_id("lr-input")).to_have_value("0.01")
    page.settle()
    # Pause right after the first frame (a slow software renderer could finish a whole run
    # between two clicks from here).
    stopped_at = page.tab.evaluate(
        """async () => {
            document.querySelector('[data-testid="run-button"]').click();
            await new Promise((resolve) => setTimeout(resolve, 0));
            document.querySelector('[data-testid="pause-button"]').click();
            return Number(document.querySelector('[data-testid="iteration-count"]').textContent);
        }"""
    )
    page.tab.wait_for_timeout(300)
    assert 0 < stopped_at < 500
    assert int(page.test_id("iteration-count").inner_text()) == stopped_at
    expect(page.test_id("pause-button")).to_be_disabled()


def test_one_variable_shows_the_curve_and_tangent_line(page: Page, shots: Path) -> None:
    page.use("quartic")
    expect(page.test_id("surface-plot")).to_be_hidden()
    for _ in range(3):
        page.test_id("step-button").click()
    expect(page.test_id("iteration-count")).to_have_text("3")
    traces = {t["name"]: t for t in page.traces("contour-plot")}
    tangent = traces["tangent A"]
    (x,) = page.point()
    slope = 4 * x**3 - 6 * x + 1
    value = x**4 - 3 * x**2 + x
    for tx, ty in zip(tangent["x"], tangent["y"], strict=True):
        assert ty == pytest.approx(value + slope * (tx - x), rel=1e-4, abs=1e-4)
    assert sorted(round(v, 3) for v in traces["minimum"]["x"]) == [-1.301, 1.131]
    page.shot(shots, "quartic")


def test_data_mode_compares_batch_sizes(page: Page, shots: Path) -> None:
    page.use("bowl")
    page.test_id("mode-data").click()
    page.tab.wait_for_selector("body[data-data-ready=true]", state="attached", timeout=60_000)
    paths = [t for t in page.traces("data-contour-plot") if t["type"] == "scatter"]
    labels = [t["name"] for t in paths]
    assert labels == ["full batch", "SGD (batch size 1)", "mini-batch (batch size 16)",
                      "least squares"]  # fmt: skip
    assert paths[1]["points"] == 10 * 244 + 1 and paths[0]["points"] == 11
    expect(page.test_id("data-summary").locator("tbody tr")).to_have_count(4)
    fitted = [t for t in page.traces("data-fit-plot") if t["type"] == "scatter"]
    assert fitted[0]["name"] == "data" and len(fitted) == 5
    page.shot(shots, "data-tips")
    assert page.errors == []
