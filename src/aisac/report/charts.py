"""Charts as standalone SVG text (matplotlib's SVG backend: no browser, no display).

Suppressed cells are drawn as hatched bars up to MIN_CELL labelled "fewer than 5", so a chart never shows a
count the tables withhold. Text is DejaVu Sans (matplotlib's own font), so the PDF needs no other font.
"""

from __future__ import annotations

import io

from aisac.report.sanitise import MIN_CELL, SUPPRESSED, Cell

_STYLE = {"svg.hashsalt": "aisac", "svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 9}
BLUE, ORANGE, GREY = "#1f5f99", "#d9822b", "#9aa5b1"


def _svg(fig) -> str:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _suppressed(bar, value: Cell, color: str) -> None:  # type: ignore[no-untyped-def]
    """Draw a withheld count as a hatched outline (its height is MIN_CELL, not the count)."""
    if not isinstance(value, int):
        bar.set_hatch("///")
        bar.set_facecolor("white")
        bar.set_edgecolor(color)


def _bars(ax, xs, values: list[Cell], color: str, width: float = 0.8, label: str | None = None) -> None:  # type: ignore[no-untyped-def]
    heights = [v if isinstance(v, int) else MIN_CELL for v in values]
    bars = ax.bar(xs, heights, width=width, color=color, label=label)
    for bar, value in zip(bars, values, strict=True):
        _suppressed(bar, value, color)
        ax.annotate(
            str(value) if isinstance(value, int) else "<5",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=7,
        )


def grouped(title: str, categories: list[str], series: dict[str, list[Cell]]) -> str:
    """Side-by-side bars per category (e.g. campaigns and incidents per month)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6, 2.6))
        width = 0.8 / max(1, len(series))
        for i, (name, values) in enumerate(series.items()):
            xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(categories))]
            _bars(ax, xs, values, (BLUE, ORANGE, GREY)[i % 3], width, name)
        ax.set_xticks(range(len(categories)), categories)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, fontsize=8)
        ax.set_ylabel(f"count (hatched: {SUPPRESSED})", fontsize=7)
        return _svg(fig)


def horizontal(title: str, labels: list[str], values: list[Cell]) -> str:
    """One bar per label (techniques by campaigns using them)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6, 0.45 * max(2, len(labels)) + 0.8))
        heights = [v if isinstance(v, int) else MIN_CELL for v in values]
        bars = ax.barh(range(len(labels)), heights, color=BLUE)
        for bar, value in zip(bars, values, strict=True):
            _suppressed(bar, value, BLUE)
            ax.annotate(
                f" {value if isinstance(value, int) else '<5'}",
                (bar.get_width(), bar.get_y() + 0.4),
                va="center",
                fontsize=7,
            )
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)


def compliance(title: str, labs: list[str], rates: list[float | None]) -> str:
    """SLA compliance per lab as a share of obligations met (no bar where fewer than 5 obligations)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6, 2.4))
        shown = [100 * r if r is not None else 0 for r in rates]
        colors = [BLUE if r is not None and r >= 0.95 else ORANGE for r in rates]
        bars = ax.bar(range(len(labs)), shown, color=colors)
        for bar, r in zip(bars, rates, strict=True):
            text = f"{100 * r:.0f}%" if r is not None else f"{SUPPRESSED} obligations"
            ax.annotate(
                text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=7
            )
        ax.axhline(95, color=GREY, linestyle="--", linewidth=0.8)
        ax.set_ylim(0, 110)
        ax.set_xticks(range(len(labs)), labs)
        ax.set_ylabel("% met within 48 h")
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)
