"""The playground's Practice tab: its JSON API, and the tab driven in headless Chromium."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import sympy

from steepest.symbolic import parse, symbol, text_form


class TestApi:
    def test_topics(self, client: Any) -> None:
        answer = client.get("/api/practice/topics").json()
        assert "chain" in answer["topics"] and answer["levels"] == [1, 2, 3, 4, 5]

    def test_an_exercise_with_its_answer_solution_and_hints(self, client: Any) -> None:
        body = {"topic": "power", "level": 1, "seed": 1}
        exercise = client.post("/api/practice/exercise", json=body).json()
        assert exercise["question"] == "d/dx 3x^2" and exercise["answer"] == "6*x"
        assert len(exercise["hints"]) == 2 and "power rule" in exercise["solution"]
        assert 'alttext="d/dx [3*x^2]"' in exercise["question_mathml"]

    def test_check_names_the_mistake(self, client: Any) -> None:
        body = {"question": "d/dx x^2 sin x", "answer": "2x cos x"}
        feedback = client.post("/api/practice/check", json=body).json()
        assert feedback["verdict"] == "incorrect"
        assert feedback["mistake"] == "product-rule-as-product"

    @pytest.mark.parametrize(
        ("path", "body", "status", "words"),
        [
            ("/api/practice/exercise", {"topic": "integrals"}, 422, "topic must be one of"),
            ("/api/practice/exercise", {"topic": "chain", "level": 9}, 422, "level must be"),
            ("/api/practice/exercise", {"topic": "chain", "lvl": 2}, 400, "unknown field 'lvl'"),
            ("/api/practice/check", {"question": "d/dx x^2"}, 422, "'answer' is required"),
            ("/api/practice/check", {"question": "d/dx x +* 2", "answer": "1"}, 422,
             "cannot check an answer to this question"),
        ],
    )  # fmt: skip
    def test_bad_requests_are_one_sentence(
        self, client: Any, path: str, body: dict, status: int, words: str
    ) -> None:
        response = client.post(path, json=body)
        assert response.status_code == status
        assert words in response.json()["error"]


sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = Path(os.environ.get("STEEPEST_CHROMIUM", "/usr/bin/chromium"))
# Generous waits: a busy two-core machine answers a request in a second or more.
sync_api.expect.set_options(timeout=30_000)
# The preview of an unreadable answer is a 422 answer, which the browser logs as an error.
EXPECTED_ERRORS = ("the server responded with a status of 422",)


@pytest.fixture(scope="module")
def page() -> Iterator[tuple[Any, list[str]]]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from steepest.web.app import create_app
    from steepest.web.server import BackgroundServer

    errors: list[str] = []
    with BackgroundServer(create_app(workers=2)) as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(60_000)

        def only_loopback(route: Any) -> None:
            if urlparse(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                errors.append(f"foreign request: {route.request.url}")
                route.abort()

        context.route("**/*", only_loopback)
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        tab.goto(f"{server.url}/")
        tab.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
        yield tab, errors
        browser.close()


def test_practice_tab_wrong_answer_diagnosis_right_answer_next(page: tuple[Any, list]) -> None:
    tab, errors = page
    expect = sync_api.expect
    test_id = tab.get_by_test_id
    test_id("mode-practice").click()
    expect(test_id("mode-practice")).to_have_attribute("aria-selected", "true")
    expect(tab.locator("#functions-mode")).to_be_hidden()
    tab.wait_for_selector("#practice-mode[data-ready=true]", state="attached")
    test_id("practice-topic").select_option("power")
    test_id("practice-level").select_option("1")
    expect(test_id("practice-question")).to_have_text(re.compile(r"^d/dx "), timeout=60_000)
    question = test_id("practice-question").inner_text()
    expect(test_id("practice-question-math").locator("math")).to_have_count(1)
    x = symbol("x")
    right = sympy.diff(parse(question[5:]), x)
    wrong = text_form(sympy.expand(right * x))  # the exponent kept: n x^n

    test_id("practice-answer").fill(wrong)
    expect(test_id("practice-preview").locator("math")).to_have_count(1)
    test_id("practice-check").click()
    expect(test_id("practice-verdict")).to_have_text("incorrect:")
    expect(test_id("practice-mistake")).to_contain_text("power-rule-exponent-kept")
    expect(test_id("practice-message")).to_contain_text("You kept the exponent")

    test_id("practice-hint").click()
    expect(test_id("practice-hints")).to_contain_text("power rule")

    test_id("practice-answer").fill(text_form(right))
    test_id("practice-check").click()
    expect(test_id("practice-verdict")).to_have_text("correct:")
    expect(test_id("practice-progress")).to_contain_text("This topic: 1 solved of 1 tried")

    test_id("practice-show").click()
    expect(test_id("practice-solution")).to_be_visible()
    expect(test_id("practice-solution")).to_contain_text("power rule")

    test_id("practice-next").click()
    expect(test_id("practice-question")).not_to_have_text(question)
    expect(test_id("practice-question")).to_have_text(re.compile(r"^d/dx "))
    expect(test_id("practice-feedback")).to_be_hidden()
    test_id("practice-answer").fill("2x +")
    expect(test_id("practice-preview").locator("mark")).to_have_count(1)
    expect(test_id("practice-preview")).to_contain_text("ends too early")
    stored = tab.evaluate("window.localStorage.getItem('steepest.practice.v1')")
    assert '"power":{"tried":1,"solved":1}' in stored

    test_id("mode-functions").click()
    expect(tab.locator("#practice-mode")).to_be_hidden()
    expect(tab.locator("#functions-mode")).to_be_visible()
    assert not [e for e in errors if not any(known in e for known in EXPECTED_ERRORS)], errors
