"""One population of actors, measured in a process of its own.

The ``actors`` suite measures each population (one kind of actor, N of them,
one repeat) in a fresh interpreter::

    python -m bench.populations KIND N --out FILE [--asks A] [--rounds R]

so that no population inherits another's heap, threads or registry entries:
in one long-lived process the memory an earlier population freed is reused
by the next, and its growth reads close to zero. The garbage collector stays
on, as in an application.

One measurement, in order:

1. spawn a probe actor and time asks to it, with no other actor alive;
2. spawn the N actors: the spawn rate, and the resident memory (RSS, from
   ``/proc/self/statm``) they added, per actor;
3. time asks to the probe with the N actors idle beside it;
4. tell each of the N one message and wait until every one is handled;
5. time asks to the probe again, the N still idle;
6. stop them all, the probe too, the way a user does: ``ref.stop()`` for
   pykka's actors, ``ActorSystem.shutdown()`` for postroom's (a pooled
   system stops its actors in bulk with ``actors.pooled.stop_many``);
7. spawn a new probe and time asks to it alone once more, then stop it.

Asks are timed with every thread of the process on one CPU (see
``on_one_cpu``). Each timing is the lowest of R medians of A asks, the rounds
spread over time (``median_ask_us`` says why); "ask alone" is the lower of
steps 1 and 7, "ask with N idle" the lower of steps 3 and 5, and "ask alone
spread" the ratio of steps 1 and 7 (the noise between two timings of one
condition).

A thread actor needs a thread, and a process holds only about 22,000 threads
here: a thread population that cannot fit is refused before a single actor
starts, and a spawn that fails anyway stops every actor it started and names
the spawn that failed (``SpawnFailed``); the parent kills a measuring process
that overruns its time budget. Nothing waits forever.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pykka

from bench.child import bench_env
from bench.harness import Better, Role
from bench.postroom import need
from bench.workloads import Countdown, wait_for

__all__ = [
    'KINDS',
    'ActorKind',
    'PooledKind',
    'PopulationFailed',
    'PostroomThreadKind',
    'PykkaThreadKind',
    'SpawnFailed',
    'check_thread_room',
    'kind_by_key',
    'main',
    'measure_in_child',
    'measure_population',
    'on_one_cpu',
    'rss_bytes',
    'spawn_population',
    'thread_ceiling',
]

#: What ``measure_population`` returns, per metric: unit and which way is better.
UNITS: dict[str, tuple[str, Better]] = {
    'spawn rate': ('actors/s', 'higher'),
    'memory per actor': ('B', 'lower'),
    'ask alone': ('us', 'lower'),
    'ask with N idle': ('us', 'lower'),
    'ask alone spread': ('x', 'lower'),
    'message each': ('s', 'lower'),
    'stop all': ('s', 'lower'),
}

#: Exit code of the measuring process when spawning failed or was refused.
EXIT_SPAWN_FAILED = 3


class SpawnFailed(RuntimeError):
    """Spawning a population failed or was refused; what started was stopped."""


class PopulationFailed(RuntimeError):
    """The measuring process failed, or overran its time budget and was killed."""


class _BenchBehaviour:
    """What every measured actor does: count a Countdown in, echo anything else."""

    def on_receive(self, message: Any) -> Any:
        if isinstance(message, Countdown):
            message.arrive()
            return None
        return message


class BenchThreadActor(_BenchBehaviour, pykka.ThreadingActor):
    """The actor of the pykka baseline: a plain ``pykka.ThreadingActor``."""


# --- the thread ceiling ---


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


# --- memory ---


def rss_bytes() -> int:
    """Resident memory of this process, from /proc/self/statm."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def release_free_memory() -> None:
    """Collect garbage and hand free heap pages back to the OS (glibc ``malloc_trim``)."""
    gc.collect()
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the figure is only less exact
        pass


# --- kinds of actor ---


class ActorKind:
    """How one kind of actor is started and stopped. Subclasses fill in the hooks."""

    key: ClassVar[str]
    """Short name on the measuring process's command line."""
    name: ClassVar[str]
    """Column name in the suite's table."""
    role: ClassVar[Role]
    uses_threads: ClassVar[bool] = True
    seconds_per_actor: ClassVar[float] = 0.01
    """Time budget of one measurement per actor, on top of two minutes."""

    def open(self) -> None:
        """Prepare to spawn; raise ImportError when this kind is not available."""

    def spawn(self) -> Any:
        """Start one actor and return its ref (``tell``/``ask``)."""
        raise NotImplementedError

    def stop_all(self, refs: Sequence[Any], timeout: float) -> None:
        """Stop every actor in ``refs`` (all this kind started) and wait until they have."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop whatever is still running (also after a failure)."""

    def budget(self, count: int) -> float:
        """Seconds one measurement of ``count`` actors may take before it is killed."""
        return 120.0 + count * self.seconds_per_actor


