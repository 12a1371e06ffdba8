"""Issue 5's scale measurements: pooled actors beside thread actors.

    python -m bench.pooled_scale [--actors N] [--json FILE] [--pool-size K]

Measures, for populations of pooled actors (``actors.PooledActor``) up to N
(default 1,000,000) and of thread actors where they fit (10,000 at most: one
thread each), both postroom's ``actors.ThreadActor`` (kind ``thread``) and
pykka's own ``ThreadingActor`` (kind ``pykka``):

- spawn rate and resident memory per actor (RSS growth over the population);
- ask latency to one actor with the population idle beside it, and alone
  (before the population was spawned and after it was stopped), timed with
  the process on one CPU (see ``_on_one_cpu``);
- a message to each actor, until all are handled;
- stopping them all (``ActorSystem.shutdown``, and ``actors.pooled.stop_many``).

The garbage collector stays on, as in an application. Timings are printed
as a table with ratios against thread actors, never asserted.

Each measurement is a function returning a plain dict whose keys carry
their units; the ``actors`` bench suite can call them:

    pop = spawn_population('pooled', 100_000)   # pop.spawn: spawn rate, memory
    ask_latency(pop)                            # to a probe actor, beside the idle population
    message_each(pop)
    stop_population(pop)                        # ends the population (and the probe)
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

import pykka
from tabulate import tabulate

from actors import ActorSystem, ThreadActor
from actors.pooled import PooledActor, stop_many

__all__ = [
    'Population',
    'ask_latency',
    'main',
    'message_each',
    'rss_bytes',
    'run',
    'spawn_population',
    'stop_population',
]

Kind = Literal['pooled', 'thread', 'pykka']
KINDS: tuple[Kind, ...] = ('pooled', 'thread', 'pykka')
THREAD_KINDS: tuple[Kind, ...] = ('thread', 'pykka')
THREAD_MAX = 10_000
"""The largest thread-actor population measured (a process holds about 22,000 threads)."""
ASKS = 500


class _Counter:
    """Counts arrivals from any thread; sets ``done`` at the expected number."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self._lock = threading.Lock()
        self._seen = 0
        self.done = threading.Event()

    def arrive(self) -> None:
        with self._lock:
            self._seen += 1
            last = self._seen == self.expected
        if last:
            self.done.set()


class _Behaviour(pykka.Actor):
    """Every measured actor: counts a ``_Counter`` in, echoes anything else."""

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, _Counter):
            message.arrive()
            return None
        return message


class BenchPooled(_Behaviour, PooledActor):
    """The pooled actor measured."""


class BenchThread(_Behaviour, ThreadActor):
    """The thread actor measured: postroom's ``actors.ThreadActor``."""


class BenchPykka(_Behaviour, pykka.ThreadingActor):
    """pykka's own ``ThreadingActor`` (daemon threads, so a failed run cannot hang)."""

    use_daemon_thread = True


ACTOR_CLASSES: dict[Kind, type[pykka.Actor]] = {
    'pooled': BenchPooled,
    'thread': BenchThread,
    'pykka': BenchPykka,
}


def rss_bytes() -> int:
    """Resident memory of this process (Linux ``/proc/self/statm``)."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def _release_free_memory() -> None:
    """Collect garbage and give free heap pages back, so RSS growth is the population's."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: only less exact
        ctypes.CDLL(None).malloc_trim(0)


@dataclass
class Population:
    """Live actors of one kind in their own system, and a probe actor in another."""

    kind: Kind
    system: ActorSystem
    refs: list[pykka.ActorRef[Any]]
    probe_system: ActorSystem
    probe: pykka.ActorRef[Any]
    spawn: dict[str, float] = field(default_factory=dict)
    ask_alone_before_us: float = 0.0
    stopped: bool = False


@contextlib.contextmanager
def _on_one_cpu() -> Iterator[None]:
    """Run every thread of this process on one CPU while the block runs (Linux).

    On a VM, a thread woken on another CPU costs tens of microseconds at
    random (an inter-processor interrupt), which would swamp an ask's round
    trip; on one CPU both kinds of actor are timed alike.
    """
    if not hasattr(os, 'sched_setaffinity'):
        yield
        return
    allowed = os.sched_getaffinity(0)
    one = {min(allowed)}

    def pin(cpus: set[int]) -> None:
        for thread in threading.enumerate():
            if thread.native_id is not None:
                with contextlib.suppress(OSError):  # the thread has just ended
                    os.sched_setaffinity(thread.native_id, cpus)

    pin(one)
    try:
        yield
    finally:
        pin(allowed)


