"""``PooledActor``: a pykka actor with no thread of its own, run by its system's pool.

The actor's mailbox does the scheduling. When a message arrives in an empty
mailbox, the mailbox submits itself to the pool of the actor's system
(``actors.pool.ActorPool``); a pool thread then handles up to ``throughput``
messages and either leaves (mailbox empty) or queues the actor again behind
the other runnable actors (fairness). With ``workers = 1`` (the default) at
most one thread runs the actor at a time; ``workers = N`` lets up to N pool
threads handle its messages at once, dequeued in arrival order.

Everything else is pykka's: ``on_receive``, ``on_start``/``on_stop``/
``on_failure``, ``ask``/``tell``, proxies, futures and the ``ActorRegistry``
work as they do on a ``pykka.ThreadingActor``.

What makes an actor cheap (a bare pykka actor costs about 2.4 KB; a pooled
one about 530 bytes):

- one small mailbox object is the actor's inbox *and* its ``actor_stopped``
  flag (``is_set``/``set``/``wait``, like a ``threading.Event``); it holds
  one pending message itself and makes a deque only for two or more; a tell
  is queued as the bare message, without an envelope; mailboxes share a set
  of locks;
- the ref (a ``pykka.ActorRef`` subclass) needs no weak reference object;
- the URN is a UUID4 made from a random per-process prefix and a counter,
  not from ``os.urandom`` per actor;
- the actor leaves pykka's registry list from its tail in O(1) when actors
  stop newest first (as ``ActorSystem.shutdown`` and
  ``ActorRegistry.stop_all`` do); ``unregister_many`` removes many in one
  pass and ``stop_many`` stops many at once.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self, TypeVar, cast

import pykka
from pykka import ActorDeadError, ActorRef, ActorRegistry
from pykka._envelope import Envelope
from pykka.messages import ProxyCall, ProxyGetAttr, ProxySetAttr, _ActorStop

from actors.blocking import blocking
from actors.context import spawning_system
from actors.deadlines import deadline_after, remaining
from actors.future import LightFuture
from actors.pool import PoolStopped
from actors.registry import new_urn, remove_from_registry, unregister
from actors.settings import check_count
from actors.system import default_system

if TYPE_CHECKING:
    from types import TracebackType

    from pykka._actor import ActorInbox

    from actors.pool import ActorPool
    from actors.system import ActorSystem

__all__ = ['PooledActor', 'stop_many', 'unregister_many']

A = TypeVar('A', bound=pykka.Actor)

logger = logging.getLogger('actors')
# pykka's own logger: pooled actors log what pykka's actor loop logs, word for word.
pykka_logger = logging.getLogger('pykka')

_PYKKA_MESSAGES: Final = (_ActorStop, ProxyCall, ProxyGetAttr, ProxySetAttr)
"""The messages pykka's ``Actor._handle_receive`` handles itself; the rest go to ``on_receive``."""


_IN_REGISTRY: Final = 1
_IN_SYSTEM: Final = 2
"""Bits of ``_Mailbox.tracked``: where a stopping actor must still remove itself from."""

_LOCK_STRIPES: Final = 4096
# Mailboxes share these locks round robin: a lock per actor would cost 56 bytes
# and one more object for the garbage collector to visit. A mailbox never
# takes a lock while holding one, so sharing cannot deadlock.
_locks = tuple(threading.Lock() for _ in range(_LOCK_STRIPES))
_lock_numbers = itertools.count()


# -- the registry ------------------------------------------------------------


def unregister_many(refs: Iterable[ActorRef[Any]]) -> int:
    """Remove many refs from pykka's ``ActorRegistry`` in one pass; returns how many.

    ``ActorRegistry.unregister`` is linear in the number of registered
    actors, so stopping a million actors one by one in an arbitrary order is
    quadratic. Call this first (e.g. before stopping all of a system's
    actors): pooled actors whose refs it removed skip the registry when they
    stop.
    """
    refs = list(refs)
    removed = remove_from_registry(refs)
    for ref in refs:
        inbox = ref.actor_inbox
        if isinstance(inbox, _Mailbox):
            inbox.tracked &= ~_IN_REGISTRY
    return removed


