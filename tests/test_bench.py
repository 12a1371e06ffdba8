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
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import pykka
import pytest

from bench import cli, populations
from bench.context import SuiteResult
from bench.harness import Case, Figure, Metric, Subject, Target, percentile, run_case
from bench.processes import descendants, leftovers, terminate
from bench.progress import Progress
from bench.report import render, subject_table
from bench.suites import SUITES
from bench.suites import actors as actors_suite
from bench.suites import latency as latency_suite

# Subjects each suite must report, whatever their status.
EXPECTED_SUBJECTS = {
    'latency': {
        'postroom invoke',
        'pykka ask (echo actor)',
        'queue.Queue ping-pong',
        'direct function call',
        'actors.new_cid()',
        'uuid.uuid4().hex',
        'secrets.token_hex(12)',
        'os.urandom(12).hex()',
    },
    'throughput': {
        'postroom invoke_async',
        'postroom invoke_async, correlator full',
        'pykka two hops by hand',
        'pykka tell (one actor)',
        'queue.SimpleQueue producer/consumer',
    },
    'fanout': {'postroom service', 'pykka actors, round robin', 'ThreadPoolExecutor'},
    'actors': {'pykka ThreadingActor', 'postroom ThreadActor', 'postroom PooledActor'},
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
    assert cases == {'pinned', 'unpinned', 'cid'}
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


# --- actors: issue 5's targets beside thread actors; fail fast when threads run out ---


def test_actors_suite_prints_every_scale_target_and_what_it_could_not_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = run_bench(tmp_path, 'actors')
    printed = capsys.readouterr().out

    assert code == 0
    suite = doc['suites']['actors']
    pooled = {f['case'] for f in suite['figures'] if f['subject'] == 'postroom PooledActor'}
    assert pooled == {'N=20', 'N=100'}
    targets = {t['name']: t for t in suite['targets']}
    assert len(targets) == 7
    live = next(t for name, t in targets.items() if name.startswith('1,000,000 live pooled'))
    assert live['holds'] is None  # tiny sizes: judged at default sizes only
    assert 'needs 1,000,000 pooled actors' in live['detail']
    ceiling = next(t for name, t in targets.items() if 'thread ceiling' in name)
    assert ceiling['holds'] is True
    assert 'threads here' in ceiling['detail']
    for target in targets.values():
        mark = {True: 'HOLDS', False: 'MISSED', None: 'NOT MEASURED'}[target['holds']]
        assert f'target {mark}: {target["name"]}: ' in printed
    assert 'postroom PooledActor ÷ pykka' in printed


def _figures(values: dict[tuple[str, int, str], float]) -> list[Figure]:
    figures = []
    for (kind, count, metric), value in values.items():
        unit, better = populations.UNITS[metric]
        figures.append(
            Figure('actors', f'N={count:,}', kind, 'postroom', metric, unit, better, [value])
        )
    return figures


POOLED = 'postroom PooledActor'
PYKKA = 'pykka ThreadingActor'
THREAD = 'postroom ThreadActor'


def _scale_run(**pooled_1m: float) -> list[Figure]:
    """Figures of a default-size run: pooled 100,000 and 1,000,000, thread actors at 10,000."""
    big = {
        'spawn rate': 90_000.0,
        'memory per actor': 530.0,
        'ask alone': 10.0,
        'ask with N idle': 10.3,
        'ask alone spread': 1.02,
        'message each': 3.0,
        'stop all': 9.0,
        **pooled_1m,
    }
    values = {(POOLED, 1_000_000, m): v for m, v in big.items()}
    values |= {(POOLED, 100_000, m): v / 10 if m == 'message each' else v for m, v in big.items()}
    thread = {'spawn rate': 2_500.0, 'memory per actor': 22_000.0, 'ask alone': 12.0}
    thread |= {'ask with N idle': 40.0, 'message each': 3.2, 'stop all': 5.0}
    for kind in (PYKKA, THREAD):
        values |= {(kind, 10_000, m): v for m, v in thread.items()}
    return _figures(values)


def _judged(figures: list[Figure]) -> dict[str, bool | None]:
    pooled, threads = (1_000, 10_000, 100_000, 1_000_000), (1_000, 10_000)
    return {t.name.split(' (')[0]: t.holds for t in actors_suite.targets(figures, pooled, threads)}


def test_scale_targets_hold_on_figures_that_meet_them() -> None:
    judged = _judged(_scale_run())

    assert all(holds is True for holds in judged.values()), judged


@pytest.mark.parametrize(
    ('metric', 'value', 'target'),
    [
        ('memory per actor', 2_700.0, 'resident memory per pooled actor <= 2.6 KB'),
        ('spawn rate', 45_000.0, 'pooled spawn rate >= 50,000/s'),
        ('ask with N idle', 11.5, 'ask latency to one pooled actor'),
        ('stop all', 75.0, 'stopping all 1,000,000 pooled actors'),
        ('message each', 4.0, 'a message to each of 100,000 pooled actors'),
    ],
)
def test_each_scale_target_is_missed_past_its_threshold(
    metric: str, value: float, target: str
) -> None:
    judged = _judged(_scale_run(**{metric: value}))

    missed = [name for name, holds in judged.items() if holds is False]
    assert len(missed) == 1
    assert missed[0].startswith(target)


def test_a_million_that_failed_misses_the_live_target_with_the_reason() -> None:
    figures = [f for f in _scale_run() if f.case != 'N=1,000,000']
    figures.append(
        Figure('actors', 'N=1,000,000', POOLED, 'postroom', 'spawn rate', 'actors/s', 'higher',
               status='failed', reason='MemoryError')
    )  # fmt: skip
    targets = actors_suite.targets(figures, (100_000, 1_000_000), (10_000,))
    live = targets[0]

    assert live.holds is False
    assert live.detail == 'MemoryError'


def test_a_thread_population_killed_for_overrunning_misses_the_ceiling_target() -> None:
    figures = _scale_run()
    figures.append(
        Figure('actors', 'N=1,000', PYKKA, 'baseline', 'spawn rate', 'actors/s', 'higher',
               status='failed', reason='PopulationFailed: did not finish within 130 s')
    )  # fmt: skip

    ceiling = actors_suite.target_thread_ceiling(figures, (1_000, 10_000))

    assert ceiling.holds is False
    assert 'did not finish' in ceiling.detail


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
    kind = populations.PykkaThreadKind()

    with pytest.raises(populations.SpawnFailed) as info:
        populations.spawn_population(kind, 20)

    message = str(info.value)
    assert 'pykka ThreadingActor: spawn #6 of 20 failed' in message
    assert "can't start new thread" in message
    assert 'stopped the 5 started' in message
    assert not pykka.ActorRegistry.get_by_class(populations.BenchThreadActor)
    for thread in started:
        thread.join(timeout=10)
    assert threading.active_count() == threads_before


def test_population_beyond_the_thread_ceiling_is_refused_up_front(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(populations, 'thread_ceiling', lambda: (1_000, 'test limit'))
    threads_before = threading.active_count()

    with pytest.raises(populations.SpawnFailed, match='refused before spawning'):
        populations.measure_population(populations.PykkaThreadKind(), 5_000)

    assert threading.active_count() == threads_before


def test_measuring_process_refuses_a_population_beyond_the_ceiling_fast() -> None:
    ceiling = populations.thread_ceiling()
    if ceiling is None:
        pytest.skip('this system does not say how many threads a process may hold')
    kind = populations.PostroomThreadKind()

    with pytest.raises(populations.SpawnFailed) as info:
        populations.measure_in_child(kind, ceiling[0] * 2, asks=5, rounds=1, pause=0)

    assert str(info.value).startswith('postroom ThreadActor: ')
    assert 'refused before spawning' in str(info.value)


def test_measuring_process_over_its_budget_is_killed_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind = populations.PooledKind()
    monkeypatch.setattr(kind, 'budget', lambda count: 0.01)
    before = set(descendants())

    with pytest.raises(populations.PopulationFailed, match=r'did not finish within 0\.01 s'):
        populations.measure_in_child(kind, 50, asks=5, rounds=1, pause=0)

    assert not leftovers(before, grace=0)


def test_thread_ceiling_reads_this_machine() -> None:
    ceiling = populations.thread_ceiling()
    assert ceiling is not None
    limit, why = ceiling
    assert limit > 0
    assert why


# --- latency: the cost of a CID ---


def test_latency_prices_new_cid_against_the_usual_id_makers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = run_bench(tmp_path, 'latency')
    printed = capsys.readouterr().out

    assert code == 0
    cid = [f for f in doc['suites']['latency']['figures'] if f['case'] == 'cid']
    assert {f['subject'] for f in cid} == set(latency_suite.CID_MAKERS)
    assert {(f['metric'], f['unit'], f['status']) for f in cid} == {('per call', 'ns', 'ok')}
    assert 'ratio: actors.new_cid() ÷ this' in printed
    assert 'note: cid: actors.new_cid() costs ' in printed


def test_the_cid_makers_compared_make_lowercase_hex_of_96_bits_or_more() -> None:
    lengths = {name: len(make()()) for name, (_role, make) in latency_suite.CID_MAKERS.items()}
    assert lengths == {
        'actors.new_cid()': 24,
        'uuid.uuid4().hex': 32,  # 122 random bits
        'secrets.token_hex(12)': 24,
        'os.urandom(12).hex()': 24,
    }
    for _role, make in latency_suite.CID_MAKERS.values():
        cid = make()()
        assert cid == cid.lower()
        int(cid, 16)  # hex, or ValueError


def test_interleaved_rounds_measure_every_subject_and_leave_out_a_failed_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entered: list[str] = []

    @contextmanager
    def missing() -> Iterator[Any]:
        entered.append('missing')
        raise ImportError('postroom not ready: services has no Runtime')
        yield  # pragma: no cover

    @contextmanager
    def fine(name: str) -> Iterator[Any]:
        entered.append(name)
        yield lambda: None

    subjects = {
        latency_suite.POSTROOM: ('postroom', missing),
        latency_suite.ASK: ('baseline', lambda: fine('ask')),
        latency_suite.DIRECT: ('baseline', lambda: fine('direct')),
    }
    monkeypatch.setattr(latency_suite, 'SUBJECTS', subjects)
    session = latency_suite.Interleaved(calls=40, warmup=2, round_calls=10)
    case = Case(
        'pinned',
        [
            Subject(name, role, lambda name=name: session.measure(name), latency_suite.METRICS)
            for name, (role, _setup) in subjects.items()
        ],
    )

    figures = {(f.subject, f.metric): f for f in run_case('latency', case, repeat=3)}

    postroom = figures[latency_suite.POSTROOM, 'median']
    assert postroom.status == 'unavailable'
    assert 'services has no Runtime' in postroom.reason
    for name in (latency_suite.ASK, latency_suite.DIRECT):
        assert figures[name, 'median'].status == 'ok'
        assert len(figures[name, 'median'].samples) == 3
    assert entered == ['missing', 'ask', 'direct', 'ask', 'direct', 'ask', 'direct']


def test_latency_target_is_judged_on_the_paired_ratio_pinned() -> None:
    def figure(subject: str, metric: str, value: float, case: str = 'pinned') -> Figure:
        return Figure('latency', case, subject, 'postroom', metric, 'us', 'lower', [value])

    figures = [
        figure(latency_suite.POSTROOM, 'median', 20.0),
        figure(latency_suite.ASK, 'median', 14.0),  # medians caught in different levels
        figure(latency_suite.POSTROOM, latency_suite.PAIRED, 1.02),
        figure(latency_suite.POSTROOM, latency_suite.PAIRED, 2.0, case='unpinned'),
    ]
    target = latency_suite.target(figures)

    assert target.holds is True
    assert target.detail.startswith('1.02x, paired by round')
    assert '1.43x' in target.detail
    figures[2].samples = [1.3]
    assert latency_suite.target(figures).holds is False


# --- throughput: the correlator-full run is a target line ---


def test_throughput_reports_the_correlator_full_run_as_a_target(tmp_path: Path) -> None:
    code, doc = run_bench(tmp_path, 'throughput')

    assert code == 0
    targets = {t['name']: t for t in doc['suites']['throughput']['targets']}
    full = targets['a run with the correlator at its maximum size (every reply evicts one)']
    assert full['holds'] is True
    assert 'msg/s' in full['detail']
    assert len(targets) == 3


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
