"""The correlator: an actor that gathers reply records, looked up by CID."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pykka

from actors.backends import actor_class_for
from actors.errors import DuplicateCID, ReplyTimeout, UnknownCID
from actors.future import LightFuture
from actors.mailbox import take_queued
from actors.records import ErrorInfo, ReplyRecord
from actors.system import ActorSystem

__all__ = [
    'DEFAULT_MAX_RECORDS',
    'DEFAULT_TTL',
    'CorrelationTable',
    'Correlator',
    'CorrelatorStats',
]

DEFAULT_TTL = 600.0
"""Seconds a reply record is kept after it arrives."""
DEFAULT_MAX_RECORDS = 100_000
"""Records kept at most; beyond it the oldest are evicted."""


@dataclass(frozen=True, slots=True)
class CorrelatorStats:
    """Counts of what the correlator holds and has evicted."""

    records: int
    pending: int
    evicted_expired: int
    evicted_overflow: int

    @property
    def evicted(self) -> int:
        """All records evicted, by age or by count."""
        return self.evicted_expired + self.evicted_overflow


class CorrelationTable:
    """The correlator's state: pending CIDs and reply records, bounded in memory.

    Thread-safe. Records are kept in arrival order, so the oldest is always
    first: expiry (``ttl`` seconds after arrival) and eviction beyond
    ``max_records`` pop from the front, O(1) per record, never scanning.
    """

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL,
        max_records: int = DEFAULT_MAX_RECORDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl > 0:
            raise ValueError(f'ttl must be a positive number of seconds, not {ttl!r}')
        if not (isinstance(max_records, int) and max_records > 0):
            raise ValueError(f'max_records must be a positive int, not {max_records!r}')
        self.ttl = ttl
        self.max_records = max_records
        self._clock = clock
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: dict[str, str] = {}
        """Service name by pending CID."""
        self._waiters: dict[str, list[LightFuture[ReplyRecord]]] = {}
        self._records: OrderedDict[str, tuple[float, ReplyRecord]] = OrderedDict()
        self._evicted_expired = 0
        self._evicted_overflow = 0

    def expect(self, cid: str, service: str) -> None:
        """Register ``cid`` as in flight, so ``poll`` reports it pending."""
        with self._lock:
            if cid in self._pending or cid in self._records:
                raise DuplicateCID(f'CID {cid} is already in use (service {service!r})')
            self._pending[cid] = service

    def expect_new(self, cid: str, service: str) -> None:
        """``expect`` for a CID just made by ``new_cid()``, which no one can have used.

        One dict store, atomic under the GIL: this runs for every
        asynchronous invocation, and its record can only arrive after it.
        """
        self._pending[cid] = service

    def discard(self, cid: str) -> None:
        """Forget a pending ``cid`` whose invocation was never sent."""
        with self._lock:
            self._pending.pop(cid, None)
            if not self._pending:
                self._idle.notify_all()

    def store(self, records: Iterable[ReplyRecord]) -> None:
        """Keep ``records`` and wake whoever waits for them."""
        woken: list[tuple[LightFuture[ReplyRecord], ReplyRecord]] = []
        with self._lock:
            now = self._clock()
            expires = now + self.ttl
            pending, waiters, stored = self._pending, self._waiters, self._records
            for record in records:
                cid = record.cid
                pending.pop(cid, None)
                if waiters and cid in waiters:
                    woken.extend((waiter, record) for waiter in waiters.pop(cid))
                stored.pop(cid, None)  # a repeated reply moves to the end, as the newest
                stored[cid] = (expires, record)
            self._evict(now)
            if not self._pending:
                self._idle.notify_all()
        for waiter, record in woken:
            waiter.set(record)

    def _evict(self, now: float) -> None:
        records = self._records
        while len(records) > self.max_records:
            records.popitem(last=False)
            self._evicted_overflow += 1
        while records:
            expires, _ = records[next(iter(records))]
            if expires > now:
                break
            records.popitem(last=False)
            self._evicted_expired += 1

    def poll(self, cid: str) -> ReplyRecord | None:
        """The record for ``cid``, or ``None`` while it is pending."""
        with self._lock:
            self._evict(self._clock())
            entry = self._records.get(cid)
            if entry is not None:
                return entry[1]
            if cid in self._pending:
                return None
        raise UnknownCID(f'Unknown CID {cid}: never issued here, or its reply has expired')

    def wait(self, cid: str, timeout: float | None = None) -> ReplyRecord:
        """Block until the record for ``cid`` arrives; ``ReplyTimeout`` after ``timeout`` s."""
        with self._lock:
            entry = self._records.get(cid)
            if entry is not None:
                return entry[1]
            service = self._pending.get(cid)
            if service is None:
                raise UnknownCID(f'Unknown CID {cid}: never issued here, or its reply has expired')
            waiter: LightFuture[ReplyRecord] = LightFuture()
            self._waiters.setdefault(cid, []).append(waiter)
        try:
            return waiter.get(timeout=timeout)
        except pykka.Timeout:
            with self._lock:
                waiting = self._waiters.get(cid)
                if waiting is not None and waiter in waiting:
                    waiting.remove(waiter)
                    if not waiting:
                        del self._waiters[cid]
            if waiter.done():
                return waiter.get()
            raise ReplyTimeout(cid, timeout, service) from None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no CID is pending; ``False`` if ``timeout`` passed first."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def pending(self) -> dict[str, str]:
        """The pending CIDs, each with its service name."""
        with self._lock:
            return dict(self._pending)

    def fail_pending(self, reason: str, error_type: str = 'Cancelled') -> list[str]:
        """Record every pending CID as failed with ``reason``; returns their CIDs."""
        now = time.time()
        records = [
            ReplyRecord(
                cid=cid,
                service=service,
                ok=False,
                error=ErrorInfo(type=error_type, message=reason, traceback=''),
                started=now,
                finished=now,
            )
            for cid, service in self.pending().items()
        ]
        self.store(records)
        return [record.cid for record in records]

    def stats(self) -> CorrelatorStats:
        """What is held now and what has been evicted so far."""
        with self._lock:
            return CorrelatorStats(
                records=len(self._records),
                pending=len(self._pending),
                evicted_expired=self._evicted_expired,
                evicted_overflow=self._evicted_overflow,
            )

    def __len__(self) -> int:
        return len(self._records)


class CorrelatorBehaviour(pykka.Actor):
    """The correlator actor: stores every reply record it is told."""

    def __init__(self, table: CorrelationTable) -> None:
        super().__init__()
        self.table = table

    def on_receive(self, message: Any) -> Any:
        """Store a ``ReplyRecord`` or a list of them."""
        if isinstance(message, ReplyRecord):
            self.table.store((message,))
        elif isinstance(message, list):
            self.table.store(message)
        else:
            return super().on_receive(message)
        return None

    def _actor_loop_teardown(self) -> None:
        # Records told to the correlator while it was stopping would be
        # dropped by pykka with the rest of the mailbox: keep them.
        for message in take_queued(self.actor_inbox, _is_records):
            self.on_receive(message)
        super()._actor_loop_teardown()


def _is_records(message: Any) -> bool:
    return isinstance(message, ReplyRecord | list)


class Correlator:
    """Handle to a correlator actor and its table of replies.

    Services tell it their reply records (``deliver``); the application looks
    replies up by CID with ``wait`` (blocking, with a timeout) or ``poll``.
    A CID is known from the moment ``expect`` registers it, so ``poll`` says
    pending (``None``), never unknown, for work in flight.
    """

    def __init__(
        self,
        system: ActorSystem,
        *,
        backend: str = 'thread',
        ttl: float = DEFAULT_TTL,
        max_records: int = DEFAULT_MAX_RECORDS,
        name: str = 'correlator',
    ) -> None:
        self.table = CorrelationTable(ttl=ttl, max_records=max_records)
        self.backend = backend
        actor_class = actor_class_for(CorrelatorBehaviour, backend)
        self.ref: pykka.ActorRef[Any] = system.spawn(actor_class, self.table, name=name)

    def __repr__(self) -> str:
        stats = self.table.stats()
        return f'<Correlator {stats.records} records, {stats.pending} pending>'

    def expect(self, cid: str, service: str, *, new: bool = False) -> None:
        """Register ``cid`` as in flight for ``service``.

        ``new=True`` says the CID was just made by ``new_cid()``, which skips
        the check for duplicates.
        """
        if new:
            self.table.expect_new(cid, service)
        else:
            self.table.expect(cid, service)

    def deliver(self, records: ReplyRecord | list[ReplyRecord]) -> None:
        """Send one record or a batch to the correlator actor.

        Once the actor has stopped, records go straight into the table: a
        reply is never dropped.
        """
        try:
            self.ref.tell(records)
        except pykka.ActorDeadError:
            self.table.store([records] if isinstance(records, ReplyRecord) else records)

    def wait(self, cid: str, timeout: float | None = None) -> ReplyRecord:
        """Block until the reply for ``cid`` arrives and return its record.

        Raises ``ReplyTimeout`` (a ``TimeoutError``) naming the CID when
        ``timeout`` seconds pass first, and ``UnknownCID`` for a CID never
        issued or already expired.
        """
        return self.table.wait(cid, timeout)

    def poll(self, cid: str) -> ReplyRecord | None:
        """The reply record for ``cid``, or ``None`` while it is pending."""
        return self.table.poll(cid)

    def stats(self) -> CorrelatorStats:
        """Records held, pending CIDs, and evictions so far."""
        return self.table.stats()

    @property
    def evicted(self) -> int:
        """Records evicted so far, by age or by count."""
        return self.table.stats().evicted

    def __len__(self) -> int:
        return len(self.table)