class PykkaThreadKind(ActorKind):
    """Baseline: a plain pykka ``ThreadingActor`` per actor, stopped with ``ref.stop()``."""

    key = 'pykka'
    name = 'pykka ThreadingActor'
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

    def stop_all(self, refs: Sequence[Any], timeout: float) -> None:
        futures = [ref.stop(block=False) for ref in refs]
        deadline = time.monotonic() + timeout
        for future in futures:
            future.get(timeout=max(deadline - time.monotonic(), 0.0))
        stopped = {ref.actor_urn for ref in refs}
        self.started = [r for r in self.started if r.actor_urn not in stopped]

    def close(self) -> None:
        self.stop_all([ref for ref in self.started if ref.is_alive()], timeout=120.0)
        self.started = []


class PostroomThreadKind(ActorKind):
    """postroom's ``actors.ThreadActor`` spawned by an ``ActorSystem``; stopped by its shutdown."""

    key = 'thread'
    name = 'postroom ThreadActor'
    role = 'postroom'
    base_name = 'ThreadActor'

    def __init__(self) -> None:
        self.system: Any = None
        self.actor_class: type | None = None

    def open(self) -> None:
        system_cls, base = need('actors', 'ActorSystem', self.base_name)
        self.actor_class = type(f'Bench{self.base_name}', (_BenchBehaviour, base), {})
        self.system = system_cls(f'bench-{self.key}')

    def spawn(self) -> Any:
        return self.system.spawn(self.actor_class)

    def stop_all(self, refs: Sequence[Any], timeout: float) -> None:
        system, self.system = self.system, None
        system.shutdown(timeout=timeout)

    def close(self) -> None:
        if self.system is not None:
            self.stop_all([], timeout=120.0)


class PooledKind(PostroomThreadKind):
    """Issue 5: ``actors.PooledActor`` on its system's shared pool; no thread each."""

    key = 'pooled'
    name = 'postroom PooledActor'
    base_name = 'PooledActor'
    uses_threads = False
    seconds_per_actor = 0.0006


#: Every kind, baseline first: the suite's columns.
KINDS: tuple[type[ActorKind], ...] = (PykkaThreadKind, PostroomThreadKind, PooledKind)


def kind_by_key(key: str) -> type[ActorKind]:
    for kind in KINDS:
        if kind.key == key:
            return kind
    keys = ', '.join(k.key for k in KINDS)
    raise KeyError(f'unknown kind of actor {key!r} (choose from: {keys})')


# --- one population ---


@contextlib.contextmanager
def on_one_cpu() -> Iterator[None]:
    """Run every thread of this process on one CPU while the block runs (Linux).

    On these VMs a thread woken on the other CPU costs tens of microseconds
    at random (an inter-processor interrupt), which would swamp an ask's
    round trip; on one CPU every kind of actor is timed alike.
    """
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


