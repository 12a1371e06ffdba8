"""actors: many live actors, thread actors beside pooled actors (issues 4 and 5).

Kinds of actor (the table's columns): pykka's own ``ThreadingActor`` (the
baseline: a thread each), postroom's ``actors.ThreadActor`` (a thread each,
spawned by an ``ActorSystem``) and postroom's ``actors.PooledActor`` (no
thread of its own: a shared pool runs it). For each kind and population size
N, every repeat measures one population in a fresh process
(``bench.populations``, which says how): spawn rate, resident memory per
actor, ask latency to a probe actor alone and with the N idle, a message to
each of the N until all are handled, and stopping them all.

Thread actors are measured at 1,000 and 10,000 (a process holds only about
22,000 threads here); pooled actors up to 1,000,000 (default sizes; 100,000
with ``--quick``). The suite then judges issue 5's targets, each against
thread actors of the same run where both fit, and issue 4's thread ceiling.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bench.context import RunContext, SuiteResult, Table
from bench.harness import Case, Figure, Metric, Subject, Target
from bench.populations import (
    KINDS,
    UNITS,
    ActorKind,
    PooledKind,
    PostroomThreadKind,
    PykkaThreadKind,
    measure_in_child,
    thread_ceiling,
)
from bench.report import cell, find, fmt, ratio, ratio_text, reasons

NAME = 'actors'
PYKKA = PykkaThreadKind.name
THREAD = PostroomThreadKind.name
POOLED = PooledKind.name
BASELINE = PYKKA

METRICS = tuple(Metric(name, unit, better) for name, (unit, better) in UNITS.items())
#: The metrics in the table (the spread of the two alone timings goes to the ask target).
TABLE_METRICS = (
    'spawn rate',
    'memory per actor',
    'ask alone',
    'ask with N idle',
    'message each',
    'stop all',
)
#: Populations this large are measured once, whatever --repeat says.
ONCE = 1_000_000

# Issue 5's targets.
LIVE = 1_000_000
MEMORY_MAX, MEMORY_AIM = 2_600, 2_000  # bytes per actor (Erlang's 2.6 KB; aim 2 KB)
SPAWN_MIN, SPAWN_AIM = 50_000, 100_000  # actors/s
EACH_POOLED, EACH_THREAD, EACH_SPEEDUP = 100_000, 10_000, 10.0
#: "No slower than with none": the ask with N idle may exceed the ask alone by this much.
ASK_TOLERANCE = 1.10
STOP_MAX = 60.0  # "seconds, not minutes"
#: Memory and spawn rate are judged only on a population at least this large.
JUDGE_MIN = 100_000


def thread_sizes(ctx: RunContext) -> tuple[int, ...]:
    return ctx.size((20,), (1_000, 2_000), (1_000, 10_000))


def pooled_sizes(ctx: RunContext) -> tuple[int, ...]:
    return ctx.size((20, 100), (1_000, 2_000, 100_000), (1_000, 10_000, 100_000, 1_000_000))


def ask_timing(ctx: RunContext) -> dict[str, Any]:
    """Asks per round, rounds, and the pause between rounds (see ``median_ask_us``)."""
    asks, rounds, pause = ctx.size((20, 2, 0.0), (300, 8, 0.04), (500, 16, 0.06))
    return {'asks': asks, 'rounds': rounds, 'pause': pause}


def case_name(count: int) -> str:
    return f'N={count:,}'


# --- the suite ---


def run(ctx: RunContext) -> SuiteResult:
    started = time.perf_counter()
    result = SuiteResult(NAME)
    kinds = [k() for k in KINDS]
    sizes = {k.name: pooled_sizes(ctx) if k.key == 'pooled' else thread_sizes(ctx) for k in kinds}
    counts = sorted({n for kind in kinds for n in sizes[kind.name]})
    timing = ask_timing(ctx)
    for count in counts:
        subjects = [
            Subject(kind.name, kind.role, _bind(kind, count, timing), METRICS)
            for kind in kinds
            if count in sizes[kind.name]
        ]
        cap = 1 if count >= ONCE else None
        result.figures += ctx.run(NAME, Case(case_name(count), subjects), max_repeat=cap)
    names = [k.name for k in kinds]
    result.tables.append(table(result.figures, names, counts))
    result.targets += targets(result.figures, sizes[POOLED], sizes[PYKKA])
    result.notes += crowd_notes(result.figures, names, counts)
    result.notes.append(
        'every population runs in a fresh process, garbage collector on; asks are timed on one '
        f'CPU, the lowest median of {timing["rounds"]} rounds of {timing["asks"]} '
        f'({timing["pause"]:g} s apart), before/after and twice with N idle'
    )
    result.plot['panels'] = panels(result.figures, names, counts)
    result.seconds = time.perf_counter() - started
    return result


def _bind(kind: ActorKind, count: int, timing: dict[str, Any]) -> Any:
    return lambda: measure_in_child(kind, count, **timing)


def table(figures: list[Figure], kinds: Sequence[str], counts: Sequence[int]) -> Table:
    others = [k for k in kinds if k != BASELINE]
    headers = ['N', 'metric', *kinds, *(f'{k} ÷ pykka' for k in others)]
    rows = []
    for count in counts:
        case = case_name(count)
        if not any(f.case == case and f.status != 'unavailable' for f in figures):
            continue  # only unavailable kinds run this size: the footnote says why
        for metric in TABLE_METRICS:
            unit = UNITS[metric][0]
            row = [f'{count:,}', f'{metric} ({unit})']
            row += [cell(find(figures, case, k, metric)) for k in kinds]
            base = find(figures, case, BASELINE, metric)
            row += [ratio_text(ratio(find(figures, case, k, metric), base)) for k in others]
            rows.append(row)
    return Table(
        f'one column per kind of actor, medians (min-max); ratio = kind ÷ {BASELINE}, '
        'per metric, at the same N',
        headers,
        rows,
        footnotes=reasons(figures),
    )


def crowd_notes(figures: list[Figure], kinds: Sequence[str], counts: Sequence[int]) -> list[str]:
    """For each kind at its largest N: how much slower one ask is with the N idle."""
    out = []
    for kind in kinds:
        measured = [n for n in counts if _value(figures, kind, n, 'ask with N idle') is not None]
        if not measured:
            continue
        n = max(measured)
        crowd = _value(figures, kind, n, 'ask with N idle')
        alone = _value(figures, kind, n, 'ask alone')
        if crowd is not None and alone:
            out.append(
                f'{kind}: one ask with {n:,} idle actors alive takes {crowd / alone:.2f}x '
                f'as long as with none ({fmt(crowd)} us vs {fmt(alone)} us)'
            )
    return out


# --- targets ---


def _value(figures: Sequence[Figure], kind: str, count: int, metric: str) -> float | None:
    figure = find(figures, case_name(count), kind, metric)
    return figure.median if figure is not None and figure.ok else None


def _largest(figures: Sequence[Figure], kind: str, sizes: Sequence[int], metric: str) -> int | None:
    """The largest N at which ``kind``'s ``metric`` was measured."""
    measured = [n for n in sizes if _value(figures, kind, n, metric) is not None]
    return max(measured) if measured else None


