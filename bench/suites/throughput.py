"""throughput: messages per second, end to end, with a small dict payload.

Subjects: postroom's ``invoke_async`` until every reply is in the correlator
(and once more with the correlator full, so each new reply evicts an old
one); the same two hops written by hand on pykka (tell a worker actor, the
worker tells a collector actor that keeps the replies by id, the caller waits
for all); raw pykka ``tell`` to one actor until it has handled everything;
raw producer/consumer threads over ``queue.Queue`` and ``queue.SimpleQueue``.

Each repeat starts fresh actors or threads, sends a warm-up batch and waits
for it, then times the measured batch from the first send until the last
message is handled, with the garbage collector off.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import pykka

from bench.context import RunContext, SuiteResult
from bench.harness import Case, Figure, Metric, Subject, Target, batch_throughput, steady_gc
from bench.postroom import need
from bench.report import find, fmt, ratio, subject_table
from bench.workloads import PAYLOAD, Countdown, wait_for

NAME = 'throughput'
POSTROOM = 'postroom invoke_async'
POSTROOM_FULL = 'postroom invoke_async, correlator full'
TWO_HOP = 'pykka two hops by hand'
TELL = 'pykka tell (one actor)'
QUEUE = 'queue.Queue producer/consumer'
SIMPLE_QUEUE = 'queue.SimpleQueue producer/consumer'

METRICS = (Metric('throughput', 'msg/s', 'higher'),)


def _timeout(count: int) -> float:
    # Generous: a stuck run must end with an error, a slow one must not.
    return 60.0 + count / 1_000


# --- postroom (phase 2 tunes this; it runs as soon as the runtime exists) ---


def _echo_service(service_cls: Any) -> Any:
    def handle(self: Any) -> None:
        self.response.payload = self.request.payload

    return type('BenchEcho', (service_cls,), {'name': 'bench.echo', 'handle': handle})


def measure_postroom_invoke_async(count: int, warmup: int) -> dict[str, float]:
    """``invoke_async`` ``count`` times, until every reply is in the correlator.

    One worker serves the echo service, so replies reach the correlator in
    the order they were sent: once the last CID's reply is in, all are.
    Afterwards (untimed) every reply is checked to be there and successful.
    """
    runtime_cls, service_cls = need('services', 'Runtime', 'Service')
    with runtime_cls() as rt:
        rt.deploy(_echo_service(service_cls))
        for _ in range(warmup):
            last = rt.invoke_async('bench.echo', PAYLOAD)
        rt.correlator.wait(last, timeout=_timeout(warmup))
        with steady_gc():
            start = time.perf_counter_ns()
            cids = [rt.invoke_async('bench.echo', PAYLOAD) for _ in range(count)]
            rt.correlator.wait(cids[-1], timeout=_timeout(count))
            elapsed = time.perf_counter_ns() - start
        for cid in cids:
            reply = rt.correlator.poll(cid)
            if reply is None or not reply.ok:
                raise RuntimeError(f'invoke_async reply for CID {cid} missing or failed: {reply!r}')
    return {'throughput': count / (elapsed / 1e9)}


def measure_postroom_correlator_full(count: int, capacity: int) -> dict[str, float]:
    """As above, with the correlator already holding ``capacity`` replies.

    Every timed reply then evicts the oldest one, so eviction cost shows.
    """
    runtime_cls, service_cls = need('services', 'Runtime', 'Service')
    with runtime_cls(correlator_max_records=capacity) as rt:
        rt.deploy(_echo_service(service_cls))
        for _ in range(capacity):
            last = rt.invoke_async('bench.echo', PAYLOAD)
        rt.correlator.wait(last, timeout=_timeout(capacity))
        with steady_gc():
            start = time.perf_counter_ns()
            for _ in range(count):
                last = rt.invoke_async('bench.echo', PAYLOAD)
            rt.correlator.wait(last, timeout=_timeout(count))
            elapsed = time.perf_counter_ns() - start
        if rt.correlator.evicted < count:
            raise RuntimeError(
                f'correlator evicted {rt.correlator.evicted} records, expected at least {count}: '
                'the run did not measure eviction'
            )
    return {'throughput': count / (elapsed / 1e9)}


# --- baselines ---


class _Collector(pykka.ThreadingActor):
    """Keeps every reply by id, as a correlator would, and counts them."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[int, Any] = {}
        self.countdown = Countdown(0)

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Countdown):
            self.countdown = message
            return None
        key, payload = message
        self.replies[key] = payload
        self.countdown.arrive()
        return None


class _Worker(pykka.ThreadingActor):
    """Handles a request (an echo) and tells the collector the reply."""

    def __init__(self, collector: pykka.ActorRef[Any]) -> None:
        super().__init__()
        self.collector = collector

    def on_receive(self, message: Any) -> Any:
        key, payload = message
        self.collector.tell((key, payload))
        return None


def measure_two_hops(count: int, warmup: int) -> dict[str, float]:
    """The hand-written equivalent of ``invoke_async`` plus a correlator."""
    collector = _Collector.start()
    worker = _Worker.start(collector)
    try:

        def batch(first: int, size: int) -> None:
            countdown = Countdown(size)
            collector.ask(countdown)
            for key in range(first, first + size):
                worker.tell((key, PAYLOAD))
            wait_for(countdown.done, _timeout(size), 'pykka two-hop batch')

        batch(0, warmup)
        with steady_gc():
            start = time.perf_counter_ns()
            batch(warmup, count)
            elapsed = time.perf_counter_ns() - start
    finally:
        worker.stop()
        collector.stop()
    return {'throughput': count / (elapsed / 1e9)}


