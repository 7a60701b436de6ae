"""The report of the tour: sections of text, derivations, tables and figures, as one HTML file.

Figures are written as PNG files next to the report and also embedded in it
(base64), so the HTML file alone is complete: it can be mailed or opened
offline.  Every formula is MathML (which browsers lay out with no script):
``$...$`` in a paragraph marks a formula written in course notation,
table cells and headings that read as mathematics are typeset, SymPy values
are printed by :mod:`steepest.symbolic.printing`, and derivations are the
typeset steps of :meth:`steepest.symbolic.Derivation.html`.

>>> import tempfile, pathlib
>>> from steepest.plot import new_figure
>>> with tempfile.TemporaryDirectory() as folder:
...     report = Report(pathlib.Path(folder))
...     section = report.section("Limits")
...     section.text("The limit of $2x$ as $x$ approaches 3.")
...     fig, ax = new_figure(2, 2)
...     record = section.figure(fig, "empty", "An empty picture.")
...     html = report.html()
...     (pathlib.Path(folder) / "images" / "01-empty.png").exists()
True
>>> '<h2 id="limits">1. Limits</h2>' in html, 'data:image/png;base64,' in html
(True, True)
>>> 'alttext="2x"' in html
True
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sympy

from steepest.symbolic.printing import formula_or_none, math_element, mathml

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 2rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 3px solid #0072B2; padding-bottom: 0.2rem; margin-top: 3rem; }
h3 { color: #0072B2; margin-top: 1.8rem; }
nav ol { columns: 2; }
pre { background: #f3f3f3; padding: 0.8rem 1rem; overflow-x: auto; font-size: 0.88rem;
      border-left: 4px solid #009E73; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #eef4f9; }
td.text, th.text { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.92rem; color: #444; }
.check { color: #006b4f; }
math[display="block"] { margin: 0.4rem 0; }
.formula { margin: 0.6rem 0 0.6rem 1.5rem; }
td math, th math { font-size: 1em; }
.steepest-derivation { margin: 0.8rem 0; padding: 0.4rem 0.8rem; background: #fcfcfc;
                       border-left: 4px solid #009E73; }
.steepest-derivation math[display="block"] { text-align: left; }
.meta { color: #666; font-size: 0.9rem; }
.timing { color: #888; font-size: 0.85rem; }
"""


def slug(title: str) -> str:
    """``"Loss functions (MSE, MAE, Huber)"`` -> ``"loss-functions-mse-mae-huber"``.

    >>> slug("Gradient and Jacobian")
    'gradient-and-jacobian'
    """
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass
class FigureRecord:
    """One picture of the report: its number, file and caption."""

    number: int
    file: Path
    caption: str
    mime: str = "image/png"


