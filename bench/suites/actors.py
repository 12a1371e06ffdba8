"""actors: many live actors: spawn rate, memory, a message to each, stopping.

For each kind of actor and each population size N, one repeat:

1. spawns a probe actor and times asks to it alone (the reference);
2. spawns N actors (spawn rate) and reads the resident memory added per actor
   from ``/proc/self/statm``;
3. times asks to the probe again, with the N actors idle beside it;
4. tells each of the N actors one message and waits until all are handled;
5. stops them all.

Kinds are columns. Thread actors (pykka ``ThreadingActor``, the baseline;
postroom's ``actors.ActorSystem.spawn``) need one thread each, and a process
holds only about 22,000 threads here, so a population that cannot fit is
refused before spawning, and a spawn that fails anyway stops what it started
and reports the failure instead of hanging.

Extension point: issue 5's pooled actors are the ``PooledKind`` column. It
shows as unavailable until ``actors.PooledActor`` exists; its sizes go up to
1,000,000 because it needs no thread per actor.
"""

from __future__ import annotations

import ctypes
import gc
import os
import resource
import statistics
import threading
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import pykka

from bench.context import RunContext, SuiteResult, Table
from bench.harness import Case, Figure, Metric, Role, Subject, measure_calls, steady_gc
from bench.postroom import need
from bench.report import cell, find, fmt, ratio, ratio_text, reasons
from bench.workloads import Countdown, wait_for

NAME = 'actors'
METRICS = (
    Metric('spawn rate', 'actors/s', 'higher'),
    Metric('memory per actor', 'B', 'lower'),
    Metric('ask alone', 'us', 'lower'),
    Metric('ask with N idle', 'us', 'lower'),
    Metric('message each', 's', 'lower'),
    Metric('stop all', 's', 'lower'),
)
ASKS = 300
#: Populations this large are measured once, whatever --repeat says.
BIG = 100_000


class SpawnFailed(RuntimeError):
    """Spawning a population failed or was refused; what started was stopped."""


class _BenchBehaviour:
    """What every benchmarked actor does: count a Countdown, echo anything else."""

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Countdown):
            message.arrive()
            return None
        return message


class BenchThreadActor(_BenchBehaviour, pykka.ThreadingActor):
    """The actor spawned by the thread kinds."""


