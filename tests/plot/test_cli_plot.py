"""``steepest plot`` for every kind, and its errors; the gallery's code runs as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from steepest.cli.main import cli
from steepest.cli.plot import KINDS

SAUNA = "85 - x^2 (x-6) y^2 (y-6)/90"
QUARTIC = "(1/5000)(12 - theta)(23 - theta)(-14 - theta)(-15 - theta) + 7"
ROOT = Path(__file__).resolve().parents[2]

CASES = {
    "function": (["x^2", "--at", "1,3"], "png"),
    "limit": (["1/x", "--at", "0", "--side", "+"], "svg"),
    "convexity": (["theta^2", QUARTIC, "--chord", "-12,12"], "pdf"),
    "numeric-error": (["x^2", "--at", "3"], "png"),
    "surface": (["x^2+y^2", "--at", "2,4"], "png"),
    "contour": (
        [SAUNA, "--x0", "0.5,0.6", "--lr", "0.05", "--xlim", "0,6", "--ylim", "0,6"],
        "png",
    ),
    "gradient-field": (["x e^(-(x^2+y^2))"], "gif"),
    "loss-curve": (
        ["mse", "--data", "12.1,12.8,14.9,16.3,17.2", "--theta", "12", "--lr", "0.3"],
        "png",
    ),
    "learning-rates": (["x^2 - 4x + 4", "--x0", "0", "--lr", "0.1,0.4,0.9,1.1"], "png"),
    "history": (["x^2+y^2", "--x0", "1,2", "--method", "gd,adam", "--lr", "0.1"], "png"),
    "compare": (["x^2+10y^2", "--x0", "3,1", "--lr", "0.05", "--steps", "40"], "png"),
    "regression": (["--data", "advertising", "--x", "TV", "--y", "sales"], "png"),
    "network": ([], "png"),
    "animate": (["x^2 + 3y^2", "--x0", "2,1", "--lr", "0.1", "--steps", "12"], "gif"),
}
MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF", "gif": b"GIF8"}


def test_every_kind_has_a_case():
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_plot_writes_every_kind(tmp_path, kind):
    arguments, extension = CASES[kind]
    out = tmp_path / f"{kind}.{extension}"
    result = CliRunner().invoke(cli, ["plot", kind, *arguments, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["kind"] == kind and payload["format"] == extension
    assert out.read_bytes().startswith(MAGIC[extension])
    if kind == "animate":
        with Image.open(out) as image:
            assert image.n_frames == payload["frames"] == 13  # the start and 12 steps
    if kind == "contour":
        (run,) = payload["runs"].values()
        assert run["status"] == "converged"
        assert run["x"] == pytest.approx([4.0, 4.0], abs=1e-4)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["plot", "function", "x^^2", "--out", "a.png"], "expected an expression"),
        (["plot", "function", "x^2", "--out", "a.bmp"], "must end in"),
        (["plot", "learning-rates", "x^2", "--out", "a.png"], "needs --x0"),
        (["plot", "animate", "x^2", "--x0", "1", "--out", "a.png"], "GIF"),
        (["plot", "function", "--out", "a.png"], "needs an expression"),
        (["plot", "function", "x^2", "--at", "one", "--out", "a.png"], "not a number"),
        (["plot", "regression", "--data", "tips", "--x", "nope", "--out", "a.png"], "column"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, arguments, message):
    from steepest.cli.main import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(arguments)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_bad_input_from_the_shell_has_no_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "steepest.cli.main", "plot", "function", "x^^2", "--out", "a.png"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: expected an expression, found '^' (at column 3)"
    ]
    assert not (tmp_path / "a.png").exists()


def test_gallery_code_runs_and_makes_every_picture(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "gallery.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    pictures = re.findall(r"!\[[^\]]*\]\((images/gallery/[^)]+)\)", text)
    assert len(blocks) >= 15 and len(pictures) >= 14
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs" / "images" / "gallery").mkdir(parents=True)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/gallery.md", "exec"), namespace)
    for picture in pictures:
        made = tmp_path / "docs" / picture
        assert made.exists(), picture
        shipped = ROOT / "docs" / picture
        assert shipped.exists(), f"{picture} is referenced but not in the repository"
        assert shipped.stat().st_size < 150_000