def _median_ask_us(ref: pykka.ActorRef[Any], asks: int = ASKS, rounds: int = 9) -> float:
    """The lowest of ``rounds`` medians of ``asks`` timed asks, on one CPU.

    Noise only ever adds, so the lowest median is the figure least disturbed.
    """
    with _on_one_cpu():
        for _ in range(asks // 10):
            ref.ask('warm-up')
        clock = time.perf_counter_ns
        medians = []
        for _ in range(rounds):
            times = []
            for _ in range(asks):
                start = clock()
                ref.ask('ping')
                times.append(clock() - start)
            medians.append(statistics.median(times))
    return min(medians) / 1000


def spawn_population(kind: Kind, count: int, *, pool_size: int | None = None) -> Population:
    """Spawn ``count`` actors of ``kind`` in a new system; measure rate and memory.

    First a probe actor of the same kind is spawned in a system of its own,
    and its ask latency timed with no other actor alive. ``Population.spawn``
    holds ``actors``, ``seconds``, ``actors_per_s`` and ``rss_bytes_per_actor``.
    """
    actor_class = ACTOR_CLASSES[kind]
    probe_system = ActorSystem(f'scale-{kind}-probe', pool_size=pool_size)
    system = ActorSystem(f'scale-{kind}', pool_size=pool_size)
    probe = probe_system.spawn(actor_class)
    population = Population(kind, system, [], probe_system, probe)
    try:
        population.ask_alone_before_us = _median_ask_us(probe)
        _release_free_memory()
        before = rss_bytes()
        spawn = system.spawn
        refs = population.refs
        start = time.perf_counter()
        for _ in range(count):
            refs.append(spawn(actor_class))
        seconds = time.perf_counter() - start
        grown = rss_bytes() - before
    except BaseException:
        stop_population(population)
        raise
    population.spawn = {
        'actors': count,
        'seconds': seconds,
        'actors_per_s': count / seconds,
        'rss_bytes_per_actor': grown / count,
    }
    return population


def ask_latency(population: Population) -> dict[str, float]:
    """Median ask round trip to the probe with the population idle, and before it existed."""
    crowd = _median_ask_us(population.probe)
    alone = population.ask_alone_before_us
    return {
        'idle_actors': len(population.refs),
        'ask_alone_us': alone,
        'ask_with_idle_us': crowd,
        'with_idle_over_alone': crowd / alone,
    }


def message_each(population: Population, *, timeout: float = 600.0) -> dict[str, float]:
    """Tell every actor one message and wait until all are handled."""
    counter = _Counter(len(population.refs))
    start = time.perf_counter()
    for ref in population.refs:
        ref.tell(counter)
    if not counter.done.wait(timeout):
        raise TimeoutError(f'{population.kind}: a message to each was not handled in {timeout} s')
    seconds = time.perf_counter() - start
    return {
        'actors': len(population.refs),
        'seconds': seconds,
        'messages_per_s': len(population.refs) / seconds,
    }


def stop_population(
    population: Population,
    *,
    how: Literal['shutdown', 'stop_many'] = 'shutdown',
    timeout: float = 600.0,
) -> dict[str, float]:
    """Stop every actor and its system (``ActorSystem.shutdown``, or ``stop_many`` first).

    Then times the probe's asks once more, alone again (``ask_alone_after_us``),
    and stops it.
    """
    if population.stopped:
        raise RuntimeError(f'{population.kind} population already stopped')
    population.stopped = True
    count = len(population.refs)
    try:
        start = time.perf_counter()
        if how == 'stop_many':
            stop_many(reversed(population.refs), timeout=timeout)
        population.system.shutdown(timeout=timeout)
        seconds = time.perf_counter() - start
        population.refs.clear()
        _release_free_memory()
        after = _median_ask_us(population.probe)
    finally:
        population.probe_system.shutdown(timeout=timeout)
    return {
        'actors': count,
        'seconds': seconds,
        'actors_per_s': count / seconds,
        'ask_alone_after_us': after,
    }


# --- the script ---


def _plan(largest: int) -> list[tuple[Kind, int]]:
    sizes = sorted({n for n in (10_000, 100_000, largest) if n <= largest})
    plan: list[tuple[Kind, int]] = [(kind, min(largest, THREAD_MAX)) for kind in THREAD_KINDS]
    plan += [('pooled', n) for n in sizes]
    return plan


def measure(
    kind: Kind,
    count: int,
    *,
    pool_size: int | None = None,
    stop: Literal['shutdown', 'stop_many'] = 'shutdown',
) -> dict[str, Any]:
    """Every measurement on one population of ``count`` actors of ``kind``."""
    population = spawn_population(kind, count, pool_size=pool_size)
    result: dict[str, Any] = {'kind': kind, 'actors': count, 'spawn': population.spawn}
    try:
        result['ask'] = ask_latency(population)
        result['message_each'] = message_each(population)
        # Alone is timed twice (before and after the population), so the crowd too.
        again = ask_latency(population)['ask_with_idle_us']
        result['ask']['ask_with_idle_us'] = min(result['ask']['ask_with_idle_us'], again)
    except BaseException:
        stop_population(population)
        raise
    result['stop'] = {'how': stop, **stop_population(population, how=stop)}
    # Alone is timed before the population and after it: the quieter of the two.
    ask = result['ask']
    ask['ask_alone_us'] = min(ask['ask_alone_us'], result['stop']['ask_alone_after_us'])
    ask['with_idle_over_alone'] = ask['ask_with_idle_us'] / ask['ask_alone_us']
    return result


def measure_in_child(
    kind: Kind,
    count: int,
    *,
    pool_size: int | None = None,
    stop: Literal['shutdown', 'stop_many'] = 'shutdown',
) -> dict[str, Any]:
    """``measure`` in a fresh interpreter, so no population inherits another's heap or threads."""
    command = [sys.executable, '-m', 'bench.pooled_scale', '--child', kind, str(count), stop]
    if pool_size is not None:
        command += ['--pool-size', str(pool_size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f'measuring {count:,} {kind} actors failed (exit {done.returncode}):\n{done.stderr}'
        )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run(largest: int, *, pool_size: int | None = None, log: Any = print) -> list[dict[str, Any]]:
    """Measure the plan for ``largest``, each population in its own process.

    Thread actors where they fit, pooled actors at 10,000, 100,000 and
    ``largest``. The largest pooled population is measured twice: stopped
    with ``ActorSystem.shutdown``, and with ``stop_many`` (the bulk path).
    """
    plan: list[tuple[Kind, int, Literal['shutdown', 'stop_many']]] = [
        (kind, count, 'shutdown') for kind, count in _plan(largest)
    ]
    if largest > THREAD_MAX:
        plan.append(('pooled', largest, 'stop_many'))
    results = []
    for kind, count, stop in plan:
        log(f'measuring {count:,} {kind} actors (stop: {stop}) ...')
        results.append(measure_in_child(kind, count, pool_size=pool_size, stop=stop))
    return results


def _find(results: Sequence[dict[str, Any]], kind: str, count: int) -> dict[str, Any] | None:
    for result in results:
        if result['kind'] == kind and result['actors'] == count:
            return result
    return None


def table(results: Sequence[dict[str, Any]]) -> str:
    """The results as a table, with ratios against thread actors of the same size."""
    headers = [
        'kind',
        'actors',
        'spawn/s',
        'B/actor',
        'ask alone us',
        'ask w/ idle us',
        'msg each s',
        'stop',
        'stop s',
        'vs postroom thread (same N): spawn, memory, msg each',
    ]
    rows = []
    for r in results:
        thread = _find(results, 'thread', r['actors']) if r['kind'] == 'pooled' else None
        versus = ''
        if thread is not None:
            versus = (
                f'{r["spawn"]["actors_per_s"] / thread["spawn"]["actors_per_s"]:.1f}x faster, '
                f'{thread["spawn"]["rss_bytes_per_actor"] / r["spawn"]["rss_bytes_per_actor"]:.0f}x'
                f' smaller, '
                f'{thread["message_each"]["seconds"] / r["message_each"]["seconds"]:.1f}x faster'
            )
        rows.append(
            [
                r['kind'],
                f'{r["actors"]:,}',
                f'{r["spawn"]["actors_per_s"]:,.0f}',
                f'{r["spawn"]["rss_bytes_per_actor"]:,.0f}',
                f'{r["ask"]["ask_alone_us"]:.1f}',
                f'{r["ask"]["ask_with_idle_us"]:.1f}',
                f'{r["message_each"]["seconds"]:.2f}',
                r['stop']['how'],
                f'{r["stop"]["seconds"]:.2f}',
                versus,
            ]
        )
    return tabulate(rows, headers=headers, disable_numparse=True)


def targets(results: Sequence[dict[str, Any]]) -> list[str]:
    """Issue 5's targets, each with the figure measured and whether it holds."""
    lines: list[str] = []
    pooled = [r for r in results if r['kind'] == 'pooled']
    if not pooled:
        return lines
    big = max(pooled, key=lambda r: (r['actors'], r['stop']['how'] == 'shutdown'))
    n = f'{big["actors"]:,}'

    def line(ok: bool, text: str) -> None:
        lines.append(f'[{"ok" if ok else "MISSED"}] {text}')

    memory = big['spawn']['rss_bytes_per_actor']
    line(memory <= 2600, f'memory per actor <= 2.6 KB (aim 2 KB): {memory:,.0f} B at {n}')
    rate = big['spawn']['actors_per_s']
    line(rate >= 50_000, f'spawn rate >= 50,000/s (aim 100,000/s): {rate:,.0f}/s at {n}')
    hundred_k = _find(results, 'pooled', 100_000)
    for kind, what in (('thread', 'postroom ThreadActor'), ('pykka', 'pykka ThreadingActor')):
        thread = next((r for r in results if r['kind'] == kind), None)
        if thread is None or hundred_k is None:
            continue
        speedup = thread['message_each']['seconds'] / hundred_k['message_each']['seconds']
        line(
            speedup >= 10,
            f'a message to each of 100,000 pooled actors >= 10x faster than to '
            f'{thread["actors"]:,} {what}s: {speedup:.1f}x '
            f'({hundred_k["message_each"]["seconds"]:.2f} s vs '
            f'{thread["message_each"]["seconds"]:.2f} s)',
        )
    slower = big['ask']['with_idle_over_alone']
    line(
        slower <= 1.1,
        f'ask with {n} idle pooled actors no slower than with none: {slower:.2f}x '
        f'({big["ask"]["ask_with_idle_us"]:.1f} us vs {big["ask"]["ask_alone_us"]:.1f} us; '
        '10% noise allowed)',
    )
    for r in pooled:
        if r['actors'] == big['actors']:
            seconds = r['stop']['seconds']
            line(
                seconds < 60,
                f'stopping all {n} takes seconds ({r["stop"]["how"]}): {seconds:.1f} s',
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: measure, print the table and the targets, optionally write JSON."""
    parser = argparse.ArgumentParser(
        prog='python -m bench.pooled_scale',
        description='Issue 5: pooled actors beside thread actors (spawn, memory, asks, '
        'a message to each, stopping). Each population runs in its own process.',
    )
    parser.add_argument('--actors', type=int, default=1_000_000, help='largest pooled population')
    parser.add_argument('--pool-size', type=int, default=None, help='pool threads (default: 2-4)')
    parser.add_argument('--json', metavar='FILE', help='also write the results as JSON')
    parser.add_argument('--child', nargs=3, metavar=('KIND', 'N', 'STOP'), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, count, stop = args.child
        json.dump(measure(kind, int(count), pool_size=args.pool_size, stop=stop), sys.stdout)
        return 0
    if args.actors < 1:
        parser.error('--actors must be at least 1')
    started = time.perf_counter()
    results = run(args.actors, pool_size=args.pool_size, log=lambda s: print(s, file=sys.stderr))
    print(table(results), flush=True)
    print()
    for text in targets(results):
        print(text)
    when = dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')
    print(
        f'\n{when}; Python {platform.python_version()}, pykka {metadata.version("pykka")}, '
        f'{os.cpu_count()} CPUs; {time.perf_counter() - started:.0f} s in all'
    )
    if args.json:
        document = {
            'date': when,
            'command': ' '.join(['python -m bench.pooled_scale', *(argv or sys.argv[1:])]),
            'python': platform.python_version(),
            'pykka': metadata.version('pykka'),
            'cpus': os.cpu_count(),
            'results': results,
            'targets': targets(results),
        }
        with open(args.json, 'w') as f:
            json.dump(document, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
