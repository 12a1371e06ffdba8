"""Deadlines for operations that wait in several steps under one timeout."""

from __future__ import annotations

import time

__all__ = ['deadline_after', 'remaining']


def deadline_after(timeout: float | None) -> float | None:
    """The ``time.monotonic()`` instant ``timeout`` seconds from now (``None``: never)."""
    return None if timeout is None else time.monotonic() + timeout


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline``, never negative (``None``: no deadline)."""
    if deadline is None:
        return None
    return max(deadline - time.monotonic(), 0.0)
