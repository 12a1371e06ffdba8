"""The examples of Zato 3.2's "Invoking other services", ported to postroom, do what the page says.

Each example lives in ``examples/zato_docs/<example>/invoking.py`` (a module
named ``invoking``, so its services are ``invoking.my-service`` and
``invoking.my-service2``, as on the page). Each test deploys one of them on
each backend and checks the log lines and responses the page describes.
"""

from __future__ import annotations

import logging
from json import dumps
from pathlib import Path
from typing import Any

import pytest

from services import DATA_FORMAT, Runtime, ValidationError

EXAMPLES = Path(__file__).resolve().parent.parent / 'examples' / 'zato_docs'
CALLER = 'invoking.my-service'
TARGET = 'invoking.my-service2'


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def deploy(runtime: Runtime, example: str) -> None:
    runtime.deploy(EXAMPLES / example / 'invoking.py')


def logged(logs: pytest.LogCaptureFixture, service: str) -> list[logging.LogRecord]:
    return [record for record in logs.records if record.name == service]


def messages(logs: pytest.LogCaptureFixture, service: str) -> list[Any]:
    """What ``service`` passed to ``self.logger.info``: the objects, not their text."""
    return [record.msg for record in logged(logs, service)]


def test_every_example_directory_holds_one_invoking_module() -> None:
    examples = sorted(path.parent.name for path in EXAMPLES.glob('*/invoking.py'))
    assert examples == [
        'data_format_json',
        'data_format_json_async',
        'inline_fields',
        'invoke_async_cid',
        'response_as_dict',
        'response_dot_notation',
        'response_string',
        'sio_dict',
    ]


# -- How to pass a request to another service ---------------------------------


def test_a_dict_payload_to_a_simpleio_service_and_its_list_read_with_dots(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'sio_dict')
    assert runtime.invoke(CALLER) == {}
    assert messages(logs, CALLER) == ['admin.invoke', 'pubapi']


def test_the_get_list_stand_in_returns_a_list_under_its_response_elem(runtime: Runtime) -> None:
    deploy(runtime, 'sio_dict')
    response = runtime.invoke('zato.security.get-list', {'cluster_id': '1'})
    assert list(response) == ['zato_security_get_list_response']
    items = response.zato_security_get_list_response
    assert isinstance(items, list)
    assert [item.name for item in items] == ['admin.invoke', 'pubapi']
    assert response['zato_security_get_list_response'][1]['sec_type'] == 'basic_auth'
    # Declared elements only: the password is dropped, an absent optional left out.
    assert items[1] == {
        'id': 2,
        'name': 'pubapi',
        'is_active': True,
        'sec_type': 'basic_auth',
        'username': 'pubapi',
    }
    with pytest.raises(ValidationError, match='Element missing: cluster_id'):
        runtime.invoke('zato.security.get-list')


def test_data_format_json_gives_the_target_a_parsed_dict(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'data_format_json')
    assert runtime.invoke(CALLER) == {}
    assert messages(logs, TARGET) == [123]
    assert messages(logs, CALLER) == [{}]  # MyService2 sets no response


@pytest.mark.parametrize(
    ('payload', 'data_format'),
    [
        (dumps({'customer_id': 123, 'phone_no': '123-456-789'}), DATA_FORMAT.JSON),
        (dumps({'customer_id': 123}).encode(), DATA_FORMAT.JSON),
        ({'customer_id': 123, 'phone_no': '123-456-789'}, DATA_FORMAT.JSON),
        ({'customer_id': 123, 'phone_no': '123-456-789'}, DATA_FORMAT.DICT),
    ],
    ids=['json-text', 'json-bytes', 'json-dict', 'dict'],
)
def test_the_target_reads_the_same_dict_whatever_the_data_format(
    runtime: Runtime, logs: pytest.LogCaptureFixture, payload: Any, data_format: str
) -> None:
    deploy(runtime, 'data_format_json')
    runtime.invoke(TARGET, payload, data_format=data_format)
    assert messages(logs, TARGET) == [123]


def test_inline_fields_reach_a_simpleio_service_validated(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'inline_fields')
    assert runtime.invoke(CALLER) == {}
    assert messages(logs, TARGET) == [123]
    # Converted as from a dict: customer_id is an Int by its name.
    runtime.invoke(TARGET, customer_id='7', phone_no='1')
    runtime.invoke(TARGET, {'customer_id': '7', 'phone_no': '1'})
    assert messages(logs, TARGET)[1:] == [7, 7]
    with pytest.raises(ValidationError, match='Element missing: phone_no'):
        runtime.invoke(TARGET, customer_id=7)


def test_the_json_call_made_asynchronously_returns_the_targets_cid(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'data_format_json_async')
    assert runtime.invoke(CALLER) == {}
    [cid] = messages(logs, CALLER)
    reply = runtime.correlator.wait(cid, timeout=10)
    assert (reply.ok, reply.service) == (True, TARGET)
    [record] = logged(logs, TARGET)
    assert record.msg == 123
    assert record.cid == cid  # type: ignore[attr-defined]


# -- Reading responses ------------------------------------------------------------


def test_a_simpleio_response_read_as_a_dict(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'response_as_dict')
    runtime.invoke(CALLER)
    assert messages(logs, CALLER) == ['Alexis Abramov']
    # The page's point: a dict under the response element; and read either way.
    response = runtime.invoke(TARGET, {'cust_id': 1})
    assert response == {'my_response_elem': {'cust_name': 'Alexis Abramov'}}
    assert response.my_response_elem.cust_name == response['my_response_elem']['cust_name']


def test_the_page_calls_the_target_without_its_required_input(runtime: Runtime) -> None:
    # Zato skips validating an empty request; postroom names what is missing.
    deploy(runtime, 'response_as_dict')
    with pytest.raises(ValidationError, match='Element missing: cust_id') as caught:
        runtime.invoke(TARGET)
    assert caught.value.service == TARGET
    assert caught.value.element == 'cust_id'


def test_a_simpleio_response_read_with_dot_notation(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'response_dot_notation')
    runtime.invoke(CALLER)
    assert messages(logs, CALLER) == ['Alexis Abramov']


def test_a_service_without_simpleio_returns_its_string_as_it_is(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'response_string')
    runtime.invoke(CALLER)
    assert messages(logs, CALLER) == ['Alexis Abramov']
    assert runtime.invoke(TARGET) == '{"cust_name": "Alexis Abramov"}'


def test_invoke_async_returns_the_cid_the_target_logs(
    runtime: Runtime, logs: pytest.LogCaptureFixture
) -> None:
    deploy(runtime, 'invoke_async_cid')
    runtime.invoke(CALLER)
    [got] = logged(logs, CALLER)
    prefix = 'Got CID '
    assert got.getMessage().startswith(prefix)
    cid = got.getMessage().removeprefix(prefix)
    reply = runtime.correlator.wait(cid, timeout=10)
    assert (reply.ok, reply.service) == (True, TARGET)
    [mine] = logged(logs, TARGET)
    # The two log lines show the same CID, the one invoke_async returned ...
    assert mine.getMessage() == f'My CID is {cid}'
    assert mine.cid == cid  # type: ignore[attr-defined]
    # ... which is not the caller's own CID (Zato would log the caller's).
    assert got.cid != cid  # type: ignore[attr-defined]
