"""fanout: many concurrent callers against one service with several workers.

Every cell runs ``callers`` threads (1, 4, 16, 64), each making synchronous
calls, against a handler served by ``workers`` (1, 2, 4, 8), once with an
I/O-bound handler (sleeps 1 ms) and once with a CPU-bound one (about 0.2 ms of
pure-Python arithmetic, which holds the GIL: more workers cannot help there,
and the table shows that honestly). Each cell reports throughput (calls/s,
from the moment all callers are released until the last one is done) and the
p99 of the per-call latencies.

Subjects: a postroom service with ``workers = N``; a hand-written pool of N
pykka echo actors picked round robin; a ``ThreadPoolExecutor`` with N threads
(one shared queue, the ideal a worker pool can reach).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pykka

from bench.context import RunContext, SuiteResult, Table
from bench.harness import Case, Figure, Metric, Subject, Target, percentile, steady_gc
from bench.postroom import need
from bench.report import find, fmt, ratio, ratio_text, reasons
from bench.workloads import PAYLOAD

NAME = 'fanout'
POSTROOM = 'postroom service'
PYKKA_POOL = 'pykka actors, round robin'
THREAD_POOL = 'ThreadPoolExecutor'
SUBJECTS = (POSTROOM, PYKKA_POOL, THREAD_POOL)
#: Column labels, short enough for a terminal.
SHORT = {POSTROOM: 'postroom', PYKKA_POOL: 'pykka RR', THREAD_POOL: 'executor'}

METRICS = (Metric('throughput', 'calls/s', 'higher'), Metric('p99', 'ms', 'lower'))
KINDS = ('io', 'cpu')
KIND_TITLES = {'io': 'I/O-bound (sleeps 1 ms)', 'cpu': 'CPU-bound (~0.2 ms, holds the GIL)'}
#: Target: I/O-bound, 16 callers, workers=4 gives this multiple of workers=1.
TARGET_CALLERS, TARGET_WORKERS, TARGET_SCALE = 16, 4, 3.5

CPU_LOOP = 4_000


def io_work(payload: Any) -> Any:
    time.sleep(0.001)
    return payload


def cpu_work(payload: Any) -> Any:
    total = 0
    for i in range(CPU_LOOP):
        total += i * i
    return payload


WORK: dict[str, Callable[[Any], Any]] = {'io': io_work, 'cpu': cpu_work}


def drive(call: Callable[[], object], callers: int, per_caller: int) -> dict[str, float]:
    """Release ``callers`` threads at once, each making ``per_caller`` calls."""
    barrier = threading.Barrier(callers + 1)
    samples: list[list[int]] = [[] for _ in range(callers)]
    errors: list[BaseException] = []
    clock = time.perf_counter_ns

    def caller(out: list[int]) -> None:
        try:
            barrier.wait(timeout=60)
            for _ in range(per_caller):
                start = clock()
                call()
                out.append(clock() - start)
        except Exception as exc:  # noqa: BLE001 - re-raised in the measuring thread
            errors.append(exc)

    # Daemon threads: a caller stuck in a broken subject must not keep the
    # interpreter alive after the bench has reported it.
    threads = [
        threading.Thread(target=caller, args=(out,), name=f'bench-caller-{i}', daemon=True)
        for i, out in enumerate(samples)
    ]
    for thread in threads:
        thread.start()
    deadline = 60.0 + callers * per_caller * 0.01
    with steady_gc():
        barrier.wait(timeout=60)
        start = clock()
        for thread in threads:
            thread.join(timeout=deadline)
            if thread.is_alive():
                raise TimeoutError(f'{thread.name} did not finish within {deadline:g} s')
        elapsed = clock() - start
    if errors:
        raise errors[0]
    flat = [s for out in samples for s in out]
    return {'throughput': len(flat) / (elapsed / 1e9), 'p99': percentile(flat, 99) / 1e6}


# --- postroom (phase 2 tunes this; it runs as soon as the runtime exists) ---


def measure_postroom(kind: str, callers: int, workers: int, per_caller: int) -> dict[str, float]:
    """Callers ``invoke`` a service whose class sets ``workers``."""
    runtime_cls, service_cls = need('services', 'Runtime', 'Service')
    work = WORK[kind]

    def handle(self: Any) -> None:
        self.response.payload = work(self.request.payload)

    service = type(
        'BenchWork', (service_cls,), {'name': 'bench.work', 'workers': workers, 'handle': handle}
    )
    with runtime_cls() as rt:
        rt.deploy(service)
        for _ in range(workers * 2):
            rt.invoke('bench.work', PAYLOAD)
        return drive(lambda: rt.invoke('bench.work', PAYLOAD), callers, per_caller)


# --- baselines ---


class _WorkActor(pykka.ThreadingActor):
    def __init__(self, work: Callable[[Any], Any]) -> None:
        super().__init__()
        self.work = work

    def on_receive(self, message: Any) -> Any:
        return self.work(message)


def measure_pykka_pool(kind: str, callers: int, workers: int, per_caller: int) -> dict[str, float]:
    """``workers`` pykka actors; each call asks the next one round robin."""
    refs = [_WorkActor.start(WORK[kind]) for _ in range(workers)]
    try:
        ring = itertools.cycle(refs)  # next() is atomic under the GIL
        for _ in range(workers * 2):
            next(ring).ask(PAYLOAD)
        return drive(lambda: next(ring).ask(PAYLOAD), callers, per_caller)
    finally:
        for ref in refs:
            ref.stop()


def measure_thread_pool(kind: str, callers: int, workers: int, per_caller: int) -> dict[str, float]:
    """``workers`` threads behind one queue; each call waits for its result."""
    work = WORK[kind]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix='bench-pool') as pool:
        for _ in range(workers * 2):
            pool.submit(work, PAYLOAD).result()
        return drive(lambda: pool.submit(work, PAYLOAD).result(), callers, per_caller)


MEASURES = {
    POSTROOM: measure_postroom,
    PYKKA_POOL: measure_pykka_pool,
    THREAD_POOL: measure_thread_pool,
}


# --- the suite ---


def case_name(kind: str, callers: int, workers: int) -> str:
    return f'{kind} callers={callers} workers={workers}'


def run(ctx: RunContext) -> SuiteResult:
    started = time.perf_counter()
    callers_list = ctx.size((1, 4), (1, 4, 16, 64), (1, 4, 16, 64))
    workers_list = ctx.size((1, 4), (1, 2, 4, 8), (1, 2, 4, 8))
    calls = ctx.size(16, 160, 500)
    result = SuiteResult(NAME)

    def subject(name: str, kind: str, callers: int, workers: int) -> Subject:
        per_caller = max(2, calls // callers)
        role: Any = 'postroom' if name == POSTROOM else 'baseline'
        fn = MEASURES[name]
        return Subject(name, role, lambda: fn(kind, callers, workers, per_caller), METRICS)

    for kind in KINDS:
        for callers in callers_list:
            for workers in workers_list:
                case = Case(
                    case_name(kind, callers, workers),
                    [subject(name, kind, callers, workers) for name in SUBJECTS],
                )
                result.figures += ctx.run(NAME, case)
    for kind in KINDS:
        result.tables.append(table(result.figures, kind, callers_list, workers_list, calls))
    result.targets.append(target(result.figures))
    result.notes += scaling_notes(result.figures)
    result.plot['panels'] = panels(result.figures, callers_list, workers_list)
    result.seconds = time.perf_counter() - started
    return result


def table(
    figures: list[Figure], kind: str, callers_list: Any, workers_list: Any, calls: int
) -> Table:
    headers = ['callers', 'workers']
    for name in SUBJECTS:
        headers += [f'{SHORT[name]} calls/s', 'p99 ms']
    headers.append(f'{SHORT[POSTROOM]} ÷ {SHORT[PYKKA_POOL]}')
    rows = []
    for callers in callers_list:
        for workers in workers_list:
            case = case_name(kind, callers, workers)
            row = [str(callers), str(workers)]
            for name in SUBJECTS:
                for metric in ('throughput', 'p99'):
                    figure = find(figures, case, name, metric)
                    row.append(
                        '-'
                        if figure is None
                        else fmt(figure.median)
                        if figure.ok
                        else figure.status
                    )
            ours = find(figures, case, POSTROOM, 'throughput')
            row.append(ratio_text(ratio(ours, find(figures, case, PYKKA_POOL, 'throughput'))))
            rows.append(row)
    title = (
        f'{KIND_TITLES[kind]}, about {calls} calls per cell, medians; '
        f'{SHORT[PYKKA_POOL]} = {PYKKA_POOL}, {SHORT[THREAD_POOL]} = {THREAD_POOL}'
    )
    in_kind = (f for f in figures if f.case.startswith(f'{kind} '))
    return Table(title, headers, rows, footnotes=reasons(in_kind))


def scale(figures: list[Figure], subject: str) -> float | None:
    """Throughput at the target's cell with workers=4 over workers=1."""
    return ratio(
        find(figures, case_name('io', TARGET_CALLERS, TARGET_WORKERS), subject, 'throughput'),
        find(figures, case_name('io', TARGET_CALLERS, 1), subject, 'throughput'),
    )


