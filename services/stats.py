"""Per-service counters: invocations, failures, latency."""

from __future__ import annotations

import threading
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
    """Thread-safe counters for one service, updated once per invocation."""

    __slots__ = ('_failures', '_invocations', '_lock', '_max', '_total', 'service')

    def __init__(self, service: str) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._invocations = 0
        self._failures = 0
        self._total = 0.0
        self._max = 0.0

    def record(self, seconds: float, *, ok: bool) -> None:
        """Count one invocation that took ``seconds``."""
        with self._lock:
            self._invocations += 1
            if not ok:
                self._failures += 1
            self._total += seconds
            self._max = max(self._max, seconds)

    def snapshot(self) -> StatsSnapshot:
        """The counters as they are now."""
        with self._lock:
            return StatsSnapshot(
                self.service, self._invocations, self._failures, self._total, self._max
            )