# --- thread ceiling ---


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def thread_ceiling() -> tuple[int, str] | None:
    """About how many threads this process can hold, and what limits it."""
    limits: list[tuple[int, str]] = []
    max_map_count = _read_int('/proc/sys/vm/max_map_count')
    if max_map_count:
        # Each thread costs about 3 memory mappings (stack, guard page, arena).
        limits.append((max_map_count // 3, f'vm.max_map_count {max_map_count:,} / 3 per thread'))
    threads_max = _read_int('/proc/sys/kernel/threads-max')
    if threads_max:
        limits.append((threads_max, f'kernel.threads-max {threads_max:,}'))
    nproc, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    if nproc != resource.RLIM_INFINITY:
        limits.append((nproc, f'RLIMIT_NPROC {nproc:,}'))
    return min(limits) if limits else None


def check_thread_room(kind: str, count: int) -> None:
    """Refuse a population that cannot fit, before starting a single thread."""
    ceiling = thread_ceiling()
    if ceiling is None:
        return
    limit, why = ceiling
    needed = threading.active_count() + count
    if needed > limit * 0.9:
        raise SpawnFailed(
            f'{kind}: {count:,} actors need {needed:,} threads; this process holds about '
            f'{limit:,} ({why}); refused before spawning'
        )


def rss_bytes() -> int:
    """Resident memory of this process, from /proc/self/statm."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def release_free_memory() -> None:
    """Collect garbage and hand free heap pages back to the OS (glibc ``malloc_trim``).

    Without this, memory freed by an earlier population is reused by the next
    one and its resident size barely grows: the per-actor figure would read 0.
    """
    gc.collect()
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the figure is only less exact
        pass


# --- kinds of actor (columns) ---


class ActorKind:
    """How one column hosts its actors. Subclasses fill in the hooks."""

    name: ClassVar[str]
    role: ClassVar[Role]
    uses_threads: ClassVar[bool] = True

    def sizes(self, ctx: RunContext) -> Sequence[int]:
        return ctx.size((20, 100), (1_000, 2_000), (1_000, 10_000))

    def open(self) -> None:
        """Prepare to spawn; raise ImportError when this kind is not available."""

    def spawn(self) -> Any:
        """Start one actor and return its ref (``tell``/``ask``)."""
        raise NotImplementedError

    def stop_all(self, refs: Sequence[Any]) -> None:
        """Stop every actor in ``refs`` and wait until they have stopped."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop whatever is still running (also after a failure)."""


class PykkaThreadKind(ActorKind):
    """Baseline: a plain pykka ``ThreadingActor`` per actor."""

    name = 'pykka thread'
    role = 'baseline'

    def __init__(self) -> None:
        self.started: list[Any] = []

    def spawn(self) -> Any:
        try:
            ref = BenchThreadActor.start()
        except RuntimeError:
            # pykka registered the actor before its thread failed to start;
            # nothing would ever answer a stop sent to it, so unregister it.
            known = {r.actor_urn for r in self.started}
            for ref in pykka.ActorRegistry.get_by_class(BenchThreadActor):
                if ref.actor_urn not in known:
                    pykka.ActorRegistry.unregister(ref)
            raise
        self.started.append(ref)
        return ref

    def stop_all(self, refs: Sequence[Any]) -> None:
        futures = [ref.stop(block=False) for ref in refs]
        for future in futures:
            future.get(timeout=60)
        stopped = {ref.actor_urn for ref in refs}
        self.started = [r for r in self.started if r.actor_urn not in stopped]

    def close(self) -> None:
        self.stop_all([ref for ref in self.started if ref.is_alive()])
        self.started = []


# --- postroom (phase 2 tunes this; it runs as soon as the runtime exists) ---


class PostroomThreadKind(ActorKind):
    """postroom: ``actors.ThreadActor`` spawned by ``actors.ActorSystem``; stop = system exit."""

    name = 'postroom thread'
    role = 'postroom'
    base_name = 'ThreadActor'

    def __init__(self) -> None:
        self.system: Any = None
        self.actor_class: type | None = None

    def open(self) -> None:
        system_cls, base = need('actors', 'ActorSystem', self.base_name)
        self.actor_class = type(f'Bench{self.base_name}', (_BenchBehaviour, base), {})
        self.system = system_cls()
        self.system.__enter__()

    def spawn(self) -> Any:
        return self.system.spawn(self.actor_class)

    def stop_all(self, refs: Sequence[Any]) -> None:
        system, self.system = self.system, None
        system.__exit__(None, None, None)

    def close(self) -> None:
        if self.system is not None:
            self.stop_all([])


class PooledKind(PostroomThreadKind):
    """Issue 5: ``actors.PooledActor`` on the system's shared pool; no thread each."""

    name = 'postroom pooled'
    role = 'postroom'
    base_name = 'PooledActor'
    uses_threads = False

    def sizes(self, ctx: RunContext) -> Sequence[int]:
        return ctx.size((20, 100), (1_000, 2_000, 100_000), (1_000, 10_000, 100_000, 1_000_000))


#: The columns, baseline first. Add a kind here to add a column.
KINDS: tuple[type[ActorKind], ...] = (PykkaThreadKind, PostroomThreadKind, PooledKind)
BASELINE = PykkaThreadKind.name


# --- one population ---


def spawn_population(kind: ActorKind, count: int) -> list[Any]:
    """Spawn ``count`` actors, or stop those started and raise SpawnFailed."""
    refs: list[Any] = []
    try:
        for _ in range(count):
            refs.append(kind.spawn())
    except (RuntimeError, MemoryError) as exc:
        started = len(refs)
        try:
            kind.close()
        except Exception as cleanup:  # noqa: BLE001 - attached to the error raised
            exc.add_note(f'stopping the {started:,} started actors failed too: {cleanup!r}')
        raise SpawnFailed(
            f'{kind.name}: spawn #{started + 1:,} of {count:,} failed ({exc}); '
            f'stopped the {started:,} started'
        ) from exc
    return refs


def measure_population(kind: ActorKind, count: int) -> dict[str, float]:
    """One repeat of the steps in the module docstring for ``count`` actors."""
    if kind.uses_threads:
        check_thread_room(kind.name, count + 1)
    kind.open()
    try:
        probe = kind.spawn()
        ask_alone = statistics.median(measure_calls(lambda: probe.ask('ping'), ASKS, ASKS // 10))
        release_free_memory()
        with steady_gc():
            memory_before = rss_bytes()
            start = time.perf_counter_ns()
            refs = spawn_population(kind, count)
            spawn_ns = time.perf_counter_ns() - start
            memory_after = rss_bytes()
        ask_crowd = statistics.median(measure_calls(lambda: probe.ask('ping'), ASKS, ASKS // 10))
        countdown = Countdown(count)
        with steady_gc():
            start = time.perf_counter_ns()
            for ref in refs:
                ref.tell(countdown)
            wait_for(countdown.done, 60 + count * 0.01, f'{kind.name}: a message to each')
            each_ns = time.perf_counter_ns() - start
            start = time.perf_counter_ns()
            kind.stop_all([probe, *refs])
            stop_ns = time.perf_counter_ns() - start
    finally:
        kind.close()
    return {
        'spawn rate': count / (spawn_ns / 1e9),
        'memory per actor': (memory_after - memory_before) / count,
        'ask alone': ask_alone / 1000,
        'ask with N idle': ask_crowd / 1000,
        'message each': each_ns / 1e9,
        'stop all': stop_ns / 1e9,
    }


# --- the suite ---


def case_name(count: int) -> str:
    return f'N={count:,}'


def run(ctx: RunContext) -> SuiteResult:
    started = time.perf_counter()
    result = SuiteResult(NAME)
    kinds = [k() for k in KINDS]
    counts = sorted({n for kind in kinds for n in kind.sizes(ctx)})
    for count in counts:
        subjects = [
            Subject(kind.name, kind.role, _bind(kind, count), METRICS)
            for kind in kinds
            if count in kind.sizes(ctx)
        ]
        # A population of 100,000 or more takes long enough to be its own average.
        cap = 1 if count >= BIG else None
        result.figures += ctx.run(NAME, Case(case_name(count), subjects), max_repeat=cap)
    result.tables.append(table(result.figures, [k.name for k in kinds], counts))
    result.notes += crowd_notes(result.figures, counts)
    result.plot['panels'] = panels(result.figures, [k.name for k in kinds], counts)
    result.seconds = time.perf_counter() - started
    return result


def _bind(kind: ActorKind, count: int) -> Any:
    return lambda: measure_population(kind, count)


def table(figures: list[Figure], kinds: Sequence[str], counts: Sequence[int]) -> Table:
    others = [k for k in kinds if k != BASELINE]
    headers = ['N', 'metric', *kinds, *(f'{k} ÷ {BASELINE}' for k in others)]
    rows = []
    for count in counts:
        case = case_name(count)
        if not any(f.ok for f in figures if f.case == case):
            continue  # only unavailable kinds run this size: the footnote says why
        for metric in METRICS:
            row = [f'{count:,}', f'{metric.name} ({metric.unit})']
            row += [cell(find(figures, case, k, metric.name)) for k in kinds]
            base = find(figures, case, BASELINE, metric.name)
            row += [ratio_text(ratio(find(figures, case, k, metric.name), base)) for k in others]
            rows.append(row)
    return Table(
        'one column per kind of actor; ratio = kind ÷ pykka thread, per metric',
        headers,
        rows,
        footnotes=reasons(figures),
    )


def crowd_notes(figures: list[Figure], counts: Sequence[int]) -> list[str]:
    out = []
    for count in counts:
        case = case_name(count)
        alone = find(figures, case, BASELINE, 'ask alone')
        crowd = find(figures, case, BASELINE, 'ask with N idle')
        value = ratio(crowd, alone)
        if value is not None:
            out.append(
                f'{BASELINE}: one ask with {count:,} idle actors alive takes {value:.2f}x '
                f'as long as with none ({fmt(crowd.median if crowd else None)} us)'
            )
    return out


def panels(figures: list[Figure], kinds: Sequence[str], counts: Sequence[int]) -> list[Any]:
    out = []
    for metric in METRICS:
        if metric.name in ('ask alone',):
            continue
        series = []
        for kind in kinds:
            points = [(n, find(figures, case_name(n), kind, metric.name)) for n in counts]
            good = [(n, f.median) for n, f in points if f is not None and f.ok]
            if good:
                series.append({'label': kind, 'x': [n for n, _ in good], 'y': [v for _, v in good]})
        if series:
            out.append(
                {
                    'title': f'actors: {metric.name}',
                    'x_label': 'actors alive (N)',
                    'y_label': metric.unit,
                    'log_x': True,
                    'log_y': True,  # thread and pooled actors differ by orders of magnitude
                    'series': series,
                }
            )
    return out
