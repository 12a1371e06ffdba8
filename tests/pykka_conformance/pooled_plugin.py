"""pytest plugin: run pykka's own test suite against ``actors.PooledActor``.

pykka's ``tests/conftest.py`` builds its ``runtime`` fixture from
``pykka.ThreadingActor`` and ``pykka.ThreadingFuture`` when it is imported.
This plugin, loaded first (``-p pooled_plugin`` with this directory on
``sys.path``; ``run.py`` does that), rebinds those two names to
``PooledActor`` and ``LightFuture`` for the moment that conftest is
imported, then puts pykka's own classes back. Test IDs still say
``threading``: that is the name in pykka's conftest, not the class under test.
"""

from __future__ import annotations

from typing import Any

import pykka
import pytest

from actors import LightFuture, default_system
from actors.pooled import PooledActor

_PYKKA_CLASSES = (pykka.ThreadingActor, pykka.ThreadingFuture)

pykka.ThreadingActor = PooledActor  # type: ignore[misc]
pykka.ThreadingFuture = LightFuture  # type: ignore[misc]


_checked: list[str] = []


def _restore() -> None:
    pykka.ThreadingActor, pykka.ThreadingFuture = _PYKKA_CLASSES  # type: ignore[misc]


def pytest_plugin_registered(plugin: object) -> None:
    """Once pykka's conftest is imported, check it took our classes, and restore pykka's."""
    runtimes = getattr(plugin, 'RUNTIMES', None)
    if runtimes is None:
        return
    _restore()
    tested = [param.values[0] for param in runtimes.values()]
    wrong = [rt for rt in tested if rt.actor_class is not PooledActor]
    if wrong or not tested:
        raise pytest.UsageError(
            'pooled_plugin: pykka conftest runtimes do not use PooledActor: '
            f'{[rt.actor_class for rt in tested]}; was the plugin loaded after the conftest?'
        )
    _checked.append(getattr(plugin, '__file__', repr(plugin)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse to run pykka's tests if its conftest never took our classes."""
    if session.items and not _checked:
        raise pytest.UsageError('pooled_plugin: pykka tests/conftest.py was never loaded')


def pytest_report_header() -> str:
    """Say what is under test."""
    return 'pykka conformance: runtime "threading" is actors.PooledActor with actors.LightFuture'


def pytest_unconfigure(config: Any) -> None:
    """Stop the default system's pool, which pykka's tests use without knowing."""
    _restore()
    default_system().shutdown(timeout=10)
