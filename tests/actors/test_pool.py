"""ActorPool: FIFO tasks on shared threads, compensation for blocked threads, clean shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from actors.blocking import blocking, current_observer
from actors.pool import ActorPool, PoolStopped

WAIT = 5.0  # seconds: generous bounds for events that should come at once


class Job:
    """A task that calls ``func`` and records that it ran, and on which thread."""

    def __init__(self, func: Callable[[], object] = lambda: None) -> None:
        self.func = func
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        self.abandoned: str | None = None

    def run(self) -> None:
        self.thread = threading.current_thread()
        try:
            self.func()
        finally:
            self.done.set()

    def abandon(self, reason: str) -> None:
        self.abandoned = reason


@pytest.fixture
def pool() -> Iterator[ActorPool]:
    pool = ActorPool(1, name='test')
    yield pool
    pool.shutdown(timeout=WAIT)


def test_tasks_run_in_submission_order_on_pool_threads(pool: ActorPool) -> None:
    order: list[int] = []
    jobs = [Job(lambda i=i: order.append(i)) for i in range(50)]
    for job in jobs:
        pool.submit(job)
    assert jobs[-1].done.wait(WAIT)
    assert order == list(range(50))
    assert {job.thread for job in jobs} <= set(pool.threads)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match='size must be an int >= 1'):
        ActorPool(0)
    with pytest.raises(ValueError, match='max_threads'):
        ActorPool(4, max_threads=2)
    with pytest.raises(ValueError, match='must be > 0'):
        ActorPool(1, keepalive=0)


def test_managed_wait_gets_a_thread_lent_at_once(pool: ActorPool) -> None:
    release = threading.Event()
    stats = []

    def wait_managed() -> None:
        with blocking():
            stats.append(pool.stats())  # compensation happens inside begin_blocking
            release.wait(WAIT)

    blocked = Job(wait_managed)
    pool.submit(blocked)
    other = Job()
    pool.submit(other)
    assert other.done.wait(WAIT), 'the blocked thread was not made up for'
    release.set()
    assert blocked.done.wait(WAIT)
    assert other.thread is not blocked.thread
    assert stats[0].blocked == 1
    assert stats[0].threads == 2


def test_nested_managed_waits_count_once(pool: ActorPool) -> None:
    stats = []

    def nested() -> None:
        with blocking(), blocking():
            stats.append(pool.stats())
        stats.append(pool.stats())

    job = Job(nested)
    pool.submit(job)
    assert job.done.wait(WAIT)
    assert stats[0].blocked == 1
    assert stats[1].blocked == 0


def test_no_compensation_beyond_max_threads() -> None:
    pool = ActorPool(1, name='capped', max_threads=1)
    release = threading.Event()
    seen = []

    def wait_managed() -> None:
        with blocking():
            seen.append(pool.stats())
            release.wait(WAIT)

    blocked, queued = Job(wait_managed), Job()
    try:
        pool.submit(blocked)
        pool.submit(queued)
        assert queued.done.wait(0) is False
        release.set()
        assert queued.done.wait(WAIT)
        assert seen[0].threads == 1
        assert pool.peak_threads == 1
    finally:
        release.set()
        pool.shutdown(timeout=WAIT)


def test_watchdog_adds_a_thread_for_a_wait_it_was_not_told_about() -> None:
    pool = ActorPool(1, name='watched', stall_interval=0.02)
    release = threading.Event()
    stuck = Job(lambda: release.wait(WAIT))  # a plain Event: no blocking() around it
    behind = Job()
    try:
        pool.submit(stuck)
        pool.submit(behind)
        assert behind.done.wait(WAIT), 'the watchdog did not make up for the stuck thread'
        assert behind.thread is not stuck.thread
    finally:
        release.set()
        pool.shutdown(timeout=WAIT)


def test_watchdog_leaves_a_busy_cpu_bound_thread_alone() -> None:
    pool = ActorPool(1, name='busy', stall_interval=0.05)
    spinning = threading.Event()
    stop = threading.Event()
    seen: list[int] = []

    def spin() -> None:
        spinning.set()
        while not stop.is_set():
            sum(range(1000))

    def check_after_ticks() -> None:
        # An observation window, not synchronisation: four watchdog intervals pass.
        time.sleep(0.2)
        seen.append(pool.stats().threads)
        stop.set()

    job = Job(spin)
    try:
        pool.submit(job)
        assert spinning.wait(WAIT)
        pool.submit(Job())  # a queued task behind the busy thread
        check_after_ticks()
        assert job.done.wait(WAIT)
        assert seen == [1]
    finally:
        stop.set()
        pool.shutdown(timeout=WAIT)


def test_surplus_thread_retires_after_keepalive() -> None:
    pool = ActorPool(1, name='retiring', keepalive=0.05)
    release = threading.Event()
    threads_while_blocked: list[threading.Thread] = []

    def wait_managed() -> None:
        with blocking():
            threads_while_blocked.extend(pool.threads)
            release.wait(WAIT)

    job = Job(wait_managed)
    try:
        pool.submit(job)
        release.set()
        assert job.done.wait(WAIT)
        workers = [t for t in threads_while_blocked if not t.name.endswith('watchdog')]
        assert len(workers) == 2
        # One of the two goes once idle for keepalive seconds; the other stays.
        deadline = time.monotonic() + WAIT
        while all(t.is_alive() for t in workers) and time.monotonic() < deadline:
            for thread in workers:
                thread.join(timeout=0.01)
        assert sum(t.is_alive() for t in workers) == 1
        assert pool.stats().threads == 1
    finally:
        release.set()
        pool.shutdown(timeout=WAIT)


def test_failing_task_does_not_kill_its_thread(
    pool: ActorPool, caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> None:
        raise RuntimeError('task bug')

    pool.submit(Job(fail))
    after = Job()
    pool.submit(after)
    assert after.done.wait(WAIT)
    assert 'a task failed' in caplog.text
    assert 'task bug' in caplog.text
    assert pool.stats().threads == 1


def test_pool_threads_observe_blocking_and_others_do_not(pool: ActorPool) -> None:
    observers = []
    job = Job(lambda: observers.append(current_observer()))
    pool.submit(job)
    assert job.done.wait(WAIT)
    assert observers[0] is not None
    assert current_observer() is None


def test_shutdown_runs_queued_tasks_then_joins_every_thread() -> None:
    pool = ActorPool(2, name='closing')
    jobs = [Job() for _ in range(20)]
    for job in jobs:
        pool.submit(job)
    threads = pool.threads
    assert len(threads) == 3  # two workers and the watchdog
    pool.shutdown(timeout=WAIT)
    assert all(job.done.is_set() for job in jobs)
    assert not any(t.is_alive() for t in threads)
    assert not [t for t in threading.enumerate() if t.name.startswith('closing-pool')]
    pool.shutdown(timeout=WAIT)  # idempotent


def test_submit_after_shutdown_raises(pool: ActorPool) -> None:
    pool.shutdown(timeout=WAIT)
    with pytest.raises(PoolStopped, match='test is shut down'):
        pool.submit(Job())


def test_task_left_queued_by_shutdown_is_abandoned() -> None:
    pool = ActorPool(1, name='abandoning')
    release = threading.Event()
    late = Job()

    def submit_during_shutdown() -> None:
        release.wait(WAIT)
        # Queued behind the stop sentinel: no thread will run it.
        pool._queue.append(late)

    first = Job(submit_during_shutdown)
    pool.submit(first)
    stopper = threading.Thread(target=pool.shutdown, kwargs={'timeout': WAIT})
    stopper.start()
    release.set()
    stopper.join(WAIT)
    assert not late.done.is_set()
    assert late.abandoned == 'the thread pool of abandoning is shut down'


def test_shutdown_timeout_names_the_busy_thread() -> None:
    pool = ActorPool(1, name='stuck')
    release = threading.Event()
    job = Job(lambda: release.wait(WAIT))
    pool.submit(job)
    try:
        with pytest.raises(
            TimeoutError, match=r'stuck: pool threads still busy after 0.05 s: stuck-'
        ):
            pool.shutdown(timeout=0.05)
    finally:
        release.set()
        pool.shutdown(timeout=WAIT)
    assert job.done.is_set()
