"""Command line: ``python -m bench [SUITE...] [--quick] [--repeat N] ...``.

``postroom bench`` calls ``main`` with the same arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.context import Profile, RunContext, SuiteResult
from bench.progress import Progress
from bench.report import json_document, render
from bench.suites import SCALING, SUITES, load

__all__ = ['main']

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Issue 4: ``--quick`` finishes the whole suite in under a minute on a 2-core machine.
QUICK_LIMIT = 60.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='python -m bench',
        description=(
            'Measure postroom against its baselines in one run and print the ratios. '
            f'Suites: {", ".join(SUITES)} (default: all).'
        ),
    )
    parser.add_argument('suites', nargs='*', metavar='SUITE', help='suites to run (default: all)')
    parser.add_argument(
        '--quick', action='store_true', help='small sizes, one repeat: all suites in under a minute'
    )
    parser.add_argument(
        '--repeat',
        type=int,
        metavar='N',
        help='repeats per measurement; tables show the median (min-max) (default: 3, quick: 1)',
    )
    parser.add_argument('--json', type=Path, metavar='FILE', help='write every figure as JSON')
    parser.add_argument(
        '--plot', type=Path, metavar='FILE', help='write a PNG of the scaling suites (matplotlib)'
    )
    parser.add_argument('--pin', action='store_true', help='run this process on one CPU')
    # Internal: used by the test suite and by the latency suite's child process.
    parser.add_argument('--tiny', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--cpus', help=argparse.SUPPRESS)
    parser.add_argument('--no-progress', action='store_true', help=argparse.SUPPRESS)
    return parser


def _usage_problem(args: argparse.Namespace, suites: Sequence[str]) -> str | None:
    """What is wrong with the arguments, checked before anything is measured."""
    unknown = [s for s in args.suites if s not in SUITES]
    if unknown:
        return f'unknown suite {unknown[0]!r} (choose from: {", ".join(SUITES)})'
    if args.repeat is not None and args.repeat < 1:
        return f'--repeat must be at least 1, not {args.repeat}'
    if args.quick and args.tiny:
        return '--quick and --tiny exclude each other'
    if args.plot is not None:
        from bench.plot import PlotUnavailable, require_matplotlib  # noqa: PLC0415

        try:
            require_matplotlib()
        except PlotUnavailable as exc:
            return str(exc)
        if not any(s in SCALING for s in suites):
            return f'--plot draws the scaling suites ({", ".join(SCALING)}); none selected'
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suites named in ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    0: every measurement ran (targets may still be missed: the tables say so);
    1: a measurement failed; 2: bad usage (unknown suite, --plot without
    matplotlib, ...), in which case nothing is measured.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:  # argparse reports usage errors itself
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE

    suites = [s for s in SUITES if s in args.suites] if args.suites else list(SUITES)
    problem = _usage_problem(args, suites)
    if problem:
        print(f'bench: error: {problem}', file=sys.stderr)
        return EXIT_USAGE

    original_cpus = frozenset(os.sched_getaffinity(0))
    try:
        if args.cpus:
            os.sched_setaffinity(0, {int(c) for c in args.cpus.split(',')})
        elif args.pin:
            os.sched_setaffinity(0, {min(original_cpus)})
    except (ValueError, OSError) as exc:
        print(f'bench: error: cannot set the CPU affinity: {exc}', file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(args, args_list, suites, original_cpus)
    finally:
        # main() may be called in a long-lived process (postroom bench, tests).
        os.sched_setaffinity(0, original_cpus)


def _run(
    args: argparse.Namespace,
    args_list: Sequence[str],
    suites: Sequence[str],
    original_cpus: frozenset[int],
) -> int:
    profile: Profile = 'tiny' if args.tiny else 'quick' if args.quick else 'default'
    repeat = args.repeat or (3 if profile == 'default' else 1)
    results: list[SuiteResult] = []
    with Progress(enabled=not args.no_progress) as progress:
        ctx = RunContext(
            profile=profile,
            repeat=repeat,
            original_cpus=original_cpus,
            child=args.child,
            progress=progress,
        )
        started = time.perf_counter()
        for name in suites:
            result = load(name)(ctx)
            results.append(result)
            if not args.child:
                progress.write(render(result) + '\n')
        total = time.perf_counter() - started
    if not args.child:
        cpus = 'pinned to one CPU' if ctx.pinned else f'{len(os.sched_getaffinity(0))} CPUs'
        ran = ', '.join(suites)
        print(f'bench: {ran} in {total:.1f} s ({profile} sizes, repeat {repeat}, {cpus})')
        if profile == 'quick' and set(suites) == set(SUITES) and args.repeat is None:
            mark = 'HOLDS' if total < QUICK_LIMIT else 'MISSED'
            print(f'bench: target {mark}: --quick runs every suite in under {QUICK_LIMIT:g} s')

    if args.json is not None:
        options = {
            'suites': suites,
            'profile': profile,
            'repeat': repeat,
            'pin': args.pin,
            'pinned': ctx.pinned,
            'seconds': round(total, 3),
        }
        document = json_document(results, options, args_list)
        args.json.write_text(json.dumps(document, indent=2) + '\n')
    if args.plot is not None:
        from bench.plot import write_plot  # noqa: PLC0415

        write_plot([r for r in results if r.name in SCALING], args.plot)
        print(f'bench: plot written to {args.plot}')
    return EXIT_FAILED if any(r.failed for r in results) else EXIT_OK
