"""peers: the latency and throughput workloads on other actor frameworks.

Latency: one ask/reply round trip with the small dict (median, p99).
Throughput: one-way messages to one actor until it has handled them all.

Peers: thespian's ``simpleSystemBase`` (every actor runs in the caller's
thread) and ``multiprocQueueBase`` (one process per actor, multiprocessing
queues between them), and Ray (one worker process per actor) when it is
installed; postroom and raw pykka run beside them in the same run for the
ratios. Every process a peer starts is stopped afterwards (thespian's
``ActorSystem.shutdown()``, ``ray.shutdown()``), and the suite then checks
that none of them is left; one that is left is reported and terminated.

Ray starts once for the whole suite (it takes seconds) with 2 CPUs, no
dashboard and its workers' logs kept off this terminal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bench.context import RunContext, SuiteResult
from bench.harness import (
    Case,
    Figure,
    Metric,
    Subject,
    batch_throughput,
    latency_stats,
    measure_calls,
    steady_gc,
)
from bench.processes import descendants, leftovers, terminate
from bench.report import find, ratio, subject_table
from bench.suites import latency as latency_suite
from bench.suites import throughput as throughput_suite
from bench.workloads import PAYLOAD

NAME = 'peers'
POSTROOM_LATENCY = 'postroom invoke'
POSTROOM_THROUGHPUT = 'postroom invoke_async'
PYKKA_LATENCY = 'pykka ask'
PYKKA_THROUGHPUT = 'pykka tell'
SIMPLE = 'thespian simpleSystemBase'
MULTIPROC = 'thespian multiprocQueueBase'
RAY = 'ray (actor)'

LATENCY = (Metric('median', 'us', 'lower'), Metric('p99', 'us', 'lower'))
THROUGHPUT = (Metric('throughput', 'msg/s', 'higher'),)

#: thespian logging: no log files, no output (its default starts a log writer).
THESPIAN_LOGS: dict[str, Any] = {
    'version': 1,
    'disable_existing_loggers': False,
    'root': {'level': 'CRITICAL', 'handlers': []},
}


# --- thespian ---


def _thespian_system(base: str) -> Any:
    from thespian.actors import ActorSystem  # noqa: PLC0415 - optional peer

    return ActorSystem(base, transientUnique=True, logDefs=THESPIAN_LOGS)


def measure_thespian_latency(base: str, calls: int, warmup: int) -> dict[str, float]:
    from bench.suites.thespian_actors import EchoCounter  # noqa: PLC0415 - optional peer

    system = _thespian_system(base)
    try:
        actor = system.createActor(EchoCounter)
        payload = PAYLOAD

        def call() -> Any:
            reply = system.ask(actor, payload, 30)
            if reply is None:
                raise TimeoutError(f'thespian {base}: no reply to an ask within 30 s')
            return reply

        samples = measure_calls(call, calls, warmup)
    finally:
        system.shutdown()
    return latency_stats(samples)


def measure_thespian_throughput(base: str, count: int, warmup: int) -> dict[str, float]:
    from bench.suites.thespian_actors import Count, EchoCounter, OneWay  # noqa: PLC0415

    system = _thespian_system(base)
    try:
        actor = system.createActor(EchoCounter)
        message = OneWay(PAYLOAD)

        def batch(size: int, expected: int) -> None:
            for _ in range(size):
                system.tell(actor, message)
            # Messages from one sender arrive in order: the count comes after them.
            seen = system.ask(actor, Count(), 60 + size / 1_000)
            if seen != expected:
                raise RuntimeError(f'thespian {base}: {seen!r} messages handled, not {expected}')

        batch(warmup, warmup)
        with steady_gc():
            start = time.perf_counter_ns()
            batch(count, warmup + count)
            elapsed = time.perf_counter_ns() - start
    finally:
        system.shutdown()
    return {'throughput': count / (elapsed / 1e9)}


# --- ray ---


class RaySession:
    """Starts Ray on first use, once per suite; ``close`` shuts it down."""

    def __init__(self) -> None:
        self.ray: Any = None
        self.actor: Any = None

    def start(self) -> Any:
        if self.ray is None:
            import ray  # noqa: PLC0415 - optional peer

            ray.init(
                num_cpus=2,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
                object_store_memory=200 * 1024 * 1024,
            )
            self.ray = ray

            class Echo:
                def __init__(self) -> None:
                    self.count = 0

                def echo(self, message: Any) -> Any:
                    return message

                def note(self, message: Any) -> None:
                    self.count += 1

                def total(self) -> int:
                    return self.count

            self.actor = ray.remote(Echo).remote()
            ray.get(self.actor.total.remote(), timeout=120)
        return self.ray

    def close(self) -> None:
        if self.ray is not None:
            self.ray.shutdown()
            self.ray = self.actor = None


def measure_ray_latency(session: RaySession, calls: int, warmup: int) -> dict[str, float]:
    ray = session.start()
    actor, payload = session.actor, PAYLOAD
    return latency_stats(
        measure_calls(lambda: ray.get(actor.echo.remote(payload), timeout=30), calls, warmup)
    )


def measure_ray_throughput(session: RaySession, count: int, warmup: int) -> dict[str, float]:
    ray = session.start()
    actor, payload = session.actor, PAYLOAD

    def batch(size: int) -> None:
        for _ in range(size):
            actor.note.remote(payload)
        # Calls from one caller to one actor run in order: total() comes last.
        ray.get(actor.total.remote(), timeout=60 + size / 100)

    return batch_throughput(batch, count, warmup)


# --- the suite ---


def run(ctx: RunContext) -> SuiteResult:
    started = time.perf_counter()
    result = SuiteResult(NAME)
    before = set(descendants())
    ray_session = RaySession()
    fast_calls, slow_calls = ctx.size(100, 2_000, 10_000), ctx.size(20, 200, 1_000)
    fast_count, slow_count = ctx.size(200, 10_000, 50_000), ctx.size(50, 1_000, 5_000)
    process_peers = ctx.profile != 'tiny'

    def lat(name: str, role: Any, fn: Callable[[int, int], dict[str, float]], n: int) -> Subject:
        return Subject(name, role, lambda: fn(n, max(5, n // 10)), LATENCY)

    def tput(name: str, role: Any, fn: Callable[[int, int], dict[str, float]], n: int) -> Subject:
        return Subject(name, role, lambda: fn(n, max(5, n // 10)), THROUGHPUT)

    latency_subjects = [
        lat(POSTROOM_LATENCY, 'postroom', latency_suite.measure_postroom_invoke, fast_calls),
        lat(PYKKA_LATENCY, 'baseline', latency_suite.measure_pykka_ask, fast_calls),
        lat(
            SIMPLE,
            'peer',
            lambda n, w: measure_thespian_latency('simpleSystemBase', n, w),
            fast_calls,
        ),
    ]
    throughput_subjects = [
        tput(
            POSTROOM_THROUGHPUT,
            'postroom',
            throughput_suite.measure_postroom_invoke_async,
            fast_count,
        ),
        tput(PYKKA_THROUGHPUT, 'baseline', throughput_suite.measure_pykka_tell, fast_count),
        tput(
            SIMPLE,
            'peer',
            lambda n, w: measure_thespian_throughput('simpleSystemBase', n, w),
            fast_count,
        ),
    ]
    if process_peers:
        latency_subjects += [
            lat(
                MULTIPROC,
                'peer',
                lambda n, w: measure_thespian_latency('multiprocQueueBase', n, w),
                slow_calls,
            ),
            lat(RAY, 'peer', lambda n, w: measure_ray_latency(ray_session, n, w), slow_calls),
        ]
        throughput_subjects += [
            tput(
                MULTIPROC,
                'peer',
                lambda n, w: measure_thespian_throughput('multiprocQueueBase', n, w),
                slow_count,
            ),
            tput(RAY, 'peer', lambda n, w: measure_ray_throughput(ray_session, n, w), slow_count),
        ]
    else:
        result.notes.append('process peers (thespian multiprocQueueBase, Ray) skipped at this size')
    try:
        result.figures += ctx.run(NAME, Case('latency', latency_subjects))
        result.figures += ctx.run(NAME, Case('throughput', throughput_subjects))
    finally:
        ray_session.close()
        left = leftovers(before)
        if left:
            listing = '; '.join(f'{pid} {cmd[:60]}' for pid, cmd in sorted(left.items()))
            result.errors.append(f'peers left {len(left)} process(es) running: {listing}')
            terminate(set(left))
    result.notes.append(f'latency: {fast_calls:,} round trips each ({slow_calls:,} for processes)')
    result.notes.append(f'throughput: {fast_count:,} messages each ({slow_count:,} for processes)')
    result.tables.append(
        subject_table(
            'round trip latency; ratio: postroom invoke ÷ this',
            result.figures,
            case='latency',
            metrics=['median', 'p99'],
            reference=POSTROOM_LATENCY,
            ratio_metric='median',
        )
    )
    result.tables.append(
        subject_table(
            'one-way throughput; ratio: postroom invoke_async ÷ this',
            result.figures,
            case='throughput',
            metrics=['throughput'],
            reference=POSTROOM_THROUGHPUT,
            ratio_metric='throughput',
        )
    )
    result.notes += peer_notes(result.figures)
    if not left:
        result.notes.append('every process the peers started has exited')
    result.seconds = time.perf_counter() - started
    return result


def peer_notes(figures: list[Figure]) -> list[str]:
    """Each peer against raw pykka, which postroom builds on (known even before phase 2)."""
    out = []
    for peer in (SIMPLE, MULTIPROC, RAY):
        lat = ratio(
            find(figures, 'latency', peer, 'median'),
            find(figures, 'latency', PYKKA_LATENCY, 'median'),
        )
        tput = ratio(
            find(figures, 'throughput', peer, 'throughput'),
            find(figures, 'throughput', PYKKA_THROUGHPUT, 'throughput'),
        )
        if lat is not None or tput is not None:
            parts = []
            if lat is not None:
                parts.append(f'round trip {lat:.2f}x pykka ask')
            if tput is not None:
                parts.append(f'throughput {tput:.2f}x pykka tell')
            out.append(f'{peer}: {", ".join(parts)}')
    missing = [f for f in figures if f.subject == RAY and f.status == 'unavailable']
    if missing:
        out.append(f"Ray is not installed ({missing[0].reason}); pip install 'postroom[ray]'")
    return out
