"""PooledActor: pykka actors multiplexed onto their actor system's thread pool."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

import pykka
import pytest
from pykka import ActorDeadError, ActorRegistry
from pykka._envelope import Envelope

from actors import ActorSystem, ThreadActor, actor_class_for
from actors.context import spawning_in
from actors.pooled import PooledActor, stop_many, unregister_many

WAIT = 5.0  # seconds: generous bounds for replies that should come at once


@pytest.fixture
def system() -> Iterator[ActorSystem]:
    with ActorSystem('pooled-test', pool_size=2) as system:
        yield system


class Recording(pykka.Actor):
    """Records what it receives (calling callables); replies with everything so far."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []
        self.thread_names: set[str] = set()

    def on_receive(self, message: Any) -> Any:
        self.thread_names.add(threading.current_thread().name)
        self.seen.append(message)
        if callable(message):
            message()
        return list(self.seen)


class Recorder(Recording, PooledActor):
    pass


class Echo(PooledActor):
    def on_receive(self, message: Any) -> Any:
        return message


def test_pooled_actor_is_a_pykka_actor_without_a_thread(system: ActorSystem) -> None:
    before = threading.active_count()
    refs = [system.spawn(Echo) for _ in range(50)]
    assert all(ref.ask(i, timeout=WAIT) == i for i, ref in enumerate(refs))
    assert issubclass(Echo, pykka.Actor)
    # 50 actors, and only the pool's threads: 2 workers and the watchdog.
    assert threading.active_count() - before <= 3


def test_messages_are_handled_in_arrival_order(system: ActorSystem) -> None:
    ref = system.spawn(Recorder)
    for i in range(500):
        ref.tell(i)
    assert ref.ask('end', timeout=WAIT) == [*range(500), 'end']


def test_any_message_arrives_as_sent(system: ActorSystem) -> None:
    # A tell is queued without an envelope when it can: these must not be mistaken for one.
    ref = system.spawn(Recorder)
    odd = [None, deque([1, 2]), Envelope('inner'), (), 0, '', [None]]
    for message in odd:
        ref.tell(message)
    seen = ref.ask('end', timeout=WAIT)
    assert len(seen) == len(odd) + 1
    assert all(got is sent for got, sent in zip(seen, odd, strict=False))
    assert ref.actor_inbox.empty()  # type: ignore[attr-defined]


def test_messages_from_many_threads_keep_each_senders_order(system: ActorSystem) -> None:
    ref = system.spawn(Recorder)

    def send(sender: int) -> None:
        for i in range(200):
            ref.tell((sender, i))

    senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(WAIT)
    seen = ref.ask('end', timeout=WAIT)[:-1]
    assert len(seen) == 800
    for sender in range(4):
        assert [i for s, i in seen if s == sender] == list(range(200))


class Overlap(PooledActor):
    """Counts how many threads are inside its handler at once."""

    def __init__(self, shared: dict[str, Any]) -> None:
        super().__init__()
        self.shared = shared

    def on_receive(self, message: Any) -> None:
        shared = self.shared
        with shared['lock']:
            shared['inside'] += 1
            shared['most'] = max(shared['most'], shared['inside'])
            shared['threads'].add(threading.current_thread().name)
        time.sleep(0)  # yields the GIL: a second thread in this handler would show now
        with shared['lock']:
            shared['inside'] -= 1
            shared['handled'] += 1


def _overlap_state() -> dict[str, Any]:
    return {'lock': threading.Lock(), 'inside': 0, 'most': 0, 'threads': set(), 'handled': 0}


def test_an_actor_never_runs_on_two_threads_at_once() -> None:
    states = [_overlap_state() for _ in range(4)]
    rounds = 0
    with ActorSystem(pool_size=4) as system:
        refs = [system.spawn(Overlap, state) for state in states]

        def send() -> None:
            for _ in range(100):
                for ref in refs:
                    ref.tell('work')

        # The check means something only once actors have moved between pool
        # threads; which thread runs an actor is up to the scheduler, so send
        # rounds until one has (almost always the first).
        while rounds < 50 and max(len(state['threads']) for state in states) < 2:
            rounds += 1
            senders = [threading.Thread(target=send) for _ in range(4)]
            for thread in senders:
                thread.start()
            for thread in senders:
                thread.join(WAIT)
            for ref in refs:
                ref.ask('flush', timeout=WAIT)
    assert max(len(state['threads']) for state in states) > 1
    assert [state['handled'] for state in states] == [401 * rounds] * 4
    assert [state['most'] for state in states] == [1] * 4


