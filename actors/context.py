"""Which actor system is spawning an actor on the current thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actors.system import ActorSystem

__all__ = ['spawning_in', 'spawning_system']


class _SpawnState(threading.local):
    system: ActorSystem | None = None


_state = _SpawnState()


@contextmanager
def spawning_in(system: ActorSystem) -> Iterator[None]:
    """Mark ``system`` as the one spawning actors on this thread while the block runs."""
    previous = _state.system
    _state.system = system
    try:
        yield
    finally:
        _state.system = previous


def spawning_system() -> ActorSystem | None:
    """The system spawning an actor on this thread, or ``None`` outside ``spawn``."""
    return _state.system
