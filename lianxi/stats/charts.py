"""The report's charts as PNG images (matplotlib, Agg): the monthly trend, and received appeals by channel and by
category.

Each chart is its own ``Figure`` drawn on its own Agg canvas: nothing goes through pyplot, so no figure, backend
or rcParams setting is shared between two requests (or two threads). Chinese text needs a CJK font that a fresh
machine may not have installed: the one the ``mplfonts`` package carries (Noto Sans CJK SC) is loaded by path and
given to every text explicitly. The package is located without importing it, so none of its code (which can write
font caches into site-packages) runs.
"""

from __future__ import annotations

import importlib.util
import io
from functools import lru_cache
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

DPI = 150
WIDTH_IN = 6.3  # 16 cm: the text width of an A4 portrait page
FONT_FILE = "NotoSansCJKsc-Regular.otf"
OTHERS = "其他"
LABEL_CHARS = 14  # a longer group name is cut, so the bars keep most of the width
# Colours of the site's charts: received, completed, the completion rate.
BLUE, GREEN, ORANGE, GREY = "#2f6fb0", "#3b9c6b", "#e08a1e", "#8a8f98"


@lru_cache(maxsize=1)
def font_path() -> str:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mplfonts is not installed: the charts need its Chinese font "
                           "(pip install -r requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"Chinese font not found: {path}")
    return str(path)


def _font(size: float = 9) -> FontProperties:
    return FontProperties(fname=font_path(), size=size)


def _figure(height_in: float, *, margins: dict | None = None) -> tuple[Figure, object]:
    """A figure with one axes. ``margins`` (subplots_adjust fractions) when the labels' extent is known; else the
    constrained layout fits them (about 0.15 s more per chart)."""
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout=None if margins else "constrained")
    if margins:
        figure.subplots_adjust(**margins)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _title(axes, text: str) -> None:
    axes.set_title(text, fontproperties=_font(11), loc="left", pad=8)


def _empty(axes, text: str = "本期暂无数据") -> None:
    axes.set_xticks([])
    axes.set_yticks([])
    axes.spines[["left", "bottom"]].set_visible(False)
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, fontproperties=_font(11),
              color=GREY)


def month_label(key: str, first: bool) -> str:
    """"2026-01" -> "1月" with the year under it at the start of the axis and of each year, else "2月"."""
    year, month = key.split("-")
    return f"{int(month)}月\n{year}年" if first or month == "01" else f"{int(month)}月"


def trend(rows: list[dict], title: str) -> bytes:
    """Received and completed per month (bars) and the completion rate (line, right axis). ``rows``: the
    breakdown by month (every month present, empty ones included)."""
    figure, axes = _figure(3.1, margins={"left": 0.08, "right": 0.91, "top": 0.86, "bottom": 0.15})
    _title(axes, title)
    if not any(row["received"] for row in rows):
        _empty(axes)
        return _png(figure)
    positions = list(range(len(rows)))
    width = 0.38
    received = axes.bar([p - width / 2 for p in positions], [r["received"] for r in rows], width, color=BLUE,
                        label="受理量（件）")
    completed = axes.bar([p + width / 2 for p in positions], [r["completed"] for r in rows], width, color=GREEN,
                         label="办结（件）")
    axes.set_xticks(positions, [month_label(r["key"], i == 0) for i, r in enumerate(rows)], fontproperties=_font(8))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="y", labelsize=8)
    if len(rows) <= 12:
        for bars in (received, completed):
            axes.bar_label(bars, fmt=lambda v: f"{v:.0f}" if v else "", fontsize=6.5, padding=1)
    rate_axes = axes.twinx()
    rate_axes.spines[["top"]].set_visible(False)
    rates = [r["completion_rate"] for r in rows]
    points = [(p, v * 100) for p, v in zip(positions, rates) if v is not None]
    line = rate_axes.plot([p for p, _ in points], [v for _, v in points], color=ORANGE, marker="o", markersize=3,
                          linewidth=1.5, label="办结率")
    rate_axes.set_ylim(0, 105)
    rate_axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    rate_axes.tick_params(axis="y", labelsize=8)
    axes.set_ylim(0, max(max(r["received"] for r in rows) * 1.18, 1))
    axes.legend(handles=[received, completed, *line], prop=_font(8), loc="lower right", ncols=3, frameon=False,
                bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    return _png(figure)


def top_with_others(rows: list[dict], limit: int) -> list[tuple[str, int]]:
    """(name, received) of the ``limit`` largest groups, the rest summed as 其他; empty groups left out."""
    named = [(row["name"], row["received"]) for row in rows if row["received"]]
    named.sort(key=lambda item: -item[1])
    if len(named) <= limit:
        return named
    head, rest = named[:limit - 1], named[limit - 1:]
    return [*head, (OTHERS, sum(count for _, count in rest))]


def _short(name: str, limit: int = LABEL_CHARS) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def ranked_bars(rows: list[dict], title: str, limit: int = 10) -> bytes:
    """Received appeals per group (a breakdown: channel, category…) as horizontal bars, largest on top, with
    each bar's count and share."""
    items = [(_short(name), count) for name, count in top_with_others(rows, limit)]
    height = 0.9 + 0.27 * max(len(items), 3)
    # Margins in inches, from the longest label (a CJK character at 8 pt is about 0.115 in wide): the
    # constrained layout would find them too, at twice the drawing time.
    left = 0.25 + 0.115 * max((len(name) for name, _ in items), default=0)
    figure, axes = _figure(height, margins={"left": left / WIDTH_IN, "right": 1 - 0.15 / WIDTH_IN,
                                            "top": 1 - 0.4 / height, "bottom": 0.3 / height})
    _title(axes, title)
    if not items:
        _empty(axes)
        return _png(figure)
    total = sum(count for _, count in items)
    items = items[::-1]  # barh draws bottom-up
    slots = max(len(items), 3)  # a bar as thick with one group as with three, the largest on top
    positions = list(range(slots - len(items), slots))
    bars = axes.barh(positions, [count for _, count in items], color=BLUE, height=0.62)
    axes.set_yticks(positions, [name for name, _ in items], fontproperties=_font(8))
    axes.set_ylim(-0.6, slots - 0.4)
    axes.bar_label(bars, labels=[f"{count}（{count / total:.0%}）" for _, count in items], fontproperties=_font(7),
                   padding=2)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    axes.tick_params(axis="x", labelsize=8)
    axes.set_xlim(0, max(count for _, count in items) * 1.25)
    return _png(figure)
