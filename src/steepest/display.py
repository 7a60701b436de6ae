"""Rich display for notebooks: HTML tables, summaries and inline SVG line charts.

The one home of the HTML that result objects show in Jupyter
(``_repr_html_``).  It sits beneath every layer and knows nothing of them:
the result classes pass it their rows, their numbers and (from
:mod:`steepest.symbolic.printing`) their typeset formulas.  Nothing here needs
JavaScript, a network or a plotting library: a chart is plain SVG.

>>> page = box("OptimizeResult", summary([("converged", True), ("loss", 0.25)]))
>>> page.startswith('<div class="steepest-result"') and "<th" in page
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

BOX_STYLE = (
    "font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 0.95em; "
    "border: 1px solid #ddd; border-radius: 4px; padding: 0.5em 0.8em; margin: 0.3em 0; "
    "max-width: 60em; overflow-x: auto"
)
CELL_STYLE = "border: 1px solid #e3e3e3; padding: 0.15em 0.6em; text-align: right"
HEAD_STYLE = CELL_STYLE + "; background: #eef4f9; text-align: left"
LINE_COLOR = "#0072B2"


class Markup(str):
    """HTML that is shown as it is (not escaped) when put in a table or summary.

    >>> cell(Markup("<b>1</b>")), cell("<b>1</b>")
    ('<b>1</b>', '&lt;b&gt;1&lt;/b&gt;')
    """


def number_text(value: float, digits: int = 6) -> str:
    """A float in at most ``digits`` significant digits; words for inf and nan.

    >>> number_text(0.1 + 0.2), number_text(float("inf")), number_text(float("nan"))
    ('0.3', '∞', 'not a number')
    """
    if math.isnan(value):
        return "not a number"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:.{digits}g}"
    return text.replace("-", "−") if text.startswith("-") else text


def cell(value: Any, digits: int = 6) -> str:
    """One value as HTML: markup as it is, numbers rounded, anything else escaped text."""
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, bool) or value is None:
        return html.escape("–" if value is None else ("yes" if value else "no"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value, digits)
    try:
        import numpy as np

        if isinstance(value, np.generic) and np.issubdtype(type(value), np.number):
            return cell(value.item(), digits)
        if isinstance(value, np.ndarray) and value.size <= 12:
            return html.escape(
                "[" + ", ".join(number_text(float(v), digits) for v in value.ravel()) + "]"
            )
    except (TypeError, ValueError):
        pass
    return html.escape(str(value))


def table(
    rows: Iterable[Sequence[Any]],
    header: Sequence[Any] | None = None,
    *,
    caption: str | None = None,
    digits: int = 6,
) -> str:
    """An HTML table of ``rows`` (each a sequence of values), with an optional header row.

    >>> table([[1, 0.5]], ["step", "loss"]).count("<td")
    2
    """
    parts = ['<table class="steepest-table" style="border-collapse: collapse; margin: 0.3em 0">']
    if caption:
        parts.append(f'<caption style="text-align: left">{html.escape(caption)}</caption>')
    if header is not None:
        heads = "".join(f'<th style="{HEAD_STYLE}">{cell(h)}</th>' for h in header)
        parts.append(f"<thead><tr>{heads}</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        cells = "".join(f'<td style="{CELL_STYLE}">{cell(v, digits)}</td>' for v in row)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def summary(items: Iterable[tuple[str, Any]], digits: int = 6) -> str:
    """Name and value pairs as a two-column table, names as row headings.

    >>> summary([("iterations", 12)]).count("<th")
    1
    """
    rows = "".join(
        f'<tr><th style="{HEAD_STYLE}">{html.escape(name)}</th>'
        f'<td style="{CELL_STYLE}; text-align: left">{cell(value, digits)}</td></tr>'
        for name, value in items
    )
    return f'<table class="steepest-summary" style="border-collapse: collapse">{rows}</table>'


def box(title: str, *parts: str) -> str:
    """A titled block holding ``parts`` (HTML): the frame of every rich display.

    >>> box("Limit", "<p>1</p>").count("<b>")
    1
    """
    heading = f'<div style="margin-bottom: 0.3em"><b>{html.escape(title)}</b></div>'
    return f'<div class="steepest-result" style="{BOX_STYLE}">{heading}{"".join(parts)}</div>'


def paragraph(text: str) -> str:
    """Plain text as a paragraph (escaped)."""
    return f'<p style="margin: 0.3em 0">{html.escape(text)}</p>'


def _ticks(low: float, high: float, log: bool) -> list[float]:
    if log:
        first, last = math.floor(low), math.ceil(high)
        stride = max(1, math.ceil((last - first) / 5))
        return [float(k) for k in range(first, last + 1, stride) if low - 1e-9 <= k <= high + 1e-9]
    if high == low:
        return [low]
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    start = math.ceil(low / step) * step
    return [start + k * step for k in range(int((high - start) / step + 1e-9) + 1)]


def line_chart(
    ys: Sequence[float],
    xs: Sequence[float] | None = None,
    *,
    log_x: bool = False,
    log_y: bool = False,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 420,
    height: int = 240,
) -> str:
    """A line chart as inline SVG (no script, no plotting library), with its title as alt text.

    Points that are not finite (or not positive on a log axis) are left out.
    The ``<svg>`` has ``role="img"`` and a ``<title>`` for screen readers.

    >>> svg = line_chart([4, 1, 0.25], title="loss", log_y=True)
    >>> svg.startswith("<svg") and "<polyline" in svg and "<title>loss</title>" in svg
    True
    """
    xs = list(range(len(ys))) if xs is None else list(xs)
    points = [
        (float(x), float(y))
        for x, y in zip(xs, ys, strict=False)
        if math.isfinite(float(x))
        and math.isfinite(float(y))
        and (not log_x or float(x) > 0)
        and (not log_y or float(y) > 0)
    ]
    label = html.escape(title or "line chart")
    if len(points) < 2:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="40">'
            f'<title>{label}</title><text x="4" y="24" font-size="12">{label}: '
            "too few finite points to draw</text></svg>"
        )
    px = [math.log10(x) if log_x else x for x, _ in points]
    py = [math.log10(y) if log_y else y for _, y in points]
    left, right, top, bottom = 58, 12, 22 if title else 8, 34
    x0, x1 = min(px), max(px)
    y0, y1 = min(py), max(py)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    inner_w, inner_h = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * inner_w

    def sy(v: float) -> float:
        return top + (1 - (v - y0) / (y1 - y0)) * inner_h

    def tick_text(v: float, log: bool) -> str:
        return f"1e{int(v)}" if log else number_text(v, 3)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f"<title>{label}</title>",
        f'<rect x="{left}" y="{top}" width="{inner_w}" height="{inner_h}" fill="white" '
        'stroke="#999"/>',
    ]
    if title:
        parts.append(f'<text x="{left}" y="14" font-size="12">{label}</text>')
    for v in _ticks(y0, y1, log_y):
        parts.append(
            f'<line x1="{left - 3}" x2="{left + inner_w}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" '
            f'stroke="#eee"/><text x="{left - 5}" y="{sy(v) + 3:.1f}" text-anchor="end">'
            f"{tick_text(v, log_y)}</text>"
        )
    for v in _ticks(x0, x1, log_x):
        parts.append(
            f'<text x="{sx(v):.1f}" y="{top + inner_h + 13}" text-anchor="middle">'
            f"{tick_text(v, log_x)}</text>"
        )
    if x_label:
        parts.append(
            f'<text x="{left + inner_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
            f"{html.escape(x_label)}</text>"
        )
    if y_label:
        parts.append(
            f'<text x="12" y="{top + inner_h / 2:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {top + inner_h / 2:.1f})">{html.escape(y_label)}</text>'
        )
    coordinates = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in zip(px, py, strict=True))
    parts.append(
        f'<polyline fill="none" stroke="{LINE_COLOR}" stroke-width="1.8" points="{coordinates}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


__all__ = [
    "Markup",
    "box",
    "cell",
    "line_chart",
    "number_text",
    "paragraph",
    "summary",
    "table",
]
