"""Tables, target lines, ratios and the JSON document."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

from tabulate import tabulate

from bench.context import SuiteResult, Table
from bench.harness import Figure

__all__ = [
    'PACKAGES',
    'cell',
    'find',
    'fmt',
    'json_document',
    'machine_info',
    'package_versions',
    'ratio',
    'ratio_text',
    'reasons',
    'render',
    'subject_table',
]

#: Distributions whose versions go into the JSON (None when not installed).
PACKAGES = ('postroom', 'pykka', 'cloudpickle', 'tabulate', 'tqdm', 'thespian', 'ray', 'matplotlib')


def fmt(value: float | None) -> str:
    """A number with about three significant digits; '-' for none."""
    if value is None:
        return '-'
    if abs(value) >= 1000:
        return f'{value:,.0f}'
    return f'{value:.3g}'


def cell(figure: Figure | None, spread: bool = True) -> str:
    """A table cell: the median (and the min-max range over repeats)."""
    if figure is None:
        return '-'
    if figure.status != 'ok':
        return figure.status  # the reason is listed under the table once
    text = fmt(figure.median)
    if spread and len(figure.samples) > 1:
        text += f' ({fmt(figure.min)}-{fmt(figure.max)})'
    return text


def find(figures: Iterable[Figure], case: str, subject: str, metric: str) -> Figure | None:
    """The figure of ``subject``'s ``metric`` in ``case``, if it was measured."""
    for figure in figures:
        if (figure.case, figure.subject, figure.metric) == (case, subject, metric):
            return figure
    return None


def ratio(ours: Figure | None, theirs: Figure | None) -> float | None:
    """``ours / theirs`` on medians, or None when either is missing."""
    if ours is None or theirs is None:
        return None
    a, b = ours.median, theirs.median
    if a is None or b is None or b == 0:
        return None
    return a / b


def ratio_text(value: float | None) -> str:
    return '-' if value is None else f'{value:.2f}x'


def subject_table(
    title: str,
    figures: Sequence[Figure],
    *,
    case: str,
    metrics: Sequence[str],
    reference: str,
    ratio_metric: str,
) -> Table:
    """One row per subject of ``case``; the last column is ``reference ÷ subject``.

    The ratio is always the reference's figure divided by the row's figure, in
    the row's unit: for a latency, 1.2x means the reference takes 1.2 times as
    long; for a throughput, 0.8x means it moves 0.8 times as many messages.
    """
    subjects = list(dict.fromkeys(f.subject for f in figures if f.case == case))
    units = {f.metric: f.unit for f in figures if f.case == case}
    headers = ['subject', *(f'{m} ({units.get(m, "")})' for m in metrics), f'{reference} ÷ this']
    ref = find(figures, case, reference, ratio_metric)
    rows = []
    for subject in subjects:
        row = [subject, *(cell(find(figures, case, subject, m)) for m in metrics)]
        row.append(ratio_text(ratio(ref, find(figures, case, subject, ratio_metric))))
        rows.append(row)
    return Table(title, headers, rows, footnotes=reasons(f for f in figures if f.case == case))


def reasons(figures: Iterable[Figure]) -> list[str]:
    """One line per subject that is unavailable or failed, saying why."""
    seen: dict[str, str] = {}
    for figure in figures:
        if figure.status != 'ok' and figure.subject not in seen:
            seen[figure.subject] = f'{figure.subject}: {figure.status}: {figure.reason}'
    return list(seen.values())


def render(result: SuiteResult) -> str:
    """The suite's tables, targets and notes as text for the terminal."""
    parts = [f'== {result.name} ({result.seconds:.1f} s) ==']
    for table in result.tables:
        parts.append('')
        parts.append(table.title)
        parts.append(tabulate(table.rows, headers=list(table.headers), disable_numparse=True))
        parts.extend(f'  {line}' for line in table.footnotes)
    if result.targets:
        parts.append('')
        for target in result.targets:
            mark = {True: 'HOLDS', False: 'MISSED', None: 'NOT MEASURED'}[target.holds]
            parts.append(f'target {mark}: {target.name}: {target.detail}')
    for note in result.notes:
        parts.append(f'note: {note}')
    for error in result.errors:
        parts.append(f'error: {error}')
    return '\n'.join(parts)


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions, read from package metadata without importing."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_info() -> dict[str, Any]:
    return {
        'cpu_count': os.cpu_count(),
        'affinity': sorted(os.sched_getaffinity(0)),
        'platform': platform.platform(),
        'machine': platform.machine(),
        'python': platform.python_version(),
        'implementation': platform.python_implementation(),
    }


def json_document(
    results: Sequence[SuiteResult], options: Mapping[str, Any], argv: Sequence[str]
) -> dict[str, Any]:
    """The ``--json`` document: options, machine, versions and every figure."""
    return {
        'schema': 1,
        'date': dt.datetime.now(dt.UTC).isoformat(timespec='seconds'),
        'command': ' '.join(['python -m bench', *argv]),
        'options': dict(options),
        'machine': machine_info(),
        'versions': package_versions(),
        'executable': sys.executable,
        'suites': {r.name: r.to_json() for r in results},
    }