class Driver(PooledActor):
    """Runs a function on the pool: while it runs, a one-thread pool runs nothing else."""

    def on_receive(self, func: Any) -> Any:
        return func()


def test_a_busy_actor_does_not_starve_others_on_one_thread() -> None:
    progress = {'busy': 0}

    class Busy(PooledActor):
        def on_receive(self, message: Any) -> None:
            progress['busy'] += 1

    class Witness(PooledActor):
        def on_receive(self, message: Any) -> int:
            return progress['busy']

    with ActorSystem(pool_size=1) as system:
        busy, witness = system.spawn(Busy), system.spawn(Witness)

        def fill() -> pykka.Future[int]:
            for _ in range(5000):
                busy.tell('work')
            return witness.ask('how far?', block=False)

        answer = system.spawn(Driver).ask(fill, timeout=WAIT)
        # Queued behind the busy actor, the witness runs after its first turn.
        assert answer.get(timeout=WAIT) == Busy.throughput
        busy.ask('flush', timeout=WAIT)
    assert progress['busy'] == 5001


def test_throughput_sets_the_turn_length() -> None:
    log: list[str] = []

    class Chatty(PooledActor):
        throughput = 3

        def on_receive(self, message: str) -> None:
            log.append(message)

    with ActorSystem(pool_size=1) as system:
        a, b = system.spawn(Chatty), system.spawn(Chatty)

        def fill() -> None:
            for i in range(6):
                a.tell(f'a{i}')
            for i in range(6):
                b.tell(f'b{i}')

        system.spawn(Driver).ask(fill, timeout=WAIT)
        a.ask('a-end', timeout=WAIT)
        b.ask('b-end', timeout=WAIT)
    assert log[:12] == ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'a3', 'a4', 'a5', 'b3', 'b4', 'b5']


