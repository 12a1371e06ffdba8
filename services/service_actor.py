"""The actor behind each deployed service."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pykka

from actors import ErrorInfo, ReplyRecord
from actors.mailbox import take_queued
from services.errors import InvocationCancelled, RuntimeStopped
from services.execution import run_service, run_timed
from services.invocation import Invocation

if TYPE_CHECKING:
    from types import TracebackType

    from services.deployment import DeployedService
    from services.runtime import Runtime

__all__ = ['ASYNC_FAILURE', 'REPLY_BATCH', 'ServiceBehaviour', 'cancelled_record']

ASYNC_FAILURE = 'postroom_async_failure'
"""Set (true) on the log record of a failed asynchronous invocation."""

# A named tuple's own constructor is a Python function; on the hot path the
# record is made directly from its fields, all given, in order.
_new_record = tuple.__new__

REPLY_BATCH = 64
"""Reply records sent to the correlator in one message at most."""


def _is_async_invocation(message: Any) -> bool:
    return type(message) is Invocation and message.reply_async


def cancelled_record(invocation: Invocation, why: str) -> ReplyRecord:
    """The record of an accepted asynchronous invocation that will never run."""
    now = time.time()
    error = InvocationCancelled(
        f'The runtime shut down ({why}) before service {invocation.service!r} started '
        f'(cid {invocation.cid})'
    )
    return ReplyRecord(
        invocation.cid,
        invocation.service,
        False,
        None,
        ErrorInfo(type=type(error).__name__, message=str(error), traceback=''),
        now,
        now,
        invocation.in_reply_to,
    )


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
        # With one worker, only that worker's thread ever touches the batch.
        self._batch_lock = threading.Lock() if deployed.workers > 1 else None

    def _handle_receive(self, message: Any) -> Any:
        # Invocations first: pykka's checks for its own control messages
        # would otherwise run before every one of them.
        if type(message) is not Invocation:
            return super()._handle_receive(message)
        try:
            return self._serve(message)
        finally:
            if self._batch and self.actor_inbox.empty():
                self.flush_replies()

    def _serve(self, invocation: Invocation) -> Any:
        if not invocation.claim():
            return None  # taken back by its caller, or timed out before it started
        runtime = self._runtime
        reason = runtime.discard_reason
        if reason is not None:
            if not invocation.reply_async:
                raise RuntimeStopped(
                    f'The runtime shut down ({reason}) before service {invocation.service!r} '
                    f'started (cid {invocation.cid})'
                )
            self.add_reply(cancelled_record(invocation, reason))
            return None
        if not invocation.reply_async:
            return run_timed(runtime, self._deployed, invocation, on_actor=True)
        self._serve_async(invocation)
        return None

    def _serve_async(self, invocation: Invocation) -> None:
        deployed = self._deployed
        wall_started = time.time()
        started = time.perf_counter()
        try:
            response = run_service(self._runtime, deployed, invocation, on_actor=True)
        except Exception as error:  # noqa: BLE001 - recorded in the correlator, and logged
            elapsed = time.perf_counter() - started
            deployed.stats.record(elapsed, ok=False)
            deployed.logger.warning(
                'Asynchronous invocation failed (cid %s): %s: %s',
                invocation.cid,
                type(error).__name__,
                error,
                extra={'cid': invocation.cid, 'service': deployed.name, ASYNC_FAILURE: True},
            )
            self.add_reply(
                ReplyRecord(
                    invocation.cid,
                    deployed.name,
                    False,
                    None,
                    ErrorInfo.from_exception(error),
                    wall_started,
                    wall_started + elapsed,
                    invocation.in_reply_to,
                )
            )
            return
        elapsed = time.perf_counter() - started
        deployed.stats.record(elapsed, ok=True)
        self.add_reply(
            _new_record(
                ReplyRecord,
                (
                    invocation.cid,
                    deployed.name,
                    True,
                    response,
                    None,
                    wall_started,
                    wall_started + elapsed,
                    invocation.in_reply_to,
                ),
            )
        )
        if invocation.callbacks:
            self._runtime.invoke_callbacks(invocation, response)

    def add_reply(self, record: ReplyRecord) -> None:
        """Queue ``record`` for the correlator."""
        lock = self._batch_lock
        if lock is None:
            batch = self._batch
            batch.append(record)
        else:
            with lock:
                batch = self._batch
                batch.append(record)
        if len(batch) >= REPLY_BATCH:
            self.flush_replies()

    def flush_replies(self) -> None:
        """Send the queued records to the correlator now."""
        lock = self._batch_lock
        if lock is None:
            batch, self._batch = self._batch, []
        else:
            with lock:
                batch, self._batch = self._batch, []
        if batch:
            self._runtime.correlator.deliver(batch)

    def _actor_loop_teardown(self) -> None:
        # pykka silently drops tells still queued when an actor stops; an
        # accepted invocation must not vanish, so record it as cancelled.
        for invocation in take_queued(self.actor_inbox, _is_async_invocation):
            if invocation.claim():
                self.add_reply(cancelled_record(invocation, 'its actor stopped first'))
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
