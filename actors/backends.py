"""Backends: how an actor is hosted, behind one small interface.

A backend is a name and a pykka actor base class: ``'thread'`` gives every
actor its own thread(s) (``ThreadActor``); ``'pool'`` multiplexes actors onto
the system's shared thread pool (``PooledActor``). Code above ``actors``
writes its actor once, as a behaviour class, and asks for it on a backend.
"""

from __future__ import annotations

import threading
from typing import Any

import pykka

__all__ = ['BACKENDS', 'actor_base', 'actor_class_for', 'check_backend']

BACKENDS = ('thread', 'pool')
"""Names of the available backends."""

_classes: dict[tuple[type[Any], str, tuple[tuple[str, Any], ...]], type[Any]] = {}
_classes_lock = threading.Lock()


def check_backend(name: str) -> str:
    """Return ``name`` if it is a backend; ``ValueError`` naming the choices otherwise."""
    if name not in BACKENDS:
        raise ValueError(f'Unknown actor backend {name!r}; choose one of {", ".join(BACKENDS)}')
    return name


def actor_base(name: str) -> type[pykka.Actor]:
    """The actor base class of backend ``name``."""
    check_backend(name)
    if name == 'thread':
        from actors.thread_actor import ThreadActor  # noqa: PLC0415 - avoids an import cycle

        return ThreadActor
    from actors.pooled import PooledActor  # noqa: PLC0415 - only pooled users pay

    pooled: type[pykka.Actor] = PooledActor
    return pooled


def actor_class_for(behaviour: type[Any], backend: str, **attributes: Any) -> type[Any]:
    """``behaviour`` (a ``pykka.Actor`` subclass with no backend) hosted on ``backend``.

    ``attributes`` become class attributes (e.g. ``workers=4``). Classes are
    cached, so asking twice returns the same class.
    """
    key = (behaviour, backend, tuple(sorted(attributes.items())))
    with _classes_lock:
        cls = _classes.get(key)
        if cls is None:
            base = actor_base(backend)
            cls = type(f'{behaviour.__name__}On{backend.title()}', (behaviour, base), attributes)
            _classes[key] = cls
    return cls