def median_ask_us(ref: Any, asks: int, rounds: int, pause: float = 0.0) -> float:
    """The lowest of ``rounds`` medians of ``asks`` timed asks to ``ref``, on one CPU, in us.

    ``pause`` seconds between rounds spread them over time: an ask here takes
    about 10 or about 15 us, switching between the two every fraction of a
    second whether or not other actors exist, and the rounds should catch the
    fast mode in every condition compared.
    """
    clock = time.perf_counter_ns
    medians = []
    for number in range(rounds):
        if number and pause:
            time.sleep(pause)  # sampling over time, not synchronisation
        with on_one_cpu():
            if not number:
                for _ in range(max(1, asks // 10)):
                    ref.ask('warm-up')
            times = [0] * asks
            for i in range(asks):
                start = clock()
                ref.ask('ping')
                times[i] = clock() - start
        medians.append(statistics.median(times))
    return min(medians) / 1000


def spawn_population(kind: ActorKind, count: int) -> list[Any]:
    """Spawn ``count`` actors, or stop those started and raise SpawnFailed."""
    refs: list[Any] = []
    spawn = kind.spawn
    try:
        for _ in range(count):
            refs.append(spawn())
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


def measure_population(
    kind: ActorKind, count: int, *, asks: int = 500, rounds: int = 9, pause: float = 0.0
) -> dict[str, float]:
    """The steps in the module docstring for ``count`` actors of ``kind``, in this process."""
    if kind.uses_threads:
        check_thread_room(kind.name, count + 1)
    timeout = kind.budget(count)

    def ask_us(ref: Any) -> float:
        return median_ask_us(ref, asks, rounds, pause)

    kind.open()
    try:
        probe = kind.spawn()
        alone = [ask_us(probe)]
        release_free_memory()
        memory_before = rss_bytes()
        start = time.perf_counter_ns()
        refs = spawn_population(kind, count)
        spawn_ns = time.perf_counter_ns() - start
        memory_after = rss_bytes()
        crowd = [ask_us(probe)]
        countdown = Countdown(count)
        start = time.perf_counter_ns()
        for ref in refs:
            ref.tell(countdown)
        wait_for(countdown.done, timeout, f'{kind.name}: a message to each of {count:,}')
        each_ns = time.perf_counter_ns() - start
        crowd.append(ask_us(probe))
        start = time.perf_counter_ns()
        kind.stop_all([probe, *refs], timeout)
        stop_ns = time.perf_counter_ns() - start
        # Alone once more, after the population is gone: a second sample of
        # the same condition, apart in time (and a measure of the noise).
        del refs, probe
        release_free_memory()
        kind.open()
        probe = kind.spawn()
        alone.append(ask_us(probe))
        kind.stop_all([probe], timeout)
    finally:
        kind.close()
    return {
        'spawn rate': count / (spawn_ns / 1e9),
        'memory per actor': (memory_after - memory_before) / count,
        'ask alone': min(alone),
        'ask with N idle': min(crowd),
        'ask alone spread': max(alone) / min(alone),
        'message each': each_ns / 1e9,
        'stop all': stop_ns / 1e9,
    }


def measure_in_child(
    kind: ActorKind, count: int, *, asks: int, rounds: int, pause: float
) -> dict[str, float]:
    """``measure_population`` in a fresh interpreter; killed if it overruns its budget."""
    budget = kind.budget(count)
    with tempfile.TemporaryDirectory(prefix='bench-population-') as tmp:
        out = Path(tmp) / 'figures.json'
        argv = [
            sys.executable,
            '-m',
            'bench.populations',
            kind.key,
            str(count),
            '--out',
            str(out),
            '--asks',
            str(asks),
            '--rounds',
            str(rounds),
            '--pause',
            str(pause),
        ]
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=budget, env=bench_env(), check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PopulationFailed(
                f'{kind.name}: measuring {count:,} actors did not finish within {budget:g} s; '
                'the measuring process was killed'
            ) from exc
        tail = (proc.stderr.strip().splitlines() or ['(no output)'])[-1]
        if proc.returncode == EXIT_SPAWN_FAILED:
            raise SpawnFailed(tail)
        if proc.returncode != 0 or not out.exists():
            sys.stderr.write(proc.stderr)  # the child's traceback, for the record
            raise PopulationFailed(
                f'{kind.name}: measuring {count:,} actors: process exited {proc.returncode}: {tail}'
            )
        values: dict[str, float] = json.loads(out.read_text())
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """The measuring process: one population, its figures written as JSON to ``--out``."""
    parser = argparse.ArgumentParser(
        prog='python -m bench.populations',
        description='Measure one population of actors (used by the actors bench suite).',
    )
    parser.add_argument('kind', choices=[k.key for k in KINDS])
    parser.add_argument('count', type=int)
    parser.add_argument('--out', type=Path, required=True, help='write the figures here (JSON)')
    parser.add_argument('--asks', type=int, default=500, help='asks per timed round')
    parser.add_argument('--rounds', type=int, default=9, help='timed rounds; the lowest median')
    parser.add_argument('--pause', type=float, default=0.0, help='seconds between rounds')
    args = parser.parse_args(argv)
    if args.count < 1 or args.asks < 1 or args.rounds < 1 or args.pause < 0:
        parser.error('count, --asks and --rounds must be at least 1, --pause at least 0')
    try:
        values = measure_population(
            kind_by_key(args.kind)(),
            args.count,
            asks=args.asks,
            rounds=args.rounds,
            pause=args.pause,
        )
    except SpawnFailed as exc:
        print(exc, file=sys.stderr)
        return EXIT_SPAWN_FAILED
    args.out.write_text(json.dumps(values))
    return 0


if __name__ == '__main__':
    sys.exit(main())