@dataclass
class Section:
    """One lesson of the report, filled block by block."""

    report: Report
    number: int
    title: str
    blocks: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def anchor(self) -> str:
        return slug(self.title)

    def heading(self, text: str) -> None:
        """A sub-heading inside the section."""
        self.blocks.append(f"<h3>{inline(text)}</h3>")

    def text(self, text: str) -> None:
        """A paragraph; ``$...$`` in it marks a formula, typeset in MathML."""
        self.blocks.append(f"<p>{inline(text)}</p>")

    def check(self, text: str) -> None:
        """A sentence stating that two independent computations agree (``$...$`` typeset)."""
        self.blocks.append(f'<p class="check">\u2714 {inline(text)}</p>')

    def math(self, formula: Any) -> None:
        """A displayed formula: a SymPy value, or course notation as text (``f'(x) = 2x``)."""
        self.blocks.append(f'<div class="formula">{display_math(formula)}</div>')

    def derivation(self, derivation: Any) -> None:
        """A derivation (or partial derivative) as typeset steps: rule, general form, instance."""
        self.blocks.append(derivation.html() if hasattr(derivation, "html") else
                           derivation.derivation().html())  # fmt: skip

    def code(self, text: str) -> None:
        """Preformatted text: a derivation, a printed trace."""
        self.blocks.append(f"<pre>{html.escape(text)}</pre>")

    def table(self, frame: Any, caption: str | None = None, digits: int = 6) -> None:
        """A pandas DataFrame (or a list of dicts) as a table."""
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            frame = pd.DataFrame(frame)
        rows = []
        head = "".join(f'<th class="{_kind(frame[c])}">{heading(c)}</th>' for c in frame.columns)
        for _, row in frame.iterrows():
            cells = "".join(
                f'<td class="{_kind(frame[c])}">{_cell(row[c], digits)}</td>' for c in frame.columns
            )
            rows.append(f"<tr>{cells}</tr>")
        title = f"<caption>{inline(caption)}</caption>" if caption else ""
        self.blocks.append(
            f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def figure(self, fig: Any, name: str, caption: str, *, dpi: int = 100) -> FigureRecord:
        """Save ``fig`` as ``images/NN-name.png`` and embed it."""
        record = self.report.add_image(name, caption, "png")
        fig.savefig(record.file, dpi=dpi)
        self._embed(record)
        return record

    def animation(self, writer: Any, name: str, caption: str) -> FigureRecord:
        """An animated GIF written by ``writer(path)``, saved and embedded."""
        record = self.report.add_image(name, caption, "gif")
        writer(record.file)
        self._embed(record)
        return record

    def _embed(self, record: FigureRecord) -> None:
        data = base64.b64encode(record.file.read_bytes()).decode("ascii")
        relative = record.file.relative_to(self.report.folder).as_posix()
        alt = record.caption.replace("$", "")
        self.blocks.append(
            f'<figure id="figure-{record.number}"><img src="data:{record.mime};base64,{data}" '
            f'alt="{html.escape(alt)}" data-file="{html.escape(relative)}">'
            f"<figcaption>Figure {record.number}. {inline(record.caption)}</figcaption>"
            "</figure>"
        )


def _kind(column: Any) -> str:
    return "number" if str(column.dtype).startswith(("float", "int")) else "text"


def _cell(value: Any, digits: int) -> str:
    """One table cell as HTML: numbers as numbers, SymPy values and formulas in MathML."""
    if isinstance(value, sympy.Basic):
        return mathml(value)
    if isinstance(value, str) and value.startswith("<math"):
        return value  # already typeset
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # nan
            return "not a number"
        return number(value, digits)
    if isinstance(value, str):
        return heading(value)
    return html.escape(str(value))


def number(value: float, digits: int = 6) -> str:
    """A float as a table shows it; ``1e-05`` as the formula 1 × 10⁻⁵.

    >>> number(0.25), "<msup><mn>10</mn>" in number(1e-05)
    ('0.25', True)
    """
    text = f"{value:.{digits}g}"
    if "e" not in text:
        return text.replace("-", "\u2212") if text.startswith("-") else text
    mantissa, exponent = text.split("e")
    power = int(exponent)
    sign = "<mo>\u2212</mo>" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("-")
    minus = "<mo>&#x2212;</mo>" if power < 0 else ""
    content = (
        f"<mrow>{sign}<mn>{mantissa}</mn><mo>&#xD7;</mo><msup><mn>10</mn>"
        f"<mrow>{minus}<mn>{abs(power)}</mn></mrow></msup></mrow>"
    )
    return math_element(content, text)


def heading(text: Any) -> str:
    """A column heading or table cell: typeset when it reads as mathematics, else escaped text.

    >>> heading("f(x)").startswith("<math"), heading("limit exists")
    (True, 'limit exists')
    """
    text = str(text)
    if not text.strip():
        return ""
    if "$" in text:
        return inline(text)
    if re.fullmatch(r"-?\d+(\.\d+)?", text.strip()):
        return html.escape(text)
    content = formula_or_none(text)
    return math_element(content, text) if content else html.escape(text)


def inline(text: str) -> str:
    """Escaped text whose ``$...$`` parts are formulas in course notation, typeset.

    >>> inline("so $f'(x) = 2x$ here").count("<math")
    1
    """
    parts = text.split("$")
    out = []
    for index, part in enumerate(parts):
        if index % 2 == 1 and index < len(parts) - 1:
            out.append(display_math(part, block=False))
        else:
            out.append(html.escape(part if index % 2 == 0 else "$" + part))
    return "".join(out)


def display_math(formula: Any, *, block: bool = True) -> str:
    """A formula as a ``<math>`` element: a SymPy value, or course notation as text."""
    if isinstance(formula, sympy.Basic):
        return mathml(formula, display=block)
    if isinstance(formula, str) and formula.startswith("<math"):
        return formula  # already typeset
    content = formula_or_none(str(formula))
    if content is None:
        from steepest.symbolic.printing import formula_content

        content = formula_content(str(formula))
    return math_element(content, str(formula), display=block)


class Report:
    """A report being written into ``folder``: sections, and the images in ``folder/images``."""

    def __init__(self, folder: Path, title: str = "A tour of steepest") -> None:
        self.folder = Path(folder)
        self.images = self.folder / "images"
        self.images.mkdir(parents=True, exist_ok=True)
        self.title = title
        self.sections: list[Section] = []
        self.figures: list[FigureRecord] = []
        self.preface: list[str] = []

    def section(self, title: str) -> Section:
        """Start the next section."""
        section = Section(self, len(self.sections) + 1, title)
        self.sections.append(section)
        return section

    def add_image(self, name: str, caption: str, extension: str) -> FigureRecord:
        number = len(self.figures) + 1
        file = self.images / f"{number:02d}-{slug(name)}.{extension}"
        record = FigureRecord(number, file, caption, f"image/{extension}")
        self.figures.append(record)
        return record

    def html(self, footer: str = "") -> str:
        """The whole report as one HTML document."""
        toc = "".join(
            f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in self.sections
        )
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(self.title)}</title><style>{STYLE}</style></head>",
            f"<body><main><h1>{html.escape(self.title)}</h1>",
            *self.preface,
            f"<nav><h2>Contents</h2><ol>{toc}</ol></nav>",
        ]
        for section in self.sections:
            parts.append(f'<section aria-labelledby="{section.anchor}">')
            parts.append(
                f'<h2 id="{section.anchor}">{section.number}. {html.escape(section.title)}</h2>'
            )
            parts.extend(section.blocks)
            parts.append(f'<p class="timing">computed in {section.seconds:.1f} s</p></section>')
        if footer:
            parts.append(f'<p class="meta">{html.escape(footer)}</p>')
        parts.append("</main></body></html>")
        return "\n".join(parts)


__all__ = ["FigureRecord", "Report", "Section", "slug"]
