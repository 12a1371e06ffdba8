"""latency: one synchronous round trip with a small dict, median and p99.

Subjects: postroom's ``Runtime.invoke`` to an echo service; a raw pykka
``ask`` to a long-lived echo actor; a raw ``queue.Queue`` ping-pong between
two threads; a direct function call. Two references show what a process
backend would pay per message: a pickle and a cloudpickle round trip.

Every subject is timed per call with ``time.perf_counter_ns`` (so even the
direct call includes the clock's own cost, about 0.1 us), after a warm-up,
with the garbage collector off while timing.

Both CPU modes are reported: this process measures the mode it runs in, and a
child process (``python -m bench latency --child``) measures the other. The
target is judged pinned (one CPU), where hand-offs vary 5-20% rather than 2x.

A ``cid`` section prices correlation IDs (issue 2: ``new_cid()`` must be
cheap): ``actors.new_cid()`` against ``uuid.uuid4().hex``,
``secrets.token_hex(12)`` and ``os.urandom(12).hex()``, in ns per call, each
timed over a loop of calls (``timeit``: one clock read per loop, collector off).
"""

from __future__ import annotations

import os
import pickle
import queue
import secrets
import threading
import time
import timeit
import uuid
from collections.abc import Callable
from typing import Any

import cloudpickle

from bench.child import ChildFailed, run_child
from bench.context import RunContext, SuiteResult, Table
from bench.harness import Case, Figure, Metric, Subject, Target, latency_stats, measure_calls
from bench.postroom import need
from bench.report import find, fmt, ratio, subject_table
from bench.workloads import PAYLOAD, STOP, EchoActor, echo

NAME = 'latency'
POSTROOM = 'postroom invoke'
ASK = 'pykka ask (echo actor)'
PINGPONG = 'queue.Queue ping-pong'
DIRECT = 'direct function call'
PICKLE = 'pickle round trip (ref.)'
CLOUDPICKLE = 'cloudpickle round trip (ref.)'

METRICS = (Metric('median', 'us', 'lower'), Metric('p99', 'us', 'lower'))

CID_CASE = 'cid'
NEW_CID = 'actors.new_cid()'
UUID4 = 'uuid.uuid4().hex'
TOKEN_HEX = 'secrets.token_hex(12)'
URANDOM = 'os.urandom(12).hex()'
CID_METRICS = (Metric('per call', 'ns', 'lower'),)
#: The target: invoke at most this multiple of a raw ask, pinned.
TARGET_RATIO = 1.25


# --- postroom (phase 2 tunes this; it runs as soon as the runtime exists) ---


def measure_postroom_invoke(calls: int, warmup: int) -> dict[str, float]:
    """Sync ``Runtime.invoke`` round trips to a deployed echo service."""
    runtime_cls, service_cls = need('services', 'Runtime', 'Service')

    def handle(self: Any) -> None:
        self.response.payload = self.request.payload

    echo_service = type('BenchEcho', (service_cls,), {'name': 'bench.echo', 'handle': handle})
    with runtime_cls() as rt:
        rt.deploy(echo_service)
        samples = measure_calls(lambda: rt.invoke('bench.echo', PAYLOAD), calls, warmup)
    return latency_stats(samples)


# --- baselines ---


def measure_pykka_ask(calls: int, warmup: int) -> dict[str, float]:
    """Raw ``ActorRef.ask`` to one long-lived pykka echo actor."""
    ref = EchoActor.start()
    try:
        samples = measure_calls(lambda: ref.ask(PAYLOAD), calls, warmup)
    finally:
        ref.stop()
    return latency_stats(samples)


def measure_queue_pingpong(calls: int, warmup: int) -> dict[str, float]:
    """A request queue and a reply queue between this thread and an echo thread."""
    requests: queue.Queue[Any] = queue.Queue()
    replies: queue.Queue[Any] = queue.Queue()

    def serve() -> None:
        while (message := requests.get()) is not STOP:
            replies.put(message)

    thread = threading.Thread(target=serve, name='bench-pingpong')
    thread.start()

    def call() -> Any:
        requests.put(PAYLOAD)
        return replies.get()

    try:
        samples = measure_calls(call, calls, warmup)
    finally:
        requests.put(STOP)
        thread.join()
    return latency_stats(samples)


def measure_direct_call(calls: int, warmup: int) -> dict[str, float]:
    return latency_stats(measure_calls(lambda: echo(PAYLOAD), calls, warmup))


def measure_pickle(calls: int, warmup: int) -> dict[str, float]:
    return latency_stats(measure_calls(lambda: pickle.loads(pickle.dumps(PAYLOAD)), calls, warmup))


def measure_cloudpickle(calls: int, warmup: int) -> dict[str, float]:
    def call() -> Any:
        return cloudpickle.loads(cloudpickle.dumps(PAYLOAD))

    return latency_stats(measure_calls(call, calls, warmup))


# --- correlation IDs ---


def _new_cid() -> Callable[[], str]:
    (new_cid,) = need('actors', 'new_cid')
    fn: Callable[[], str] = new_cid
    return fn


#: The CID makers compared: subject name -> (role, a function returning the maker).
CID_MAKERS: dict[str, tuple[Any, Callable[[], Callable[[], str]]]] = {
    NEW_CID: ('postroom', _new_cid),
    UUID4: ('baseline', lambda: lambda: uuid.uuid4().hex),
    TOKEN_HEX: ('baseline', lambda: lambda: secrets.token_hex(12)),
    URANDOM: ('baseline', lambda: lambda: os.urandom(12).hex()),
}