def _failure(figures: Sequence[Figure], kind: str, count: int) -> Figure | None:
    """The figure of a population that failed (not merely unavailable), if any."""
    for figure in figures:
        if (figure.case, figure.subject, figure.status) == (case_name(count), kind, 'failed'):
            return figure
    return None


def _versus_thread(figures: Sequence[Figure], threads: Sequence[int], metric: str) -> str:
    """``metric`` of pooled against pykka thread actors at the largest N both have."""
    both = [
        n
        for n in threads
        if _value(figures, POOLED, n, metric) is not None
        and _value(figures, PYKKA, n, metric) is not None
    ]
    if not both:
        return 'no thread population of the same size to compare'
    n = max(both)
    pooled, thread = _value(figures, POOLED, n, metric), _value(figures, PYKKA, n, metric)
    assert pooled is not None
    assert thread is not None
    unit = UNITS[metric][0]
    return f'at N={n:,}: {fmt(pooled)} {unit} pooled vs {fmt(thread)} {unit} {PYKKA}'


def targets(
    figures: Sequence[Figure], pooled: Sequence[int], threads: Sequence[int]
) -> list[Target]:
    """Issue 5's scale targets and issue 4's thread ceiling, judged on this run's figures."""
    return [
        target_live(figures, pooled),
        target_memory(figures, pooled, threads),
        target_spawn(figures, pooled, threads),
        target_message_each(figures, pooled, threads),
        target_ask(figures, pooled, threads),
        target_stop(figures, pooled, threads),
        target_thread_ceiling(figures, threads),
    ]


def _not_measured(name: str, needs: str, pooled: Sequence[int], extra: str = '') -> Target:
    largest = max(pooled) if pooled else 0
    detail = f'needs {needs} (default sizes); largest pooled population here: {largest:,}'
    return Target(name, None, f'{detail}; {extra}' if extra else detail)


