"""``--plot``: a PNG of the scaling suites (matplotlib, an optional extra).

A scaling suite puts its series in ``SuiteResult.plot['panels']``: a list of
``{'title', 'x_label', 'y_label', 'log_x', 'log_base', 'log_y',
'series': [{'label', 'x', 'y'}]}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.context import SuiteResult

__all__ = ['PlotUnavailable', 'require_matplotlib', 'write_plot']


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def require_matplotlib() -> None:
    """Raise PlotUnavailable with an install hint unless matplotlib imports."""
    try:
        import matplotlib  # noqa: F401, PLC0415
    except ImportError as exc:
        raise PlotUnavailable(
            "--plot needs matplotlib, which is not installed (pip install 'postroom[plot]')"
        ) from exc


def write_plot(results: Sequence[SuiteResult], path: Path) -> None:
    """Draw every panel of ``results`` into one PNG at ``path``."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt  # noqa: PLC0415

    panels: list[dict[str, Any]] = [p for r in results for p in r.plot.get('panels', [])]
    if not panels:
        panels = [{'title': 'no scaling figures were measured', 'series': []}]
    columns = 2 if len(panels) > 1 else 1
    rows = (len(panels) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(6.5 * columns, 4.2 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        for series in panel['series']:
            ax.plot(series['x'], series['y'], marker='o', label=series['label'])
        ax.set_title(panel['title'], fontsize=10)
        ax.set_xlabel(panel.get('x_label', ''))
        ax.set_ylabel(panel.get('y_label', ''))
        if panel.get('log_x'):
            ax.set_xscale('log', base=panel.get('log_base', 10))
        if panel.get('log_y'):
            ax.set_yscale('log')
        elif panel['series']:
            ax.set_ylim(bottom=0)
        if panel['series']:
            ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