class _Countdown:
    """The reply-to of many stop messages at once: counts the replies, wakes the waiter."""

    __slots__ = ('done', 'left', 'lock')

    def __init__(self, count: int) -> None:
        self.lock = threading.Lock()
        self.left = count
        self.done = threading.Event()
        if count == 0:
            self.done.set()

    def set(self, value: Any = None) -> None:
        """One actor has stopped."""
        with self.lock:
            self.left -= 1
            last = self.left == 0
        if last:
            self.done.set()

    def set_exception(self, exc_info: Any = None) -> None:
        """One actor was stopped already."""
        self.set()


def stop_many(refs: Iterable[ActorRef[Any]], *, timeout: float | None = None) -> None:
    """Stop many actors, each after the messages it already holds, and wait for all.

    The stops are queued in the order given. Pooled actors take a faster path
    than ``ref.stop()`` one by one: they leave pykka's registry in one pass
    (``unregister_many``) and their systems' tables from this thread, get one
    shared stop message each and no futures, and one wait covers them all.
    Other actors are stopped with ``ref.stop(block=False)``. Raises
    ``TimeoutError`` naming how many are still running after ``timeout`` s.
    """
    refs = list(refs)
    pooled = [ref for ref in refs if isinstance(ref.actor_inbox, _Mailbox)]
    unregister_many(pooled)
    members = _take_system_membership(pooled)
    countdown = _Countdown(len(pooled))
    stop = _ActorStop()
    others: list[pykka.Future[bool]] = []
    for ref in refs:
        if isinstance(ref.actor_inbox, _Mailbox):
            ref.actor_inbox.put(Envelope(stop, reply_to=countdown))  # type: ignore[arg-type]
        else:
            others.append(ref.stop(block=False))
    deadline = deadline_after(timeout)
    with blocking():
        finished = countdown.done.wait(timeout)
    _forget_stopped(members)
    if not finished:
        raise TimeoutError(f'{countdown.left} pooled actor(s) still running after {timeout} s')
    for future in others:
        try:
            future.get(timeout=remaining(deadline))
        except pykka.Timeout:
            left = sum(1 for ref in refs if ref.is_alive())
            raise TimeoutError(f'{left} actor(s) still running after {timeout} s') from None


def _take_system_membership(
    refs: list[ActorRef[Any]],
) -> dict[ActorSystem, list[ActorRef[Any]]]:
    """Pooled actors about to stop, by system; they leave it to ``_forget_stopped``.

    One thread forgetting them all is much cheaper than each stopping actor
    doing it on a pool thread: those would contend for the system's lock.
    """
    members: dict[ActorSystem, list[ActorRef[Any]]] = {}
    for ref in refs:
        mailbox = cast('_Mailbox', ref.actor_inbox)
        actor = mailbox.actor
        if actor is not None:
            mailbox.tracked &= ~_IN_SYSTEM
            members.setdefault(actor._system, []).append(ref)
    return members


def _forget_stopped(members: dict[ActorSystem, list[ActorRef[Any]]]) -> None:
    for system, refs in members.items():
        if not system.is_running:  # a system shutting down clears its tables in one go
            continue
        for ref in refs:
            if ref.is_alive():  # not stopped in time: it forgets itself when it does
                cast('_Mailbox', ref.actor_inbox).tracked |= _IN_SYSTEM
            if not ref.is_alive():
                system.forget(ref)


# -- the mailbox -------------------------------------------------------------


def _dead(actor_ref: object, why: str = 'stopped before handling the message') -> ActorDeadError:
    return ActorDeadError(f'{actor_ref} {why}')


def _message(item: Any) -> Any:
    """The message of a mailbox item (an ``Envelope``, or a bare told message)."""
    return item.message if type(item) is Envelope else item


def _reply_to(item: Any) -> pykka.Future[Any] | None:
    """Where a mailbox item's reply goes; ``None`` for a tell."""
    return item.reply_to if type(item) is Envelope else None


