"""The actor behind each deployed service."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import pykka

from actors.mailbox import take_queued
from services.invocation import Invocation

if TYPE_CHECKING:
    from types import TracebackType

    from actors import ReplyRecord
    from services.deployment import DeployedService
    from services.runtime import Runtime

__all__ = ['REPLY_BATCH', 'ServiceBehaviour']

REPLY_BATCH = 64
"""Reply records sent to the correlator in one message at most."""


def _is_async_invocation(message: Any) -> bool:
    return type(message) is Invocation and message.reply_async


class ServiceBehaviour(pykka.Actor):
    """Serves invocations of one service; hosted on a backend by the runtime.

    Reply records of asynchronous invocations are batched: they go to the
    correlator as one message when the mailbox runs empty, when the batch
    is full, and when the actor stops, so a busy service pays one hand-off
    per batch rather than per reply.
    """

    def __init__(self, runtime: Runtime, deployed: DeployedService) -> None:
        super().__init__()
        self._runtime = runtime
        self._deployed = deployed
        self._batch: list[ReplyRecord] = []
        # One worker is the only thread that ever touches the batch.
        self._batch_lock: AbstractContextManager[Any] = (
            threading.Lock() if deployed.workers > 1 else nullcontext()
        )

    def _handle_receive(self, message: Any) -> Any:
        # Invocations first: pykka's checks for its own control messages
        # would otherwise run before every one of them.
        if type(message) is not Invocation:
            return super()._handle_receive(message)
        try:
            return self._runtime._serve(self._deployed, message, self)
        finally:
            if self._batch and self.actor_inbox.empty():
                self.flush_replies()

    def add_reply(self, record: ReplyRecord) -> None:
        """Queue ``record`` for the correlator."""
        with self._batch_lock:
            batch = self._batch
            batch.append(record)
            full = len(batch) >= REPLY_BATCH
        if full:
            self.flush_replies()

    def flush_replies(self) -> None:
        """Send the queued records to the correlator now."""
        with self._batch_lock:
            batch, self._batch = self._batch, []
        if batch:
            self._runtime.correlator.deliver(batch)

    def _actor_loop_teardown(self) -> None:
        # pykka silently drops tells still queued when an actor stops; an
        # accepted invocation must not vanish, so record it as cancelled.
        for invocation in take_queued(self.actor_inbox, _is_async_invocation):
            if invocation.claim():
                self.add_reply(self._runtime._cancel_unserved(self._deployed, invocation))
        self.flush_replies()
        super()._actor_loop_teardown()

    def on_stop(self) -> None:
        """Send what is left before the actor goes."""
        self.flush_replies()

    def on_failure(
        self,
        exception_type: type[BaseException] | None,
        exception_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Send what is left even when the actor dies."""
        self.flush_replies()
