"""Load on the playground: fast requests from 16 clients while 4 clients send only
requests that run into the time limit.

Starts ``steepest serve`` in its own process (the flags below are passed on),
then for ``--seconds`` seconds:

* 16 *fast* clients each send, one after the other, small computations
  (a curve, a derivative, a gradient, a 40 x 40 surface, a 100-step run);
* 4 *slow* clients each send, one after the other, requests that take the
  whole time limit: critical points the exact solver cannot finish (then
  searched numerically), and an optimizer run that only its time budget
  stops; on 429 or 503 a slow client waits as ``Retry-After`` says.

Every client keeps one HTTP connection open.  It reports the fast requests'
latency (p50, p95, p99, max) against the documented bound (``--wait`` plus
``--fast-seconds``), the answers by status, the throughput, and the resident
memory of each worker process (sampled from ``/proc``, so Linux only), and
writes them to ``benchmarks/results/load.json``.

    python benchmarks/load.py                  # 60 s, the server's defaults
    python benchmarks/load.py --seconds 20 --per-client 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

FAST = [
    ("/api/curve", {"function": "x^4 - 3x^2 + x", "xlim": [-2, 2], "n": 200}),
    ("/api/derive", {"expression": "sin(3x) x^2", "wrt": "x"}),
    ("/api/inspect", {"function": "x^2 y + y^3"}),
    ("/api/surface", {"function": "x^2 + 3 y^2", "xlim": [-2, 2], "ylim": [-2, 2], "n": 40}),
    ("/api/minimize", {"function": "x^2 + 3 y^2", "x0": [1, 1], "lr": 0.1, "method": "gd",
                       "max_iter": 100}),
]  # fmt: skip
# A run that only its time budget stops (status "stopped"): each step evaluates a kink (which
# keeps it off the fast path over floats) and eight products of sines, so that 100,000 steps take
# far longer than the budget on any machine.
HEAVY = "abs(x) + " + " + ".join(f"sin({k}x) cos({k}y)/{k * k}" for k in range(1, 9))
SLOW = [
    ("/api/minimize", {"function": HEAVY, "x0": [1, 1], "lr": 1e-6, "method": "gd",
                       "max_iter": 100_000, "tol": 0}),
    ("/api/critical", {"function": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2 + x y sin(x)",
                       "xlim": [-5, 5], "ylim": [-5, 5]}),
]  # fmt: skip


def start_server(flags: list[str]) -> tuple[subprocess.Popen[str], str]:
    """``steepest serve --port 0`` with ``flags``; the process and its URL once it answers."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    process = subprocess.Popen(
        [sys.executable, "-m", "steepest.cli.main", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        raise SystemExit(f"the server did not start: {line.strip()}")
    url = line.split("http://", 1)[1].split()[0]
    threading.Thread(target=process.stdout.read, daemon=True).start()  # drain the pipe
    return process, url


class Client:
    """One keep-alive connection; :meth:`post` returns (status, headers, seconds)."""

    def __init__(self, address: str) -> None:
        host, port = address.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], float]:
        data = json.dumps(body).encode()
        started = time.perf_counter()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.connection.request(
                    "POST", path, body=data, headers={"content-type": "application/json"}
                )
                response = self.connection.getresponse()
                response.read()
                headers = {k.lower(): v for k, v in response.getheaders()}
                return response.status, headers, time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt:
                    return 0, {}, time.perf_counter() - started
        return 0, {}, time.perf_counter() - started


def fast_client(address: str, index: int, stop: threading.Event, out: list[Any]) -> None:
    client = Client(address)
    turn = index
    while not stop.is_set():
        path, body = FAST[turn % len(FAST)]
        status, _, seconds = client.post(path, body)
        out.append((path, status, seconds, time.monotonic()))
        turn += 1


