from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pykka
import pytest

from actors import (
    ActorNameTaken,
    ActorNotFound,
    ActorSystem,
    SystemStopped,
    ThreadActor,
)


class Echo(ThreadActor):
    def on_receive(self, message: object) -> object:
        return message


def test_spawn_lookup_and_stop_by_name() -> None:
    with ActorSystem() as system:
        ref = system.spawn(Echo, name='echo')
        assert system.lookup('echo') is ref
        assert system.names() == ['echo']
        assert system.stop('echo', timeout=5) is True
        assert system.get('echo') is None
        with pytest.raises(ActorNotFound, match="No actor named 'echo'"):
            system.lookup('echo')


def test_lookup_error_names_close_matches() -> None:
    with ActorSystem('sys-a') as system:
        system.spawn(Echo, name='orders')
        with pytest.raises(ActorNotFound, match='close matches: orders') as info:
            system.lookup('order')
        assert 'sys-a' in str(info.value)


def test_two_systems_do_not_see_each_others_actors() -> None:
    with ActorSystem('one') as one, ActorSystem('two') as two:
        ref = one.spawn(Echo, name='echo')
        assert two.get('echo') is None
        other = two.spawn(Echo, name='echo')
        assert other is not ref
        two.shutdown()
        assert ref.ask('still here', timeout=5) == 'still here'
        assert ref in one
        assert ref not in two


def test_names_are_unique_among_live_actors() -> None:
    with ActorSystem() as system:
        system.spawn(Echo, name='x')
        with pytest.raises(ActorNameTaken, match="named 'x'"):
            system.spawn(Echo, name='x')
        system.stop('x', timeout=5)
        system.spawn(Echo, name='x')


def test_spawn_rejects_what_is_not_an_actor_class() -> None:
    with ActorSystem() as system, pytest.raises(TypeError, match='pykka.Actor subclass'):
        system.spawn(object)  # type: ignore[type-var]


def test_shutdown_stops_every_actor_and_joins_its_threads() -> None:
    before = set(threading.enumerate())
    system = ActorSystem()
    refs = [system.spawn(Echo) for _ in range(5)]
    assert len(system.actors()) == 5
    system.shutdown(timeout=10)
    assert all(not ref.is_alive() for ref in refs)
    assert set(threading.enumerate()) <= before
    assert system.wait_stopped(0)
    system.shutdown()  # idempotent
    with pytest.raises(SystemStopped):
        system.spawn(Echo)


def test_shutdown_lets_actors_handle_what_they_hold() -> None:
    seen: list[int] = []

    class Slow(ThreadActor):
        def on_receive(self, message: int) -> None:
            seen.append(message)

    with ActorSystem() as system:
        ref = system.spawn(Slow)
        for i in range(200):
            ref.tell(i)
    assert seen == list(range(200))
    with pytest.raises(pykka.ActorDeadError):
        ref.tell(1)


def test_a_script_that_forgets_to_shut_down_exits_promptly() -> None:
    script = textwrap.dedent(
        """
        import threading
        from actors import ActorSystem, ThreadActor

        stopped = []

        class Echo(ThreadActor):
            def on_receive(self, message):
                return message
            def on_stop(self):
                print('on_stop ran', flush=True)

        system = ActorSystem()
        ref = system.spawn(Echo)
        print(ref.ask('alive'), flush=True)
        # no shutdown: the interpreter must still exit, after stopping the actor
        """
    )
    done = subprocess.run(
        [sys.executable, '-c', script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['alive', 'on_stop', 'ran']


def test_an_empty_system_is_still_true() -> None:
    with ActorSystem() as system:
        assert len(system) == 0
        assert system
