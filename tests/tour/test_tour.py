"""The tour runs every lesson and writes a report that holds every section and figure it names."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from steepest.cli.main import cli
from steepest.errors import SteepestError
from steepest.tour import SECTION_TITLES, run_tour
from steepest.tour.page import slug

# The sections the lessons ask for, in their order.
REQUIRED = [
    "Limits",
    "Derivatives",
    "Numerical differentiation",
    "Differentiation rules",
    "Partial derivatives and the chain rule",
    "Gradient and Jacobian",
    "Gradient descent and the learning rate",
    "Gradient descent in two variables",
    "Linear regression",
    "Loss functions (MSE, MAE, Huber)",
    "Convexity",
    "Stochastic and mini-batch gradient descent",
    "Backpropagation",
]


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tour")
    report = run_tour(folder, progress=False)
    return report, report.html.read_text(encoding="utf-8")


def test_every_section_is_in_the_report_in_order(tour):
    report, page = tour
    assert report.sections == REQUIRED == list(SECTION_TITLES)
    positions = []
    for number, title in enumerate(REQUIRED, start=1):
        heading = f'<h2 id="{slug(title)}">{number}. {html.escape(title)}</h2>'
        assert heading in page
        assert f'href="#{slug(title)}"' in page  # listed in the contents
        positions.append(page.index(heading))
    assert positions == sorted(positions)


def test_every_figure_referenced_is_embedded_and_on_disk(tour):
    report, page = tour
    figures = re.findall(
        r'<img src="data:(image/(?:png|gif));base64,([A-Za-z0-9+/=]+)" alt="[^"]*" '
        r'data-file="([^"]+)">',
        page,
    )
    assert len(figures) == len(report.images) >= 26
    on_disk = sorted(p.name for p in (report.html.parent / "images").iterdir())
    assert sorted(Path(f).name for _, _, f in figures) == on_disk
    for mime, data, file in figures:
        raw = base64.b64decode(data)
        assert raw == (report.html.parent / file).read_bytes()
        assert raw.startswith(b"\x89PNG" if mime == "image/png" else b"GIF8")
    captions = re.findall(r"<figcaption>Figure (\d+)\. ", page)
    assert [int(c) for c in captions] == list(range(1, len(figures) + 1))
    # The animation is a real one.
    (gif,) = [p for p in report.images if p.suffix == ".gif"]
    with Image.open(gif) as image:
        assert 2 <= image.n_frames <= 40


def test_each_lesson_has_a_figure_and_real_results(tour):
    _, page = tour
    sections = re.split(r'<h2 id="', page)[1:]
    assert len(sections) == len(REQUIRED)
    for title, body in zip(REQUIRED, sections):
        assert "<figure" in body, title
    # Results of the lessons, as computed (the course's numbers are the references here),
    # read from the page's text and from the plain text (alttext) of its formulas.
    alttexts = " ".join(re.findall(r'alttext="([^"]*)"', page))
    text = html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + alttexts).replace("\u2212", "-")
    for fact in [
        "one-sided limits differ",  # lim 1/x at 0
        "6.00001",  # forward difference with h = 1e-5
        "-46*sin(4*t) - 72*cos(4*t)",  # the corrected chain rule result
        "1.99936",  # five steps of descent at rate 0.4
        "0.5671432904",  # the omega constant
        "0.50567",  # first sauna step
        "3313/45",  # the coldest temperature
        "m = 1/2",  # power lines
        "b = 7/3",
        "14.658511131035242",  # the course's minimize loop
        "15.506849531471964",  # Huber on the tips
        "13.596",  # one step of rate 0.3
        "-14.497464",  # the quartic's fourth step
        "20.42",  # SSR at b3 = 0
        "-15.66",  # dSSR/db3
    ]:
        assert fact in text, fact
    assert "Traceback" not in text and "placeholder" not in text.lower()


def test_report_is_self_contained(tour):
    _, page = tour
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page


def test_sections_can_be_chosen_and_unknown_ones_are_refused(tmp_path):
    report = run_tour(tmp_path, sections=["convexity"], progress=False)
    assert report.sections == ["Convexity"]
    with pytest.raises(SteepestError, match="unknown section"):
        run_tour(tmp_path, sections=["Topology"], progress=False)


def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path, capsys):
    run_tour(tmp_path / "quiet", sections=["Derivatives"])  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    run_tour(tmp_path / "loud", sections=["Derivatives"], progress=True)
    assert "1/1" in capsys.readouterr().err  # the bar reached its end


def test_tour_command(tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(cli, ["tour", "--out", str(out), "--section", "Limits", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["sections"] == ["Limits"]
    assert Path(payload["report"]) == out / "index.html"
    assert all(Path(p).exists() for p in payload["images"])
    plain = CliRunner().invoke(cli, ["tour", "--out", str(out), "--section", "Limits"])
    assert plain.output.startswith(f"wrote {out / 'index.html'} (1 sections")


# -- typeset mathematics ----------------------------------------------------------------------

MATHML = "{http://www.w3.org/1998/Math/MathML}"
# Program text where a formula should be: powers, stars, calls, arrows, SymPy's names.
RAW_FORMULA = re.compile(
    r"\*|\^|\bsqrt\(|\bln\(|\b[a-z]\([a-z]|\b\d[a-z]\b|->|<=|\boo\b|\bzoo\b|AccumBounds|\bnan\b"
)


def _visible_outside_math(page: str) -> list[str]:
    body = page.split("<body>", 1)[1]
    body = re.sub(r"<math .*?</math>", " ", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", body))
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_every_formula_is_typeset_mathml(tour):
    _, page = tour
    maths = re.findall(r"<math .*?</math>", page, flags=re.S)
    assert len(maths) >= 300
    raw = [line for line in _visible_outside_math(page) if RAW_FORMULA.search(line)]
    assert raw == [], raw[:5]
    for markup in maths:
        root = ET.fromstring(markup)
        alt = root.get("alttext")
        assert alt, markup[:200]
        shown = "".join(root.itertext())
        # What is shown is typeset; the alttext is the plain course notation (2*x), never
        # Python's power or SymPy's names.
        for internal in ("**", "*x", "AccumBounds", "zoo"):
            assert internal not in shown, (internal, alt)
        assert "**" not in alt and "AccumBounds" not in alt and "zoo" not in alt, alt
        assert not re.search(r"\boo\b", shown + " " + alt), alt
    # Every derivation of the rules lesson is typeset step by step.
    derivations = re.findall(r'<div class="steepest-derivation".*?</div>', page, flags=re.S)
    assert len(derivations) >= 8
    assert all(d.count("<math") >= 3 for d in derivations)
    # The words for what is not a number, and the sides of a limit.
    assert "oscillates between" in page and "x→0+" in page


def test_every_figure_has_alt_text(tour):
    _, page = tour
    alts = re.findall(r'<img src="data:[^"]*" alt="([^"]*)"', page)
    assert alts and all(len(alt) > 10 and "$" not in alt for alt in alts)


def test_every_formula_is_laid_out_in_chromium(tour):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = Path(os.environ.get("STEEPEST_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        pytest.skip(f"no Chromium at {chromium}")
    report, _ = tour
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("file:", "data:")) else route.abort())  # fmt: skip
        tab.goto(report.html.as_uri())
        boxes = tab.evaluate(
            """() => Array.from(document.querySelectorAll('math')).map((m) => {
                 const r = m.getBoundingClientRect();
                 const raised = Array.from(m.querySelectorAll('msup')).every((s) =>
                   s.children[1].getBoundingClientRect().bottom <
                   s.children[0].getBoundingClientRect().bottom);
                 return {width: r.width, height: r.height, raised: raised,
                         alt: m.getAttribute('alttext')};
               })"""
        )
        browser.close()
    assert len(boxes) >= 300
    flat = [b["alt"] for b in boxes if not (b["width"] > 0 and b["height"] > 0)]
    assert flat == []
    # Superscripts sit above their base: the browser lays out MathML, it does not show text.
    assert [b["alt"] for b in boxes if not b["raised"]] == []
