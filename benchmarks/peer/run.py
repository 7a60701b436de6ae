"""HIPS autograd's own test suite, run against steepest: how much of "write NumPy as usual" holds.

autograd makes steepest's promise (differentiate plain NumPy code) and ships
tests for it.  This script downloads the pinned autograd source distribution
(``pip download``; nothing of autograd's is kept in this repository), takes
its test files and its derivative checker (``autograd/test_util.py``, with
its tolerances), and runs them with ``import autograd`` answered by the thin
layer in ``shim/``: NumPy is NumPy, the differential operators are
steepest's transforms.

Each test ends in one of: passed; refused (a ``DifferentiationError`` that
names what is not supported: an honest answer); mismatch (an assertion of
the test failed: a wrong value or derivative, or a different convention);
error (any other exception).  The table by file goes to standard output and
to ``build/peer/report.md``.

    python benchmarks/peer/run.py            # all seven files
    python benchmarks/peer/run.py -k einsum  # pytest's selection, for work on one function
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
from collections import Counter, defaultdict
from pathlib import Path

VERSION = "1.7.0"
FILES = ["test_numpy.py", "test_systematic.py", "test_binary_ops.py", "test_linalg.py",
         "test_logic.py", "test_jacobian.py", "test_core.py"]
HELPERS = ["numpy_utils.py"]
CHECKER = ["test_util.py", "wrap_util.py", "util.py"]  # autograd's own, used as they are
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = REPO / "build" / "peer"

PLUGIN = '''
import json, pytest
RESULTS = {}

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        entry = {"outcome": report.outcome, "kind": None, "message": ""}
        if call.excinfo is not None:
            entry["kind"] = call.excinfo.type.__name__
            text = str(call.excinfo.value).strip().splitlines()
            entry["message"] = text[0][:300] if text else ""
        RESULTS[item.nodeid] = entry

def pytest_sessionfinish(session):
    with open("results.json", "w") as out:
        json.dump(RESULTS, out, indent=1)
'''


def _sdist() -> Path:
    """The unpacked source distribution, downloaded once into build/peer."""
    root = BUILD / f"autograd-{VERSION}"
    if root.exists():
        return root
    BUILD.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    f"autograd=={VERSION}", "-d", str(BUILD)], check=True)
    with tarfile.open(BUILD / f"autograd-{VERSION}.tar.gz") as archive:
        archive.extractall(BUILD, filter="data")
    return root


def _workdir(root: Path) -> Path:
    work = BUILD / "work"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(HERE / "shim", work)
    for name in CHECKER:
        shutil.copy(root / "autograd" / name, work / "autograd" / name)
    for name in FILES + HELPERS:
        shutil.copy(root / "tests" / name, work / name)
    (work / "peer_plugin.py").write_text(PLUGIN)
    (work / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    return work


def classify(entry: dict) -> str:
    """passed, refused, mismatch or error (see the module's docstring)."""
    if entry["outcome"] == "passed":
        return "passed"
    if entry["kind"] == "DifferentiationError":
        return "refused"
    if entry["kind"] == "AssertionError":
        return "mismatch"
    return "error"


def report(results: dict[str, dict]) -> str:
    by_file: dict[str, Counter] = defaultdict(Counter)
    for nodeid, entry in results.items():
        by_file[nodeid.split("::")[0]][classify(entry)] += 1
    lines = ["| file | tests | passed | refused | mismatch | error | pass rate |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    total: Counter = Counter()
    for name in FILES:
        counts = by_file.get(name, Counter())
        total.update(counts)
        n = sum(counts.values())
        rate = f"{100 * counts['passed'] / n:.0f}%" if n else "-"
        lines.append(f"| {name} | {n} | {counts['passed']} | {counts['refused']} | "
                     f"{counts['mismatch']} | {counts['error']} | {rate} |")
    n = sum(total.values())
    lines.append(f"| all | {n} | {total['passed']} | {total['refused']} | {total['mismatch']} | "
                 f"{total['error']} | {100 * total['passed'] / max(n, 1):.1f}% |")
    details = [f"- {nodeid}: {classify(e)} ({e['kind']}) {e['message']}"
               for nodeid, e in sorted(results.items()) if classify(e) != "passed"]
    return "\n".join(lines + ["", "Not passed:", *details]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", default=None, help="pytest's -k selection")
    options = parser.parse_args(argv)
    work = _workdir(_sdist())
    command = [sys.executable, "-m", "pytest", "-q", "-p", "peer_plugin", "-x" if False else "-q",
               *FILES]
    if options.k:
        command += ["-k", options.k]
    env_path = f"{work}:{REPO / 'src'}"
    import os

    env = dict(os.environ, PYTHONPATH=env_path, MPLBACKEND="Agg")
    subprocess.run(command, cwd=work, env=env, stdout=subprocess.DEVNULL)
    results = json.loads((work / "results.json").read_text())
    text = report(results)
    (BUILD / "report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