class _Mailbox:
    """A pooled actor's inbox, its run state on the pool, and its ``actor_stopped`` flag.

    ``running`` counts the pool tasks scheduled or running for the actor (at
    most ``workers``); the mailbox submits itself to the pool whenever a
    message arrives and fewer than that many are. All state changes happen
    under ``lock``; messages are handled outside it.
    """

    __slots__ = (
        'actor',
        'closing',
        'lock',
        'pool',
        'queue',
        'ref',
        'running',
        'started',
        'stopped',
        'tracked',
        'waiter',
        'workers',
    )

    def __init__(self, actor: PooledActor, pool: ActorPool, workers: int) -> None:
        self.actor: PooledActor | None = actor
        self.ref: ActorRef[Any] | None = None  # set once the ref exists
        self.pool = pool
        self.lock = _locks[next(_lock_numbers) % _LOCK_STRIPES]
        # None, one item, or a deque of two or more: most mailboxes hold at
        # most one message, and a deque costs 760 bytes. An item is an
        # Envelope (an ask, a stop) or, for a tell, the bare message: see tell().
        self.queue: Any = None
        self.workers = workers
        # One run is reserved for the start: nothing is dispatched before on_start.
        self.running = 1
        self.started = False
        self.stopped = False
        # The stop message, held until the actor's other in-flight messages finish.
        self.closing: Any = None
        # What a stopping actor still has to leave: pykka's registry, its system's tables.
        self.tracked = _IN_REGISTRY | _IN_SYSTEM
        self.waiter: threading.Event | None = None

    def __repr__(self) -> str:
        state = 'stopped' if self.stopped else 'running' if self.started else 'starting'
        queued = self._count()
        return f'<mailbox of {self.actor}: {state}, {queued} queued, {self.running} runs>'

    # -- the inbox (pykka's ActorInbox) -------------------------------------

    def put(self, envelope: Envelope[Any], /) -> None:
        """Queue ``envelope``; schedule the actor if it is idle."""
        self._enqueue(envelope)

    def _enqueue(self, item: Any) -> None:
        """Queue an item (an ``Envelope``, or a bare told message: see ``_PooledRef.tell``)."""
        with self.lock:
            if self.stopped:
                dead = True
            else:
                dead = False
                # The queue's shapes (see __init__); every message comes through here.
                queue = self.queue
                if queue is None:
                    self.queue = item
                elif isinstance(queue, deque):
                    queue.append(item)
                else:
                    self.queue = deque((queue, item))
                schedule = self.started and self.running < self.workers and self.closing is None
                if schedule:
                    self.running += 1
        if dead:
            self._reject(item)
        elif schedule:
            try:
                self.pool.submit(self)
            except PoolStopped as exc:
                self.abandon(str(exc))
                if _reply_to(item) is None:
                    raise _dead(self._name(), 'cannot run: its thread pool is shut down') from exc

    def get(self) -> Envelope[Any]:
        """The oldest queued envelope (pykka's inbox protocol; the pool dequeues by itself)."""
        with self.lock:
            item = self._pop()
        if item is None:
            raise IndexError(f'{self._name()}: get() from an empty mailbox')
        return item if type(item) is Envelope else Envelope(item)

    def empty(self) -> bool:
        """Whether no message is queued."""
        return self.queue is None

    # The queue's three shapes; called with the lock held.

    def _pop(self) -> Any:
        queue = self.queue
        if isinstance(queue, deque):
            item = queue.popleft()  # a deque in the mailbox is never empty
            if not queue:
                self.queue = None
            return item
        self.queue = None
        return queue

    def _count(self) -> int:
        queue = self.queue
        if queue is None:
            return 0
        return len(queue) if isinstance(queue, deque) else 1

    def _take_all(self) -> list[Any]:
        queue, self.queue = self.queue, None
        if queue is None:
            return []
        return list(queue) if isinstance(queue, deque) else [queue]

    def _reject(self, item: Any) -> None:
        # A message that reached a stopped actor: an ask fails, a tell raises as pykka's does.
        reply_to = _reply_to(item)
        if reply_to is None:
            raise _dead(self._name(), 'not found')
        # A stop finds the actor already dead: ActorRef.stop() then returns False.
        reply_to.set_exception(exc_info=(ActorDeadError, _dead(self._name()), None))

    def _name(self) -> str:
        return str(self.ref)

    # -- actor_stopped (threading.Event's interface) -------------------------

    def is_set(self) -> bool:
        """Whether the actor has stopped."""
        return self.stopped

    def set(self) -> None:
        """Mark the actor stopped: it handles no further message."""
        with self.lock:
            self.stopped = True
            waiter = self.waiter
        if waiter is not None:
            waiter.set()

    def clear(self) -> None:
        """Not supported: an actor cannot be restarted (as in pykka)."""
        raise RuntimeError(f'{self._name()}: a stopped actor cannot be restarted')

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the actor has stopped; ``False`` if ``timeout`` passes first."""
        with self.lock:
            if self.stopped:
                return True
            if self.waiter is None:
                self.waiter = threading.Event()
            waiter = self.waiter
        with blocking():
            return waiter.wait(timeout)

    # -- running on the pool -------------------------------------------------

    def open(self) -> None:
        """Start without an ``on_start`` to run: messages may be dispatched at once."""
        with self.lock:
            self.started = True
            self.running = min(self._count(), self.workers)
            runs = self.running
        for _ in range(runs):
            self._submit()

    def _submit(self) -> bool:
        """Queue the actor on its pool; ``False`` if the pool is shut down."""
        try:
            self.pool.submit(self)
        except PoolStopped as exc:
            self.abandon(str(exc))
            return False
        return True

    def abandon(self, reason: str) -> None:
        """The pool cannot run the actor any more: stop it and fail what it holds."""
        actor = self.actor
        if actor is None:
            return
        if not self.stopped:
            logger.error('%s stopped without handling its messages: %s', actor, reason)
            actor._unregister_and_forget()
            self.set()
        with self.lock:
            self.running = 0
        self._teardown(f'stopped: {reason}')

    def run(self) -> None:  # noqa: PLR0912 - the hot path, inlined on purpose
        """Handle messages on the calling pool thread until empty or out of turns."""
        actor = self.actor
        if actor is None:
            return
        if not self.started:
            self._start(actor)
        handle = actor._handle_message
        lock = self.lock
        many = self.workers > 1
        for _ in range(actor.throughput):
            with lock:
                if self.stopped or self.closing is not None:
                    break
                # self._pop(), inlined: this loop is the pool's hot path.
                queue = self.queue
                if queue is None:
                    self.running -= 1
                    return
                if isinstance(queue, deque):
                    item = queue.popleft()
                    if not queue:
                        self.queue = None
                else:
                    item = queue
                    self.queue = None
                if many and isinstance(_message(item), _ActorStop):
                    self.closing = item  # handled once the other runs are out
                    break
            if type(item) is Envelope:
                handle(item.message, item.reply_to)
            else:
                handle(item, None)
        else:
            # Out of turns: queue up again behind the other runnable actors.
            self._submit()
            return
        with lock:
            last = self._leave()
        if last is not None:
            self._finish(actor, last)

    def _start(self, actor: PooledActor) -> None:
        try:
            actor._actor_loop_setup()  # on_start; an Exception stops the actor, as in pykka
        except BaseException:  # noqa: BLE001 - e.g. SystemExit: the actor cannot go on either
            actor._handle_failure(*sys.exc_info())
        with self.lock:
            self.started = True
            # workers > 1: the messages that came in during on_start get their runs now.
            extra = min(self.workers - self.running, self._count() - 1)
            extra = max(extra, 0)
            self.running += extra
        for _ in range(extra):
            self._submit()

    def _leave(self) -> Any:
        """A run ends because the actor stops (lock held).

        Returns what the last run out must do: handle the held stop message
        (a queue item), tear down (``True``), or nothing (``None``).
        """
        self.running -= 1
        if self.running > 0:
            return None
        closing = self.closing
        if closing is not None and not self.stopped:
            self.closing = None
            # All runs "taken" while the stop is handled: no message may start beside it.
            self.running = self.workers
            return closing
        return True

    def _finish(self, actor: PooledActor, stop: Any) -> None:
        if stop is not True:
            actor._handle_message(_message(stop), _reply_to(stop))
            with self.lock:
                self.running = 0
        try:
            # pykka's hook, as its actor loop calls it: a subclass may rescue
            # what is still queued before the rest is failed.
            actor._actor_loop_teardown()
        except Exception:
            logger.exception('%s: _actor_loop_teardown failed', actor)
        self._teardown('stopped before handling the message')

    def _teardown(self, why: str) -> None:
        """Fail every message still queued, as pykka's actor loop does when it ends."""
        with self.lock:
            leftovers = self._take_all()
            closing, self.closing = self.closing, None
            self.actor = None  # as a thread actor's object goes with its thread
        if closing is not None:
            leftovers.insert(0, closing)
        if not leftovers:
            return
        name = self._name()
        for item in leftovers:
            reply_to = _reply_to(item)
            if reply_to is None:
                continue
            if isinstance(_message(item), _ActorStop):
                reply_to.set(None)
            else:
                reply_to.set_exception(exc_info=(ActorDeadError, _dead(name, why), None))


