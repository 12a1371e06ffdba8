"""The command line and SimpleIO: listing declarations, data formats, bad input.

``postroom services`` shows each service's SimpleIO; ``postroom run --invoke``
takes ``--payload`` in every data format; a ``ValidationError`` or a payload
that does not parse is one line on stderr and exit code 2, invoked
synchronously or with ``--async``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli import main

ROOT = Path(__file__).resolve().parent.parent
GET_LIST_EXAMPLE = str(ROOT / 'examples' / 'zato_docs' / 'sio_dict' / 'invoking.py')

SERVICES = """
from services import Service


class Echo(Service):
    name = 'crm.echo'

    class SimpleIO:
        input = 'cust_id', '-cust_name'
        output = 'cust_id', '-cust_name'

    def handle(self):
        self.response.payload = self.request.input


class Busy(Service):
    name = 'crm.busy'
    workers = 3
    actor = 'pool'

    class SimpleIO:
        input_required = 'cust_id', 'is_active'
        input_optional = 'note'
        output_optional = 'done'
        response_elem = 'busy'
"""


@pytest.fixture
def services_file(tmp_path: Path) -> str:
    path = tmp_path / 'crm.py'
    path.write_text(SERVICES)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str) -> subprocess.CompletedProcess[str]:
    """The real command, so that its logging goes where a user would see it."""
    return subprocess.run(
        [sys.executable, '-m', 'services', *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def table(text: str) -> dict[str, dict[str, str]]:
    """Parse a ``tabulate`` 'simple' table into rows by their first column.

    Columns are cut where the dashes under the header are, so empty cells
    and cells with spaces in them keep their place.
    """
    header, rule, *lines = text.rstrip('\n').splitlines()
    spans = []
    start = 0
    for dashes in rule.split(' '):
        if dashes:
            spans.append((start, start + len(dashes)))
        start += len(dashes) + 1
    names = [header[a:b].strip() for a, b in spans]
    rows = {}
    for line in lines:
        cells = [line[a:b].strip() for a, b in spans]
        rows[cells[0]] = dict(zip(names, cells, strict=True))
    return rows


# -- postroom services -------------------------------------------------------


def test_services_shows_the_simpleio_of_the_get_list_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, 'services', GET_LIST_EXAMPLE)
    assert (code, err) == (0, '')
    rows = table(out)
    assert rows['zato.security.get-list'] == {
        'name': 'zato.security.get-list',
        'class': 'invoking.GetList',
        'workers': '1',
        'actor': '(default)',
        'input required': 'cluster_id',
        'input optional': '',
        'output required': 'id, name, is_active, sec_type',
        'output optional': 'username, realm, password_type',
        'response elem': 'zato_security_get_list_response',
    }
    # A service without SimpleIO has empty SimpleIO columns.
    caller = rows['invoking.my-service']
    assert caller['class'] == 'invoking.MyService'
    assert [caller[c] for c in ('input required', 'output required', 'response elem')] == [
        '',
        '',
        '',
    ]


def test_services_shows_optional_input_workers_and_actor(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, out, _ = run(capsys, 'services', services_file)
    assert code == 0
    rows = table(out)
    assert rows['crm.echo']['input required'] == 'cust_id'
    assert rows['crm.echo']['input optional'] == 'cust_name'
    assert rows['crm.echo']['output optional'] == 'cust_name'
    busy = rows['crm.busy']
    assert (busy['workers'], busy['actor']) == ('3', 'pool')
    assert (busy['input required'], busy['input optional']) == ('cust_id, is_active', 'note')
    assert (busy['output required'], busy['output optional']) == ('', 'done')
    assert busy['response elem'] == 'busy'


# -- postroom run --payload --data-format ------------------------------------

ECHOED_ONE = {'cust_id': 5, 'cust_name': 'Ann'}
ECHO_CASES = [
    pytest.param(('dict', '{"cust_id": "5", "cust_name": "Ann"}'), ECHOED_ONE, id='dict'),
    pytest.param(('json', '{"cust_id": "5", "cust_name": "Ann"}'), ECHOED_ONE, id='json'),
    pytest.param(
        ('csv', 'cust_id,cust_name\n5,Ann\n6,Bo\n'),
        [ECHOED_ONE, {'cust_id': 6, 'cust_name': 'Bo'}],
        id='csv',
    ),
]


def invoke_echo(services_file: str, request: tuple[str, str], *, is_async: bool) -> list[str]:
    """``postroom run`` arguments invoking crm.echo with (data format, payload)."""
    data_format, payload = request
    argv = ['run', services_file, '--invoke', 'crm.echo', '--payload', payload]
    return argv + ['--data-format', data_format] + (['--async'] if is_async else [])


@pytest.mark.parametrize(('request_', 'expected'), ECHO_CASES)
@pytest.mark.parametrize('is_async', [False, True], ids=['sync', 'async'])
def test_run_takes_a_payload_in_each_data_format(
    capsys: pytest.CaptureFixture[str],
    services_file: str,
    request_: tuple[str, str],
    expected: object,
    is_async: bool,
) -> None:
    code, out, err = run(capsys, *invoke_echo(services_file, request_, is_async=is_async))
    assert (code, err) == (0, '')
    document = out.split('\n\n', 1)[0]
    if is_async:
        cid, document = document.split('\n', 1)
        reply = json.loads(document)
        assert (reply['cid'], reply['ok']) == (cid, True)
        assert reply['response'] == expected
    else:
        assert json.loads(document) == expected


def test_a_data_format_other_than_dict_needs_a_payload(
    capsys: pytest.CaptureFixture[str], services_file: str
) -> None:
    code, _, err = run(capsys, 'run', services_file, '--invoke', 'crm.echo', '--data-format', 'csv')
    assert code == 2
    assert err == 'postroom: error: --data-format csv needs a --payload\n'


# -- bad input: one line on stderr, exit code 2 --------------------------------

BAD_INPUT = [
    pytest.param(('dict', '{}'), 'Element missing: cust_id', id='missing-element'),
    pytest.param(
        ('dict', '{"cust_id": "abc"}'),
        "Invalid value for element cust_id (Int): 'abc' is not an integer",
        id='wrong-type',
    ),
    pytest.param(('json', '{"cust_id": 1'), 'Invalid JSON payload: Expecting', id='invalid-json'),
    pytest.param(
        ('csv', 'cust_id,cust_name\n5\n'),
        'Malformed CSV payload: row 1 (line 2) has 1 field, the header has 2',
        id='malformed-csv',
    ),
]


@pytest.mark.parametrize(('request_', 'message'), BAD_INPUT)
@pytest.mark.parametrize('is_async', [False, True], ids=['sync', 'async'])
def test_bad_input_is_one_line_naming_what_is_wrong_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    services_file: str,
    request_: tuple[str, str],
    message: str,
    is_async: bool,
) -> None:
    code, _, err = run(capsys, *invoke_echo(services_file, request_, is_async=is_async))
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith(f'postroom: error: {message}')
    assert "service 'crm.echo'" in line


@pytest.mark.parametrize(('request_', 'message'), BAD_INPUT[::2])
@pytest.mark.parametrize('is_async', [False, True], ids=['sync', 'async'])
def test_the_real_command_prints_bad_input_in_one_line(
    services_file: str, request_: tuple[str, str], message: str, is_async: bool
) -> None:
    # In a real run the runtime's own logging reaches stderr too: still one line.
    done = run_process(*invoke_echo(services_file, request_, is_async=is_async))
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith(f'postroom: error: {message}')
