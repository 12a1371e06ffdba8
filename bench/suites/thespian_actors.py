"""Thespian actors for the peers suite (imported only when thespian is installed).

They live in a module of their own so that thespian's process bases can find
them by name in the processes they start.
"""

from __future__ import annotations

from typing import Any

from thespian.actors import Actor

__all__ = ['Count', 'EchoCounter', 'OneWay']


class OneWay:
    """A message that is counted and not answered (the throughput workload)."""

    __slots__ = ('payload',)

    def __init__(self, payload: Any) -> None:
        self.payload = payload


class Count:
    """Ask for the number of ``OneWay`` messages handled so far."""


class EchoCounter(Actor):  # type: ignore[misc]
    """Replies with a dict it is sent; counts ``OneWay`` messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count = 0

    def receiveMessage(self, message: Any, sender: Any) -> None:  # noqa: N802 - thespian's name
        if isinstance(message, OneWay):
            self.count += 1
        elif isinstance(message, dict):
            self.send(sender, message)
        elif isinstance(message, Count):
            self.send(sender, self.count)