# -- the actor ---------------------------------------------------------------


def _check_settings(cls: type[PooledActor]) -> None:
    check_count(cls, 'workers')
    check_count(cls, 'throughput')


class _PooledRef(ActorRef[A]):
    """pykka's ``ActorRef``, less its weak reference object: the mailbox holds the actor."""

    actor_inbox: _Mailbox  # narrower than pykka's ActorInbox: a PooledActor's mailbox

    def __init__(self, actor: A, mailbox: _Mailbox) -> None:
        # ActorRef.__init__ is not called: it makes a weakref object per actor.
        self.actor_class = type(actor)
        self.actor_urn = actor.actor_urn
        self.actor_inbox = mailbox
        self.actor_stopped = cast('threading.Event', mailbox)

    def _actor_weakref(self) -> A | None:  # type: ignore[override]
        # What pykka's ActorProxy calls: the actor, or None once it has stopped.
        return cast('A | None', self.actor_inbox.actor)

    def is_alive(self) -> bool:
        """Whether the actor has not stopped (see ``pykka.ActorRef.is_alive``)."""
        return not self.actor_inbox.stopped

    def tell(self, message: Any) -> None:
        """Send ``message`` without waiting (see ``pykka.ActorRef.tell``)."""
        # pykka's, reading the mailbox directly: tell is the hot path. The bare
        # message is queued unless it could be taken for a queue shape or an
        # envelope: one object less per tell, less work for the collector.
        mailbox = self.actor_inbox
        if mailbox.stopped:
            raise ActorDeadError(f'{self} not found')
        if message is None or type(message) is Envelope or isinstance(message, deque):
            message = Envelope(message)
        mailbox._enqueue(message)


