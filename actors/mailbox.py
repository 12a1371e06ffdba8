"""Working with what is still queued in a stopping actor's mailbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pykka._actor import ActorInbox

__all__ = ['take_queued']


def take_queued(inbox: ActorInbox, wanted: Callable[[Any], bool]) -> list[Any]:
    """Remove and return the queued messages ``wanted`` accepts; keep the rest in order.

    For an actor's teardown: pykka answers the asks left in a stopped
    actor's mailbox with ``ActorDeadError`` but drops its tells, and some
    tells (a reply record, an accepted invocation) must not be lost.
    """
    taken: list[Any] = []
    kept: list[Any] = []
    while not inbox.empty():
        envelope = inbox.get()
        message = getattr(envelope, 'message', None)
        if getattr(envelope, 'reply_to', None) is None and message is not None and wanted(message):
            taken.append(message)
        else:
            kept.append(envelope)
    for envelope in kept:
        inbox.put(envelope)
    return taken
