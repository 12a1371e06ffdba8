"""A light pykka future built on one lock.

pykka's ``ThreadingFuture`` waits on a ``threading.Condition``; a bare lock
that the setter releases is the cheapest hand-off between two Python threads
and halves the cost of a round trip. It keeps pykka's contract: ``get`` may be
called many times and from many threads, a second ``set`` raises
``queue.Full``, get hooks work, and a timeout raises ``pykka.Timeout``.
"""

from __future__ import annotations

import queue
import sys
from _thread import allocate_lock
from typing import TYPE_CHECKING, Any, TypeVar

import pykka

from actors.blocking import current_observer

if TYPE_CHECKING:
    from pykka._future import GetHookFunc
    from pykka._types import OptExcInfo

__all__ = ['LightFuture']

T = TypeVar('T')


class LightFuture(pykka.Future[T]):
    """A ``pykka.Future`` that costs one lock to wait on."""

    def __init__(self) -> None:
        super().__init__()
        self._done = allocate_lock()
        self._done.acquire()
        self._value: Any = None
        self._exc_info: OptExcInfo | None = None
        self._is_set = False

    def __repr__(self) -> str:
        state = 'done' if self._is_set else 'pending'
        return f'<LightFuture {state}>'

    def done(self) -> bool:
        """Whether a value or an exception has been set."""
        return self._is_set

    def get(self, *, timeout: float | None = None) -> T:
        """Return the value, or raise the exception, once it is set.

        Raises ``pykka.Timeout`` when ``timeout`` seconds pass first.
        """
        if self._get_hook is None and not self._is_set:
            self._wait(timeout)
        if self._get_hook is not None:
            return super().get(timeout=timeout)
        if self._exc_info is not None:
            exc_type, exc_value, exc_traceback = self._exc_info
            if exc_value is None:
                assert exc_type is not None
                exc_value = exc_type()
            raise exc_value.with_traceback(exc_traceback)
        value: T = self._value
        return value

    def _wait(self, timeout: float | None) -> None:
        done = self._done
        # actors.blocking.blocking(), spelled out: a generator-based context
        # manager would cost more than the rest of a round trip's wait.
        observer = current_observer()
        if observer is not None:
            observer.begin_blocking()
        try:
            acquired = done.acquire(True, -1 if timeout is None else max(timeout, 0.0))
        finally:
            if observer is not None:
                observer.end_blocking()
        if not acquired:
            raise pykka.Timeout(f'{timeout} seconds')
        # Pass the baton on: every later or concurrent get() must also pass.
        done.release()

    # A future is set once, by the one actor that handles its message. A
    # second set is a bug and raises queue.Full, as pykka's does; the lock's
    # own "release unlocked lock" error catches two setters racing.

    def _settle(self) -> None:
        self._is_set = True
        try:
            self._done.release()
        except RuntimeError:
            raise queue.Full from None

    def set(self, value: Any | None = None) -> None:
        """Set the value; a second ``set`` or ``set_exception`` raises ``queue.Full``."""
        if self._is_set or self._get_hook is not None:
            raise queue.Full
        self._value = value
        self._settle()

    def set_exception(self, exc_info: OptExcInfo | None = None) -> None:
        """Set an exception (``sys.exc_info()`` when none is given) to be raised by ``get``."""
        assert exc_info is None or len(exc_info) == 3
        if self._is_set or self._get_hook is not None:
            raise queue.Full
        self._exc_info = exc_info if exc_info is not None else sys.exc_info()
        self._settle()

    def set_get_hook(self, func: GetHookFunc[T]) -> None:
        """Compute the value with ``func(timeout)`` when ``get`` is first called."""
        if self._is_set or self._get_hook is not None:
            raise queue.Full
        super().set_get_hook(func)
        # Waiters blocked before the hook was set go on to call it.
        self._settle()