class _Counter(pykka.ThreadingActor):
    def __init__(self) -> None:
        super().__init__()
        self.countdown = Countdown(0)

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Countdown):
            self.countdown = message
        else:
            self.countdown.arrive()
        return None


def measure_pykka_tell(count: int, warmup: int) -> dict[str, float]:
    """Raw ``tell`` to one actor until it has handled every message."""
    ref = _Counter.start()
    try:

        def batch(size: int) -> None:
            countdown = Countdown(size)
            ref.ask(countdown)
            for _ in range(size):
                ref.tell(PAYLOAD)
            wait_for(countdown.done, _timeout(size), 'pykka tell batch')

        return batch_throughput(batch, count, warmup)
    finally:
        ref.stop()


def _producer_consumer(make_queue: Callable[[], Any], count: int, warmup: int) -> dict[str, float]:
    """One producer (this thread) and one consumer thread over a queue."""
    q = make_queue()
    countdowns: queue.SimpleQueue[Countdown] = queue.SimpleQueue()

    def consume() -> None:
        while True:
            countdown = countdowns.get()
            if countdown.count < 0:
                return
            for _ in range(countdown.count):
                q.get()
            countdown.done.set()

    thread = threading.Thread(target=consume, name='bench-consumer')
    thread.start()
    try:

        def batch(size: int) -> None:
            countdown = Countdown(size)
            countdowns.put(countdown)
            for _ in range(size):
                q.put(PAYLOAD)
            wait_for(countdown.done, _timeout(size), 'queue batch')

        return batch_throughput(batch, count, warmup)
    finally:
        countdowns.put(Countdown(-1))
        thread.join()


def measure_queue(count: int, warmup: int) -> dict[str, float]:
    return _producer_consumer(queue.Queue, count, warmup)


def measure_simple_queue(count: int, warmup: int) -> dict[str, float]:
    return _producer_consumer(queue.SimpleQueue, count, warmup)


# --- the suite ---


def run(ctx: RunContext) -> SuiteResult:
    started = time.perf_counter()
    count = ctx.size(300, 10_000, 50_000)
    warmup = ctx.size(30, 500, 2_000)
    capacity = ctx.size(100, 2_000, 10_000)
    # SimpleQueue is ~40x faster than the rest: give it a batch long enough to time.
    fast_count = count * 10

    def subject(name: str, role: Any, fn: Callable[[], dict[str, float]]) -> Subject:
        return Subject(name, role, fn, METRICS)

    case = Case(
        'one caller',
        [
            subject(POSTROOM, 'postroom', lambda: measure_postroom_invoke_async(count, warmup)),
            subject(
                POSTROOM_FULL, 'postroom', lambda: measure_postroom_correlator_full(count, capacity)
            ),
            subject(TWO_HOP, 'baseline', lambda: measure_two_hops(count, warmup)),
            subject(TELL, 'baseline', lambda: measure_pykka_tell(count, warmup)),
            subject(QUEUE, 'baseline', lambda: measure_queue(count, warmup)),
            subject(SIMPLE_QUEUE, 'baseline', lambda: measure_simple_queue(fast_count, warmup)),
        ],
    )
    result = SuiteResult(NAME)
    result.figures = ctx.run(NAME, case)
    result.tables.append(
        subject_table(
            f'{count:,} messages ({fast_count:,} for SimpleQueue), correlator capacity '
            f'{capacity:,} in the full run; ratio = postroom ÷ this',
            result.figures,
            case=case.name,
            metrics=['throughput'],
            reference=POSTROOM,
            ratio_metric='throughput',
        )
    )
    result.targets += targets(result.figures, case.name)
    result.targets.append(target_full(result.figures, case.name, capacity))
    result.notes += sanity_notes(result.figures, case.name)
    result.seconds = time.perf_counter() - started
    return result


def targets(figures: list[Figure], case: str) -> list[Target]:
    ours = find(figures, case, POSTROOM, 'throughput')
    out = []
    for name, baseline in [
        ('invoke_async end to end >= 1.0x the same two hops by hand on pykka', TWO_HOP),
        ('stretch: invoke_async end to end >= 1.0x raw single-hop pykka tell', TELL),
    ]:
        value = ratio(ours, find(figures, case, baseline, 'throughput'))
        if value is None:
            why = ours.reason if ours is not None and ours.reason else 'not measured'
            out.append(Target(name, None, why))
        else:
            out.append(Target(name, value >= 1.0, f'{value:.2f}x'))
    return out


def target_full(figures: list[Figure], case: str, capacity: int) -> Target:
    """Issue 4: a run with the correlator at its maximum size, so eviction cost shows."""
    name = 'a run with the correlator at its maximum size (every reply evicts one)'
    full = find(figures, case, POSTROOM_FULL, 'throughput')
    if full is None or full.status == 'unavailable':
        return Target(name, None, full.reason if full is not None else 'not measured')
    if not full.ok:
        return Target(name, False, full.reason)
    value = ratio(full, find(figures, case, POSTROOM, 'throughput'))
    versus = f', {value:.2f}x the throughput with an empty correlator' if value is not None else ''
    return Target(
        name,
        True,
        f'measured at capacity {capacity:,}: {fmt(full.median)} msg/s{versus}',
    )


def sanity_notes(figures: list[Figure], case: str) -> list[str]:
    out = []
    for a, b, label, expected in [
        (QUEUE, TELL, 'queue.Queue producer/consumer vs pykka tell', 'about 1.7x'),
        (SIMPLE_QUEUE, QUEUE, 'queue.SimpleQueue vs queue.Queue', 'about 40x'),
    ]:
        value = ratio(find(figures, case, a, 'throughput'), find(figures, case, b, 'throughput'))
        if value is not None:
            out.append(f'{label}: {value:.2f}x (measured before the project: {expected})')
    return out
