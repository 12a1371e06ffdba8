"""Run pykka's own test suite against ``actors.PooledActor``.

    python tests/pykka_conformance/run.py [PYTEST_ARGS...]

Downloads the pykka source distribution (the version installed here, which
must be 4.5.x) with ``pip download`` into a temporary directory, unpacks it
and runs its ``tests/`` with ``pooled_plugin`` swapping ``PooledActor`` in.
Only ``tests/test_threading_actor.py`` (about threads specifically) is
skipped. Nothing of pykka's is kept. The exit code is pytest's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

PYKKA_SERIES = '4.5.'
SKIPPED = 'tests/test_threading_actor.py'
HERE = Path(__file__).resolve().parent


def fetch_sdist(version: str, into: Path) -> Path:
    """Download and unpack the pykka ``version`` sdist; the unpacked directory."""
    subprocess.run(
        [
            sys.executable,
            '-m',
            'pip',
            'download',
            f'pykka=={version}',
            '--no-deps',
            '--no-binary',
            ':all:',
            '--quiet',
            '--dest',
            str(into),
        ],
        check=True,
    )
    archives = list(into.glob(f'pykka-{version}.tar.gz'))
    if not archives:
        raise SystemExit(f'run.py: pip left no pykka-{version}.tar.gz in {into}')
    with tarfile.open(archives[0]) as tar:
        tar.extractall(into, filter='data')
    source = into / f'pykka-{version}'
    if not (source / 'tests' / 'conftest.py').is_file():
        raise SystemExit(f'run.py: {source} has no tests/conftest.py')
    return source


def main(argv: list[str]) -> int:
    """Fetch pykka's sources and run its tests with PooledActor; pytest's exit code."""
    version = metadata.version('pykka')
    if not version.startswith(PYKKA_SERIES):
        raise SystemExit(f'run.py: pykka {version} is installed; this checks {PYKKA_SERIES}x')
    with tempfile.TemporaryDirectory(prefix='pykka-conformance-') as tmp:
        source = fetch_sdist(version, Path(tmp))
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(p for p in (str(HERE), env.get('PYTHONPATH', '')) if p)
        command = [
            sys.executable,
            '-m',
            'pytest',
            '-p',
            'pooled_plugin',
            '-p',
            'no:cacheprovider',
            f'--ignore={SKIPPED}',
            '--timeout=30',
            '-q',
            'tests',
            *argv,
        ]
        print(f'run.py: pykka {version} tests against actors.PooledActor', flush=True)
        return subprocess.run(command, cwd=source, env=env, check=False).returncode


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
