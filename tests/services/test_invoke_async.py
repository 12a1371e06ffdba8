"""invoke_async: CIDs, the correlator, failures, callbacks."""

from __future__ import annotations

import threading

import pytest

from actors import ReplyTimeout, UnknownCID
from services import Runtime, Service, ServiceNotFound


class Gate:
    """Lets a test hold a service inside handle() until it is ready."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()


def gated_service(gate: Gate, name: str = 'gated') -> type[Service]:
    class Gated(Service):
        def handle(self) -> None:
            gate.entered.set()
            assert gate.release.wait(10)
            self.response.payload = {'cid': self.cid, 'seen': self.request.payload}

    Gated.name = name
    return Gated


class Fails(Service):
    name = 'fails'

    def handle(self) -> None:
        raise ZeroDivisionError('no dividing here')


def test_returns_the_cid_at_once_and_the_target_sees_that_cid(runtime: Runtime) -> None:
    gate = Gate()
    runtime.deploy(gated_service(gate))
    cid = runtime.invoke_async('gated', {'n': 1})
    assert gate.entered.wait(10)
    # The handler is still running, and the CID is already known: pending.
    assert runtime.correlator.poll(cid) is None
    gate.release.set()
    reply = runtime.correlator.wait(cid, timeout=10)
    assert reply.ok
    assert reply.cid == cid
    assert reply.service == 'gated'
    assert reply.response == {'cid': cid, 'seen': {'n': 1}}
    assert reply.finished >= reply.started > 0


def test_given_cid_is_used(runtime: Runtime) -> None:
    gate = Gate()
    gate.release.set()
    runtime.deploy(gated_service(gate))
    assert runtime.invoke_async('gated', cid='my-own-cid') == 'my-own-cid'
    assert runtime.correlator.wait('my-own-cid', timeout=10).response.cid == 'my-own-cid'


def test_payload_is_copied_when_sent(runtime: Runtime) -> None:
    gate = Gate()
    runtime.deploy(gated_service(gate))
    payload = {'items': [1]}
    cid = runtime.invoke_async('gated', payload)
    payload['items'].append(2)  # after sending: the service must not see it
    gate.release.set()
    assert runtime.correlator.wait(cid, timeout=10).response.seen == {'items': [1]}


def test_failure_is_recorded_with_type_message_and_traceback(runtime: Runtime) -> None:
    runtime.deploy(Fails)
    cid = runtime.invoke_async('fails')
    reply = runtime.correlator.wait(cid, timeout=10)
    assert not reply.ok
    assert reply.response is None
    assert reply.error is not None
    assert reply.error.type == 'ZeroDivisionError'
    assert 'no dividing here' in reply.error.message
    assert cid in reply.error.message
    assert 'raise ZeroDivisionError' in reply.error.traceback
    stats = {snap.service: snap for snap in runtime.stats()}
    assert stats['fails'].failures == 1


def test_many_invocations_all_land_in_the_correlator(runtime: Runtime) -> None:
    class Square(Service):
        name = 'square'

        def handle(self) -> None:
            self.response.payload = {'n': self.request.payload['n'] ** 2}

    runtime.deploy(Square)
    cids = [runtime.invoke_async('square', n=n) for n in range(500)]
    assert len(set(cids)) == 500
    responses = [runtime.correlator.wait(cid, timeout=10).response.n for cid in cids]
    assert responses == [n * n for n in range(500)]


def test_unknown_service_fails_before_anything_is_sent(runtime: Runtime) -> None:
    with pytest.raises(ServiceNotFound):
        runtime.invoke_async('missing')
    assert runtime.correlator.stats().pending == 0


def test_payload_and_fields_together_are_a_type_error(runtime: Runtime) -> None:
    runtime.deploy(Fails)
    with pytest.raises(TypeError, match='give a payload or keyword fields, not both'):
        runtime.invoke_async('fails', {'a': 1}, b=2)


def test_unknown_cid_is_a_clear_error(runtime: Runtime) -> None:
    with pytest.raises(UnknownCID, match='deadbeef'):
        runtime.correlator.poll('deadbeef')
    with pytest.raises(UnknownCID):
        runtime.correlator.wait('deadbeef', timeout=1)


def test_wait_timeout_names_cid(runtime: Runtime) -> None:
    gate = Gate()
    runtime.deploy(gated_service(gate))
    cid = runtime.invoke_async('gated')
    try:
        with pytest.raises(ReplyTimeout, match=cid):
            runtime.correlator.wait(cid, timeout=0.01)
    finally:
        gate.release.set()
    assert runtime.correlator.wait(cid, timeout=10).ok


def test_callbacks_get_the_response_and_in_reply_to(runtime: Runtime) -> None:
    seen: list[tuple[str | None, object, str]] = []
    both_done = threading.Barrier(3)

    class Produce(Service):
        name = 'produce'

        def handle(self) -> None:
            self.response.payload = {'total': 42}

    class Notify(Service):
        name = 'notify'

        def handle(self) -> None:
            seen.append((self.in_reply_to, self.request.payload, self.name))
            both_done.wait(10)

    class Audit(Notify):
        name = 'audit'

    runtime.deploy(Produce, Notify, Audit)
    cid = runtime.invoke_async('produce', callback=['notify', Audit])
    both_done.wait(10)
    assert sorted(seen, key=lambda item: item[2]) == [
        (cid, {'total': 42}, 'audit'),
        (cid, {'total': 42}, 'notify'),
    ]
    assert runtime.correlator.wait(cid, timeout=10).ok


def test_unknown_callback_fails_at_once(runtime: Runtime) -> None:
    runtime.deploy(Fails)
    with pytest.raises(ServiceNotFound, match='no-such-callback'):
        runtime.invoke_async('fails', callback='no-such-callback')


def test_eviction_is_bounded_and_counted(backend: str) -> None:
    with Runtime(actor=backend, correlator_max_records=5) as rt:
        rt.deploy(Fails)
        cids = [rt.invoke_async('fails') for _ in range(20)]
        rt.correlator.wait(cids[-1], timeout=10)
        stats = rt.correlator.stats()
        assert (stats.records, stats.pending, stats.evicted_overflow) == (5, 0, 15)
        with pytest.raises(UnknownCID):
            rt.correlator.poll(cids[0])


def test_a_service_can_look_up_async_replies_in_the_correlator(runtime: Runtime) -> None:
    class Worker(Service):
        name = 'worker'

        def handle(self) -> None:
            self.response.payload = {'worked': True}

    class Boss(Service):
        name = 'boss'

        def handle(self) -> None:
            cid = self.invoke_async('worker')
            reply = self.correlator.wait(cid, timeout=10)
            self.response.payload = {'worker_cid': cid, 'reply': reply.response}

    runtime.deploy(Worker, Boss)
    response = runtime.invoke('boss')
    assert response.reply == {'worked': True}
    assert runtime.correlator.poll(response.worker_cid) is not None


def test_error_traceback_points_at_the_handler(backend: str) -> None:
    with Runtime(actor=backend) as rt:
        rt.deploy(Fails)
        reply = rt.correlator.wait(rt.invoke_async('fails'), timeout=10)
    assert reply.error is not None
    frames = [line for line in reply.error.traceback.splitlines() if 'in handle' in line]
    assert frames, reply.error.traceback
