"""What a suite gets to run with, and what it hands back."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from bench.harness import Case, Figure, Target, run_case
from bench.progress import Progress

__all__ = ['Profile', 'RunContext', 'SuiteResult', 'Table']

T = TypeVar('T')
Profile = Literal['tiny', 'quick', 'default']


@dataclass
class RunContext:
    """Options of this run, shared by every suite."""

    profile: Profile = 'default'
    repeat: int = 3
    #: The CPUs this process may use before ``--pin`` narrowed them.
    original_cpus: frozenset[int] = field(
        default_factory=lambda: frozenset(os.sched_getaffinity(0))
    )
    #: Set in the latency suite's child process: measure the in-process mode only.
    child: bool = False
    progress: Progress = field(default_factory=lambda: Progress(enabled=False))

    @property
    def pinned(self) -> bool:
        """True when this process runs on a single CPU."""
        return len(os.sched_getaffinity(0)) == 1

    def size(self, tiny: T, quick: T, default: T) -> T:
        """Pick the size for the current profile."""
        return {'tiny': tiny, 'quick': quick, 'default': default}[self.profile]

    def run(self, suite: str, case: Case, max_repeat: int | None = None) -> list[Figure]:
        """Run one case with this run's repeat count (capped), ticking the progress bar."""
        repeat = self.repeat if max_repeat is None else min(self.repeat, max_repeat)
        self.progress.add(repeat * len(case.subjects), f'{suite}: {case.name}')
        return run_case(suite, case, repeat, self.progress.tick)


@dataclass
class Table:
    """A titled table, already formatted as text cells."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    #: Lines printed under the table (why a subject is unavailable, ...).
    footnotes: Sequence[str] = ()


@dataclass
class SuiteResult:
    """Everything a suite measured and concluded."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Problems that make the run fail (exit code 1) besides failed figures.
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Data for ``--plot`` (scaling suites only); shape is up to the suite.
    plot: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """True when a measurement raised (other than ImportError) or errors were noted."""
        return bool(self.errors) or any(f.status == 'failed' for f in self.figures)

    def to_json(self) -> dict[str, Any]:
        return {
            'seconds': round(self.seconds, 3),
            'figures': [f.to_json() for f in self.figures],
            'targets': [t.to_json() for t in self.targets],
            'notes': list(self.notes),
            'errors': list(self.errors),
        }
