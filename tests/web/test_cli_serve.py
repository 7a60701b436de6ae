"""``steepest serve``: starting, answering, refusing, and the message without the web extra."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from steepest.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_serve_is_a_command_with_its_options() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--open", "127.0.0.1", "8000"):
        assert option in result.output
    assert "serve" in CliRunner().invoke(cli, ["--help"]).output


def test_limits_out_of_range_are_refused_with_status_2() -> None:
    for flag, value in [("--memory-limit", "10"), ("--per-client", "0"), ("--wait", "0"),
                        ("--fast-seconds", "-1"), ("--slow-workers", "99")]:  # fmt: skip
        result = CliRunner().invoke(cli, ["serve", flag, value])
        assert result.exit_code == 2, (flag, result.output)
        assert flag in result.output


def test_without_the_web_extra_it_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['fastapi'] = None; "
        "from steepest.cli.main import main; main(['serve'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_environment(),
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'steepest[web]'" in lines[0] and "fastapi" in lines[0]


def test_a_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "steepest.cli.main", "serve", "--port", str(port)],
            capture_output=True, text=True, env=_environment(), timeout=60,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: cannot listen on 127.0.0.1:{port}: it is in use; choose another port with --port"
    )


def test_serve_answers_on_loopback_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "steepest.cli.main", "serve", "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_environment(),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("steepest playground at http://127.0.0.1:")
        url = first.split()[3]
        health = json.load(urllib.request.urlopen(url + "/api/health", timeout=30))
        assert health == {"status": "ok"}
        page = urllib.request.urlopen(url + "/", timeout=30).read().decode()
        assert 'data-testid="function-input"' in page and "cdn" not in page.lower()
        plotly = urllib.request.urlopen(url + "/vendor/plotly.min.js", timeout=30).read(200)
        assert b"plotly.js" in plotly
        derived = urllib.request.urlopen(
            urllib.request.Request(
                url + "/api/derive", data=b'{"expression": "x^3"}',
                headers={"content-type": "application/json"},
            ),
            timeout=60,
        )  # fmt: skip
        assert json.load(derived)["result"] == "3*x^2"
        # A name other than the loopback ones is refused (no DNS rebinding).
        request = urllib.request.Request(url + "/api/health", headers={"host": "evil.example"})
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("a foreign Host header was answered")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in stderr
