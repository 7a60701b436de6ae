"""The playground's mathematics in headless Chromium: MathML laid out, as a course writes it.

Skipped unless Playwright for Python and a Chromium (``/usr/bin/chromium`` by
default, or ``STEEPEST_CHROMIUM``) are installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = Path(os.environ.get("STEEPEST_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from steepest.web.app import create_app  # noqa: E402
from steepest.web.server import BackgroundServer  # noqa: E402

expect = sync_api.expect
expect.set_options(timeout=30_000)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# Every <math> under a selector: its size, its alttext, its visible text, and whether each
# superscript is drawn above its base (true only where the browser lays out MathML).
MEASURE = """(selector) => Array.from(document.querySelectorAll(selector + ' math')).map((m) => {
  const box = m.getBoundingClientRect();
  const raised = Array.from(m.querySelectorAll('msup')).map((s) => {
    const base = s.children[0].getBoundingClientRect();
    const top = s.children[1].getBoundingClientRect();
    return top.bottom < base.bottom - 1;
  });
  return {width: box.width, height: box.height, alt: m.getAttribute('alttext'),
          text: m.textContent, raised: raised, visible: m.checkVisibility()};
})"""


@pytest.fixture(scope="module")
def tab() -> Iterator[Any]:
    with (
        BackgroundServer(create_app(workers=2)) as server,
        sync_api.sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}/?preset=sauna")
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
        page.wait_for_selector("[data-testid=gradient-mathml] math", timeout=60_000)
        yield page
        assert errors == []
        browser.close()


def measure(tab: Any, selector: str) -> list[dict[str, Any]]:
    return tab.evaluate(MEASURE, selector)


def test_the_gradient_and_the_steps_are_typeset(tab: Any) -> None:
    (gradient,) = measure(tab, "[data-testid=gradient-mathml]")
    assert gradient["width"] > 50 and gradient["height"] > 30  # a column vector: two rows
    assert gradient["alt"].startswith("grad f(x, y) = [")
    steps = [m for m in measure(tab, "[data-testid=steps-panel]") if m["visible"]]
    assert len(steps) >= 6
    for math in steps:
        assert math["width"] > 0 and math["height"] > 0, math["alt"]
        assert "*" not in math["text"] and "**" not in math["alt"]
        assert all(math["raised"]), math["alt"]
    rules = tab.get_by_test_id("steps-panel").inner_text()
    assert "constant multiple rule" in rules or "product rule" in rules


def test_the_typed_function_is_previewed(tab: Any) -> None:
    box = tab.get_by_test_id("function-input")
    box.fill("x^2 sin x + e^(-x)/2")
    expect(tab.locator("[data-testid=function-preview] math")).to_have_attribute(
        "alttext", "x^2*sin(x) + e^(-x)/2"
    )
    (preview,) = measure(tab, "[data-testid=function-preview]")
    assert preview["width"] > 40 and all(preview["raised"])
    assert tab.locator("[data-testid=function-preview] mfrac").count() == 1
    box.fill("x^2 + )")
    expect(tab.locator("[data-testid=function-preview] mark")).to_have_text(")")
    expect(tab.get_by_test_id("function-preview")).to_contain_text("column 7")


def test_the_tangent_plane_is_an_equation(tab: Any) -> None:
    tab.get_by_test_id("function-input").fill("85 - x^2 (x-6) y^2 (y-6)/90")
    tab.get_by_test_id("function-input").dispatch_event("change")
    tab.wait_for_selector("body[data-busy=false][data-index]", state="attached", timeout=60_000)
    tab.get_by_test_id("step-button").click()
    expect(tab.get_by_test_id("iteration-count")).to_have_text("1")
    (equation,) = measure(tab, "[data-testid=tangent-equation]")
    assert equation["width"] > 50 and equation["alt"].startswith("z = ")
    assert "(x - " in equation["alt"] and "(y - " in equation["alt"]