class Gate(pykka.Actor):
    """Waits on an event in its handler (a wait the pool is not told about)."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__()
        self.gate = gate

    def on_receive(self, message: Any) -> None:
        self.gate.wait(WAIT)


class Asker(PooledActor):
    """Asks the next actor synchronously inside its handler; the last one answers."""

    def __init__(self, next_ref: pykka.ActorRef[Any] | None) -> None:
        super().__init__()
        self.next_ref = next_ref

    def on_receive(self, message: int) -> int:
        if self.next_ref is None:
            return message
        return int(self.next_ref.ask(message + 1))


def test_200_actors_asking_synchronously_complete_on_a_pool_of_2() -> None:
    with ActorSystem(pool_size=2) as system:
        # Each asker waits inside its handler for its own target.
        targets = [system.spawn(Asker, None) for _ in range(200)]
        askers = [system.spawn(Asker, target) for target in targets]
        futures = [asker.ask(i, block=False) for i, asker in enumerate(askers)]
        assert [f.get(timeout=WAIT) for f in futures] == [i + 1 for i in range(200)]
        # A chain: 200 actors blocked inside their handlers at once.
        chain = None
        for _ in range(200):
            chain = system.spawn(Asker, chain)
        assert chain is not None
        assert chain.ask(0, timeout=WAIT) == 199
        assert system.pool.peak_threads > 2
        assert system.pool.peak_threads <= system.pool.max_threads


def test_asking_a_pykka_threading_actor_that_asks_back_does_not_starve_the_pool() -> None:
    # pykka's ThreadingFuture does not tell the pool it waits; the watchdog makes up for it.
    class Relay(pykka.ThreadingActor):
        use_daemon_thread = True

        def __init__(self, target: pykka.ActorRef[Any]) -> None:
            super().__init__()
            self.target = target

        def on_receive(self, message: int) -> int:
            return int(self.target.ask(message))

    with ActorSystem(pool_size=1) as system:
        echo = system.spawn(Echo)
        relay = Relay.start(echo)
        try:
            asker = system.spawn(Asker, relay)
            assert asker.ask(41, timeout=WAIT) == 42
        finally:
            relay.stop()


def test_on_start_runs_on_the_pool_before_any_message(system: ActorSystem) -> None:
    class Starting(Recorder):
        def on_start(self) -> None:
            self.seen.append(('started on', threading.current_thread().name))

    ref = system.spawn(Starting)
    ref.tell('first')
    seen = ref.ask('second', timeout=WAIT)
    assert seen[0][0] == 'started on'
    assert seen[0][1].startswith('pooled-test-pool')
    assert seen[1:] == ['first', 'second']


def test_failing_on_start_stops_the_actor(
    system: ActorSystem, caplog: pytest.LogCaptureFixture
) -> None:
    class BadStart(Echo):
        def on_start(self) -> None:
            raise RuntimeError('no database')

    ref = system.spawn(BadStart)
    pending = ref.ask('hello', block=False)
    assert ref.actor_stopped.wait(WAIT)
    assert not ref.is_alive()
    with pytest.raises(ActorDeadError):
        pending.get(timeout=WAIT)
    assert 'no database' in caplog.text
    assert ref not in ActorRegistry.get_all()


def test_base_exception_in_on_start_stops_the_actor_instead_of_wedging_it(
    system: ActorSystem,
) -> None:
    class Exiting(Echo):
        def on_start(self) -> None:
            raise SystemExit(3)

    ref = system.spawn(Exiting)
    pending = ref.ask('hello', block=False)
    assert ref.actor_stopped.wait(WAIT)
    with pytest.raises(ActorDeadError):
        pending.get(timeout=WAIT)
    assert system.spawn(Echo).ask('pool still works', timeout=WAIT) == 'pool still works'


def test_exception_in_ask_goes_to_the_caller_and_the_actor_keeps_serving(
    system: ActorSystem,
) -> None:
    class Picky(PooledActor):
        def on_receive(self, message: Any) -> Any:
            if message == 'bad':
                raise ValueError('bad message')
            return 'ok'

    ref = system.spawn(Picky)
    with pytest.raises(ValueError, match='bad message'):
        ref.ask('bad', timeout=WAIT)
    assert ref.ask('good', timeout=WAIT) == 'ok'


def test_exception_in_tell_runs_on_failure_and_stops_the_actor(system: ActorSystem) -> None:
    failures: list[BaseException | None] = []

    class Fragile(PooledActor):
        def on_receive(self, message: Any) -> None:
            raise KeyError(message)

        def on_failure(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
            failures.append(exc)

        def on_stop(self) -> None:
            failures.append(None)  # must not be called after a failure

    ref = system.spawn(Fragile)
    ref.tell('boom')
    assert ref.actor_stopped.wait(WAIT)
    assert len(failures) == 1
    assert isinstance(failures[0], KeyError)
    with pytest.raises(ActorDeadError):
        ref.tell('again')
    with pytest.raises(ActorDeadError):
        ref.ask('again', timeout=WAIT)


def test_stop_handles_earlier_messages_and_fails_later_ones(system: ActorSystem) -> None:
    stops: list[list[Any]] = []

    class Stoppable(Recorder):
        def on_stop(self) -> None:
            stops.append(list(self.seen))

    gate = threading.Event()
    ref = system.spawn(Stoppable)
    first = ref.ask(lambda: gate.wait(WAIT), block=False)
    ref.tell('before stop')
    stopped = ref.stop(block=False)
    after = ref.ask('after stop', block=False)
    gate.set()
    assert stopped.get(timeout=WAIT) is True
    first.get(timeout=WAIT)
    with pytest.raises(ActorDeadError, match='stopped before handling the message'):
        after.get(timeout=WAIT)
    assert len(stops) == 1
    assert stops[0][1:] == ['before stop']
    assert ref.stop(timeout=WAIT) is False  # already dead
    with pytest.raises(ActorDeadError, match='not found'):
        ref.tell('late')


def test_proxy_calls_and_attributes(system: ActorSystem) -> None:
    class Counter(PooledActor):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def add(self, n: int) -> int:
            self.count += n
            return self.count

    proxy = system.spawn(Counter).proxy()
    assert proxy.add(2).get(timeout=WAIT) == 2
    assert proxy.add(3).get(timeout=WAIT) == 5
    assert proxy.count.get(timeout=WAIT) == 5
    proxy.count = 10
    assert proxy.add(1).get(timeout=WAIT) == 11
    proxy.actor_ref.stop(timeout=WAIT)
    with pytest.raises(ActorDeadError):
        proxy.actor_ref.proxy()


def test_actor_stopped_behaves_like_an_event(system: ActorSystem) -> None:
    ref = system.spawn(Echo)
    assert ref.actor_stopped.wait(0) is False
    assert not ref.actor_stopped.is_set()
    waited = []
    waiter = threading.Thread(target=lambda: waited.append(ref.actor_stopped.wait(WAIT)))
    waiter.start()
    ref.stop(timeout=WAIT)
    waiter.join(WAIT)
    assert waited == [True]
    assert ref.actor_stopped.is_set()
    with pytest.raises(RuntimeError, match='cannot be restarted'):
        ref.actor_stopped.clear()


def test_workers_run_that_many_messages_at_once() -> None:
    barrier = threading.Barrier(3, timeout=WAIT)

    class Meeting(PooledActor):
        workers = 3

        def on_receive(self, message: Any) -> int:
            return barrier.wait()  # only returns once 3 handlers are inside at once

    with ActorSystem(pool_size=3) as system:
        ref = system.spawn(Meeting)
        futures = [ref.ask(i, block=False) for i in range(3)]
        assert sorted(f.get(timeout=WAIT) for f in futures) == [0, 1, 2]


def test_workers_cap_concurrency_and_stop_after_all_in_flight() -> None:
    shared = _overlap_state()
    stopped_after: list[int] = []

    class Team(Overlap):
        workers = 2

        def on_stop(self) -> None:
            stopped_after.append(self.shared['handled'])

    with ActorSystem(pool_size=4) as system:
        ref = system.spawn(Team, shared)
        for _ in range(60):
            ref.tell('pause')
        assert ref.stop(timeout=WAIT) is True
    assert 1 <= shared['most'] <= 2
    assert stopped_after == [60]


def test_workers_on_start_runs_once_before_any_message() -> None:
    events: list[str] = []
    lock = threading.Lock()

    class Team(PooledActor):
        workers = 3

        def on_start(self) -> None:
            with lock:
                events.append('start')

        def on_receive(self, message: Any) -> None:
            with lock:
                events.append('message')

    with ActorSystem(pool_size=3) as system:
        ref = system.spawn(Team)
        futures = [ref.ask(i, block=False) for i in range(20)]
        for future in futures:
            future.get(timeout=WAIT)
    assert events == ['start'] + ['message'] * 20


def test_bad_workers_or_throughput_is_refused(system: ActorSystem) -> None:
    class NoWorkers(PooledActor):
        workers = 0

    class NoTurns(PooledActor):
        throughput = 0

    with pytest.raises(ValueError, match=r'NoWorkers.workers must be an int >= 1, not 0'):
        system.spawn(NoWorkers)
    with pytest.raises(ValueError, match=r'NoTurns.throughput must be an int >= 1, not 0'):
        system.spawn(NoTurns)


def test_systems_are_isolated_and_shutdown_leaves_no_thread() -> None:
    first = ActorSystem('first', pool_size=2)
    second = ActorSystem('second', pool_size=2)
    try:
        a = first.spawn(Recorder)
        b = second.spawn(Recorder)
        a.ask('hi', timeout=WAIT)
        b.ask('hi', timeout=WAIT)
        a_threads = a.proxy().thread_names.get(timeout=WAIT)
        b_threads = b.proxy().thread_names.get(timeout=WAIT)
        assert all(name.startswith('first-pool') for name in a_threads)
        assert all(name.startswith('second-pool') for name in b_threads)
        first.shutdown(timeout=WAIT)
        assert not a.is_alive()
        assert b.ask('still here', timeout=WAIT)[-1] == 'still here'
        assert not [t for t in threading.enumerate() if t.name.startswith('first-pool')]
    finally:
        first.shutdown(timeout=WAIT)
        second.shutdown(timeout=WAIT)
    assert not [t for t in threading.enumerate() if '-pool' in t.name]


def test_actor_outlived_by_its_pool_fails_fast_instead_of_hanging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    system = ActorSystem('gone', pool_size=1)
    with spawning_in(system):
        ref = Echo.start()  # started outside spawn(): the system does not stop it
    assert ref.ask(1, timeout=WAIT) == 1
    system.shutdown(timeout=WAIT)
    with (
        caplog.at_level(logging.ERROR, logger='actors'),
        pytest.raises(ActorDeadError, match='thread pool of gone is shut down'),
    ):
        ref.ask(2, timeout=WAIT)
    assert not ref.is_alive()
    assert 'stopped without handling its messages' in caplog.text
    assert ref not in ActorRegistry.get_all()


def test_start_outside_any_system_uses_the_default_system() -> None:
    from actors import default_system

    ref = Echo.start()
    try:
        assert ref.ask('x', timeout=WAIT) == 'x'
        assert ref.actor_inbox.pool is default_system().pool  # type: ignore[attr-defined]
    finally:
        ref.stop(timeout=WAIT)
        default_system().shutdown(timeout=WAIT)


def test_urns_are_unique_uuid4s(system: ActorSystem) -> None:
    refs = [system.spawn(Echo) for _ in range(100)]
    urns = [ref.actor_urn for ref in refs]
    assert len(set(urns)) == 100
    assert all(uuid.UUID(urn).version == 4 for urn in urns)
    assert all(ActorRegistry.get_by_urn(urn) is ref for urn, ref in zip(urns, refs, strict=True))


def test_registry_tracks_pooled_actors_stopped_in_any_order(system: ActorSystem) -> None:
    refs = [system.spawn(Echo) for _ in range(200)]
    assert all(ref in ActorRegistry.get_all() for ref in refs)
    for ref in refs[::2]:  # oldest first: found far from the registry's tail
        ref.stop(timeout=WAIT)
    for ref in reversed(refs[1::2]):  # newest first: found at the tail
        ref.stop(timeout=WAIT)
    assert not any(ref in ActorRegistry.get_all() for ref in refs)


def test_stop_many_stops_pooled_and_thread_actors_after_their_messages(
    system: ActorSystem,
) -> None:
    other = ActorRegistry.get_all()
    pooled = [system.spawn(Recorder) for _ in range(300)]
    threaded = [system.spawn(actor_class_for(Recording, 'thread')) for _ in range(3)]
    for ref in pooled + threaded:
        ref.tell('before')
    before = len(system)
    stop_many(pooled + threaded, timeout=WAIT)
    assert not any(ref.is_alive() for ref in pooled + threaded)
    assert ActorRegistry.get_all() == other
    assert len(system) == before - 303  # the system forgot them all
    assert not system.actors()


def test_stop_many_times_out_naming_how_many_are_left(system: ActorSystem) -> None:
    gate = threading.Event()
    stuck = system.spawn(actor_class_for(Gate, 'pool'), gate)
    stuck.tell('hold')
    try:
        with pytest.raises(TimeoutError, match=r'1 pooled actor\(s\) still running after 0.05 s'):
            stop_many([stuck], timeout=0.05)
        assert stuck in system
    finally:
        gate.set()
    assert stuck.actor_stopped.wait(WAIT)
    assert stuck not in system  # it forgot itself once it did stop


def test_unregister_many_removes_refs_in_one_pass(system: ActorSystem) -> None:
    refs = [system.spawn(Echo) for _ in range(10)]
    assert unregister_many(refs[:5]) == 5
    assert unregister_many(refs[:5]) == 0
    registered = ActorRegistry.get_all()
    assert not any(ref in registered for ref in refs[:5])
    assert all(ref in registered for ref in refs[5:])
    assert refs[0].ask('still serving', timeout=WAIT) == 'still serving'


def test_pool_backend_builds_pooled_classes() -> None:
    cls = actor_class_for(Recording, 'pool', workers=2)
    assert issubclass(cls, PooledActor)
    assert cls.workers == 2
    assert not issubclass(actor_class_for(Gate, 'thread'), PooledActor)
    assert issubclass(actor_class_for(Gate, 'thread'), ThreadActor)
