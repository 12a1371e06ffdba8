"""Exceptions raised by the actor runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actors.records import ReplyRecord

__all__ = [
    'ActorNameTaken',
    'ActorNotFound',
    'ActorSystemError',
    'DuplicateCID',
    'InvocationFailed',
    'ReplyTimeout',
    'SystemStopped',
    'UnknownCID',
]


class ActorSystemError(Exception):
    """Base class of the errors raised by ``actors``."""


class _PlainKeyError(KeyError):
    # KeyError prints its message in quotes; these errors are sentences.
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


class ActorNotFound(ActorSystemError, _PlainKeyError):
    """No live actor of that name in this system."""


class ActorNameTaken(ActorSystemError, ValueError):
    """An actor of that name already runs in this system."""


class SystemStopped(ActorSystemError, RuntimeError):
    """The actor system is stopping or stopped and takes no new actors."""


class UnknownCID(ActorSystemError, _PlainKeyError):
    """The correlator never saw this CID, or its reply has expired."""


class DuplicateCID(ActorSystemError, ValueError):
    """A CID was registered with the correlator twice."""


class ReplyTimeout(ActorSystemError, TimeoutError):
    """No reply for a CID arrived within the timeout."""

    def __init__(self, cid: str, timeout: float | None, service: str | None = None) -> None:
        self.cid = cid
        self.timeout = timeout
        self.service = service
        target = f' from service {service!r}' if service else ''
        super().__init__(f'No reply{target} for cid {cid} within {timeout:g} s')


class InvocationFailed(ActorSystemError):
    """Raised by ``ReplyRecord.result()`` when the invocation failed."""

    def __init__(self, record: ReplyRecord) -> None:
        self.record = record
        error = record.error
        what = f'{error.type}: {error.message}' if error else 'unknown error'
        super().__init__(f'Service {record.service!r} failed (cid {record.cid}): {what}')