def target(figures: list[Figure]) -> Target:
    name = (
        f'I/O-bound, {TARGET_CALLERS} callers: workers={TARGET_WORKERS} gives '
        f'>= {TARGET_SCALE}x the throughput of workers=1'
    )
    value = scale(figures, POSTROOM)
    if value is None:
        figure = find(figures, case_name('io', TARGET_CALLERS, 1), POSTROOM, 'throughput')
        why = figure.reason if figure is not None and figure.reason else 'cell not measured'
        return Target(name, None, why)
    return Target(name, value >= TARGET_SCALE, f'{value:.2f}x')


def scaling_notes(figures: list[Figure]) -> list[str]:
    out = []
    for name in (PYKKA_POOL, THREAD_POOL):
        value = scale(figures, name)
        if value is not None:
            out.append(
                f'{name}: I/O-bound, {TARGET_CALLERS} callers, workers={TARGET_WORKERS} '
                f'vs workers=1: {value:.2f}x'
            )
    return out


def panels(figures: list[Figure], callers_list: Any, workers_list: Any) -> list[dict[str, Any]]:
    out = []
    for kind in KINDS:
        for name in SUBJECTS:
            series = []
            for workers in workers_list:
                points = [
                    (c, find(figures, case_name(kind, c, workers), name, 'throughput'))
                    for c in callers_list
                ]
                xs = [c for c, f in points if f is not None and f.ok]
                ys = [f.median for _, f in points if f is not None and f.ok]
                if xs:
                    series.append({'label': f'workers={workers}', 'x': xs, 'y': ys})
            if series:
                out.append(
                    {
                        'title': f'fanout {KIND_TITLES[kind]}: {name}',
                        'x_label': 'concurrent callers',
                        'y_label': 'calls/s',
                        'log_x': True,
                        'log_base': 2,
                        'series': series,
                    }
                )
    return out