class PooledActor(pykka.Actor):
    """A pykka actor run by its actor system's shared thread pool.

    Start it like any pykka actor (``MyActor.start()``, or
    ``system.spawn(MyActor)``); it runs on the pool of the system spawning it,
    or of ``actors.default_system()`` when started outside a system.

    - ``throughput``: messages handled per turn on a pool thread before the
      actor queues up again behind other runnable actors.
    - ``workers``: how many pool threads may handle its messages at once
      (default 1: one at a time, in arrival order). ``on_start`` runs before
      any message; ``on_stop`` after every message that arrived before the
      stop.

    A handler may block (``ask``, ``Future.get``, ``time.sleep``): the pool
    lends a thread meanwhile, at once for postroom waits, within about
    ``ActorPool.stall_interval`` seconds for other waits.
    """

    throughput: ClassVar[int] = 8
    workers: ClassVar[int] = 1

    _system: ActorSystem

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        # pykka.Actor.__init__ is not called on purpose: it makes a uuid4 (an
        # os.urandom call), a threading.Event and a queue per actor. This sets
        # the same attributes, lighter.
        workers, throughput = self.workers, self.throughput
        if type(workers) is not int or workers < 1 or type(throughput) is not int or throughput < 1:
            _check_settings(type(self))
        system = spawning_system()
        if system is None:
            system = default_system()
        self._system = system
        self.actor_urn = new_urn()
        mailbox = _Mailbox(self, system.pool, workers)
        self.actor_inbox = mailbox
        # The mailbox is also the stopped flag: is_set/set/wait, as a threading.Event.
        self.actor_stopped = cast('threading.Event', mailbox)
        self._actor_ref = mailbox.ref = _PooledRef(self, mailbox)

    @classmethod
    def start(cls, *args: Any, **kwargs: Any) -> ActorRef[Self]:
        """Start an actor on the pool and register it (see ``pykka.Actor.start``)."""
        obj = cls(*args, **kwargs)
        assert obj.actor_ref is not None, (
            'Actor.__init__() have not been called. '
            'Did you forget to call super() in your override?'
        )
        # pykka formats its debug messages even when nobody listens: skip that cost.
        with ActorRegistry._actor_refs_lock:
            ActorRegistry._actor_refs.append(obj.actor_ref)
        if pykka_logger.isEnabledFor(logging.DEBUG):
            pykka_logger.debug('Registered %s', obj.actor_ref)
            pykka_logger.debug('Starting %s', obj)
        obj._start_actor_loop()
        return obj.actor_ref

    @staticmethod
    def _create_actor_inbox() -> ActorInbox:
        raise TypeError('A PooledActor makes its mailbox in __init__: it needs the actor')

    @staticmethod
    def _create_future() -> pykka.Future[Any]:
        return LightFuture()

    @property
    def pool(self) -> ActorPool:
        """The pool that runs this actor."""
        return self._mailbox.pool

    @property
    def _mailbox(self) -> _Mailbox:
        return cast('_Mailbox', self.actor_inbox)

    def _start_actor_loop(self) -> None:
        mailbox = cast('_Mailbox', self.actor_inbox)
        cls = type(self)
        if cls.on_start is pykka.Actor.on_start and (
            cls._actor_loop_setup is PooledActor._actor_loop_setup
        ):
            mailbox.open()  # nothing to run before the first message
        else:
            mailbox._submit()  # the reserved first run calls on_start

    def _actor_loop(self) -> None:
        raise TypeError('A PooledActor has no loop of its own: its pool runs it')

    def _handle_receive(self, message: Any) -> Any:
        # pykka tests a message against its four internal types one by one;
        # one isinstance() over all four sends plain messages on sooner.
        if isinstance(message, _PYKKA_MESSAGES):
            return super()._handle_receive(message)
        return self.on_receive(message)

    def _handle_message(self, message: Any, reply_to: pykka.Future[Any] | None) -> None:
        """Handle one message as pykka's actor loop does (``reply_to`` is ``None`` for a tell)."""
        try:
            response = self._handle_receive(message)
            if reply_to is not None:
                reply_to.set(response)
        except Exception:
            if reply_to is not None:
                pykka_logger.info(
                    'Exception returned from %s to caller:', self, exc_info=sys.exc_info()
                )
                reply_to.set_exception()
            else:
                self._handle_failure(*sys.exc_info())
                try:
                    self.on_failure(*sys.exc_info())
                except Exception:  # noqa: BLE001 - logged and stops the actor, as in pykka
                    self._handle_failure(*sys.exc_info())
        except BaseException:  # noqa: BLE001 - pykka stops every actor, and so do we
            pykka_logger.debug('%r in %s. Stopping all actors.', sys.exc_info()[1], self)
            self._stop()
            ActorRegistry.stop_all()

    def _stop(self) -> None:
        """Stop at once, without handling the rest of the mailbox."""
        self._unregister_and_forget()
        self.actor_stopped.set()
        pykka_logger.debug('Stopped %s', self)
        try:
            self.on_stop()
        except Exception:  # noqa: BLE001 - logged and stops the actor, as in pykka
            self._handle_failure(*sys.exc_info())

    def _handle_failure(
        self,
        exception_type: type[BaseException] | None,
        exception_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Log an unexpected failure; unregister and stop the actor."""
        pykka_logger.error(
            'Unhandled exception in %s:',
            self,
            exc_info=(exception_type, exception_value, traceback),  # type: ignore[arg-type]
        )
        self._unregister_and_forget()
        self.actor_stopped.set()

    def _unregister_and_forget(self) -> None:
        mailbox = self._mailbox
        tracked, mailbox.tracked = mailbox.tracked, 0
        if tracked & _IN_REGISTRY:
            unregister(self.actor_ref)
        if not tracked & _IN_SYSTEM:
            return
        system = self._system
        if system.is_running:  # a system shutting down clears its tables in one go
            system.forget(self.actor_ref)