def target_live(figures: Sequence[Figure], pooled: Sequence[int]) -> Target:
    name = f'{LIVE:,} live pooled actors in one process'
    if LIVE not in pooled:
        return _not_measured(name, f'{LIVE:,} pooled actors', pooled)
    failed = _failure(figures, POOLED, LIVE)
    if failed is not None:
        return Target(name, False, failed.reason)
    memory = _value(figures, POOLED, LIVE, 'memory per actor')
    if memory is None:
        return Target(name, None, 'PooledActor unavailable')
    detail = (
        'spawned, each told a message and all handled, then stopped; '
        f'{memory * LIVE / 2**20:,.0f} MiB resident for them'
    )
    ceiling = thread_ceiling()
    if ceiling is not None:
        detail += f'; thread actors: at most about {ceiling[0]:,} per process here'
    return Target(name, True, detail)


def target_memory(
    figures: Sequence[Figure], pooled: Sequence[int], threads: Sequence[int]
) -> Target:
    name = (
        f'resident memory per pooled actor <= {MEMORY_MAX / 1000:g} KB '
        f'(aim {MEMORY_AIM / 1000:g} KB)'
    )
    n = _largest(figures, POOLED, pooled, 'memory per actor')
    if n is None or n < JUDGE_MIN:
        return _not_measured(name, f'a pooled population of at least {JUDGE_MIN:,}', pooled)
    memory = _value(figures, POOLED, n, 'memory per actor')
    assert memory is not None
    aim = 'aim met' if memory <= MEMORY_AIM else 'aim not met'
    return Target(
        name,
        memory <= MEMORY_MAX,
        f'{memory:,.0f} B at N={n:,} ({aim}); '
        f'{_versus_thread(figures, threads, "memory per actor")}',
    )


def target_spawn(
    figures: Sequence[Figure], pooled: Sequence[int], threads: Sequence[int]
) -> Target:
    name = f'pooled spawn rate >= {SPAWN_MIN:,}/s (aim {SPAWN_AIM:,}/s)'
    n = _largest(figures, POOLED, pooled, 'spawn rate')
    if n is None or n < JUDGE_MIN:
        return _not_measured(name, f'a pooled population of at least {JUDGE_MIN:,}', pooled)
    rate = _value(figures, POOLED, n, 'spawn rate')
    assert rate is not None
    aim = 'aim met' if rate >= SPAWN_AIM else 'aim not met'
    return Target(
        name,
        rate >= SPAWN_MIN,
        f'{rate:,.0f}/s at N={n:,} ({aim}); {_versus_thread(figures, threads, "spawn rate")}',
    )


def target_message_each(
    figures: Sequence[Figure], pooled: Sequence[int], threads: Sequence[int]
) -> Target:
    name = (
        f'a message to each of {EACH_POOLED:,} pooled actors, all handled, >= {EACH_SPEEDUP:g}x '
        f'faster than to {EACH_THREAD:,} thread actors (judged against {PYKKA})'
    )
    ours = _value(figures, POOLED, EACH_POOLED, 'message each')
    theirs = _value(figures, PYKKA, EACH_THREAD, 'message each')
    if ours is None or theirs is None:
        per_message = []
        for kind, sizes in ((POOLED, pooled), (PYKKA, threads)):
            n = _largest(figures, kind, sizes, 'message each')
            seconds = _value(figures, kind, n, 'message each') if n else None
            if n and seconds is not None:
                per_message.append(f'{kind} {seconds / n * 1e6:.2f} us per actor at N={n:,}')
        extra = ('at this size: ' + ', '.join(per_message)) if per_message else ''
        needs = f'{EACH_POOLED:,} pooled and {EACH_THREAD:,} thread actors'
        return _not_measured(name, needs, pooled, extra)
    speedup = theirs / ours
    detail = (
        f'{speedup:.1f}x ({fmt(ours)} s for {EACH_POOLED:,} pooled vs {fmt(theirs)} s for '
        f'{EACH_THREAD:,} {PYKKA})'
    )
    ours_thread = _value(figures, THREAD, EACH_THREAD, 'message each')
    if ours_thread is not None:
        detail += f'; against {THREAD}: {ours_thread / ours:.1f}x ({fmt(ours_thread)} s)'
    return Target(name, speedup >= EACH_SPEEDUP, detail)


