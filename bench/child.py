"""Run a suite again in a child process on other CPUs and collect its figures.

The latency suite uses this to measure its second mode: a process pinned to
one CPU behaves differently from one that is not (thread hand-offs across
CPUs are bimodal on these VMs), and CPU affinity belongs to a whole process.
``bench_env`` is the environment every such child gets (``bench.populations``
uses it too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bench.context import RunContext
from bench.harness import Figure

__all__ = ['ChildFailed', 'bench_env', 'run_child']

_ROOT = str(Path(__file__).resolve().parent.parent)


class ChildFailed(RuntimeError):
    """The child process exited with an error or wrote no figures."""


def bench_env() -> dict[str, str]:
    """This process's environment, with this checkout first on ``PYTHONPATH``."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (_ROOT, env.get('PYTHONPATH')) if p)
    return env


def run_child(ctx: RunContext, suite: str, cpus: Iterable[int], timeout: float) -> list[Figure]:
    """Run ``python -m bench SUITE --child`` on ``cpus``; return its figures."""
    cpu_list = ','.join(str(c) for c in sorted(cpus))
    with tempfile.TemporaryDirectory(prefix='bench-child-') as tmp:
        out = Path(tmp) / 'figures.json'
        argv = [
            sys.executable,
            '-m',
            'bench',
            suite,
            '--child',
            '--no-progress',
            '--repeat',
            str(ctx.repeat),
            '--cpus',
            cpu_list,
            '--json',
            str(out),
        ]
        if ctx.profile != 'default':
            argv.append(f'--{ctx.profile}')
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=timeout, env=bench_env(), check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ChildFailed(
                f'{suite} on CPUs {cpu_list}: child did not finish in {timeout:g} s'
            ) from exc
        if proc.returncode not in (0, 1) or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ['(no output)'])[-1]
            raise ChildFailed(f'{suite} on CPUs {cpu_list}: child exited {proc.returncode}: {tail}')
        if proc.returncode == 1:
            # A measurement failed in the child: pass its report on.
            sys.stderr.write(proc.stderr)
        document = json.loads(out.read_text())
    return [Figure.from_json(suite, f) for f in document['suites'][suite]['figures']]
