"""Fixtures shared by the whole suite."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from actors.backends import BACKENDS
from services import Runtime

try:
    import actors.pooled  # noqa: F401

    AVAILABLE_BACKENDS = BACKENDS
except ImportError:  # the pooled backend is not in this checkout yet
    AVAILABLE_BACKENDS = ('thread',)


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Fail a test that leaves a thread running."""
    before = set(threading.enumerate())
    yield
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in leftover:
        thread.join(timeout=2.0)
    still_alive = [t.name for t in leftover if t.is_alive()]
    assert not still_alive, f'threads left running: {still_alive}'


@pytest.fixture(params=AVAILABLE_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each actor backend in turn: the services suite runs on both."""
    return str(request.param)


@pytest.fixture
def runtime(backend: str) -> Iterator[Runtime]:
    """A running runtime on ``backend``, shut down (drained) after the test."""
    with Runtime(actor=backend) as rt:
        yield rt


def poll_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds, checking every millisecond; fail after ``timeout``.

    For states no event announces (a message sitting in a mailbox); never a
    fixed sleep standing in for synchronisation.
    """
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'condition not met within {timeout} s: {condition}')
        pause.wait(0.001)
