"""Managed blocking: let a thread pool know when one of its threads waits.

A pool thread that blocks in a postroom wait (a future's ``get``, a
correlator ``wait``) cannot run other actors meanwhile. A pool registers a
``BlockingObserver`` on each of its threads; every postroom wait runs inside
``blocking()`` so the observer can lend the pool an extra thread for as long
as the wait lasts, as Java's ForkJoinPool does for managed blocking.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

__all__ = ['BlockingObserver', 'blocking', 'current_observer', 'set_observer']


class BlockingObserver(Protocol):
    """Told when the current thread starts and stops waiting."""

    def begin_blocking(self) -> None:
        """The current thread is about to wait."""

    def end_blocking(self) -> None:
        """The current thread has stopped waiting."""


class _ThreadState(threading.local):
    observer: BlockingObserver | None = None


_state = _ThreadState()


def set_observer(observer: BlockingObserver | None) -> None:
    """Install ``observer`` for the current thread (``None`` removes it)."""
    _state.observer = observer


def current_observer() -> BlockingObserver | None:
    """The observer installed on the current thread, if any."""
    return _state.observer


@contextmanager
def blocking() -> Iterator[None]:
    """Mark the enclosed code as a wait, for the current thread's observer."""
    observer = _state.observer
    if observer is None:
        yield
        return
    observer.begin_blocking()
    try:
        yield
    finally:
        observer.end_blocking()
