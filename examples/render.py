"""Run the example notebooks top to bottom and render them into the documentation.

    python examples/render.py            # every notebook -> docs/examples/<name>.md
    python examples/render.py 07 08      # only the notebooks whose names start so

Each notebook runs on a fresh IPython kernel of the Python running this
script (``sys.executable``, so the kernel sees the same steepest), through
nbclient.  A notebook that shows an error, a traceback or a warning fails
the run.  The rendered page holds the markdown, the code, the printed
output and every figure as a PNG beside it; interactive panels show as
their static pictures, which the notebooks display after moving the
controls.  The test suite runs the same :func:`execute` and :func:`problems`
(``tests/examples/test_notebooks.py``).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent
DOCS = EXAMPLES.parent / "docs" / "examples"
KERNEL = "steepest-examples"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
STYLE = re.compile(r"<style.*?</style>\s*", re.DOTALL)


def notebooks() -> list[Path]:
    """The example notebooks, in lesson order."""
    return sorted(EXAMPLES.glob("[0-9][0-9]-*.ipynb"))


@contextmanager
def kernel_specs() -> Iterator[Any]:
    """A kernel spec manager whose one kernel is this Python (``sys.executable``)."""
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / KERNEL
        spec.mkdir()
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        kernel = {"argv": argv, "display_name": "steepest (this Python)", "language": "python"}
        (spec / "kernel.json").write_text(json.dumps(kernel))
        yield KernelSpecManager(kernel_dirs=[folder])


def execute(path: Path, specs: Any, timeout: int = 120) -> Any:
    """The notebook at ``path`` run top to bottom on a fresh kernel (outputs filled in)."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=specs)
    client = NotebookClient(
        nb,
        km=manager,
        kernel_name=KERNEL,
        timeout=timeout,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    return nb


def problems(nb: Any) -> list[str]:
    """Every error, traceback, warning or standard-error output of an executed notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            text = ANSI.sub("", output.get("text", "") or "")
            if kind == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
            elif kind == "stream" and output.get("name") == "stderr":
                found.append(f"cell {index}: printed on stderr: {text.strip()[:300]}")
            elif "Traceback" in text or "Warning" in text:
                found.append(f"cell {index}: {text.strip()[:300]}")
            data = output.get("data", {})
            plain = data.get("text/plain", "")
            if "Traceback" in plain or "Warning:" in plain:
                found.append(f"cell {index}: {plain.strip()[:300]}")
    return found


def printed(nb: Any) -> str:
    """All the text a notebook showed: streams and plain-text results, one string."""
    pieces = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            pieces.append(output.get("text", "") or "")
            pieces.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(pieces)


WIDGET = "application/vnd.jupyter.widget-view+json"


def to_markdown(nb: Any, name: str, images: Path) -> str:
    """A markdown page of an executed notebook; its figures are written to ``images``."""
    lines: list[str] = [
        f"<!-- Made by `python examples/render.py` from examples/{name}.ipynb. -->",
        "",
    ]
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines += [cell.source, ""]
            continue
        if cell.cell_type != "code":
            continue
        lines += ["```python", cell.source, "```", ""]
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.get("output_type") == "stream":
                lines += ["```text", ANSI.sub("", output["text"]).rstrip("\n"), "```", ""]
            elif "image/png" in data:
                count += 1
                file = images / f"{name}-{count}.png"
                file.write_bytes(base64.b64decode(data["image/png"]))
                lines += [f"![figure {count} of {name}](images/{file.name})", ""]
            elif WIDGET in data:
                lines += ["*(an interactive panel: its pictures follow below)*", ""]
            elif "text/markdown" in data:
                lines += [data["text/markdown"], ""]
            elif "text/html" in data and "<table" in data["text/html"] and not steepest_html(data):
                lines += [STYLE.sub("", data["text/html"]).strip(), ""]
            elif "text/plain" in data:
                lines += ["```text", data["text/plain"].rstrip("\n"), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def steepest_html(data: dict) -> bool:
    """Whether an output is one of steepest's rich displays (MathML, SVG), which
    Markdown cannot show: its plain text is rendered instead."""
    return 'class="steepest-' in data.get("text/html", "")


def main(argv: list[str]) -> int:
    chosen = [p for p in notebooks() if not argv or any(p.name.startswith(a) for a in argv)]
    images = DOCS / "images"
    images.mkdir(parents=True, exist_ok=True)
    failed = 0
    with kernel_specs() as specs:
        for path in chosen:
            start = time.perf_counter()
            nb = execute(path, specs)
            seconds = time.perf_counter() - start
            found = problems(nb)
            if found:
                failed += 1
                print(f"{path.name}: " + "; ".join(found), file=sys.stderr)
                continue
            for old in images.glob(f"{path.stem}-*.png"):
                old.unlink()
            page = to_markdown(nb, path.stem, images)
            (DOCS / f"{path.stem}.md").write_text(page, encoding="utf-8")
            print(f"{path.name} -> docs/examples/{path.stem}.md ({seconds:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
