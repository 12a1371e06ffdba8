"""Timing, repeats and statistics shared by every suite.

A *subject* is one thing being measured (postroom, or a baseline). Its
``measure`` callable runs one repeat and returns a value per metric. The
harness runs the subjects of a case interleaved (repeat 1 of every subject,
then repeat 2, ...) so that drift on a noisy machine hits them alike, and
turns the values into ``Figure`` objects: median, min and max over repeats.

A subject whose ``measure`` raises ``ImportError`` is *unavailable* (the
runtime is not built yet, or an optional peer is not installed); any other
exception marks it *failed*, with the error printed to stderr. Neither stops
the other subjects.
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    'Better',
    'Case',
    'Figure',
    'Metric',
    'Role',
    'Subject',
    'Target',
    'measure_calls',
    'percentile',
    'run_case',
    'steady_gc',
]

Better = Literal['lower', 'higher']
Status = Literal['ok', 'unavailable', 'failed']
Role = Literal['postroom', 'baseline', 'peer']


@dataclass(frozen=True)
class Metric:
    """What one subject reports: a name, its unit and which way is better."""

    name: str
    unit: str
    better: Better


@dataclass
class Subject:
    """One measured thing: postroom, a baseline, or a peer framework."""

    name: str
    role: Role
    measure: Callable[[], Mapping[str, float]]
    metrics: Sequence[Metric]
    note: str = ''


@dataclass
class Figure:
    """Every value of one metric of one subject in one case, over the repeats."""

    suite: str
    case: str
    subject: str
    role: Role
    metric: str
    unit: str
    better: Better
    samples: list[float] = field(default_factory=list)
    status: Status = 'ok'
    reason: str = ''

    @property
    def ok(self) -> bool:
        return self.status == 'ok' and bool(self.samples)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.ok else None

    @property
    def min(self) -> float | None:
        return min(self.samples) if self.ok else None

    @property
    def max(self) -> float | None:
        return max(self.samples) if self.ok else None

    def to_json(self) -> dict[str, Any]:
        return {
            'case': self.case,
            'subject': self.subject,
            'role': self.role,
            'metric': self.metric,
            'unit': self.unit,
            'better': self.better,
            'median': self.median,
            'min': self.min,
            'max': self.max,
            'samples': list(self.samples),
            'status': self.status,
            'reason': self.reason,
        }

    @classmethod
    def from_json(cls, suite: str, data: Mapping[str, Any]) -> Figure:
        return cls(
            suite=suite,
            case=data['case'],
            subject=data['subject'],
            role=data['role'],
            metric=data['metric'],
            unit=data['unit'],
            better=data['better'],
            samples=[float(v) for v in data['samples']],
            status=data['status'],
            reason=data['reason'],
        )


@dataclass
class Target:
    """A target from the issue and whether this run meets it (None: not measured)."""

    name: str
    holds: bool | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {'name': self.name, 'holds': self.holds, 'detail': self.detail}


@dataclass
class Case:
    """Subjects measured side by side under the same conditions."""

    name: str
    subjects: Sequence[Subject]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f'{type(exc).__name__}: {text[0]}' if text else type(exc).__name__


def run_case(
    suite: str,
    case: Case,
    repeat: int,
    tick: Callable[[], None] = lambda: None,
) -> list[Figure]:
    """Measure every subject of ``case`` ``repeat`` times, interleaved.

    ``tick`` is called after each single measurement (for a progress bar).
    """
    figures: dict[tuple[str, str], Figure] = {}
    for subject in case.subjects:
        for metric in subject.metrics:
            figures[subject.name, metric.name] = Figure(
                suite=suite,
                case=case.name,
                subject=subject.name,
                role=subject.role,
                metric=metric.name,
                unit=metric.unit,
                better=metric.better,
            )
    live = list(case.subjects)
    for _ in range(repeat):
        for subject in list(live):
            try:
                values = subject.measure()
            except ImportError as exc:
                _mark(figures, subject, 'unavailable', str(exc) or type(exc).__name__)
                live.remove(subject)
            except Exception as exc:  # noqa: BLE001 - reported, the run exits 1
                where = f'{suite} / {case.name} / {subject.name}'
                print(f'bench: {where} failed:', file=sys.stderr)
                traceback.print_exc(file=sys.stderr)
                _mark(figures, subject, 'failed', _first_line(exc))
                live.remove(subject)
            else:
                for metric in subject.metrics:
                    if metric.name not in values:
                        raise KeyError(
                            f'{suite} / {case.name} / {subject.name}: '
                            f'measure() returned no value for metric {metric.name!r}'
                        )
                    figures[subject.name, metric.name].samples.append(float(values[metric.name]))
            tick()
    return list(figures.values())


def _mark(
    figures: dict[tuple[str, str], Figure], subject: Subject, status: Status, why: str
) -> None:
    for metric in subject.metrics:
        figure = figures[subject.name, metric.name]
        figure.status = status
        figure.reason = why
        figure.samples.clear()


def batch_throughput(batch: Callable[[int], None], count: int, warmup: int) -> dict[str, float]:
    """Run ``batch(warmup)`` untimed, then time ``batch(count)``: messages per second.

    ``batch(n)`` sends n messages and returns once all are handled.
    """
    batch(warmup)
    with steady_gc():
        start = time.perf_counter_ns()
        batch(count)
        elapsed = time.perf_counter_ns() - start
    return {'throughput': count / (elapsed / 1e9)}


@contextmanager
def steady_gc() -> Iterator[None]:
    """Collect garbage, then keep the collector off while timing.

    Every subject is timed the same way, so a collection that happens to fall
    inside one subject's window does not skew a ratio.
    """
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def measure_calls(call: Callable[[], object], count: int, warmup: int) -> list[int]:
    """Time ``count`` calls one by one (after ``warmup`` untimed ones), in ns."""
    for _ in range(warmup):
        call()
    clock = time.perf_counter_ns
    out = [0] * count
    with steady_gc():
        for i in range(count):
            start = clock()
            call()
            out[i] = clock() - start
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method."""
    if not values:
        raise ValueError('percentile() of no values')
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[rank - 1])


def latency_stats(samples_ns: Sequence[int]) -> dict[str, float]:
    """Median and p99 of per-call latencies, in microseconds."""
    return {
        'median': statistics.median(samples_ns) / 1000,
        'p99': percentile(samples_ns, 99) / 1000,
    }
