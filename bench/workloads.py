"""Payloads, echo actors and small synchronisation helpers shared by suites."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pykka

__all__ = ['PAYLOAD', 'STOP', 'Countdown', 'EchoActor', 'echo', 'wait_for']

#: The payload every suite sends: a small dict, as a service request would be.
PAYLOAD: dict[str, Any] = {'cust_id': 1, 'cust_name': 'Alexis Smith', 'active': True}

#: Tells a hand-written worker thread to finish.
STOP = object()


def echo(message: Any) -> Any:
    """The direct-call baseline: what every echo actor does, without an actor."""
    return message


class EchoActor(pykka.ThreadingActor):
    """A pykka thread actor that replies with what it was sent."""

    def on_receive(self, message: Any) -> Any:
        return message


class Countdown:
    """Set an event once ``count`` arrivals were counted, from any thread.

    ``next()`` on an ``itertools.count`` is atomic under the GIL, so no lock
    is needed and the cost per arrival stays tiny for every subject alike.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._seen = itertools.count(1)
        self.done = threading.Event()
        if count == 0:
            self.done.set()

    def arrive(self) -> None:
        if next(self._seen) == self.count:
            self.done.set()


def wait_for(event: threading.Event, timeout: float, what: str) -> None:
    """Wait for ``event``; raise TimeoutError naming ``what`` if it never comes."""
    if not event.wait(timeout):
        raise TimeoutError(f'{what} did not finish within {timeout:g} s')
