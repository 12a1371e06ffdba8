"""Zato fidelity end to end: SimpleIO and data formats through a Runtime, on every backend.

The unit tests of ``services.simpleio`` and ``services.dataformats`` check the
rules one by one; these check that a caller of ``invoke`` and
``invoke_async`` (and a service calling another) sees them: bad input named
precisely, inline fields equal to a dict payload, serialised responses, data
formats given to ``invoke_async``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from actors import ReplyRecord
from services import (
    DATA_FORMAT,
    Bool,
    Date,
    DeployError,
    Int,
    List,
    Runtime,
    Service,
    ValidationError,
)


class GetCustomer(Service):
    name = 'crm.get-customer'

    class SimpleIO:
        input_required = 'cust_id'
        output_required = ('cust_id', 'cust_name')
        response_elem = 'customer'

    def handle(self) -> None:
        self.response.payload.cust_id = self.request.input.cust_id
        self.response.payload.cust_name = 'Alexis Smith'


class Inspect(Service):
    """Replies with its validated input and its raw payload."""

    name = 'crm.inspect'

    class SimpleIO:
        input_required = ('cust_id', Date('since'))
        input_optional = (Bool('is_active', default=True), 'note', List('tags', default=[]))

    def handle(self) -> None:
        self.response.payload = {
            'input': dict(self.request.input),
            'payload': self.request.payload,
        }


class Rows(Service):
    """Echoes its input, one row or many, under a response element."""

    name = 'crm.rows'

    class SimpleIO:
        input = Int('cust_id'), '-cust_name'
        output = 'cust_id', '-cust_name'
        response_elem = 'rows'

    def handle(self) -> None:
        self.response.payload = self.request.input


class ForgetsTheName(Service):
    name = 'crm.forgets-the-name'

    class SimpleIO:
        output_required = ('cust_id', 'cust_name')

    def handle(self) -> None:
        self.response.payload.cust_id = 1


class Filtered(Service):
    name = 'crm.filtered'

    class SimpleIO:
        input_required = 'cust_id'
        output_required = 'cust_name'
        output_optional = 'cust_id'

    def handle(self) -> None:
        self.response.payload = {'cust_name': 'Alexis Smith', 'password': 'never sent'}


class Caller(Service):
    """Calls another service as its payload says: {'how': ..., 'target': ..., ...}."""

    name = 'crm.caller'

    def handle(self) -> None:
        order = dict(self.request.payload)
        how, target = order.pop('how'), order.pop('target')
        data_format = order.pop('data_format', DATA_FORMAT.DICT)
        if how == 'fields':
            self.response.payload = self.invoke(target, **order['fields'])
        elif how == 'serialize':
            text = self.invoke(target, order['payload'], data_format=data_format, serialize=True)
            self.response.payload = {'text': text}
        elif how == 'async':
            cid = self.invoke_async(target, order['payload'], data_format=data_format)
            self.response.payload = {'cid': cid}
        else:
            self.response.payload = self.invoke(target, order['payload'])


ALL = (GetCustomer, Inspect, Rows, ForgetsTheName, Filtered, Caller)


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    runtime.deploy(*ALL)
    return runtime


def failed(rt: Runtime, cid: str) -> ReplyRecord:
    reply = rt.correlator.wait(cid, timeout=10)
    assert not reply.ok
    assert reply.error is not None
    return reply


# -- missing element, wrong type ---------------------------------------------


def test_missing_element_names_element_service_and_cid(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.get-customer', {'cust_name': 'x'}, cid='cid-missing')
    error = caught.value
    assert error.message == 'Element missing: cust_id'
    assert (error.service, error.element, error.cid) == (
        'crm.get-customer',
        'cust_id',
        'cid-missing',
    )
    assert str(error) == "Element missing: cust_id (service 'crm.get-customer', cid cid-missing)"
    # The actor keeps serving.
    assert rt.invoke('crm.get-customer', cust_id=2).customer.cust_id == 2


def test_no_payload_at_all_is_a_missing_element_not_skipped_validation(rt: Runtime) -> None:
    # Zato skips SimpleIO for an empty request; postroom reports what is missing.
    with pytest.raises(ValidationError, match='Element missing: cust_id'):
        rt.invoke('crm.get-customer')


def test_wrong_type_names_element_type_and_value(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.get-customer', cust_id='abc')
    assert (
        caught.value.message == "Invalid value for element cust_id (Int): 'abc' is not an integer"
    )
    assert caught.value.element == 'cust_id'
    with pytest.raises(ValidationError, match=r"element since \(Date\): '31/01/2024' is not"):
        rt.invoke('crm.inspect', cust_id=1, since='31/01/2024')


def test_bad_input_of_an_async_invocation_is_recorded_naming_the_element(rt: Runtime) -> None:
    missing = failed(rt, rt.invoke_async('crm.get-customer', {}))
    wrong = failed(rt, rt.invoke_async('crm.get-customer', cust_id='abc'))
    assert missing.error is not None
    assert wrong.error is not None
    assert missing.error.type == wrong.error.type == 'ValidationError'
    assert missing.error.message.startswith('Element missing: cust_id')
    assert "cust_id (Int): 'abc'" in wrong.error.message
    assert missing.cid in missing.error.message


def test_bad_input_of_a_nested_invoke_reaches_the_outer_caller(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.caller', {'how': 'payload', 'target': 'crm.get-customer', 'payload': {}})
    assert (caught.value.service, caught.value.element) == ('crm.get-customer', 'cust_id')
    assert "raised in service 'crm.caller'" in caught.value.__notes__[-1]


# -- declarations at deploy time ----------------------------------------------


@pytest.mark.parametrize('side', ['input', 'output'])
def test_both_declaration_forms_fail_at_deploy_naming_the_service(
    runtime: Runtime, side: str
) -> None:
    sio = type('SimpleIO', (), {side: ('a',), f'{side}_required': ('b',)})
    both = type('BothForms', (Service,), {'name': 'crm.both-forms', 'SimpleIO': sio})
    with pytest.raises(DeployError) as caught:
        runtime.deploy(GetCustomer, both)
    assert "Service 'crm.both-forms'" in str(caught.value)
    assert f"both {side!r} and '{side}_required'" in str(caught.value)
    # All or nothing: the good service in the same call was not deployed either.
    assert dict(runtime.services) == {}


def test_zato_attributes_of_a_ported_service_deploy(runtime: Runtime) -> None:
    class GetList(Service):
        name = 'zato.security.get-list'

        class SimpleIO:
            request_elem = 'zato_security_get_list_request'
            response_elem = 'zato_security_get_list_response'
            input_required = ('cluster_id',)
            output_required = ('id', 'name')
            output_repeated = True
            skip_empty_keys = True

        def handle(self) -> None:
            self.response.payload = [{'id': 1, 'name': 'a'}, {'id': 2, 'name': 'b'}]

    runtime.deploy(GetList)
    response = runtime.invoke('zato.security.get-list', cluster_id=1)
    assert [item.name for item in response.zato_security_get_list_response] == ['a', 'b']


def test_a_misspelt_simpleio_attribute_fails_at_deploy(runtime: Runtime) -> None:
    class Misspelt(Service):
        name = 'crm.misspelt'

        class SimpleIO:
            input_requried = 'cust_id'

    with pytest.raises(DeployError, match="did you mean 'input_required'"):
        runtime.deploy(Misspelt)


# -- invalid JSON, malformed CSV ------------------------------------------------


def test_invalid_json_names_service_and_position(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.get-customer', '{"cust_id": 1,}', data_format=DATA_FORMAT.JSON)
    assert caught.value.message.startswith('Invalid JSON payload: ')
    assert 'at line 1, column 15 (char 14)' in caught.value.message
    assert caught.value.service == 'crm.get-customer'


def test_malformed_csv_says_what_and_where(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.rows', 'cust_id,cust_name\n1,Ann\n2\n', data_format=DATA_FORMAT.CSV)
    assert caught.value.message == (
        'Malformed CSV payload: row 2 (line 3) has 1 field, the header has 2'
    )
    assert caught.value.service == 'crm.rows'


def test_a_bad_csv_row_is_named_by_its_index(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.rows', 'cust_id\n1\nabc\n', data_format='csv')
    assert caught.value.message == (
        "Invalid value for element cust_id (Int): 'abc' is not an integer (at index 1)"
    )


# -- output ----------------------------------------------------------------------


def test_missing_required_output_names_it(rt: Runtime) -> None:
    with pytest.raises(ValidationError) as caught:
        rt.invoke('crm.forgets-the-name')
    assert caught.value.message == 'Output element missing: cust_name'
    assert (caught.value.service, caught.value.element) == ('crm.forgets-the-name', 'cust_name')
    cid = rt.invoke_async('crm.forgets-the-name')
    assert failed(rt, cid).error.message.startswith('Output element missing: cust_name')  # type: ignore[union-attr]


def test_unknown_elements_are_ignored_on_input_and_dropped_on_output(rt: Runtime) -> None:
    response = rt.invoke('crm.inspect', cust_id='1', since='2024-01-31', debug=True)
    assert 'debug' not in response.input
    assert response.payload.debug is True  # the raw payload still has it
    assert rt.invoke('crm.filtered', cust_id=1, extra='x') == {'cust_name': 'Alexis Smith'}


# -- inline fields are a dict payload -------------------------------------------

FIELDS = {'cust_id': '5', 'since': '2024-01-31', 'is_active': 'no', 'extra': 1}
EXPECTED_INPUT = {
    'cust_id': 5,
    'since': dt.date(2024, 1, 31),
    'is_active': False,
    'note': None,
    'tags': [],
}


def test_inline_fields_validate_exactly_as_a_dict_payload(rt: Runtime) -> None:
    inline = rt.invoke('crm.inspect', **FIELDS)
    as_dict = rt.invoke('crm.inspect', dict(FIELDS))
    assert inline == as_dict
    assert inline.input == EXPECTED_INPUT
    assert inline.payload == FIELDS


def test_inline_fields_through_invoke_async_and_from_a_service(rt: Runtime) -> None:
    reply = rt.correlator.wait(rt.invoke_async('crm.inspect', **FIELDS), timeout=10)
    assert reply.ok
    assert reply.response.input == EXPECTED_INPUT
    nested = rt.invoke('crm.caller', how='fields', target='crm.inspect', fields=FIELDS)
    assert nested.input == EXPECTED_INPUT


def test_a_field_named_like_an_invoke_keyword_goes_in_a_dict_payload(runtime: Runtime) -> None:
    class Audit(Service):
        name = 'crm.audit'

        class SimpleIO:
            input_required = 'cid'

        def handle(self) -> None:
            self.response.payload = {'audited': self.request.input.cid, 'own': self.cid}

    runtime.deploy(Audit)
    assert runtime.invoke('crm.audit', {'cid': 'c-9'}).audited == 'c-9'
    # cid= is invoke's own keyword: the invocation's CID, not an input field.
    with pytest.raises(ValidationError, match='Element missing: cid') as caught:
        runtime.invoke('crm.audit', cid='c-9')
    assert caught.value.cid == 'c-9'


def test_inline_fields_missing_a_required_element_fail_as_a_dict_would(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match='Element missing: since'):
        rt.invoke('crm.inspect', cust_id=1)


# -- serialize=True ----------------------------------------------------------------


def test_serialize_returns_a_json_string_for_json(rt: Runtime) -> None:
    text = rt.invoke(
        'crm.get-customer', '{"cust_id": "3"}', data_format=DATA_FORMAT.JSON, serialize=True
    )
    assert text == '{"customer": {"cust_id": 3, "cust_name": "Alexis Smith"}}'
    nested = rt.invoke(
        'crm.caller',
        {
            'how': 'serialize',
            'target': 'crm.get-customer',
            'payload': {'cust_id': 3},
            'data_format': 'json',
        },
    )
    assert nested.text == text


def test_serialize_returns_csv_text_for_csv_never_wrapped(rt: Runtime) -> None:
    text = rt.invoke(
        'crm.rows', 'cust_id,cust_name\n1,Ann\n2,\n', data_format='csv', serialize=True
    )
    assert text == 'cust_id,cust_name\r\n1,Ann\r\n2,\r\n'


def test_serialize_for_dict_returns_the_response_unchanged(rt: Runtime) -> None:
    response = rt.invoke('crm.rows', {'cust_id': '1'}, serialize=True)
    assert response == {'rows': {'cust_id': 1, 'cust_name': None}}
    assert response.rows.cust_id == 1


# -- data_format given to invoke_async ------------------------------------------------


@pytest.mark.parametrize(
    ('payload', 'data_format', 'rows'),
    [
        (
            '{"cust_id": "4", "cust_name": "Di"}',
            DATA_FORMAT.JSON,
            {'cust_id': 4, 'cust_name': 'Di'},
        ),
        (
            'cust_id,cust_name\n4,Di\n5,Ed\n',
            DATA_FORMAT.CSV,
            [{'cust_id': 4, 'cust_name': 'Di'}, {'cust_id': 5, 'cust_name': 'Ed'}],
        ),
    ],
    ids=['json', 'csv'],
)
def test_invoke_async_parses_its_data_format(
    rt: Runtime, payload: str, data_format: str, rows: Any
) -> None:
    reply = rt.correlator.wait(rt.invoke_async('crm.rows', payload, data_format=data_format), 10)
    assert reply.ok
    assert reply.response == {'rows': rows}
    # The same from inside a service.
    order = {'how': 'async', 'target': 'crm.rows', 'payload': payload, 'data_format': data_format}
    started = rt.invoke('crm.caller', order)
    assert rt.correlator.wait(started.cid, timeout=10).response == {'rows': rows}


def test_invoke_async_records_invalid_json_and_malformed_csv(rt: Runtime) -> None:
    bad_json = failed(rt, rt.invoke_async('crm.rows', '{"cust_id":', data_format='json'))
    bad_csv = failed(rt, rt.invoke_async('crm.rows', 'a,b\n1,2,3\n', data_format='csv'))
    assert bad_json.error is not None
    assert bad_csv.error is not None
    assert bad_json.error.message.startswith('Invalid JSON payload: Expecting value at line 1')
    assert bad_csv.error.message.startswith('Malformed CSV payload: row 1 (line 2) has 3 fields')
    assert 'crm.rows' in bad_json.error.message


def test_an_unknown_data_format_fails_at_once_naming_the_allowed_ones(rt: Runtime) -> None:
    for invoke in (rt.invoke, rt.invoke_async):
        with pytest.raises(ValueError, match="Unsupported data format 'xml'; use one of 'dict'"):
            invoke('crm.rows', '<a/>', data_format='xml')
    assert rt.correlator.stats().pending == 0


def test_a_json_payload_that_is_not_an_object_is_a_validation_error(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match='Input must be a dict or a list of dicts, got int'):
        rt.invoke('crm.get-customer', '42', data_format='json')


def test_a_json_string_with_the_default_data_format_says_to_pass_json(rt: Runtime) -> None:
    with pytest.raises(ValidationError, match='needs data_format=json or csv'):
        rt.invoke('crm.get-customer', json.dumps({'cust_id': 1}))
