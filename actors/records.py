"""Reply records: what the correlator keeps for each CID."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, NamedTuple

from actors.errors import InvocationFailed

__all__ = ['ErrorInfo', 'ReplyRecord']


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A failure, kept as text so it outlives the exception and its frames."""

    type: str
    """The exception's class name, e.g. ``'ValueError'``."""
    message: str
    """``str()`` of the exception, with its notes."""
    traceback: str
    """The formatted traceback."""

    @classmethod
    def from_exception(cls, error: BaseException) -> ErrorInfo:
        """Capture ``error``'s type name, message (with notes) and traceback."""
        message = str(error)
        notes = getattr(error, '__notes__', None)
        if notes:
            message = '\n'.join([message, *map(str, notes)])
        return cls(
            type=type(error).__name__,
            message=message,
            traceback=''.join(traceback.format_exception(error)),
        )

    def __str__(self) -> str:
        return f'{self.type}: {self.message}'


class ReplyRecord(NamedTuple):
    """The outcome of one asynchronous invocation, success or failure.

    Immutable (a named tuple: one is made for every asynchronous invocation,
    and a tuple is the cheapest immutable record Python has).
    """

    cid: str
    service: str
    ok: bool
    response: Any = None
    error: ErrorInfo | None = None
    started: float = 0.0
    """Wall-clock time (``time.time()``) the handler started."""
    finished: float = 0.0
    """Wall-clock time the handler finished."""
    in_reply_to: str | None = None
    """For a callback's record: the CID whose response it was given."""

    @property
    def duration(self) -> float:
        """Seconds between start and finish."""
        return self.finished - self.started

    def result(self) -> Any:
        """The response; raises ``InvocationFailed`` (with this record) if it failed."""
        if not self.ok:
            raise InvocationFailed(self)
        return self.response
