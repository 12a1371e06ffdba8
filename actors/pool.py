"""``ActorPool``: the shared threads that run an actor system's pooled actors.

A pooled actor has no thread of its own. When its mailbox goes from empty to
non-empty it submits itself (a *task*, anything with a ``run()`` method) to
its system's pool, and one of the pool's threads runs it for a while.

Blocking a pool thread must not starve the other actors, so the pool keeps
``size`` threads able to run tasks:

- *Managed blocking*: every pool thread carries a ``BlockingObserver`` (see
  ``actors.blocking``). A postroom wait (``LightFuture.get``, a correlator
  wait, a pooled actor's ``actor_stopped.wait``) tells it when it starts and
  stops waiting, and the pool lends an extra thread for as long as the wait
  lasts, up to ``max_threads`` (Java's ForkJoinPool does the same).
- *The watchdog*: a wait the pool is not told about (``time.sleep``, a socket,
  a ``threading.Event``, pykka's own ``ThreadingFuture``) is caught by a
  watchdog thread. Every ``stall_interval`` seconds it looks for threads that
  have been running the same task since its last look while using almost no
  CPU; while tasks are queued, such threads count as blocked and the pool
  adds threads to make up for them.

Threads beyond ``size`` retire after ``keepalive`` idle seconds. All threads
are daemon threads; ``shutdown`` stops and joins them all.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from _thread import LockType, allocate_lock
from collections import deque
from typing import Final, Protocol

from actors.blocking import set_observer
from actors.deadlines import deadline_after, remaining
from actors.errors import SystemStopped

__all__ = [
    'DEFAULT_MAX_SPARES',
    'DEFAULT_SIZE',
    'ActorPool',
    'PoolStats',
    'PoolStopped',
    'Task',
]

logger = logging.getLogger('actors')

DEFAULT_SIZE: Final = max(2, min(4, os.cpu_count() or 2))
"""Threads of a pool whose size is not given: 2 to 4, after the CPU count.

The GIL runs one thread's Python at a time, so more threads add contention,
not speed; threads blocked in waits are made up for by the pool anyway.
"""

DEFAULT_MAX_SPARES: Final = 256
"""Threads a pool may add beyond its size to stand in for blocked ones (as ForkJoinPool)."""

_pool_numbers = itertools.count(1)


class PoolStopped(SystemStopped):
    """A task was submitted to a pool that is shut down."""


class Task(Protocol):
    """What a pool runs: a pooled actor's mailbox."""

    def run(self) -> None:
        """Run for a while on the calling pool thread, then return."""

    def abandon(self, reason: str) -> None:
        """The pool stopped before running this task: fail its pending work with ``reason``."""


class _Stop:
    """Put in the run queue once per thread to make it exit."""

    def run(self) -> None:
        raise AssertionError('the stop sentinel is never run')

    def abandon(self, reason: str) -> None:
        """Nothing to fail."""


_STOP: Final = _Stop()


class PoolStats:
    """A snapshot of a pool's threads."""

    __slots__ = ('blocked', 'queued', 'stalled', 'threads')

    def __init__(self, threads: int, blocked: int, stalled: int, queued: int) -> None:
        self.threads = threads
        """Live pool threads (the watchdog not counted)."""
        self.blocked = blocked
        """Threads waiting in a managed (postroom) wait."""
        self.stalled = stalled
        """Threads the watchdog found blocked in a wait the pool was not told about."""
        self.queued = queued
        """Tasks waiting for a thread."""

    def __repr__(self) -> str:
        return (
            f'PoolStats(threads={self.threads}, blocked={self.blocked}, '
            f'stalled={self.stalled}, queued={self.queued})'
        )


class _Worker:
    """One pool thread's state; also its blocking observer."""

    __slots__ = (
        'blocking_depth',
        'park',
        'pool',
        'runs',
        'seen_cpu',
        'seen_runs',
        'thread',
    )

    def __init__(self, pool: ActorPool) -> None:
        self.pool = pool
        # Released by a submit to wake the thread while it is parked.
        self.park = allocate_lock()
        self.park.acquire()
        self.thread: threading.Thread | None = None
        self.blocking_depth = 0
        # Incremented as a task starts and as it ends: odd while one runs.
        self.runs = 0
        self.seen_runs = -1
        self.seen_cpu = 0.0

    def begin_blocking(self) -> None:
        """The thread starts a managed wait: the pool may lend a thread meanwhile."""
        self.blocking_depth += 1
        if self.blocking_depth == 1:
            self.pool._blocking_began()

    def end_blocking(self) -> None:
        """The managed wait is over."""
        self.blocking_depth -= 1
        if self.blocking_depth == 0:
            self.pool._blocking_ended()

    def cpu_seconds(self) -> float | None:
        """CPU time this thread has used, where the platform tells."""
        thread = self.thread
        if thread is None or thread.ident is None:
            return None
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except (AttributeError, OSError):  # not on this platform, or the thread just ended
            return None


