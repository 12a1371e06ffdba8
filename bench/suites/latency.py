"""latency: one synchronous round trip with a small dict, median and p99.

Subjects: postroom's ``Runtime.invoke`` to an echo service; a raw pykka
``ask`` to a long-lived echo actor; a raw ``queue.Queue`` ping-pong between
two threads; a direct function call. Two references show what a process
backend would pay per message: a pickle and a cloudpickle round trip.

Every subject is timed per call with ``time.perf_counter_ns`` (so even the
direct call includes the clock's own cost, about 0.1 us), after a warm-up,
with the garbage collector off while timing.

Pinned (one CPU), all subjects are set up at once and timed in short rounds
that take turns (``Interleaved`` says why), and the target is judged on the
paired ratio: the median, over rounds, of invoke's round median divided by
the ask's in the round next to it. Unpinned, where a hand-off's cost depends
on which CPU the scheduler puts each thread, every repeat of every subject
is set up afresh and timed on its own, so placement luck is drawn anew each
time instead of being frozen for a whole session.

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
import statistics
import threading
import time
import timeit
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

import cloudpickle

from bench.child import ChildFailed, run_child
from bench.context import RunContext, SuiteResult, Table
from bench.harness import (
    Case,
    Figure,
    Metric,
    Role,
    Subject,
    Target,
    latency_stats,
    measure_calls,
    steady_gc,
)
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
#: postroom invoke only: the median over rounds of invoke's round median ÷ the ask's.
PAIRED = 'ratio to ask, paired'
POSTROOM_METRICS = (*METRICS, Metric(PAIRED, 'x', 'lower'))

CID_CASE = 'cid'
NEW_CID = 'actors.new_cid()'
UUID4 = 'uuid.uuid4().hex'
TOKEN_HEX = 'secrets.token_hex(12)'
URANDOM = 'os.urandom(12).hex()'
CID_METRICS = (Metric('per call', 'ns', 'lower'),)
#: The target: invoke at most this multiple of a raw ask, pinned.
TARGET_RATIO = 1.25


# --- the subjects: each a context manager that yields the call to time ---

CallSetup = Callable[[], AbstractContextManager[Callable[[], object]]]


@contextmanager
def postroom_invoke() -> Iterator[Callable[[], object]]:
    """Sync ``Runtime.invoke`` round trips to a deployed echo service."""
    runtime_cls, service_cls = need('services', 'Runtime', 'Service')

    def handle(self: Any) -> None:
        self.response.payload = self.request.payload

    echo_service = type('BenchEcho', (service_cls,), {'name': 'bench.echo', 'handle': handle})
    with runtime_cls() as rt:
        rt.deploy(echo_service)
        yield lambda: rt.invoke('bench.echo', PAYLOAD)


@contextmanager
def pykka_ask() -> Iterator[Callable[[], object]]:
    """Raw ``ActorRef.ask`` to one long-lived pykka echo actor."""
    ref = EchoActor.start()
    try:
        yield lambda: ref.ask(PAYLOAD)
    finally:
        ref.stop()


@contextmanager
def queue_pingpong() -> Iterator[Callable[[], object]]:
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
        yield call
    finally:
        requests.put(STOP)
        thread.join()


@contextmanager
def direct_call() -> Iterator[Callable[[], object]]:
    yield lambda: echo(PAYLOAD)


@contextmanager
def pickle_round_trip() -> Iterator[Callable[[], object]]:
    yield lambda: pickle.loads(pickle.dumps(PAYLOAD))


@contextmanager
def cloudpickle_round_trip() -> Iterator[Callable[[], object]]:
    yield lambda: cloudpickle.loads(cloudpickle.dumps(PAYLOAD))


#: The subjects, in table order: name -> (role, setup).
SUBJECTS: dict[str, tuple[Role, CallSetup]] = {
    POSTROOM: ('postroom', postroom_invoke),
    ASK: ('baseline', pykka_ask),
    PINGPONG: ('baseline', queue_pingpong),
    DIRECT: ('baseline', direct_call),
    PICKLE: ('baseline', pickle_round_trip),
    CLOUDPICKLE: ('baseline', cloudpickle_round_trip),
}


def _measure_alone(setup: CallSetup, calls: int, warmup: int) -> dict[str, float]:
    with setup() as call:
        return latency_stats(measure_calls(call, calls, warmup))


def measure_postroom_invoke(calls: int, warmup: int) -> dict[str, float]:
    """Median and p99 of ``calls`` invoke round trips, on their own (the peers suite)."""
    return _measure_alone(postroom_invoke, calls, warmup)


def measure_pykka_ask(calls: int, warmup: int) -> dict[str, float]:
    """Median and p99 of ``calls`` raw pykka asks, on their own (the peers suite)."""
    return _measure_alone(pykka_ask, calls, warmup)


# --- interleaved rounds ---


class Interleaved:
    """Every subject's calls timed in short rounds that take turns, all set up at once.

    A round trip on these VMs jumps between two levels (about 1.5x apart)
    every fraction of a second, even pinned, whatever runs. Timing one
    subject's 20,000 calls, then the next's, lets one subject land in the
    slow level and the other in the fast one: the ratio then measures the
    machine. Rounds of a few hundred calls that alternate between subjects
    give each subject the same share of both levels, and the rounds of two
    subjects next to each other in time can be compared pairwise.

    One ``session`` measures every live subject once (one repeat); each
    subject's ``measure`` takes its own figures from the latest session and
    starts a new session when it has none, so the harness's repeats and its
    unavailable/failed handling work as for any subject.
    """

    def __init__(self, calls: int, warmup: int, round_calls: int) -> None:
        self.calls = calls
        self.warmup = warmup
        self.round_calls = min(round_calls, calls)
        self.pending: dict[str, dict[str, float]] = {}
        self.errors: dict[str, BaseException] = {}

    def measure(self, name: str) -> dict[str, float]:
        if name not in self.pending:
            self.session()
        error = self.errors.get(name)
        if error is not None:  # its setup failed: it stays out of later sessions
            raise error
        return self.pending.pop(name)

    def session(self) -> None:
        """One repeat of every subject that has not failed before."""
        self.pending.clear()
        rounds = max(1, self.calls // self.round_calls)
        with ExitStack() as stack:
            calls: dict[str, Callable[[], object]] = {}
            for name, (_role, setup) in SUBJECTS.items():
                if name in self.errors:
                    continue
                try:
                    calls[name] = stack.enter_context(setup())
                    for _ in range(self.warmup):
                        calls[name]()
                except Exception as exc:  # noqa: BLE001 - re-raised by that subject's measure
                    self.errors[name] = exc
                    calls.pop(name, None)
            samples: dict[str, list[int]] = {name: [] for name in calls}
            round_medians: dict[str, list[float]] = {name: [] for name in calls}
            order = list(calls)
            clock = time.perf_counter_ns
            with steady_gc():
                for number in range(rounds):
                    # Each subject goes first in turn, so none always follows the same one.
                    shift = number % len(order) if order else 0
                    for name in order[shift:] + order[:shift]:
                        call, times = calls[name], [0] * self.round_calls
                        for i in range(self.round_calls):
                            start = clock()
                            call()
                            times[i] = clock() - start
                        samples[name] += times
                        round_medians[name].append(statistics.median(times))
        for name, values in samples.items():
            self.pending[name] = latency_stats(values)
        ours, asks = round_medians.get(POSTROOM, []), round_medians.get(ASK, [])
        paired = [a / b for a, b in zip(ours, asks, strict=False)]  # empty without asks
        if POSTROOM in self.pending:
            if not paired:
                self.errors[POSTROOM] = RuntimeError(f'{ASK} not measured: no paired ratio')
            else:
                self.pending[POSTROOM][PAIRED] = statistics.median(paired)


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

    if ctx.pinned:
        # One CPU: the round trip's level drifts over time, so the subjects take turns.
        session = Interleaved(calls, warmup, ctx.size(50, 200, 500))

        def subject(name: str, role: Role, setup: CallSetup) -> Subject:
            metrics = POSTROOM_METRICS if name == POSTROOM else METRICS
            return Subject(name, role, lambda: session.measure(name), metrics)

    else:
        # All CPUs: where the scheduler puts each thread decides its cost, so
        # every repeat of every subject starts afresh, on its own.
        def subject(name: str, role: Role, setup: CallSetup) -> Subject:
            return Subject(name, role, lambda: _measure_alone(setup, calls, warmup), METRICS)

    case = Case(here, [subject(name, role, setup) for name, (role, setup) in SUBJECTS.items()])
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
    paired = find(figures, 'pinned', POSTROOM, PAIRED)
    if paired is None or paired.median is None:
        why = paired.reason if paired is not None and paired.reason else 'not measured pinned'
        return Target(name, None, why)
    value = paired.median
    overall = ratio(
        find(figures, 'pinned', POSTROOM, 'median'), find(figures, 'pinned', ASK, 'median')
    )
    detail = f'{value:.2f}x, paired by round'
    if overall is not None:
        detail += f' (ratio of the two overall medians: {overall:.2f}x)'
    return Target(name, value <= TARGET_RATIO, detail)


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
