from __future__ import annotations

import threading

import pytest

from actors import (
    ActorSystem,
    CorrelationTable,
    Correlator,
    DuplicateCID,
    ErrorInfo,
    InvocationFailed,
    ReplyRecord,
    ReplyTimeout,
    UnknownCID,
    new_cid,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(cid: str, *, ok: bool = True, response: object = None) -> ReplyRecord:
    return ReplyRecord(cid=cid, service='svc', ok=ok, response=response)


def test_poll_says_pending_then_returns_the_record() -> None:
    table = CorrelationTable()
    table.expect('c1', 'svc')
    assert table.poll('c1') is None
    table.store([record('c1', response={'a': 1})])
    reply = table.poll('c1')
    assert reply is not None
    assert reply.response == {'a': 1}


def test_unknown_cid_is_an_error_not_an_endless_wait() -> None:
    table = CorrelationTable()
    with pytest.raises(UnknownCID, match='Unknown CID nope'):
        table.poll('nope')
    with pytest.raises(UnknownCID, match='nope'):
        table.wait('nope', timeout=None)


def test_wait_blocks_until_the_record_arrives() -> None:
    table = CorrelationTable()
    table.expect('c1', 'svc')
    waiting = threading.Event()
    got: list[ReplyRecord] = []

    def waiter() -> None:
        waiting.set()
        got.append(table.wait('c1', timeout=10))

    thread = threading.Thread(target=waiter)
    thread.start()
    waiting.wait(5)
    table.store([record('c1', response='done')])
    thread.join(10)
    assert [r.response for r in got] == ['done']


def test_wait_timeout_names_the_cid_and_is_a_timeout_error() -> None:
    table = CorrelationTable()
    table.expect('c1', 'crm.get')
    with pytest.raises(ReplyTimeout, match="service 'crm.get' for cid c1 within 0.01 s") as info:
        table.wait('c1', timeout=0.01)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, Exception)
    table.store([record('c1')])
    assert table.wait('c1', timeout=0).ok


def test_duplicate_cid_is_rejected() -> None:
    table = CorrelationTable()
    table.expect('c1', 'svc')
    with pytest.raises(DuplicateCID, match='c1'):
        table.expect('c1', 'svc')


def test_records_beyond_max_are_evicted_oldest_first_and_counted() -> None:
    table = CorrelationTable(max_records=3)
    for i in range(5):
        table.expect(f'c{i}', 'svc')
        table.store([record(f'c{i}')])
    assert len(table) == 3
    assert table.stats().evicted_overflow == 2
    with pytest.raises(UnknownCID):
        table.poll('c0')
    assert table.poll('c4') is not None


def test_records_expire_after_ttl() -> None:
    clock = Clock()
    table = CorrelationTable(ttl=10, clock=clock)
    table.expect('old', 'svc')
    table.store([record('old')])
    clock.now += 5
    table.expect('new', 'svc')
    table.store([record('new')])
    clock.now += 6  # 'old' is 11 s old, 'new' 6 s
    assert table.poll('new') is not None
    with pytest.raises(UnknownCID, match='expired'):
        table.poll('old')
    stats = table.stats()
    assert (stats.records, stats.evicted_expired, stats.evicted) == (1, 1, 1)


def test_pending_records_are_never_evicted() -> None:
    table = CorrelationTable(max_records=1)
    table.expect('pending', 'svc')
    for i in range(3):
        table.expect(f'c{i}', 'svc')
        table.store([record(f'c{i}')])
    assert table.poll('pending') is None


def test_fail_pending_records_a_reason_for_each() -> None:
    table = CorrelationTable()
    table.expect('a', 'svc')
    table.expect('b', 'svc')
    assert sorted(table.fail_pending('shut down')) == ['a', 'b']
    reply = table.poll('a')
    assert reply is not None
    assert not reply.ok
    assert reply.error == ErrorInfo(type='Cancelled', message='shut down', traceback='')
    assert table.wait_idle(timeout=0)


@pytest.mark.parametrize('bad', [{'ttl': 0}, {'ttl': -1}, {'max_records': 0}])
def test_bad_bounds_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match='must be a positive'):
        CorrelationTable(**bad)  # type: ignore[arg-type]


def test_failed_record_result_raises_invocation_failed() -> None:
    failed = ReplyRecord(
        cid='c', service='svc', ok=False, error=ErrorInfo('ValueError', 'bad', 'tb')
    )
    with pytest.raises(InvocationFailed, match="Service 'svc' failed \\(cid c\\): ValueError: bad"):
        failed.result()
    assert record('d', response=5).result() == 5


def test_correlator_actor_gathers_records_told_to_it(backend: str) -> None:
    with ActorSystem() as system:
        correlator = Correlator(system, backend=backend)
        assert correlator.backend == backend
        cids = [new_cid() for _ in range(10)]
        for cid in cids:
            correlator.expect(cid, 'svc')
        correlator.deliver([record(cid) for cid in cids[:5]])
        for cid in cids[5:]:
            correlator.deliver(record(cid))
        assert all(correlator.wait(cid, timeout=5).ok for cid in cids)
        assert correlator.stats().pending == 0


def test_records_delivered_after_the_correlator_stopped_are_kept(backend: str) -> None:
    with ActorSystem() as system:
        correlator = Correlator(system, backend=backend)
        correlator.expect('late', 'svc')
        correlator.ref.stop(timeout=5)
        correlator.deliver(record('late'))
        assert correlator.poll('late') is not None


def test_records_told_while_the_correlator_stops_are_kept(backend: str) -> None:
    # A stop waits behind a batch the actor is storing; a record told after
    # the stop was queued would be dropped by pykka's teardown.
    with ActorSystem() as system:
        correlator = Correlator(system, backend=backend)
        table = correlator.table
        entered = threading.Event()
        release = threading.Event()
        store = table.store

        def slow_store(records: object) -> None:
            entered.set()
            release.wait(10)
            store(records)  # type: ignore[arg-type]

        table.store = slow_store  # type: ignore[method-assign]
        correlator.expect('first', 'svc')
        correlator.expect('late', 'svc')
        correlator.deliver(record('first'))
        assert entered.wait(10)
        stopping = correlator.ref.stop(block=False)
        correlator.deliver(record('late'))
        release.set()
        stopping.get(timeout=10)
        table.store = store  # type: ignore[method-assign]
        assert correlator.poll('first') is not None
        assert correlator.poll('late') is not None
