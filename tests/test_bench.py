"""The benchmark suite runs, reports every subject and writes its JSON.

Every run here uses the internal ``--tiny`` sizes. No test asserts a timing:
speed is what the benchmarks print, not what the tests check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import pykka
import pytest

from bench import cli
from bench.context import SuiteResult
from bench.harness import Case, Figure, Metric, Subject, Target, percentile, run_case
from bench.processes import descendants, leftovers, terminate
from bench.progress import Progress
from bench.report import render, subject_table
from bench.suites import SUITES
from bench.suites import actors as actors_suite

# Subjects each suite must report, whatever their status.
EXPECTED_SUBJECTS = {
    'latency': {
        'postroom invoke',
        'pykka ask (echo actor)',
        'queue.Queue ping-pong',
        'direct function call',
    },
    'throughput': {
        'postroom invoke_async',
        'postroom invoke_async, correlator full',
        'pykka two hops by hand',
        'pykka tell (one actor)',
        'queue.SimpleQueue producer/consumer',
    },
    'fanout': {'postroom service', 'pykka actors, round robin', 'ThreadPoolExecutor'},
    'actors': {'pykka thread', 'postroom thread', 'postroom pooled'},
    'peers': {'postroom invoke', 'pykka ask', 'thespian simpleSystemBase'},
}


def run_bench(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / 'bench.json'
    code = cli.main([*args, '--tiny', '--no-progress', '--json', str(out)])
    return code, json.loads(out.read_text())


def test_every_suite_has_expectations() -> None:
    assert set(EXPECTED_SUBJECTS) == set(SUITES)


@pytest.mark.parametrize('suite', SUITES)
def test_suite_reports_every_subject_with_units_and_stats(
    suite: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    threads_before = threading.active_count()
    code, doc = run_bench(tmp_path, suite)
    printed = capsys.readouterr().out

    assert code == 0
    assert f'== {suite} (' in printed
    figures = doc['suites'][suite]['figures']
    assert EXPECTED_SUBJECTS[suite] <= {f['subject'] for f in figures}
    for figure in figures:
        assert {'unit', 'median', 'min', 'max', 'samples', 'status'} <= figure.keys()
        assert figure['unit']
        if figure['role'] == 'postroom':
            # Until the runtime is complete a postroom row may be unavailable,
            # but it is always reported, and never as a failure.
            assert figure['status'] in ('ok', 'unavailable'), figure
        else:
            assert figure['status'] == 'ok', figure
        if figure['status'] == 'ok':
            assert figure['min'] <= figure['median'] <= figure['max']
        else:
            assert figure['median'] is None
            assert figure['reason']
    assert threading.active_count() == threads_before
    assert not pykka.ActorRegistry.get_all()


def test_json_has_machine_versions_and_options(tmp_path: Path) -> None:
    code, doc = run_bench(tmp_path, 'throughput', '--repeat', '2')

    assert code == 0
    assert {'cpu_count', 'platform', 'python'} <= doc['machine'].keys()
    assert doc['machine']['cpu_count'] == os.cpu_count()
    versions = doc['versions']
    assert {'postroom', 'pykka', 'cloudpickle', 'tabulate', 'thespian', 'ray'} <= versions.keys()
    assert versions['pykka'] == metadata.version('pykka')
    assert doc['options']['repeat'] == 2
    assert doc['options']['suites'] == ['throughput']
    for figure in doc['suites']['throughput']['figures']:
        if figure['status'] == 'ok':
            assert len(figure['samples']) == 2


def test_latency_reports_both_modes_and_judges_pinned(tmp_path: Path) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip('needs two CPUs to tell pinned from unpinned')
    before = os.sched_getaffinity(0)
    code, doc = run_bench(tmp_path, 'latency', '--pin')

    assert code == 0
    assert os.sched_getaffinity(0) == before  # main() restores the affinity
    cases = {f['case'] for f in doc['suites']['latency']['figures']}
    assert cases == {'pinned', 'unpinned'}
    (target,) = doc['suites']['latency']['targets']
    assert 'pinned' in target['name']


def test_plot_writes_a_png_of_the_scaling_suites(tmp_path: Path) -> None:
    pytest.importorskip('matplotlib')
    png = tmp_path / 'scaling.png'
    code = cli.main(['fanout', '--tiny', '--no-progress', '--plot', str(png)])

    assert code == 0
    assert png.read_bytes().startswith(b'\x89PNG')


def test_plot_without_matplotlib_is_a_clear_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, 'matplotlib', None)  # import matplotlib -> ImportError
    png = tmp_path / 'scaling.png'

    code = cli.main(['fanout', '--tiny', '--plot', str(png)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ''  # nothing was measured
    (line,) = captured.err.strip().splitlines()
    assert 'matplotlib' in line
    assert 'Traceback' not in captured.err
    assert not png.exists()


def test_unknown_suite_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(['latency', 'nosuch'])

    err = capsys.readouterr().err
    assert code == 2
    assert "unknown suite 'nosuch'" in err
    for name in SUITES:
        assert name in err


@pytest.mark.parametrize('args', [['--repeat', '0'], ['--repeat', 'x'], ['--bogus']])
def test_bad_options_return_2_instead_of_exiting(args: list[str]) -> None:
    assert cli.main(args) == 2


def test_python_m_bench_help_runs() -> None:
    proc = subprocess.run(
        [sys.executable, '-m', 'bench', '--help'],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 0
    assert '--quick' in proc.stdout
    assert '--pin' in proc.stdout


# --- harness and tables ---


def test_harness_marks_import_errors_unavailable_and_other_errors_failed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metric = (Metric('x', 'us', 'lower'),)

    def missing() -> dict[str, float]:
        raise ImportError('postroom not ready: services has no Runtime')

    def broken() -> dict[str, float]:
        raise ValueError('bad payload')

    calls = []

    def fine() -> dict[str, float]:
        calls.append(1)
        return {'x': float(len(calls))}

    case = Case(
        'c',
        [
            Subject('missing', 'postroom', missing, metric),
            Subject('broken', 'baseline', broken, metric),
            Subject('fine', 'baseline', fine, metric),
        ],
    )
    figures = {f.subject: f for f in run_case('s', case, repeat=3)}

    assert figures['missing'].status == 'unavailable'
    assert figures['missing'].reason == 'postroom not ready: services has no Runtime'
    assert figures['broken'].status == 'failed'
    assert figures['broken'].reason == 'ValueError: bad payload'
    assert 's / c / broken failed' in capsys.readouterr().err
    assert figures['fine'].samples == [1.0, 2.0, 3.0]
    assert (figures['fine'].min, figures['fine'].median, figures['fine'].max) == (1.0, 2.0, 3.0)


def test_table_shows_unavailable_rows_with_their_reason() -> None:
    figures = [
        Figure('s', 'c', 'postroom', 'postroom', 'median', 'us', 'lower', [], 'unavailable', 'why'),
        Figure('s', 'c', 'raw', 'baseline', 'median', 'us', 'lower', [10.0, 12.0]),
    ]
    table = subject_table(
        't', figures, case='c', metrics=['median'], reference='postroom', ratio_metric='median'
    )
    assert table.rows[0][:2] == ['postroom', 'unavailable']
    assert table.rows[1][:2] == ['raw', '11 (10-12)']
    assert table.footnotes == ['postroom: unavailable: why']


def test_ratio_is_postroom_over_baseline() -> None:
    figures = [
        Figure('s', 'c', 'postroom', 'postroom', 'median', 'us', 'lower', [30.0]),
        Figure('s', 'c', 'raw', 'baseline', 'median', 'us', 'lower', [20.0]),
    ]
    table = subject_table(
        't', figures, case='c', metrics=['median'], reference='postroom', ratio_metric='median'
    )
    assert [row[-1] for row in table.rows] == ['1.00x', '1.50x']


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 99) == 99
    assert percentile(values, 50) == 50
    assert percentile([7], 99) == 7
    with pytest.raises(ValueError, match='no values'):
        percentile([], 99)


def test_progress_without_tqdm_still_counts_and_writes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, 'tqdm', None)
    with Progress(enabled=True) as progress:
        progress.add(2, 'suite')
        progress.tick()
        progress.write('a line')
    assert capsys.readouterr().out == 'a line\n'


def test_render_lists_targets_and_notes() -> None:
    result = SuiteResult('demo', targets=[Target('t1', True, '1.1x'), Target('t2', None, 'n/a')])
    result.notes.append('hello')
    text = render(result)
    assert 'target HOLDS: t1: 1.1x' in text
    assert 'target NOT MEASURED: t2: n/a' in text
    assert 'note: hello' in text


# --- actors: fail fast when threads run out ---


def test_spawn_failure_stops_what_started_and_says_where(monkeypatch: pytest.MonkeyPatch) -> None:
    threads_before = threading.active_count()
    real_start = threading.Thread.start
    started: list[threading.Thread] = []

    def limited_start(self: threading.Thread) -> None:
        if len(started) >= 5:
            raise RuntimeError("can't start new thread")
        started.append(self)
        real_start(self)

    monkeypatch.setattr(threading.Thread, 'start', limited_start)
    kind = actors_suite.PykkaThreadKind()

    with pytest.raises(actors_suite.SpawnFailed) as info:
        actors_suite.spawn_population(kind, 20)

    message = str(info.value)
    assert 'pykka thread: spawn #6 of 20 failed' in message
    assert "can't start new thread" in message
    assert 'stopped the 5 started' in message
    assert not pykka.ActorRegistry.get_by_class(actors_suite.BenchThreadActor)
    for thread in started:
        thread.join(timeout=10)
    assert threading.active_count() == threads_before


def test_population_beyond_the_thread_ceiling_is_refused_up_front(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(actors_suite, 'thread_ceiling', lambda: (1_000, 'test limit'))
    threads_before = threading.active_count()

    with pytest.raises(actors_suite.SpawnFailed, match='refused before spawning'):
        actors_suite.measure_population(actors_suite.PykkaThreadKind(), 5_000)

    assert threading.active_count() == threads_before


def test_thread_ceiling_reads_this_machine() -> None:
    ceiling = actors_suite.thread_ceiling()
    assert ceiling is not None
    limit, why = ceiling
    assert limit > 0
    assert why


# --- peers: no process left behind ---


def test_leftovers_finds_a_child_and_terminate_ends_it() -> None:
    before = set(descendants())
    child = subprocess.Popen(
        [sys.executable, '-c', 'import sys; sys.stdin.read()'], stdin=subprocess.PIPE
    )
    try:
        assert child.pid in leftovers(before, grace=0)
        terminate({child.pid})
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    assert child.pid not in descendants()