def target_ask(figures: Sequence[Figure], pooled: Sequence[int], threads: Sequence[int]) -> Target:
    name = (
        f'ask latency to one pooled actor with {LIVE:,} idle pooled actors alive no slower than '
        f'with none (tolerance: at most {ASK_TOLERANCE:.2f}x)'
    )

    def slowdown(kind: str, n: int) -> tuple[float, float, float] | None:
        crowd = _value(figures, kind, n, 'ask with N idle')
        alone = _value(figures, kind, n, 'ask alone')
        if crowd is None or not alone:
            return None
        return crowd / alone, crowd, alone

    n_thread = _largest(figures, PYKKA, threads, 'ask with N idle')
    thread = slowdown(PYKKA, n_thread) if n_thread else None
    versus = ''
    if thread is not None and n_thread:
        times = f'{fmt(thread[1])} vs {fmt(thread[2])} us'
        versus = f'{PYKKA} with {n_thread:,} idle: {thread[0]:.2f}x ({times})'
    ours = slowdown(POOLED, LIVE)
    if ours is None:
        n = _largest(figures, POOLED, pooled, 'ask with N idle')
        at = slowdown(POOLED, n) if n else None
        extra = f'with {n:,} idle: {at[0]:.2f}x' if at and n else ''
        extra = '; '.join(x for x in (extra, versus) if x)
        return _not_measured(name, f'{LIVE:,} pooled actors', pooled, extra)
    value, crowd, alone = ours
    spread = _value(figures, POOLED, LIVE, 'ask alone spread')
    noise = f'; the two timings with none differed by {spread:.2f}x' if spread else ''
    return Target(
        name,
        value <= ASK_TOLERANCE,
        f'{value:.2f}x ({fmt(crowd)} us with them vs {fmt(alone)} us with none{noise}); {versus}',
    )


def target_stop(figures: Sequence[Figure], pooled: Sequence[int], threads: Sequence[int]) -> Target:
    name = (
        f'stopping all {LIVE:,} pooled actors through ActorSystem.shutdown takes seconds, '
        f'not minutes (under {STOP_MAX:g} s)'
    )
    seconds = _value(figures, POOLED, LIVE, 'stop all')
    n_thread = _largest(figures, PYKKA, threads, 'stop all')
    thread = _value(figures, PYKKA, n_thread, 'stop all') if n_thread else None
    versus = (
        f'{n_thread:,} {PYKKA}s: {fmt(thread)} s, {thread / n_thread * 1e6:.0f} us each'
        if thread is not None and n_thread
        else ''
    )
    if seconds is None:
        failed = _failure(figures, POOLED, LIVE)
        if failed is not None:
            return Target(name, False, failed.reason)
        return _not_measured(name, f'{LIVE:,} pooled actors', pooled, versus)
    detail = f'{fmt(seconds)} s, {seconds / LIVE * 1e6:.1f} us each'
    return Target(name, seconds < STOP_MAX, f'{detail}; {versus}' if versus else detail)


def target_thread_ceiling(figures: Sequence[Figure], threads: Sequence[int]) -> Target:
    name = 'thread actors: the thread ceiling is reported, and a spawn beyond it fails fast'
    ceiling = thread_ceiling()
    if ceiling is None:
        return Target(name, None, 'this system does not say how many threads a process may hold')
    limit, why = ceiling
    hung = [
        f.reason
        for f in figures
        if f.subject in (PYKKA, THREAD) and f.status == 'failed' and 'did not finish' in f.reason
    ]
    if hung:
        return Target(name, False, hung[0])
    refused = [
        f.reason
        for f in figures
        if f.subject in (PYKKA, THREAD) and f.status == 'failed' and f.metric == 'spawn rate'
    ]
    detail = (
        f'a process holds about {limit:,} threads here ({why}); thread populations up to '
        f'{max(threads):,} are measured, one beyond 90% of the ceiling is refused before it '
        'starts, and a failed spawn stops what it started and names the spawn'
    )
    if refused:
        detail += f'; this run: {refused[0]}'
    n = _largest(figures, PYKKA, threads, 'ask with N idle')
    crowd = _value(figures, PYKKA, n, 'ask with N idle') if n else None
    alone = _value(figures, PYKKA, n, 'ask alone') if n else None
    if n and crowd is not None and alone:
        detail += (
            f'; with {n:,} idle {PYKKA}s one ask took {crowd / alone:.2f}x as long as with none '
            '(issue 4 measured 1.3-2x at 10,000)'
        )
    return Target(name, True, detail)


# --- plot ---


def panels(figures: list[Figure], kinds: Sequence[str], counts: Sequence[int]) -> list[Any]:
    out = []
    for metric in ('spawn rate', 'memory per actor', 'ask with N idle', 'message each', 'stop all'):
        series = []
        for kind in kinds:
            points = [(n, find(figures, case_name(n), kind, metric)) for n in counts]
            good = [(n, f.median) for n, f in points if f is not None and f.ok]
            if good:
                series.append({'label': kind, 'x': [n for n, _ in good], 'y': [v for _, v in good]})
        if series:
            out.append(
                {
                    'title': f'actors: {metric}',
                    'x_label': 'actors alive (N)',
                    'y_label': UNITS[metric][0],
                    'log_x': True,
                    # Thread and pooled actors differ by orders of magnitude, but not in asks.
                    'log_y': metric != 'ask with N idle',
                    'series': series,
                }
            )
    return out
