from __future__ import annotations

import threading

import pykka
import pytest

from actors import ActorSystem, ThreadActor


class Echo(ThreadActor):
    def on_receive(self, message: object) -> object:
        return message


class Recorder(ThreadActor):
    def __init__(self, seen: list[object], on_stop_event: threading.Event | None = None) -> None:
        super().__init__()
        self.seen = seen
        self.on_stop_event = on_stop_event

    def on_receive(self, message: object) -> object:
        self.seen.append(message)
        return len(self.seen)

    def on_stop(self) -> None:
        if self.on_stop_event is not None:
            self.on_stop_event.set()


@pytest.fixture
def system() -> ActorSystem:
    with ActorSystem('test') as system:
        yield system  # type: ignore[misc]


def test_ask_and_tell_in_order(system: ActorSystem) -> None:
    seen: list[object] = []
    ref = system.spawn(Recorder, seen)
    for i in range(100):
        ref.tell(i)
    assert ref.ask('last', timeout=5) == 101
    assert seen == [*range(100), 'last']


def test_threads_are_daemons_so_a_forgotten_actor_cannot_hang_exit(system: ActorSystem) -> None:
    ref = system.spawn(Echo)
    assert ref.ask('x', timeout=5) == 'x'
    threads = [t for t in threading.enumerate() if t.name.startswith('Echo-')]
    assert threads
    assert all(t.daemon for t in threads)


def test_exception_in_ask_goes_to_caller_and_actor_lives(system: ActorSystem) -> None:
    class Fails(ThreadActor):
        def on_receive(self, message: object) -> object:
            if message == 'boom':
                raise LookupError('boom')
            return 'ok'

    ref = system.spawn(Fails)
    with pytest.raises(LookupError, match='boom'):
        ref.ask('boom', timeout=5)
    assert ref.ask('again', timeout=5) == 'ok'


def test_exception_in_tell_runs_on_failure_and_stops(system: ActorSystem) -> None:
    failed = threading.Event()

    class Fails(ThreadActor):
        def on_receive(self, message: object) -> object:
            raise LookupError('told to fail')

        def on_failure(self, *args: object) -> None:
            failed.set()

    ref = system.spawn(Fails, name='fails')
    ref.tell('x')
    assert failed.wait(5)
    assert ref.actor_stopped.wait(5)
    assert system.get('fails') is None


class Gate(ThreadActor):
    """Handles each message by waiting on a shared barrier."""

    workers = 4

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier

    def on_receive(self, message: object) -> object:
        self.barrier.wait(timeout=5)
        return threading.current_thread().name


def test_workers_handle_messages_at_once(system: ActorSystem) -> None:
    # Four asks that each wait for the other three can only all finish if
    # four workers serve the one mailbox concurrently.
    ref = system.spawn(Gate, threading.Barrier(4))
    futures = [ref.ask(i, block=False) for i in range(4)]
    names = {future.get(timeout=10) for future in futures}
    assert len(names) == 4


def test_workers_finish_earlier_messages_before_stop(system: ActorSystem) -> None:
    seen: list[object] = []
    stopped = threading.Event()

    class Slowish(Recorder):
        workers = 3

    ref = system.spawn(Slowish, seen, stopped)
    for i in range(50):
        ref.tell(i)
    assert ref.stop(timeout=5) is True
    assert stopped.is_set()
    assert sorted(seen) == list(range(50))


def test_message_after_stop_gets_actor_dead_error(system: ActorSystem) -> None:
    class Two(Echo):
        workers = 2

    for cls in (Echo, Two):
        ref = system.spawn(cls)
        ref.stop(timeout=5)
        with pytest.raises(pykka.ActorDeadError):
            ref.ask('late', timeout=5)


def test_failing_on_start_stops_the_actor(system: ActorSystem) -> None:
    class BadStart(ThreadActor):
        workers = 2

        def on_start(self) -> None:
            raise RuntimeError('no start')

    ref = system.spawn(BadStart)
    assert ref.actor_stopped.wait(5)


@pytest.mark.parametrize('workers', [0, -1, True, 1.5])
def test_bad_workers_value_is_rejected(system: ActorSystem, workers: object) -> None:
    bad = type('Bad', (Echo,), {'workers': workers})
    with pytest.raises(ValueError, match='workers must be an int'):
        system.spawn(bad)


def test_proxy_works(system: ActorSystem) -> None:
    class Counter(ThreadActor):
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def add(self, n: int) -> int:
            self.count += n
            return self.count

    proxy = system.spawn(Counter).proxy()
    proxy.add(2)
    assert proxy.add(3).get(timeout=5) == 5
    assert proxy.count.get(timeout=5) == 5


def test_a_thread_that_cannot_start_fails_the_spawn_and_leaves_nothing_registered(
    system: ActorSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, 'start', refuse)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        system.spawn(Echo, name='doomed')
    monkeypatch.undo()
    assert system.get('doomed') is None
    assert not [ref for ref in pykka.ActorRegistry.get_all() if ref.actor_class is Echo]
