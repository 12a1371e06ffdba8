"""The concurrency hazards of an actor design, each one tested."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from actors import ReplyRecord
from services import InvocationCancelled, Runtime, RuntimeStopped, Service
from tests.conftest import poll_until


def test_workers_let_n_invocations_overlap(runtime: Runtime) -> None:
    # Each invocation waits until all four are inside handle(): with fewer
    # than four workers behind the mailbox the barrier would break.
    barrier = threading.Barrier(4)

    class Slow(Service):
        name = 'slow'
        workers = 4

        def handle(self) -> None:
            barrier.wait(timeout=10)
            self.response.payload = {'thread': threading.current_thread().name}

    runtime.deploy(Slow)
    cids = [runtime.invoke_async('slow') for _ in range(4)]
    replies = [runtime.correlator.wait(cid, timeout=20) for cid in cids]
    assert all(reply.ok for reply in replies), [r.error for r in replies]


def test_one_worker_serialises_the_service(runtime: Runtime) -> None:
    inside = 0
    most = 0
    lock = threading.Lock()

    class Single(Service):
        name = 'single'

        def handle(self) -> None:
            nonlocal inside, most
            with lock:
                inside += 1
                most = max(most, inside)
            with lock:
                inside -= 1

    runtime.deploy(Single)
    cids = [runtime.invoke_async('single') for _ in range(200)]
    for cid in cids:
        runtime.correlator.wait(cid, timeout=10)
    assert most == 1


class Countdown(Service):
    """Invokes itself synchronously until n reaches zero."""

    name = 'countdown'

    def handle(self) -> None:
        n = self.request.payload['n']
        if n == 0:
            self.response.payload = {'depth': 0, 'cid': self.cid}
        else:
            inner = self.invoke('countdown', {'n': n - 1})
            self.response.payload = {'depth': inner.depth + 1, 'cid': inner.cid}


def test_a_service_invoking_itself_completes(runtime: Runtime) -> None:
    runtime.deploy(Countdown)
    response = runtime.invoke('countdown', {'n': 5}, timeout=10, cid='self-cycle')
    assert response == {'depth': 5, 'cid': 'self-cycle'}


class PingA(Service):
    name = 'ping.a'

    def handle(self) -> None:
        n = self.request.payload['n']
        if n == 0:
            self.response.payload = {'path': ['a']}
        else:
            inner = self.invoke('ping.b', {'n': n - 1})
            self.response.payload = {'path': ['a', *inner.path]}


class PingB(Service):
    name = 'ping.b'

    def handle(self) -> None:
        inner = self.invoke('ping.a', {'n': self.request.payload['n']})
        self.response.payload = {'path': ['b', *inner.path]}


def test_a_to_b_to_a_completes(runtime: Runtime) -> None:
    runtime.deploy(PingA, PingB)
    response = runtime.invoke('ping.a', {'n': 2}, timeout=10)
    assert response.path == ['a', 'b', 'a', 'b', 'a']


def test_crossing_call_chains_do_not_deadlock(runtime: Runtime) -> None:
    # Chain 1 holds X's only worker and calls Y; chain 2 holds Y's only
    # worker and calls X. Neither mailbox can be served: each caller must
    # notice and run its call itself.
    both_inside = threading.Barrier(2)

    class X(Service):
        name = 'x'

        def handle(self) -> None:
            if self.request.payload.get('start'):
                both_inside.wait(timeout=10)
                self.response.payload = {'got': self.invoke('y', {}).who}
            else:
                self.response.payload = {'who': 'x'}

    class Y(Service):
        name = 'y'

        def handle(self) -> None:
            if self.request.payload.get('start'):
                both_inside.wait(timeout=10)
                self.response.payload = {'got': self.invoke('x', {}).who}
            else:
                self.response.payload = {'who': 'y'}

    runtime.deploy(X, Y)
    first = runtime.invoke_async('x', start=True)
    second = runtime.invoke_async('y', start=True)
    replies = [runtime.correlator.wait(cid, timeout=20) for cid in (first, second)]
    assert [reply.response for reply in replies] == [{'got': 'y'}, {'got': 'x'}]


def test_shutdown_drains_accepted_async_invocations(backend: str) -> None:
    release = threading.Event()
    done: list[int] = []

    class Work(Service):
        name = 'work'

        def handle(self) -> None:
            release.wait(10)
            done.append(self.request.payload['n'])

    rt = Runtime(actor=backend)
    rt.deploy(Work)
    cids = [rt.invoke_async('work', n=n) for n in range(20)]
    release.set()
    rt.shutdown()
    assert sorted(done) == list(range(20))
    assert all(rt.correlator.poll(cid).ok for cid in cids)  # type: ignore[union-attr]
    with pytest.raises(RuntimeStopped):
        rt.invoke_async('work', n=99)
    with pytest.raises(RuntimeStopped):
        rt.invoke('work', n=99)


class Held:
    """A runtime whose service 'held' stays inside handle() until released."""

    def __init__(self, backend: str) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        entered, release = self.entered, self.release

        class HeldService(Service):
            name = 'held'

            def handle(self) -> None:
                entered.set()
                release.wait(10)

        self.runtime = Runtime(actor=backend)
        self.runtime.deploy(HeldService)

    def start_one(self) -> str:
        """Invoke asynchronously and wait until the handler is inside handle()."""
        cid = self.runtime.invoke_async('held')
        assert self.entered.wait(10)
        return cid

    def shutdown_in_background(self, **options: object) -> threading.Thread:
        stopper = threading.Thread(target=self.runtime.shutdown, kwargs=options)
        stopper.start()
        return stopper


@pytest.fixture
def held(backend: str) -> Iterator[Held]:
    held = Held(backend)
    yield held
    held.release.set()
    held.runtime.system.shutdown(timeout=10)


def assert_cancelled(reply: ReplyRecord | None, reason: str) -> None:
    assert reply is not None
    assert not reply.ok
    assert reply.error is not None
    assert reply.error.type == InvocationCancelled.__name__
    assert reason in reply.error.message


def test_shutdown_without_drain_records_unstarted_work_as_cancelled(held: Held) -> None:
    rt = held.runtime
    first = held.start_one()
    queued = [rt.invoke_async('held') for _ in range(5)]
    stopper = held.shutdown_in_background(drain=False)
    held.release.set()
    stopper.join(20)
    assert not stopper.is_alive()
    running = rt.correlator.poll(first)
    assert running is not None
    assert running.ok  # it had started: it finished normally
    for cid in queued:
        assert_cancelled(rt.correlator.poll(cid), 'drain=False')


def test_sync_caller_waiting_at_shutdown_without_drain_gets_runtime_stopped(held: Held) -> None:
    rt = held.runtime
    held.start_one()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(rt.invoke('held', timeout=20))
        except RuntimeStopped as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    inbox = rt.services['held'].ref.actor_inbox  # type: ignore[union-attr]
    poll_until(lambda: not inbox.empty())  # the call waits behind the running one
    stopper = held.shutdown_in_background(drain=False)
    poll_until(lambda: rt.state == 'stopping')
    held.release.set()
    stopper.join(20)
    caller.join(20)
    assert len(outcome) == 1
    assert isinstance(outcome[0], RuntimeStopped)
    assert "before service 'held' started" in str(outcome[0])


def test_shutdown_timeout_cancels_what_did_not_finish(held: Held) -> None:
    rt = held.runtime
    first = held.start_one()
    queued = [rt.invoke_async('held') for _ in range(2)]
    stopper = held.shutdown_in_background(timeout=0.1)
    poll_until(lambda: rt.state == 'stopping')  # the drain gave up
    held.release.set()
    stopper.join(20)
    assert rt.state == 'stopped'
    running = rt.correlator.poll(first)
    assert running is not None
    assert running.ok
    for cid in queued:
        assert_cancelled(rt.correlator.poll(cid), 'did not finish within 0.1 s')


def test_shutdown_names_a_handler_that_does_not_return_in_time(held: Held) -> None:
    rt = held.runtime
    cid = held.start_one()
    with pytest.raises(TimeoutError, match="Still running .*: service 'held'"):
        rt.shutdown(drain=False, timeout=0.05)
    assert rt.state == 'stopped'
    assert_cancelled(rt.correlator.poll(cid), 'before the invocation finished')