class ActorPool:
    """A pool of daemon threads running tasks (pooled actors) in FIFO order.

    ``size`` threads (default ``DEFAULT_SIZE``) run tasks; while some of them
    are blocked, up to ``max_threads`` in all (default ``size +
    DEFAULT_MAX_SPARES``) stand in for them. ``stall_interval`` is how often
    the watchdog looks for threads blocked in waits the pool is not told
    about; ``keepalive`` how long a surplus thread idles before it exits.
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        name: str = 'pool',
        max_threads: int | None = None,
        stall_interval: float = 0.1,
        keepalive: float = 5.0,
    ) -> None:
        size = DEFAULT_SIZE if size is None else size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f'ActorPool {name!r}: size must be an int >= 1, not {size!r}')
        max_threads = size + DEFAULT_MAX_SPARES if max_threads is None else max_threads
        if max_threads < size:
            raise ValueError(
                f'ActorPool {name!r}: max_threads ({max_threads}) is less than size ({size})'
            )
        if stall_interval <= 0 or keepalive <= 0:
            raise ValueError(f'ActorPool {name!r}: stall_interval and keepalive must be > 0')
        self.name = name
        self.size = size
        self.max_threads = max_threads
        self.stall_interval = stall_interval
        self.keepalive = keepalive
        self._number = next(_pool_numbers)
        self._thread_numbers = itertools.count(1)
        self._queue: deque[Task] = deque()
        # Parked idle threads, most recent last: the warmest thread is woken first,
        # and surplus threads stay parked long enough to retire.
        self._idle: list[LockType] = []
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._blocked = 0
        self._stalled = 0
        self._peak = 0
        self._stopping = False
        self._stopped = False
        self._wake_watchdog = threading.Event()
        self._watchdog = threading.Thread(
            target=self._watch, name=f'{self._thread_prefix}-watchdog', daemon=True
        )
        with self._lock:
            for _ in range(size):
                self._add_worker()
        self._watchdog.start()

    def __repr__(self) -> str:
        state = 'stopped' if self._stopping else 'running'
        return f'<ActorPool {self.name!r} {state}, {len(self._workers)} threads>'

    @property
    def _thread_prefix(self) -> str:
        return f'{self.name}-pool{self._number}'

    # -- running tasks -------------------------------------------------------

    def submit(self, task: Task) -> None:
        """Queue ``task`` to run on a pool thread; ``PoolStopped`` after ``shutdown``."""
        if self._stopping:
            raise PoolStopped(f'The thread pool of {self.name} is shut down')
        self._queue.append(task)
        if self._idle:
            try:
                park = self._idle.pop()
            except IndexError:  # another submit took the last idle thread
                pass
            else:
                park.release()
        if self._stopped:
            # shutdown() has already drained the queue: fail what we just put.
            self._abandon_queued()

    @property
    def threads(self) -> list[threading.Thread]:
        """The live pool threads, the watchdog included."""
        with self._lock:
            threads = [w.thread for w in self._workers if w.thread is not None]
        if self._watchdog.is_alive():
            threads.append(self._watchdog)
        return threads

    def stats(self) -> PoolStats:
        """How many threads the pool has, and how many of them are blocked."""
        with self._lock:
            return PoolStats(
                threads=len(self._workers),
                blocked=self._blocked,
                stalled=self._stalled,
                queued=len(self._queue),
            )

    @property
    def peak_threads(self) -> int:
        """The most threads the pool has had at once (the watchdog not counted)."""
        return self._peak

    def _work(self, worker: _Worker) -> None:
        set_observer(worker)
        popleft = self._queue.popleft
        try:
            while True:
                task: Task | None
                try:
                    task = popleft()
                except IndexError:
                    task = self._park(worker)
                if task is None or task is _STOP:
                    return
                worker.runs += 1  # odd while running a task (for the watchdog)
                try:
                    task.run()
                except BaseException:  # a task's bug must not kill the pool thread
                    logger.exception('%s: a task failed on thread %s', self, worker.thread)
                finally:
                    worker.runs += 1
        finally:
            set_observer(None)
            with self._lock:
                self._workers.discard(worker)

    def _park(self, worker: _Worker) -> Task | None:
        """Wait for a task while there is none; ``None``: retire."""
        queue, idle, park = self._queue, self._idle, worker.park
        while True:
            idle.append(park)
            # A submit between our popleft and our append saw no idle thread:
            # look again before sleeping.
            if queue or not park.acquire(True, self.keepalive):
                try:
                    idle.remove(park)
                except ValueError:
                    park.acquire()  # a submit popped us: take its wake-up
                else:
                    if not queue and self._retire(worker):
                        return None
            try:
                return queue.popleft()
            except IndexError:
                pass

    def _retire(self, worker: _Worker) -> bool:
        """An idle surplus thread leaves; the pool keeps at least ``size`` unblocked."""
        with self._lock:
            if self._stopping or len(self._workers) - self._blocked - self._stalled <= self.size:
                return False
            self._workers.discard(worker)
            return True

    # -- compensation --------------------------------------------------------

    def _add_worker(self) -> None:
        # Called with the lock held, so that shutdown() sees only started threads.
        worker = _Worker(self)
        worker.thread = threading.Thread(
            target=self._work,
            args=(worker,),
            name=f'{self._thread_prefix}-{next(self._thread_numbers)}',
            daemon=True,
        )
        worker.thread.start()
        self._workers.add(worker)
        self._peak = max(self._peak, len(self._workers))

    def _missing(self) -> int:
        """Threads to add so that ``size`` can run tasks (lock held)."""
        if self._stopping:
            return 0
        available = len(self._workers) - self._blocked - self._stalled
        room = self.max_threads - len(self._workers)
        return max(0, min(self.size - available, room))

    def _blocking_began(self) -> None:
        with self._lock:
            self._blocked += 1
            for _ in range(self._missing()):
                self._add_worker()

    def _blocking_ended(self) -> None:
        with self._lock:
            self._blocked -= 1

    def _watch(self) -> None:
        interval = self.stall_interval
        # A thread counts as stalled when it used less than this share of the interval.
        idle_cpu = interval / 10
        while not self._wake_watchdog.wait(interval):
            with self._lock:
                workers = list(self._workers)
            stalled = 0
            queued = bool(self._queue)
            for worker in workers:
                runs, cpu = worker.runs, worker.cpu_seconds()
                still = (
                    runs % 2 == 1
                    and worker.blocking_depth == 0
                    and runs == worker.seen_runs
                    and (cpu is None or cpu - worker.seen_cpu < idle_cpu)
                )
                stalled += still
                worker.seen_runs, worker.seen_cpu = runs, cpu or 0.0
            with self._lock:
                self._stalled = stalled if queued else 0
                added = self._missing()
                for _ in range(added):
                    self._add_worker()
            if added:
                logger.info(
                    '%s: %d thread(s) blocked outside a managed wait while actors wait to run; '
                    'added %d thread(s)',
                    self,
                    stalled,
                    added,
                )

    # -- stopping ------------------------------------------------------------

    def shutdown(self, *, timeout: float | None = None) -> None:
        """Stop every thread after the tasks queued so far; idempotent.

        Tasks submitted later, or still queued when the threads have gone,
        are abandoned (their actors' pending asks fail with ``ActorDeadError``).
        Raises ``TimeoutError`` naming the threads still busy after ``timeout``.
        """
        deadline = deadline_after(timeout)
        with self._lock:
            self._stopping = True
            workers = list(self._workers)
        self._wake_watchdog.set()
        for _ in workers:
            self._queue.append(_STOP)
        while self._idle:
            try:
                self._idle.pop().release()
            except IndexError:
                break
        current = threading.current_thread()
        threads = [w.thread for w in workers if w.thread is not None and w.thread is not current]
        if self._watchdog is not current:
            threads.append(self._watchdog)
        for thread in threads:
            thread.join(remaining(deadline))
        busy = [t.name for t in threads if t.is_alive()]
        if busy:
            raise TimeoutError(
                f'{self.name}: pool threads still busy after {timeout} s: {", ".join(busy)}'
            )
        self._stopped = True
        self._abandon_queued()

    def _abandon_queued(self) -> None:
        reason = f'the thread pool of {self.name} is shut down'
        while True:
            try:
                task = self._queue.popleft()
            except IndexError:
                return
            task.abandon(reason)
