"""Per-service counters: invocations, failures, latency."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

__all__ = ['ServiceStats', 'StatsSnapshot']


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    """A consistent copy of one service's counters."""

    service: str
    invocations: int
    failures: int
    total_seconds: float
    max_seconds: float

    @property
    def mean_seconds(self) -> float:
        """Mean handler time, 0.0 before the first invocation."""
        return self.total_seconds / self.invocations if self.invocations else 0.0


class ServiceStats:
    """Counters for one service, updated once per invocation from any thread.

    ``record`` runs on every invocation, so it only appends to a deque (one
    atomic C call); the appended times are folded into the totals, under a
    lock, every ``FOLD_EVERY`` records and on every ``snapshot``.
    """

    __slots__ = (
        '_failed',
        '_failures',
        '_invocations',
        '_lock',
        '_max',
        '_recent',
        '_total',
        'service',
    )

    FOLD_EVERY = 256

    def __init__(self, service: str) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._failed: deque[None] = deque()
        self._invocations = 0
        self._failures = 0
        self._total = 0.0
        self._max = 0.0

    def record(self, seconds: float, *, ok: bool) -> None:
        """Count one invocation that took ``seconds``."""
        recent = self._recent
        recent.append(seconds)
        if not ok:
            self._failed.append(None)
        if len(recent) >= self.FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        with self._lock:
            recent, failed = self._recent, self._failed
            # popleft, not a swap of deques: a record appended meanwhile by
            # another thread stays queued for the next fold, never lost.
            for _ in range(len(recent)):
                seconds = recent.popleft()
                self._total += seconds
                self._max = max(self._max, seconds)
                self._invocations += 1
            for _ in range(len(failed)):
                failed.popleft()
                self._failures += 1

    def snapshot(self) -> StatsSnapshot:
        """The counters as they are now."""
        self._fold()
        with self._lock:
            return StatsSnapshot(
                self.service, self._invocations, self._failures, self._total, self._max
            )
