"""``ThreadActor``: pykka's thread actor with a lighter inbox and future, and workers."""

from __future__ import annotations

import itertools
import logging
import queue
import sys
import threading
from typing import TYPE_CHECKING, Any, ClassVar

import pykka
from pykka import ActorDeadError, ActorRegistry
from pykka.messages import _ActorStop

from actors.context import spawning_system
from actors.future import LightFuture
from actors.settings import check_count

if TYPE_CHECKING:
    from types import TracebackType

    from pykka._actor import ActorInbox
    from pykka._envelope import Envelope

    from actors.system import ActorSystem

__all__ = ['ThreadActor']

logger = logging.getLogger('actors')

_thread_numbers = itertools.count(1)

_WAKE = object()
"""Put in a shared inbox to wake a worker blocked in ``get`` when the actor stops."""


class ThreadActor(pykka.ThreadingActor):
    """A pykka ``ThreadingActor`` that is cheaper per message and can have workers.

    - The inbox is a ``queue.SimpleQueue`` and futures are ``LightFuture``s:
      about half the cost per round trip of ``queue.Queue`` and a condition.
    - Threads are daemon threads, so an interpreter whose script forgot to
      stop its actors still exits; ``ActorSystem`` stops them properly at exit.
    - ``workers = N`` runs N threads behind the one inbox: up to N messages
      are handled at once, in arrival order of dequeueing. ``on_start`` runs
      once, before any message; ``on_stop`` once, after every message that
      arrived before the stop has been handled.
    """

    use_daemon_thread: ClassVar[bool] = True
    workers: ClassVar[int] = 1

    _threads: list[threading.Thread]
    _system: ActorSystem | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        check_count(type(self), 'workers')
        super().__init__(*args, **kwargs)
        self._system = spawning_system()

    @staticmethod
    def _create_actor_inbox() -> ActorInbox:
        inbox: queue.SimpleQueue[Envelope[Any]] = queue.SimpleQueue()
        return inbox

    @staticmethod
    def _create_future() -> pykka.Future[Any]:
        return LightFuture()

    def _start_actor_loop(self) -> None:
        workers = self.workers
        name = type(self).__name__
        if workers == 1:
            targets = [self._actor_loop]
        else:
            self._started = threading.Event()
            self._dequeue_lock = threading.Lock()
            self._exit_lock = threading.Lock()
            self._stopping = False
            self._alive_workers = workers
            targets = [self._first_worker_main] + [self._other_worker_main] * (workers - 1)
        self._threads = [
            threading.Thread(
                target=target,
                name=f'{name}-{next(_thread_numbers)}',
                daemon=self.use_daemon_thread,
            )
            for target in targets
        ]
        started: list[threading.Thread] = []
        try:
            for thread in self._threads:
                thread.start()
                started.append(thread)
        except BaseException:
            # pykka registered the actor before starting it: undo that, stop
            # the threads that did start, and let the caller see why.
            self._threads = started
            self._handle_failure(*sys.exc_info())
            raise
        finally:
            if self._system is not None:
                self._system.adopt_threads(started)

    # -- workers > 1 -------------------------------------------------------

    def _first_worker_main(self) -> None:
        try:
            self._actor_loop_setup()
        finally:
            self._started.set()
        self._worker_main()

    def _other_worker_main(self) -> None:
        self._started.wait()
        self._worker_main()

    def _worker_main(self) -> None:
        try:
            self._worker_loop()
        finally:
            with self._exit_lock:
                self._alive_workers -= 1
                last = self._alive_workers == 0
            if last:
                self._actor_loop_teardown()

    def _worker_loop(self) -> None:
        while True:
            # Only the holder of this lock waits in get(), and it notes a stop
            # before letting go: no worker can then take a later message.
            with self._dequeue_lock:
                if self._stopping or self.actor_stopped.is_set():
                    return
                envelope = self.actor_inbox.get()
                if envelope is _WAKE:
                    continue
                stop = isinstance(envelope.message, _ActorStop)
                if stop:
                    self._stopping = True
            if stop:
                # Messages that arrived before the stop finish first.
                current = threading.current_thread()
                for thread in self._threads:
                    if thread is not current:
                        thread.join()
                if self.actor_stopped.is_set():
                    if envelope.reply_to is not None:
                        envelope.reply_to.set(None)
                else:
                    self._handle_envelope(envelope)
                return
            self._handle_envelope(envelope)

    def _handle_envelope(self, envelope: Envelope[Any]) -> None:
        try:
            response = self._handle_receive(envelope.message)
            if envelope.reply_to is not None:
                envelope.reply_to.set(response)
        except Exception:
            if envelope.reply_to is not None:
                logger.info('Exception returned from %s to caller:', self, exc_info=True)
                envelope.reply_to.set_exception()
            else:
                self._handle_failure(*sys.exc_info())
                try:
                    self.on_failure(*sys.exc_info())
                except Exception:  # noqa: BLE001 - logged by _handle_failure
                    self._handle_failure(*sys.exc_info())
        except BaseException:  # noqa: BLE001 - pykka stops everything, and so do we
            logger.debug('%r in %s. Stopping all actors.', sys.exc_info()[1], self)
            self._stop()
            ActorRegistry.stop_all()

    def _handle_failure(
        self,
        exception_type: type[BaseException] | None,
        exception_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        super()._handle_failure(exception_type, exception_value, traceback)
        if self._system is not None:
            self._system.forget(self.actor_ref)
        if len(getattr(self, '_threads', ())) > 1:
            # A worker may be waiting in get(): wake it to see the stop.
            self.actor_inbox.put(_WAKE)  # type: ignore[arg-type]

    def _stop(self) -> None:
        super()._stop()
        if self._system is not None:
            self._system.forget(self.actor_ref)

    def _actor_loop_teardown(self) -> None:
        while not self.actor_inbox.empty():
            envelope = self.actor_inbox.get()
            if envelope is _WAKE or envelope.reply_to is None:
                continue
            if isinstance(envelope.message, _ActorStop):
                envelope.reply_to.set(None)
            else:
                envelope.reply_to.set_exception(
                    exc_info=(
                        ActorDeadError,
                        ActorDeadError(f'{self.actor_ref} stopped before handling the message'),
                        None,
                    )
                )