def slow_client(
    address: str, index: int, stop: threading.Event, out: list[Any], mix: list[Any]
) -> None:
    client = Client(address)
    turn = index
    while not stop.is_set():
        path, body = mix[turn % len(mix)]
        status, headers, seconds = client.post(path, body)
        out.append((path, status, seconds, time.monotonic()))
        turn += 1
        if status in (429, 503):
            stop.wait(float(headers.get("retry-after", "1")))


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process in /proc."""
    found: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = (parent, command)
    return found


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sample_memory(server: int, stop: threading.Event, peaks: dict[str, Any]) -> None:
    """Peak resident memory of the server and of each worker (children of the fork server)."""
    workers: dict[int, float] = {}
    while not stop.wait(0.5):
        table = _processes()
        servers = [pid for pid, (parent, cmd) in table.items()
                   if parent == server and "forkserver" in cmd]  # fmt: skip
        total = _rss_mb(server) or 0.0
        peaks["server_mb"] = max(peaks.get("server_mb", 0.0), total)
        for pid, (parent, _) in table.items():
            if parent in servers:
                rss = _rss_mb(pid)
                if rss is not None:
                    workers[pid] = max(workers.get(pid, 0.0), rss)
                    total += rss
        peaks["total_mb"] = max(peaks.get("total_mb", 0.0), total)
    peaks["workers_mb"] = sorted(workers.values())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def _ok(rows: list[Any], path: str) -> list[float]:
    return [seconds for p, status, seconds, _ in rows if p == path and status == 200]


def summarize(fast: list[Any], slow: list[Any], seconds: float, bound: float) -> dict[str, Any]:
    latencies = [s for _, status, s, _ in fast if status == 200]

    def by_status(rows: list[Any]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, status, _, _ in rows:
            counts[str(status)] = counts.get(str(status), 0) + 1
        return dict(sorted(counts.items()))

    return {
        "fast": {
            "requests": len(fast),
            "per_second": round(len(fast) / seconds, 1),
            "status": by_status(fast),
            "p50_s": round(percentile(latencies, 50), 3),
            "p95_s": round(percentile(latencies, 95), 3),
            "p99_s": round(percentile(latencies, 99), 3),
            "max_s": round(max((s for _, _, s, _ in fast), default=float("nan")), 3),
            "over_bound": sum(1 for _, _, s, _ in fast if s > bound),
            "by_path_p99_s": {path: round(percentile(_ok(fast, path), 99), 3) for path, _ in FAST},
        },
        "slow": {
            "requests": len(slow),
            "status": by_status(slow),
            "median_s": round(statistics.median([s for _, _, s, _ in slow]), 3) if slow else None,
            "max_s": round(max((s for _, _, s, _ in slow), default=float("nan")), 3),
        },
        "throughput_per_second": round((len(fast) + len(slow)) / seconds, 1),
    }


def run_phase(
    address: str,
    server: int,
    seconds: float,
    fast_clients: int,
    slow_clients: int,
    bound: float,
    join_seconds: float,
    mix: list[Any] = SLOW,
) -> dict[str, Any]:
    """``fast_clients`` and ``slow_clients`` for ``seconds``: the summary with the memory."""
    stop = threading.Event()
    fast: list[Any] = []
    slow: list[Any] = []
    peaks: dict[str, Any] = {}
    threads = [threading.Thread(target=sample_memory, args=(server, stop, peaks))]
    threads += [threading.Thread(target=slow_client, args=(address, i, stop, slow, mix))
                for i in range(slow_clients)]  # fmt: skip
    threads += [threading.Thread(target=fast_client, args=(address, i, stop, fast))
                for i in range(fast_clients)]  # fmt: skip
    load = os.getloadavg()[0]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    ended = time.monotonic()
    for thread in threads:
        thread.join(join_seconds)
    # Throughput counts the requests answered within the phase; latency counts them all.
    within = sum(1 for rows in (fast, slow) for row in rows if row[3] <= ended)
    return {
        "clients": {"fast": fast_clients, "slow": slow_clients},
        "load_average_at_start": round(load, 2),
        **summarize(fast, slow, ended - started, bound),
        "answered_within_phase_per_second": round(within / (ended - started), 1),
        "memory": {
            "server_mb": round(peaks.get("server_mb", 0.0), 1),
            "total_mb": round(peaks.get("total_mb", 0.0), 1),
            "workers": len(peaks.get("workers_mb", [])),
            "worker_peak_mb": round(max(peaks.get("workers_mb", [0.0])), 1),
            "worker_median_mb": round(statistics.median(peaks.get("workers_mb", [0.0])), 1),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--fast-clients", type=int, default=16)
    parser.add_argument("--slow-clients", type=int, default=4)
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the first phase (the fast clients alone)")  # fmt: skip
    parser.add_argument("--slow-kinds", default="critical,minimize",
                        help="which slow requests: critical, minimize or both")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slow-workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--fast-seconds", type=float, default=0.5)
    parser.add_argument("--memory-limit", type=int, default=512)
    parser.add_argument("--per-client", type=int, default=2)
    parser.add_argument("--wait", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "load.json")
    args = parser.parse_args(argv)
    flags = ["--workers", str(args.workers), "--slow-workers", str(args.slow_workers),
             "--time-limit", str(args.time_limit), "--fast-seconds", str(args.fast_seconds),
             "--memory-limit", str(args.memory_limit), "--per-client", str(args.per_client),
             "--wait", str(args.wait)]  # fmt: skip
    bound = args.wait + args.fast_seconds
    join = args.time_limit * 3 + args.wait + 30
    process, address = start_server(flags)
    phases: dict[str, Any] = {}
    try:
        warm = Client(address)
        for path, body in FAST:  # the workers have started once these are answered
            warm.post(path, body)
        if not args.no_baseline:
            phases["fast_alone"] = run_phase(
                address, process.pid, args.seconds, args.fast_clients, 0, bound, join
            )
        kinds = args.slow_kinds.split(",")
        mix = [(path, body) for path, body in SLOW if path.rsplit("/", 1)[1] in kinds]
        phases["with_slow"] = run_phase(
            address, process.pid, args.seconds, args.fast_clients, args.slow_clients, bound, join,
            mix,
        )  # fmt: skip
    finally:
        process.terminate()
        process.wait(30)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "system": platform.platform()},
        "settings": vars(args) | {"out": str(args.out)},
        "bound_s": bound,
        **phases,
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
