"""The postroom command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli import main

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = str(ROOT / 'examples' / 'order_pipeline.py')

SERVICES = """
from services import Service

class Echo(Service):
    name = 'echo'

    def handle(self):
        self.response.payload = {'echo': self.request.payload}

class Strict(Service):
    name = 'strict'

    class SimpleIO:
        input_required = ('cust_id',)
        output_required = ('cust_id',)

    def handle(self):
        self.response.payload.cust_id = self.request.input.cust_id

class Broken(Service):
    name = 'broken'

    def handle(self):
        raise RuntimeError('broken on purpose')
"""


@pytest.fixture
def services_file(tmp_path: Path) -> str:
    path = tmp_path / 'cli_services.py'
    path.write_text(SERVICES)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_invoke_prints_the_response_as_json_then_the_table(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, out, err = run(capsys, 'run', services_file, '--invoke', 'echo', '--payload', '{"a": 1}')
    assert (code, err) == (0, '')
    document, table = out.split('\n\n', 1)
    assert json.loads(document) == {'echo': {'a': 1}}
    assert 'invocations' in table
    assert 'echo' in table


def test_async_prints_the_cid_then_the_correlated_reply(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, out, _ = run(capsys, 'run', services_file, '--invoke', 'echo', '--async')
    assert code == 0
    cid, rest = out.split('\n', 1)
    reply = json.loads(rest.split('\n\n', 1)[0])
    assert len(cid) == 24
    assert reply == {'cid': cid, 'service': 'echo', 'ok': True, 'response': {'echo': ''}}


def test_failed_async_reply_exits_1_with_the_error(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, out, _ = run(capsys, 'run', services_file, '--invoke', 'broken', '--async')
    assert code == 1
    reply = json.loads(out.split('\n', 1)[1].split('\n\n', 1)[0])
    assert reply['ok'] is False
    assert reply['error']['type'] == 'RuntimeError'


def test_failed_sync_invoke_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, _, err = run(capsys, 'run', services_file, '--invoke', 'broken')
    assert code == 1
    assert err.strip() == 'postroom: broken failed: RuntimeError: broken on purpose'


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['run', 'missing.py', '--invoke', 'x'], 'postroom: error: No such file: missing.py'),
        (
            ['run', '{file}', '--invoke', 'ech'],
            "No service named 'ech' is deployed; did you mean 'echo'?",
        ),
        (['run', '{file}', '--invoke', 'echo', '--payload', '{bad'], '--payload is not valid JSON'),
        (['run', '{file}', '--invoke', 'strict', '--payload', '{}'], 'Element missing: cust_id'),
        (['run', '{file}'], 'nothing to run: give --invoke NAME, or define main(runtime)'),
        (['run', '{file}', '--async'], '--async and --payload go with --invoke NAME'),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], services_file: str, argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *(arg.replace('{file}', services_file) for arg in argv))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_validation_error_in_async_mode_is_exit_2(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, _, err = run(
        capsys, 'run', services_file, '--invoke', 'strict', '--async', '--payload', '{}'
    )
    assert code == 2
    assert 'Element missing: cust_id' in err.splitlines()[-1]


def test_services_lists_names_classes_and_simpleio(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, out, _ = run(capsys, 'services', services_file)
    assert code == 0
    header, _rule, *rows = out.strip().splitlines()
    assert header.split()[:4] == ['name', 'class', 'workers', 'actor']
    strict = next(row for row in rows if row.startswith('strict'))
    assert 'cli_services.Strict' in strict
    assert strict.count('cust_id') == 2


def test_the_console_script_runs_the_flagship_example() -> None:
    done = subprocess.run(
        [sys.executable, '-m', 'services', 'run', PIPELINE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert 'placed, total 25.00; charged 25.00' in done.stdout
    assert 'rejected: Out of stock: lamp' in done.stdout
    assert 'payments.charge' in done.stdout.split('\n\n')[-1]


def test_bad_input_never_prints_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, '-m', 'services', 'run', 'no-such-file.py', '--invoke', 'x'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == 'postroom: error: No such file: no-such-file.py\n'


def test_log_level_shows_the_services_info_lines(services_file: str, tmp_path: Path) -> None:
    path = tmp_path / 'chatty_services.py'
    path.write_text(
        'from services import Service\n'
        'class Chatty(Service):\n'
        "    name = 'chatty'\n"
        '    def handle(self):\n'
        "        self.logger.info('hello from %s', self.cid)\n"
    )
    quiet = subprocess.run(
        [sys.executable, '-m', 'services', 'run', str(path), '--invoke', 'chatty'],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    chatty = subprocess.run(
        [
            sys.executable,
            '-m',
            'services',
            'run',
            str(path),
            '--invoke',
            'chatty',
            '--log-level',
            'INFO',
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (quiet.returncode, chatty.returncode) == (0, 0)
    assert 'hello from' not in quiet.stderr
    assert 'INFO chatty: hello from' in chatty.stderr


def test_a_closed_pipe_is_not_a_traceback() -> None:
    with subprocess.Popen(
        [sys.executable, '-m', 'services', 'services', PIPELINE] + [PIPELINE] * 200,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as child:
        assert child.stdout is not None
        child.stdout.readline()
        child.stdout.close()  # like `| head -1`
        child.wait(timeout=60)
        assert child.stderr is not None
        assert b'Traceback' not in child.stderr.read()
