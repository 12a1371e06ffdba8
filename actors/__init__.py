"""postroom's general actor runtime, on pykka.

Actor systems, correlation IDs, the correlator, message copying and the
backends that host actors. Nothing here knows about services.
"""

from __future__ import annotations

from typing import Any

from actors.backends import BACKENDS, actor_base, actor_class_for
from actors.cid import new_cid
from actors.copying import MessageCopyError, copy_message
from actors.correlator import CorrelationTable, Correlator, CorrelatorStats
from actors.errors import (
    ActorNameTaken,
    ActorNotFound,
    ActorSystemError,
    DuplicateCID,
    InvocationFailed,
    ReplyTimeout,
    SystemStopped,
    UnknownCID,
)
from actors.future import LightFuture
from actors.records import ErrorInfo, ReplyRecord
from actors.system import ActorSystem, default_system
from actors.thread_actor import ThreadActor

__all__ = [
    'BACKENDS',
    'ActorNameTaken',
    'ActorNotFound',
    'ActorSystem',
    'ActorSystemError',
    'CorrelationTable',
    'Correlator',
    'CorrelatorStats',
    'DuplicateCID',
    'ErrorInfo',
    'InvocationFailed',
    'LightFuture',
    'MessageCopyError',
    'PooledActor',
    'ReplyRecord',
    'ReplyTimeout',
    'SystemStopped',
    'ThreadActor',
    'UnknownCID',
    'actor_base',
    'actor_class_for',
    'copy_message',
    'default_system',
    'new_cid',
]


def __getattr__(name: str) -> Any:
    # The pooled backend is imported on first use only.
    if name == 'PooledActor':
        from actors.pooled import PooledActor  # noqa: PLC0415

        return PooledActor
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
