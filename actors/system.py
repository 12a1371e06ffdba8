"""``ActorSystem``: an isolated set of named actors that stops them all on exit."""

from __future__ import annotations

import atexit
import difflib
import itertools
import logging
import threading
import weakref
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import pykka

from actors.context import spawning_in
from actors.deadlines import deadline_after, remaining
from actors.errors import ActorNameTaken, ActorNotFound, SystemStopped

if TYPE_CHECKING:
    from actors.pool import ActorPool

__all__ = ['ActorSystem', 'default_system']

logger = logging.getLogger('actors')

A = TypeVar('A', bound=pykka.Actor)

_system_numbers = itertools.count(1)
_live_systems: weakref.WeakSet[ActorSystem] = weakref.WeakSet()

EXIT_TIMEOUT = 5.0
"""Seconds each system gets to stop its actors when the interpreter exits."""


class ActorSystem:
    """A set of actors that can find each other by name, and stop together.

    Two systems in one process are isolated: names are looked up per system,
    and stopping one leaves the other's actors running. A system is a context
    manager; leaving the block, calling ``shutdown()`` or the interpreter
    exiting stops every actor the system spawned, so a script that forgets
    to shut down still exits promptly.

    ``pool_size`` sizes the shared thread pool that runs pooled actors (see
    ``actors.PooledActor``); it is created on first use.
    """

    def __init__(self, name: str | None = None, *, pool_size: int | None = None) -> None:
        self.name = name or f'system-{next(_system_numbers)}'
        self.pool_size = pool_size
        self._lock = threading.RLock()
        self._refs: dict[str, pykka.ActorRef[Any]] = {}
        self._names: dict[str, pykka.ActorRef[Any]] = {}
        self._name_of: dict[str, str] = {}
        """Name by actor URN, for the named actors."""
        self._threads: list[threading.Thread] = []
        self._pool: ActorPool | None = None
        self._stopping = False
        self._stopped = threading.Event()
        _live_systems.add(self)

    def __repr__(self) -> str:
        state = 'stopped' if self._stopped.is_set() else 'running'
        return f'<ActorSystem {self.name!r} {state}, {len(self._refs)} actors>'

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

    # -- spawning and finding ------------------------------------------------

    @property
    def is_running(self) -> bool:
        """Whether the system still takes new actors."""
        return not self._stopping

    def spawn(
        self,
        actor_class: type[A],
        *args: Any,
        name: str | None = None,
        **kwargs: Any,
    ) -> pykka.ActorRef[A]:
        """Start ``actor_class(*args, **kwargs)`` in this system and return its ref.

        ``name``, when given, must be unique among the system's live actors;
        ``lookup(name)`` then finds it.
        """
        if not (isinstance(actor_class, type) and issubclass(actor_class, pykka.Actor)):
            raise TypeError(f'spawn() takes a pykka.Actor subclass, not {actor_class!r}')
        with self._lock:
            self._check_running()
            if name is not None:
                existing = self._names.get(name)
                if existing is not None and existing.is_alive():
                    raise ActorNameTaken(f'An actor named {name!r} already runs in {self.name}')
            with spawning_in(self):
                ref = actor_class.start(*args, **kwargs)
            self._refs[ref.actor_urn] = ref
            if name is not None:
                self._names[name] = ref
                self._name_of[ref.actor_urn] = name
        return ref

    def lookup(self, name: str) -> pykka.ActorRef[Any]:
        """The live actor registered under ``name``; ``ActorNotFound`` otherwise."""
        ref = self.get(name)
        if ref is None:
            close = difflib.get_close_matches(name, self.names(), n=3)
            hint = f'; close matches: {", ".join(close)}' if close else ''
            raise ActorNotFound(f'No actor named {name!r} in {self.name}{hint}')
        return ref

    def get(self, name: str) -> pykka.ActorRef[Any] | None:
        """The live actor registered under ``name``, or ``None``."""
        ref = self._names.get(name)
        if ref is None or not ref.is_alive():
            return None
        return ref

    def names(self) -> list[str]:
        """Names of the live named actors."""
        with self._lock:
            return [name for name, ref in self._names.items() if ref.is_alive()]

    def actors(self) -> list[pykka.ActorRef[Any]]:
        """Refs of every live actor of this system, oldest first."""
        with self._lock:
            return [ref for ref in self._refs.values() if ref.is_alive()]

    def __len__(self) -> int:
        return len(self._refs)

    def __bool__(self) -> bool:
        # A system with no actors yet is still a system: `system or default` must not skip it.
        return True

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, pykka.ActorRef) and self._refs.get(ref.actor_urn) is ref

    # -- stopping ------------------------------------------------------------

    def stop(self, target: str | pykka.ActorRef[Any], *, timeout: float | None = None) -> bool:
        """Stop one actor, by name or ref, after the messages it already holds.

        Returns ``False`` when it was not running.
        """
        ref = self.lookup(target) if isinstance(target, str) else target
        try:
            stopped = ref.stop(block=True, timeout=timeout)
        except pykka.Timeout:
            raise TimeoutError(f'{ref} did not stop within {timeout} s') from None
        finally:
            self._join_exited_threads(timeout)
        return stopped

    def shutdown(self, *, timeout: float | None = None) -> None:
        """Stop every actor of the system, newest first, and the pool; idempotent.

        Each actor handles the messages it already holds before it stops.
        Raises ``TimeoutError`` if ``timeout`` seconds pass first.
        """
        deadline = deadline_after(timeout)
        with self._lock:
            self._stopping = True
            refs = list(self._refs.values())
        alive = [ref for ref in reversed(refs) if ref.is_alive()]
        if self._pool is not None:
            # Pooled actors stop in bulk: one pass over pykka's registry and
            # one wait for all, instead of a registry scan and a future each.
            from actors.pooled import stop_many  # noqa: PLC0415 - only pooled systems pay

            try:
                stop_many(alive, timeout=remaining(deadline))
            except TimeoutError as error:
                raise TimeoutError(
                    f'{self.name}: actors did not stop within {timeout} s'
                ) from error
        else:
            stops = [ref.stop(block=False) for ref in alive]
            for stop in stops:
                try:
                    stop.get(timeout=remaining(deadline))
                except pykka.Timeout:
                    raise TimeoutError(
                        f'{self.name}: actors did not stop within {timeout} s'
                    ) from None
        self._join_exited_threads(remaining(deadline), all_threads=True)
        pool = self._pool
        if pool is not None:
            pool.shutdown(timeout=remaining(deadline))
        with self._lock:
            self._refs.clear()
            self._names.clear()
            self._name_of.clear()
        self._stopped.set()
        _live_systems.discard(self)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        """Block until ``shutdown`` has finished; ``False`` on timeout."""
        return self._stopped.wait(timeout)

    # -- hooks for actor implementations -------------------------------------

    @property
    def pool(self) -> ActorPool:
        """The thread pool that runs this system's pooled actors (made on first use)."""
        with self._lock:
            if self._pool is None:
                self._check_running()
                from actors.pool import ActorPool  # noqa: PLC0415 - only pooled systems pay

                self._pool = ActorPool(size=self.pool_size, name=self.name)
            return self._pool

    def adopt_threads(self, threads: Iterable[threading.Thread]) -> None:
        """Record threads an actor started, so ``shutdown`` can join them."""
        with self._lock:
            self._threads.extend(threads)

    def forget(self, ref: pykka.ActorRef[Any]) -> None:
        """Called by an actor that has stopped: drop it from the system's tables."""
        with self._lock:
            self._refs.pop(ref.actor_urn, None)
            name = self._name_of.pop(ref.actor_urn, None)
            if name is not None and self._names.get(name) is ref:
                del self._names[name]

    def _join_exited_threads(self, timeout: float | None, *, all_threads: bool = False) -> None:
        deadline = deadline_after(timeout)
        with self._lock:
            threads = list(self._threads)
        current = threading.current_thread()
        for thread in threads:
            if thread is current:
                continue
            if all_threads or not thread.is_alive():
                thread.join(remaining(deadline))
                if thread.is_alive():
                    raise TimeoutError(f'{self.name}: thread {thread.name} did not stop in time')
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]

    def _check_running(self) -> None:
        if self._stopping:
            raise SystemStopped(f'Actor system {self.name} is shut down')


_default_system: ActorSystem | None = None
_default_lock = threading.Lock()


def default_system() -> ActorSystem:
    """The process-wide system used by actors started outside any system's ``spawn``."""
    global _default_system  # noqa: PLW0603 - one lazily made default per process
    with _default_lock:
        if _default_system is None or not _default_system.is_running:
            _default_system = ActorSystem('default')
        return _default_system


@atexit.register
def _shutdown_live_systems() -> None:
    # Actor threads are daemon threads, so the interpreter reaches this hook
    # instead of waiting for them forever; stop them cleanly here.
    for system in list(_live_systems):
        try:
            system.shutdown(timeout=EXIT_TIMEOUT)
        except Exception:
            logger.exception('Could not stop actor system %s at exit', system.name)
