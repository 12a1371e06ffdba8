"""The message a service actor receives: one invocation of one service."""

from __future__ import annotations

from _thread import allocate_lock
from typing import Any

__all__ = ['Invocation']


class Invocation:
    """One request to a service, as it travels to the service's actor.

    ``chain`` names the services blocked in synchronous calls that led here,
    outermost first; a synchronous call to one of them runs in the caller's
    thread instead of waiting on a mailbox that cannot be served.
    ``reply_async`` sends the outcome to the correlator instead of a future.
    Exactly one party runs an invocation: whoever ``claim()``s it first.

    An asynchronous invocation is also its own pykka envelope (``message``
    is itself, ``reply_to`` is ``None``), so it is queued in a service's
    mailbox without an ``Envelope`` object around it.
    """

    reply_to = None
    """pykka's envelope field: an asynchronous invocation wants no reply."""

    __slots__ = (
        '_claim',
        '_claimed',
        'callbacks',
        'chain',
        'cid',
        'data_format',
        'in_reply_to',
        'payload',
        'reply_async',
        'serialize',
        'service',
    )

    def __init__(  # noqa: PLR0917 - built on the hot path, positionally
        self,
        service: str,
        cid: str,
        payload: Any,
        data_format: str,
        chain: tuple[str, ...] = (),
        reply_async: bool = False,
        callbacks: tuple[str, ...] = (),
        in_reply_to: str | None = None,
        serialize: bool = False,
    ) -> None:
        self.service = service
        self.cid = cid
        self.payload = payload
        self.data_format = data_format
        self.chain = chain
        self.reply_async = reply_async
        self.callbacks = callbacks
        self.in_reply_to = in_reply_to
        self.serialize = serialize
        # Only a synchronous invocation can be claimed by two threads (its
        # actor, and a caller taking it back); an asynchronous one is only
        # ever claimed on its actor's thread, and a flag is enough.
        self._claim = None if reply_async else allocate_lock()
        self._claimed = False

    @property
    def message(self) -> Invocation:
        """The envelope field pykka reads: the message is the invocation itself."""
        return self

    def claim(self) -> bool:
        """Take the invocation to run it; ``False`` if someone already has."""
        lock = self._claim
        if lock is not None:
            return lock.acquire(False)
        if self._claimed:
            return False
        self._claimed = True
        return True

    def __repr__(self) -> str:
        kind = 'async' if self.reply_async else 'sync'
        return f'<Invocation {kind} {self.service!r} cid={self.cid}>'
