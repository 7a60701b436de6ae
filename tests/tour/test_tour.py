"""The tour runs every lesson and writes a report that holds every section and figure it names."""

from __future__ import annotations

import base64
import html
import json
import re
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
    # Results of the lessons, as computed (the course's numbers are the references here).
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for fact in [
        "one-sided limits differ",  # lim 1/x at 0
        "6.00001",  # forward difference with h = 1e-5
        "-46*sin(4*t) - 72*cos(4*t)",  # the corrected chain rule result
        "1.99936",  # five steps of descent at rate 0.4
        "0.5671432904",  # the omega constant
        "0.50567",  # first sauna step
        "3313/45",  # the coldest temperature
        "m = 1/2, b = 7/3",  # power lines
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