def measure_cid(maker: Callable[[], str], number: int) -> dict[str, float]:
    """Nanoseconds per call of ``maker``, over a loop of ``number`` calls (after a warm-up)."""
    timer = timeit.Timer('maker()', globals={'maker': maker})
    timer.timeit(max(1, number // 10))
    return {'per call': timer.timeit(number) / number * 1e9}


def cid_case(number: int) -> Case:
    def subject(name: str) -> Subject:
        role, make = CID_MAKERS[name]
        return Subject(name, role, lambda: measure_cid(make(), number), CID_METRICS)

    return Case(CID_CASE, [subject(name) for name in CID_MAKERS])


def cid_table(figures: list[Figure], number: int) -> Table:
    return subject_table(
        f'cid: one correlation ID, ns per call over loops of {number:,}; ratio: {NEW_CID} ÷ this',
        figures,
        case=CID_CASE,
        metrics=['per call'],
        reference=NEW_CID,
        ratio_metric='per call',
    )


def cid_note(figures: list[Figure]) -> str | None:
    ours = find(figures, CID_CASE, NEW_CID, 'per call')
    if ours is None or ours.median is None:
        return None
    others: list[str] = []
    for name in (UUID4, TOKEN_HEX, URANDOM):
        value = ratio(find(figures, CID_CASE, name, 'per call'), ours)
        if value is not None:
            others.append(f'{name} {value:.1f}x' if others else f'{name} takes {value:.1f}x that')
    text = f'cid: {NEW_CID} costs {fmt(ours.median)} ns per call'
    return f'{text}; {", ".join(others)}' if others else text


# --- the suite ---


def run(ctx: RunContext) -> SuiteResult:
    started = time.perf_counter()
    calls = ctx.size(200, 3_000, 20_000)
    warmup = ctx.size(20, 300, 2_000)
    here = 'pinned' if ctx.pinned else 'unpinned'
    result = SuiteResult(NAME)

    def subject(name: str, role: Any, fn: Any) -> Subject:
        return Subject(name, role, lambda: fn(calls, warmup), METRICS)

    case = Case(
        here,
        [
            subject(POSTROOM, 'postroom', measure_postroom_invoke),
            subject(ASK, 'baseline', measure_pykka_ask),
            subject(PINGPONG, 'baseline', measure_queue_pingpong),
            subject(DIRECT, 'baseline', measure_direct_call),
            subject(PICKLE, 'baseline', measure_pickle),
            subject(CLOUDPICKLE, 'baseline', measure_cloudpickle),
        ],
    )
    result.figures += ctx.run(NAME, case)
    modes = [here]
    if len(ctx.original_cpus) == 1:
        result.notes.append('one CPU available: the unpinned mode is the pinned mode')
    elif not ctx.child:
        other = 'unpinned' if here == 'pinned' else 'pinned'
        cpus = sorted(ctx.original_cpus) if other == 'unpinned' else [min(ctx.original_cpus)]
        ctx.progress.add(1, f'{NAME}: {other} (child process)')
        try:
            result.figures += run_child(ctx, NAME, cpus, timeout=ctx.size(120, 300, 1800))
            modes.append(other)
        except ChildFailed as exc:
            result.notes.append(f'{other} mode not measured: {exc}')
            result.errors.append(str(exc))
        ctx.progress.tick()
    for mode in sorted(set(modes), reverse=True):  # unpinned first, then pinned
        result.tables.append(
            subject_table(
                f'{mode} ({"one CPU" if mode == "pinned" else "all CPUs"}); ratio: postroom ÷ this',
                result.figures,
                case=mode,
                metrics=['median', 'p99'],
                reference=POSTROOM,
                ratio_metric='median',
            )
        )
        result.notes += sanity_notes(result.figures, mode)
    result.targets.append(target(result.figures))
    if not ctx.child:  # one process prices the CIDs; the other mode's child does not
        number = ctx.size(1_000, 100_000, 300_000)
        result.figures += ctx.run(NAME, cid_case(number))
        result.tables.append(cid_table(result.figures, number))
        note = cid_note(result.figures)
        if note:
            result.notes.append(note)
    result.seconds = time.perf_counter() - started
    return result


def target(figures: list[Figure]) -> Target:
    name = f'sync invoke round trip <= {TARGET_RATIO}x raw pykka ask, pinned (median)'
    invoke = find(figures, 'pinned', POSTROOM, 'median')
    ask = find(figures, 'pinned', ASK, 'median')
    value = ratio(invoke, ask)
    if value is None:
        why = invoke.reason if invoke is not None and invoke.reason else 'not measured pinned'
        return Target(name, None, why)
    return Target(name, value <= TARGET_RATIO, f'{value:.2f}x')


def sanity_notes(figures: list[Figure], mode: str) -> list[str]:
    """Compare the baselines with each other against what the issue measured."""
    out = []
    pairs = [
        (ASK, PINGPONG, 'pykka ask vs queue.Queue ping-pong', 'about 1.1x'),
        (CLOUDPICKLE, PICKLE, 'cloudpickle vs pickle round trip', 'about 3x'),
    ]
    for a, b, label, expected in pairs:
        value = ratio(find(figures, mode, a, 'median'), find(figures, mode, b, 'median'))
        if value is not None:
            out.append(f'{mode}: {label}: {value:.2f}x (measured before the project: {expected})')
    return out
