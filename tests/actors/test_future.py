from __future__ import annotations

import queue
import threading

import pykka
import pytest

from actors import LightFuture
from actors.blocking import set_observer


def test_get_returns_the_value_set_by_another_thread() -> None:
    future: LightFuture[int] = LightFuture()
    thread = threading.Thread(target=future.set, args=(42,))
    thread.start()
    assert future.get(timeout=5) == 42
    thread.join()


def test_get_can_be_called_many_times_and_by_many_threads() -> None:
    future: LightFuture[str] = LightFuture()
    got: list[str] = []
    ready = threading.Barrier(4)

    def reader() -> None:
        ready.wait()
        got.append(future.get(timeout=5))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for thread in readers:
        thread.start()
    ready.wait()
    future.set('v')
    for thread in readers:
        thread.join()
    assert got == ['v', 'v', 'v']
    assert future.get() == 'v'


def test_timeout_raises_pykka_timeout() -> None:
    future: LightFuture[int] = LightFuture()
    with pytest.raises(pykka.Timeout):
        future.get(timeout=0.01)
    future.set(1)
    assert future.get(timeout=0) == 1


def test_exception_is_raised_by_every_get() -> None:
    future: LightFuture[int] = LightFuture()
    try:
        raise KeyError('missing')
    except KeyError:
        future.set_exception()
    for _ in range(2):
        with pytest.raises(KeyError, match='missing'):
            future.get()


def test_exception_can_be_given_as_exc_info() -> None:
    future: LightFuture[int] = LightFuture()
    error = ValueError('given')
    future.set_exception((ValueError, error, None))
    with pytest.raises(ValueError, match='given') as info:
        future.get()
    assert info.value is error


def test_second_set_raises_queue_full() -> None:
    future: LightFuture[int] = LightFuture()
    future.set(1)
    with pytest.raises(queue.Full):
        future.set(2)
    with pytest.raises(queue.Full):
        future.set_exception((ValueError, ValueError(), None))
    assert future.get() == 1


def test_get_hook_computes_the_value() -> None:
    future: LightFuture[int] = LightFuture()
    future.set_get_hook(lambda timeout: 7)
    assert future.get() == 7
    with pytest.raises(queue.Full):
        future.set(1)


def test_pykka_combinators_work() -> None:
    first: LightFuture[int] = LightFuture()
    second: LightFuture[int] = LightFuture()
    joined = first.join(second).map(sum)
    first.set(1)
    second.set(2)
    assert joined.get(timeout=1) == 3


class _Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def begin_blocking(self) -> None:
        self.events.append('begin')

    def end_blocking(self) -> None:
        self.events.append('end')


def test_waiting_tells_the_thread_blocking_observer() -> None:
    recorder = _Recorder()
    set_observer(recorder)
    try:
        pending: LightFuture[int] = LightFuture()
        with pytest.raises(pykka.Timeout):
            pending.get(timeout=0.01)
        done: LightFuture[int] = LightFuture()
        done.set(1)
        done.get()
    finally:
        set_observer(None)
    # Only the real wait is reported; a ready future does not block.
    assert recorder.events == ['begin', 'end']


def test_pykka_actor_can_use_it_as_its_future_class() -> None:
    class Echo(pykka.ThreadingActor):
        @staticmethod
        def _create_future() -> pykka.Future[object]:
            return LightFuture()

        def on_receive(self, message: object) -> object:
            if message == 'fail':
                raise RuntimeError('failed in actor')
            return message

    ref = Echo.start()
    try:
        assert ref.ask('hi', timeout=5) == 'hi'
        with pytest.raises(RuntimeError, match='failed in actor'):
            ref.ask('fail', timeout=5)
    finally:
        assert ref.stop(timeout=5) is True
