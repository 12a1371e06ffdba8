"""Data formats: normalising names, parsing JSON and CSV payloads, serialising responses."""

import csv
import datetime as dt
import decimal
import enum
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from services import Int
from services.bunch import Bunch
from services.dataformats import (
    DATA_FORMAT,
    DATA_FORMATS,
    check_data_format,
    parse_payload,
    serialize_response,
)
from services.errors import ValidationError
from services.simpleio import SimpleIOSpec

SERVICE = 'test.formats'
CID = '0123456789abcdef01234567'


def parse(payload: Any, data_format: str) -> Any:
    return parse_payload(payload, data_format, service=SERVICE, cid=CID)


def serialize(response: Any, data_format: str) -> Any:
    return serialize_response(response, data_format, service=SERVICE, cid=CID)


def parse_error(payload: Any, data_format: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse(payload, data_format)
    error = info.value
    assert error.service == SERVICE
    assert error.cid == CID
    assert SERVICE in str(error)
    return error


def serialize_error(response: Any, data_format: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        serialize(response, data_format)
    error = info.value
    assert error.service == SERVICE
    assert error.cid == CID
    return error


# ---------------------------------------------------------------------------
# Names


def test_data_format_constants_match_zato() -> None:
    assert (DATA_FORMAT.DICT, DATA_FORMAT.JSON, DATA_FORMAT.CSV) == ('dict', 'json', 'csv')
    assert DATA_FORMATS == ('dict', 'json', 'csv')


@pytest.mark.parametrize(
    ('value', 'expected'),
    [('dict', 'dict'), ('json', 'json'), ('csv', 'csv'), (' JSON ', 'json'), ('Csv', 'csv')],
)
def test_check_data_format_normalises(value: str, expected: str) -> None:
    assert check_data_format(value) == expected


@pytest.mark.parametrize('value', ['xml', '', 'js on', None, 1])
def test_check_data_format_rejects_others_naming_the_allowed_ones(value: Any) -> None:
    with pytest.raises(ValueError, match='Unsupported data format') as info:
        check_data_format(value)
    assert "'dict', 'json', 'csv'" in str(info.value)
    assert repr(value) in str(info.value)


def test_parse_and_serialize_accept_unnormalised_names_and_reject_unknown_ones() -> None:
    assert parse('[1]', 'JSON') == [1]
    assert serialize([1], ' Json') == '[1]'
    with pytest.raises(ValueError, match="Unsupported data format 'xml'"):
        parse('<a/>', 'xml')
    with pytest.raises(ValueError, match="Unsupported data format 'xml'"):
        serialize({}, 'xml')


# ---------------------------------------------------------------------------
# DICT


def test_dict_payload_passes_as_it_is() -> None:
    payload = {'a': 1}
    assert parse(payload, DATA_FORMAT.DICT) is payload
    assert parse('not parsed', DATA_FORMAT.DICT) == 'not parsed'


def test_dict_response_is_returned_unchanged() -> None:
    response = Bunch(a=1)
    assert serialize(response, DATA_FORMAT.DICT) is response


# ---------------------------------------------------------------------------
# JSON parsing


@pytest.mark.parametrize(
    ('payload', 'expected'),
    [
        ('{"cust_id": 1}', {'cust_id': 1}),
        (b'{"cust_id": 1}', {'cust_id': 1}),
        (bytearray(b'[1, 2]'), [1, 2]),
        ('"text"', 'text'),
        ('  {"a": {"b": [true, null, 1.5]}}\n', {'a': {'b': [True, None, 1.5]}}),
        ('{"name": "caf\\u00e9"}', {'name': 'caf\xe9'}),
        ('{"name": "caf\u00e9"}'.encode(), {'name': 'caf\xe9'}),
    ],
)
def test_json_text_is_parsed(payload: Any, expected: Any) -> None:
    assert parse(payload, DATA_FORMAT.JSON) == expected


def test_json_format_passes_already_parsed_payloads_as_they_are() -> None:
    payload = {'cust_id': 1}
    assert parse(payload, DATA_FORMAT.JSON) is payload
    items = [{'a': 1}]
    assert parse(items, DATA_FORMAT.JSON) is items


@pytest.mark.parametrize('payload', ['', b'', None])
def test_an_empty_payload_means_no_input(payload: Any) -> None:
    assert parse(payload, DATA_FORMAT.JSON) == ('' if payload is not None else None)
    assert parse(payload, DATA_FORMAT.CSV) == ('' if payload is not None else None)


def test_invalid_json_names_the_service_and_the_position() -> None:
    error = parse_error('{\n  "cust_id": 1,\n  "name" "x"\n}', DATA_FORMAT.JSON)
    assert error.message == (
        "Invalid JSON payload: Expecting ':' delimiter at line 3, column 10 (char 27)"
    )
    assert error.element is None
    assert str(error) == f"{error.message} (service '{SERVICE}', cid {CID})"


@pytest.mark.parametrize(
    ('payload', 'expected'),
    [
        ('{"a": 1', 'line 1, column 8'),
        ("{'a': 1}", 'Expecting property name enclosed in double quotes at line 1, column 2'),
        ('   ', 'Expecting value at line 1, column 4'),
        ('[1, 2,]', 'line 1, column 7'),
        ('{"a": 1} x', 'Extra data at line 1, column 10'),
    ],
)
def test_invalid_json_cases(payload: str, expected: str) -> None:
    assert expected in parse_error(payload, DATA_FORMAT.JSON).message


@pytest.mark.parametrize('constant', ['NaN', 'Infinity', '-Infinity'])
def test_json_without_nan_or_infinity(constant: str) -> None:
    error = parse_error(f'{{"amount": {constant}}}', DATA_FORMAT.JSON)
    assert error.message == f'Invalid JSON payload: {constant} is not valid JSON'


def test_json_bytes_that_are_not_utf8_are_rejected() -> None:
    error = parse_error(b'{"a": "\xff"}', DATA_FORMAT.JSON)
    assert error.message.startswith('Invalid JSON payload: not UTF-8 text')
    assert 'at byte 7' in error.message


def test_a_json_error_keeps_its_cause() -> None:
    error = parse_error('{', DATA_FORMAT.JSON)
    assert isinstance(error.__cause__, json.JSONDecodeError)


# ---------------------------------------------------------------------------
# CSV parsing


def test_csv_text_becomes_a_list_of_dicts_keyed_by_the_header() -> None:
    payload = 'cust_id,name\n1,Alexis\n2,Jordan\n'
    assert parse(payload, DATA_FORMAT.CSV) == [
        {'cust_id': '1', 'name': 'Alexis'},
        {'cust_id': '2', 'name': 'Jordan'},
    ]


def test_csv_quoting_crlf_bom_and_blank_lines() -> None:
    payload = '\ufeffid,note\r\n1,"a, b"\r\n\r\n2,"line one\nline two"\r\n3,"say ""hi"""\r\n'
    assert parse(payload, DATA_FORMAT.CSV) == [
        {'id': '1', 'note': 'a, b'},
        {'id': '2', 'note': 'line one\nline two'},
        {'id': '3', 'note': 'say "hi"'},
    ]


def test_csv_bytes_are_decoded_as_utf8_with_or_without_bom() -> None:
    assert parse('name\ncaf\u00e9\n'.encode(), DATA_FORMAT.CSV) == [{'name': 'caf\xe9'}]
    assert parse(b'\xef\xbb\xbfname\nx\n', DATA_FORMAT.CSV) == [{'name': 'x'}]


def test_csv_header_names_are_stripped_but_values_are_not() -> None:
    assert parse('id, name \n1, x \n', DATA_FORMAT.CSV) == [{'id': '1', 'name': ' x '}]


def test_csv_with_only_a_header_is_an_empty_list() -> None:
    assert parse('id,name\n', DATA_FORMAT.CSV) == []


def test_csv_format_passes_already_parsed_payloads_as_they_are() -> None:
    rows = [{'id': '1'}]
    assert parse(rows, DATA_FORMAT.CSV) is rows


@pytest.mark.parametrize(
    ('payload', 'expected'),
    [
        (
            'id,name,email\n1,a,a@x\n2,b,b@x,extra\n',
            'row 2 (line 3) has 4 fields, the header has 3',
        ),
        ('id,name\n1,a\n2\n', 'row 2 (line 3) has 1 field, the header has 2'),
        ('id,note\n1,"two\nlines",x\n', 'row 1 (line 3) has 3 fields, the header has 2'),
        ('\n\n', 'no header row'),
        ('id,,name\n1,2,3\n', 'the header (line 1) has an empty column name at position 2'),
        ('id,name,id\n1,2,3\n', "the header (line 1) names column 'id' twice"),
        ('id,name\n1,"unterminated\n', 'line 2: unexpected end of data'),
        ('id,name\n1,"a"b\n', "line 2: ',' expected after '\"'"),
        (b'id\n\xff\n', 'not UTF-8 text (invalid start byte at byte 3)'),
    ],
)
def test_malformed_csv_says_what_and_where(payload: Any, expected: str) -> None:
    error = parse_error(payload, DATA_FORMAT.CSV)
    assert error.message.startswith('Malformed CSV payload: ')
    assert expected in error.message


# ---------------------------------------------------------------------------
# JSON serialising


class Status(enum.Enum):
    ACTIVE = 'active'


@dataclass
class Point:
    x: int
    y: int


def test_json_serialises_to_a_string() -> None:
    response = {'customer': Bunch(cust_name='Alexis', cust_id=1, tags=['a'])}
    text = serialize(response, DATA_FORMAT.JSON)
    assert isinstance(text, str)
    assert json.loads(text) == {'customer': {'cust_name': 'Alexis', 'cust_id': 1, 'tags': ['a']}}


def test_json_represents_python_types_as_strings() -> None:
    when = dt.datetime(2024, 1, 31, 10, 20, 30, tzinfo=dt.UTC)
    ident = uuid.UUID('0a6a3a64-6a4b-4f1e-9a55-2d8f5e2b8c11')
    response = {
        'amount': decimal.Decimal('12.50'),
        'when': when,
        'day': dt.date(2024, 1, 31),
        'id': ident,
        'status': Status.ACTIVE,
        'raw': b'bytes',
        'point': Point(1, 2),
        'letters': frozenset('a'),
    }
    assert json.loads(serialize(response, DATA_FORMAT.JSON)) == {
        'amount': '12.50',
        'when': '2024-01-31T10:20:30+00:00',
        'day': '2024-01-31',
        'id': str(ident),
        'status': 'active',
        'raw': 'bytes',
        'point': {'x': 1, 'y': 2},
        'letters': ['a'],
    }


def test_json_rejects_what_it_cannot_represent_naming_the_service() -> None:
    error = serialize_error({'x': object()}, DATA_FORMAT.JSON)
    assert error.message == (
        'Cannot serialise the response to JSON: a object cannot be represented in JSON'
    )
    error = serialize_error({'x': float('nan')}, DATA_FORMAT.JSON)
    assert 'Out of range float values are not JSON compliant' in error.message


# ---------------------------------------------------------------------------
# CSV serialising


def test_csv_serialises_a_list_of_dicts_with_a_header_row() -> None:
    rows = [
        {'id': 1, 'name': 'a, b', 'is_active': True, 'since': dt.date(2024, 1, 31)},
        Bunch(id=2, name='c', is_active=False, since=None),
    ]
    text = serialize(rows, DATA_FORMAT.CSV)
    assert text == ('id,name,is_active,since\r\n1,"a, b",true,2024-01-31\r\n2,c,false,\r\n')


def test_csv_serialises_one_dict_and_a_dataclass() -> None:
    assert serialize({'a': 1, 'b': decimal.Decimal('2.5')}, DATA_FORMAT.CSV) == 'a,b\r\n1,2.5\r\n'
    assert serialize([Point(1, 2)], DATA_FORMAT.CSV) == 'x,y\r\n1,2\r\n'


def test_csv_header_is_every_key_in_first_seen_order() -> None:
    text = serialize([{'a': 1}, {'b': 2, 'a': 3}], DATA_FORMAT.CSV)
    assert text == 'a,b\r\n1,\r\n3,2\r\n'


@pytest.mark.parametrize('response', [[], None, ''])
def test_csv_of_nothing_is_empty(response: Any) -> None:
    assert serialize(response, DATA_FORMAT.CSV) == ''


@pytest.mark.parametrize(
    ('response', 'expected'),
    [
        ([{'a': {'nested': 1}}], "item 0, column 'a': a dict does not fit in a CSV cell"),
        ([{'a': 1}, {'a': [1, 2]}], "item 1, column 'a': a list does not fit in a CSV cell"),
        ([{'a': 1}, 'text'], 'item 1 is a str, not a dict'),
        (42, 'expected a dict or a list of dicts, got int'),
    ],
)
def test_csv_rejects_what_is_not_flat(response: Any, expected: str) -> None:
    error = serialize_error(response, DATA_FORMAT.CSV)
    assert error.message == f'Cannot serialise the response to CSV: {expected}'


def test_csv_round_trip() -> None:
    rows = [{'id': '1', 'note': 'multi\nline, "quoted"'}, {'id': '2', 'note': ''}]
    assert parse(serialize(rows, DATA_FORMAT.CSV), DATA_FORMAT.CSV) == rows
    assert list(csv.DictReader(serialize(rows, DATA_FORMAT.CSV).splitlines(True))) == rows


# ---------------------------------------------------------------------------
# With SimpleIO, as the runtime will chain them


class CustomerService:
    class SimpleIO:
        input = 'cust_id', '-is_active', Int('-page', default=1)
        output = 'cust_id', 'name'


def test_a_json_payload_then_simpleio_input() -> None:
    spec = SimpleIOSpec.for_service(CustomerService, SERVICE)
    assert spec is not None
    payload = parse('{"cust_id": "7", "is_active": "true"}', DATA_FORMAT.JSON)
    assert spec.parse_input(payload, service=SERVICE, cid=CID) == {
        'cust_id': 7,
        'is_active': True,
        'page': 1,
    }


def test_a_csv_payload_then_simpleio_input_gives_one_input_per_row() -> None:
    spec = SimpleIOSpec.for_service(CustomerService, SERVICE)
    assert spec is not None
    payload = parse('cust_id,is_active,page\n1,yes,\n2,no,3\n', DATA_FORMAT.CSV)
    assert spec.parse_input(payload, service=SERVICE, cid=CID) == [
        {'cust_id': 1, 'is_active': True, 'page': None},
        {'cust_id': 2, 'is_active': False, 'page': 3},
    ]
    bad = parse('cust_id\n1\nx\n', DATA_FORMAT.CSV)
    with pytest.raises(ValidationError) as info:
        spec.parse_input(bad, service=SERVICE, cid=CID)
    assert info.value.message == (
        "Invalid value for element cust_id (Int): 'x' is not an integer (at index 1)"
    )


def test_simpleio_output_then_json_and_csv() -> None:
    spec = SimpleIOSpec.for_service(CustomerService, SERVICE)
    assert spec is not None
    output = spec.build_output(
        [{'cust_id': '1', 'name': 'a', 'secret': 'x'}], service=SERVICE, cid=CID
    )
    assert json.loads(serialize({'customers': output}, DATA_FORMAT.JSON)) == {
        'customers': [{'cust_id': 1, 'name': 'a'}]
    }
    assert serialize(output, DATA_FORMAT.CSV) == 'cust_id,name\r\n1,a\r\n'
