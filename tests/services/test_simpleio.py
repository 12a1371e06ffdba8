"""SimpleIO: declarations, type rules, input parsing and output building.

The fake services are plain classes with a nested ``class SimpleIO:``; the
runtime is not involved.
"""

# String annotations on purpose: the models below must resolve through get_type_hints.
from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from services import UUID, AsIs, Bool, Date, DateTime, Decimal, Dict, Float, Int, List, Text
from services.bunch import Bunch
from services.errors import DeployError, ValidationError
from services.simpleio import SimpleIOSpec
from services.sio_types import type_for_name

SERVICE = 'test.fake-service'
CID = 'a1b2c3d4e5f6a1b2c3d4e5f6'


def spec_of(service_class: type) -> SimpleIOSpec:
    spec = SimpleIOSpec.for_service(service_class, SERVICE)
    assert spec is not None
    return spec


def spec_with(**declaration: Any) -> SimpleIOSpec:
    """A spec for a fake service whose SimpleIO has the given attributes."""
    service_class = type('FakeService', (), {'SimpleIO': type('SimpleIO', (), declaration)})
    return spec_of(service_class)


def parse(spec: SimpleIOSpec, payload: Any) -> Any:
    return spec.parse_input(payload, service=SERVICE, cid=CID)


def build(spec: SimpleIOSpec, raw: Any) -> Any:
    return spec.build_output(raw, service=SERVICE, cid=CID)


def deploy_error(service_class: type) -> str:
    with pytest.raises(DeployError) as info:
        SimpleIOSpec.for_service(service_class, SERVICE)
    message = str(info.value)
    assert SERVICE in message
    return message


def input_error(spec: SimpleIOSpec, payload: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse(spec, payload)
    error = info.value
    assert error.service == SERVICE
    assert error.cid == CID
    return error


def output_error(spec: SimpleIOSpec, raw: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        build(spec, raw)
    error = info.value
    assert error.service == SERVICE
    assert error.cid == CID
    return error


# ---------------------------------------------------------------------------
# Declarations


def test_a_class_without_simpleio_has_no_spec() -> None:
    class Plain:
        pass

    assert SimpleIOSpec.for_service(Plain, SERVICE) is None


def test_the_zato_docs_example_declares_required_input_and_output() -> None:
    class GetCustomer:
        class SimpleIO:
            input_required = 'cust_id'
            output_required = 'cust_name'
            response_elem = 'customer'

    spec = spec_of(GetCustomer)
    assert spec.describe() == {
        'input_required': ('cust_id',),
        'input_optional': (),
        'output_required': ('cust_name',),
        'output_optional': (),
        'response_elem': 'customer',
    }
    assert parse(spec, {'cust_id': '1'}) == {'cust_id': 1}
    assert build(spec, Bunch(cust_name='Alexis Smith')) == {'cust_name': 'Alexis Smith'}


def test_required_and_optional_tuples_are_described_in_declaration_order() -> None:
    class Service:
        class SimpleIO:
            input_required = ('b', 'a')
            input_optional = ('d', 'c')
            output_required = 'x'
            output_optional = ('z', 'y')

    assert spec_of(Service).describe() == {
        'input_required': ('b', 'a'),
        'input_optional': ('d', 'c'),
        'output_required': ('x',),
        'output_optional': ('z', 'y'),
        'response_elem': None,
    }


def test_short_form_marks_optional_elements_with_a_leading_dash() -> None:
    class Service:
        class SimpleIO:
            input = 'name', '-type', Int('-page'), Int('size')
            output = '-is_allowed', 'reason'

    info = spec_of(Service).describe()
    assert info['input_required'] == ('name', 'size')
    assert info['input_optional'] == ('type', 'page')
    assert info['output_required'] == ('reason',)
    assert info['output_optional'] == ('is_allowed',)


def test_a_single_element_needs_no_tuple() -> None:
    spec = spec_with(input=Int('-page'), output='name')
    assert spec.describe()['input_optional'] == ('page',)
    assert spec.describe()['output_required'] == ('name',)


@pytest.mark.parametrize('side', ['input', 'output'])
@pytest.mark.parametrize('other', ['required', 'optional'])
def test_both_declaration_forms_on_one_side_are_a_deploy_error(side: str, other: str) -> None:
    declaration = {side: ('a',), f'{side}_{other}': ('b',)}
    service_class = type('Svc', (), {'SimpleIO': type('SimpleIO', (), declaration)})
    message = deploy_error(service_class)
    assert f"'{side}'" in message
    assert f"'{side}_{other}'" in message


def test_both_forms_on_different_sides_are_fine() -> None:
    spec = spec_with(input=('a',), output_required=('b',))
    assert spec.describe()['output_required'] == ('b',)


@pytest.mark.parametrize(
    'declaration',
    [
        {'input': ('a', '-a')},
        {'input': ('a', Int('a'))},
        {'input_required': ('a',), 'input_optional': ('a',)},
        {'output_required': ('a', 'a')},
    ],
)
def test_a_name_declared_twice_on_one_side_is_a_deploy_error(declaration: dict[str, Any]) -> None:
    service_class = type('Svc', (), {'SimpleIO': type('SimpleIO', (), declaration)})
    message = deploy_error(service_class)
    assert "'a' is declared twice" in message


def test_a_subclass_may_make_an_inherited_optional_element_required() -> None:
    # Zato's rule for shared elements: the required declaration wins.
    class BaseIO:
        input_optional = ('name', 'email')

    class Service:
        class SimpleIO(BaseIO):
            input_required = ('name',)

    spec = spec_of(Service)
    assert spec.describe()['input_required'] == ('name',)
    assert spec.describe()['input_optional'] == ('email',)
    assert input_error(spec, {'email': 'x'}).message == 'Element missing: name'


def test_an_optional_marker_inside_a_required_list_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input_required = ('a', '-b')

    assert '-' in deploy_error(Service)


def test_an_optional_element_in_a_required_list_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input_required = (Int('-page'),)

    assert "'page' is marked optional" in deploy_error(Service)


def test_a_misspelt_attribute_is_a_deploy_error_suggesting_the_right_one() -> None:
    class Service:
        class SimpleIO:
            input_requried = ('a',)

    message = deploy_error(Service)
    assert "'input_requried'" in message
    assert "did you mean 'input_required'" in message


def test_zato_attributes_we_do_not_implement_are_accepted_and_ignored() -> None:
    class Service:
        class SimpleIO:
            input = 'a'
            request_elem = 'zato_security_get_list_request'
            output_repeated = True
            skip_empty_keys = True
            force_empty_keys = ('a',)
            csv_delimiter = ';'

    assert parse(spec_of(Service), {'a': 'x'}) == {'a': 'x'}


def test_simpleio_that_is_not_a_class_is_a_deploy_error() -> None:
    class Service:
        SimpleIO = {'input': 'a'}

    assert 'must be a class' in deploy_error(Service)


@pytest.mark.parametrize('bad', [5, {'a': 1}, {'a', 'b'}, ('a', 3), ('a', None)])
def test_a_declaration_that_is_not_names_or_elements_is_a_deploy_error(bad: Any) -> None:
    service_class = type('Svc', (), {'SimpleIO': type('SimpleIO', (), {'input': bad})})
    deploy_error(service_class)


@pytest.mark.parametrize('bad', ['-', '--a'])
def test_an_empty_or_doubly_marked_name_is_a_deploy_error(bad: str) -> None:
    service_class = type('Svc', (), {'SimpleIO': type('SimpleIO', (), {'input': ('a', bad)})})
    assert 'invalid element name' in deploy_error(service_class)


def test_an_element_needs_a_str_name() -> None:
    with pytest.raises(TypeError, match='must be a str'):
        Int(5)  # type: ignore[arg-type]


def test_response_elem_is_none_unless_declared() -> None:
    assert spec_with(input='a').response_elem is None
    assert spec_with(input='a', response_elem=None).response_elem is None
    assert spec_with(input='a', response_elem='').response_elem is None
    assert spec_with(input='a', response_elem='customer').response_elem == 'customer'


def test_a_response_elem_that_is_not_a_str_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            response_elem = 42

    assert 'response_elem' in deploy_error(Service)


def test_an_empty_simpleio_declares_nothing() -> None:
    class Service:
        class SimpleIO:
            pass

    spec = spec_of(Service)
    assert not spec.has_input
    assert not spec.has_output
    assert spec.describe()['input_required'] == ()


def test_a_default_on_a_required_element_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input = Int('page', default=1)

    assert 'optional elements only' in deploy_error(Service)


def test_a_default_that_does_not_fit_its_type_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input = Int('-page', default='first')

    assert 'invalid default' in deploy_error(Service)


def test_elements_are_not_changed_by_deploying() -> None:
    shared = Int('-page', default='5')

    class One:
        class SimpleIO:
            input = (shared,)

    class Two:
        class SimpleIO:
            output = (shared,)

    spec_of(One)
    spec_of(Two)
    assert shared.default == '5'
    assert shared.required is False
    assert repr(shared) == "Int('-page', default='5')"


# ---------------------------------------------------------------------------
# Types inferred from names (Zato 3.2's default simple-io.conf)


@pytest.mark.parametrize(
    ('name', 'expected'),
    [
        ('is_active', Bool),
        ('has_email', Bool),
        ('needs_review', Bool),
        ('should_retry', Bool),
        ('may_contact', Bool),
        ('by_phone', Bool),
        ('is_id', Bool),  # Bool is checked before Int
        ('has_user_id', Bool),
        ('id', Int),
        ('cust_id', Int),
        ('item_count', Int),
        ('page_size', Int),
        ('page_size_min', Int),
        ('page_size_max', Int),
        ('conn_timeout', Int),
        ('ident', Text),
        ('idx', Text),
        ('valid', Text),
        ('island', Text),  # a prefix needs its underscore
        ('identity_id_x', Text),
        ('name', Text),
        ('ID', Text),  # names are case-sensitive, as in Zato
    ],
)
def test_undeclared_types_follow_zato_name_rules(name: str, expected: type) -> None:
    assert type_for_name(name) is expected


def test_inferred_types_convert_input() -> None:
    spec = spec_with(input=('cust_id', 'is_active', 'name', '-item_count'))
    result = parse(spec, {'cust_id': '12', 'is_active': 'yes', 'name': 5, 'item_count': '3'})
    assert result == {'cust_id': 12, 'is_active': True, 'name': '5', 'item_count': 3}
    assert type(result.cust_id) is int


def test_a_declared_type_overrides_the_name_rule() -> None:
    spec = spec_with(input=(AsIs('is_active'), Text('cust_id')))
    assert parse(spec, {'is_active': 'maybe', 'cust_id': 12}) == {
        'is_active': 'maybe',
        'cust_id': '12',
    }


# ---------------------------------------------------------------------------
# Conversions, one element type at a time

SAMPLE_UUID = '0a6a3a64-6a4b-4f1e-9a55-2d8f5e2b8c11'


@pytest.mark.parametrize(
    ('elem_type', 'value', 'expected'),
    [
        (Int, 12, 12),
        (Int, '12', 12),
        (Int, ' -3 ', -3),
        (Int, '+4', 4),
        (Int, '007', 7),
        (Int, 12.0, 12),
        (Int, decimal.Decimal('5'), 5),
        (Int, '', None),
        (Float, 1.5, 1.5),
        (Float, '1.5', 1.5),
        (Float, 2, 2.0),
        (Float, '1e3', 1000.0),
        (Float, '-.5', -0.5),
        (Float, decimal.Decimal('0.25'), 0.25),
        (Float, '', None),
        (Decimal, '12.50', decimal.Decimal('12.50')),
        (Decimal, 0.1, decimal.Decimal('0.1')),
        (Decimal, 3, decimal.Decimal(3)),
        (Decimal, decimal.Decimal('1.1'), decimal.Decimal('1.1')),
        (Decimal, '', None),
        (Bool, True, True),
        (Bool, False, False),
        (Bool, 1, True),
        (Bool, 0, False),
        (Bool, '', None),
        (Text, 'abc', 'abc'),
        (Text, 'caf\xe9'.encode(), 'caf\xe9'),
        (Text, 5, '5'),
        (Text, 1.5, '1.5'),
        (Text, decimal.Decimal('1.10'), '1.10'),
        (Text, dt.date(2024, 1, 31), '2024-01-31'),
        (Text, dt.datetime(2024, 1, 31, 10, 20), '2024-01-31T10:20:00'),
        (Text, uuid.UUID(SAMPLE_UUID), SAMPLE_UUID),
        (Text, '', ''),
        (Text, '  padded ', '  padded '),
        (Date, '2024-01-31', dt.date(2024, 1, 31)),
        (Date, ' 2024-01-31 ', dt.date(2024, 1, 31)),
        (Date, dt.date(2024, 1, 31), dt.date(2024, 1, 31)),
        (Date, '', None),
        (DateTime, '2024-01-31T10:20:30', dt.datetime(2024, 1, 31, 10, 20, 30)),
        (
            DateTime,
            '2024-01-31T10:20:30Z',
            dt.datetime(2024, 1, 31, 10, 20, 30, tzinfo=dt.UTC),
        ),
        (
            DateTime,
            '2024-01-31T10:20:30.5+02:00',
            dt.datetime(2024, 1, 31, 10, 20, 30, 500000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
        (DateTime, '2024-01-31', dt.datetime(2024, 1, 31)),
        (DateTime, dt.datetime(2024, 1, 31, 1), dt.datetime(2024, 1, 31, 1)),
        (DateTime, '', None),
        (UUID, SAMPLE_UUID, uuid.UUID(SAMPLE_UUID)),
        (UUID, SAMPLE_UUID.replace('-', '').upper(), uuid.UUID(SAMPLE_UUID)),
        (UUID, uuid.UUID(SAMPLE_UUID), uuid.UUID(SAMPLE_UUID)),
        (UUID, '', None),
        (List, [1, 2], [1, 2]),
        (List, (1, 2), [1, 2]),
        (List, 'one', ['one']),
        (List, [], []),
        (Dict, {'a': 1}, Bunch(a=1)),
        (Dict, {}, Bunch()),
        (AsIs, 'is_kept', 'is_kept'),
        (AsIs, 12, 12),
    ],
)
def test_valid_values_convert(elem_type: type, value: Any, expected: Any) -> None:
    spec = spec_with(input=(elem_type('x'),))
    result = parse(spec, {'x': value})['x']
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize('text', ['true', 'TRUE', ' True ', 'yes', 'Yes', 'on', 'y', 'Y', 't', '1'])
def test_true_strings(text: str) -> None:
    assert parse(spec_with(input=Bool('x')), {'x': text})['x'] is True


@pytest.mark.parametrize(
    'text', ['false', 'FALSE', ' False ', 'no', 'No', 'off', 'n', 'N', 'f', '0']
)
def test_false_strings(text: str) -> None:
    assert parse(spec_with(input=Bool('x')), {'x': text})['x'] is False


@pytest.mark.parametrize(
    ('elem_type', 'value', 'reason'),
    [
        (Int, 'abc', 'is not an integer'),
        (Int, '12.5', 'is not an integer'),
        (Int, '1_000', 'is not an integer'),
        (Int, '0x10', 'is not an integer'),
        (Int, '\uff11\uff12', 'is not an integer'),  # full-width digits
        (Int, True, 'is a boolean, not an integer'),
        (Int, False, 'is a boolean, not an integer'),
        (Int, 12.5, 'is not an integer'),
        (Int, float('nan'), 'is not an integer'),
        (Int, decimal.Decimal('1.5'), 'is not an integer'),
        (Int, [1], 'is a list, not an integer'),
        (Float, 'abc', 'is not a number'),
        (Float, 'nan', 'is not a number'),
        (Float, 'inf', 'is not a number'),
        (Float, '1.2.3', 'is not a number'),
        (Float, '1_0', 'is not a number'),
        (Float, float('inf'), 'is not a finite number'),
        (Float, 10**400, 'is too large for a float'),
        (Float, True, 'is a boolean, not a number'),
        (Decimal, 'abc', 'is not a decimal number'),
        (Decimal, 'NaN', 'is not a decimal number'),
        (Decimal, 'Infinity', 'is not a decimal number'),
        (Decimal, '1..2', 'is not a decimal number'),
        (Decimal, float('nan'), 'is not a finite number'),
        (Decimal, True, 'is a boolean, not a number'),
        (Bool, 'abc', 'is not a boolean'),
        (Bool, 'maybe', 'is not a boolean'),
        (Bool, 2, 'is a int, not a boolean'),
        (Bool, 1.0, 'is a float, not a boolean'),
        (Bool, [], 'is a list, not a boolean'),
        (Text, {'a': 1}, 'is a dict, not text'),
        (Text, [1], 'is a list, not text'),
        (Text, b'\xff', "was rejected: 'utf-8' codec can't decode"),
        (Date, '2024-02-30', 'is not an ISO 8601 date'),
        (Date, '2024-01-31T10:00:00', 'is not an ISO 8601 date'),
        (Date, '31/01/2024', 'is not an ISO 8601 date'),
        (Date, dt.datetime(2024, 1, 31, 10), 'is a datetime, not a date'),
        (Date, 20240131, 'is a int, not a date'),
        (DateTime, 'yesterday', 'is not an ISO 8601 date and time'),
        (DateTime, '2024-01-31T25:00', 'is not an ISO 8601 date and time'),
        (DateTime, dt.date(2024, 1, 31), 'is a date, not a datetime'),
        (DateTime, 1700000000, 'is a int, not a datetime'),
        (UUID, 'abc', 'is not a UUID'),
        (UUID, 123, 'is a int, not a UUID'),
        (Dict, [1], 'is a list, not a dict'),
        (Dict, 'abc', 'is a str, not a dict'),
    ],
)
def test_invalid_values_name_element_type_and_value(
    elem_type: type, value: Any, reason: str
) -> None:
    spec = spec_with(input=(elem_type('x'),))
    error = input_error(spec, {'x': value})
    type_name = elem_type.__name__
    assert error.message.startswith(
        f'Invalid value for element x ({type_name}): {repr(value)[:40]}'
    )
    assert reason in error.message
    assert error.element == 'x'


def test_the_issue_example_message() -> None:
    error = input_error(spec_with(input_required='cust_id'), {'cust_id': 'abc'})
    assert error.message == "Invalid value for element cust_id (Int): 'abc' is not an integer"
    assert str(error) == (
        "Invalid value for element cust_id (Int): 'abc' is not an integer "
        f"(service '{SERVICE}', cid {CID})"
    )


def test_a_conversion_error_keeps_its_cause() -> None:
    error = input_error(spec_with(input=Text('x')), {'x': b'\xff'})
    assert isinstance(error.__cause__, UnicodeDecodeError)


def test_a_long_value_is_shortened_in_the_message() -> None:
    error = input_error(spec_with(input=Int('x')), {'x': 'z' * 500})
    assert "'zzz" in error.message
    assert '...' in error.message
    assert len(error.message) < 200


def test_none_is_kept_as_none_for_every_type() -> None:
    elems = (Int('a'), Float('b'), Decimal('c'), Bool('d'), Text('e'), Date('f'))
    spec = spec_with(input=(*elems, DateTime('g'), UUID('h'), List('i'), Dict('j'), AsIs('k')))
    payload = dict.fromkeys('abcdefghijk')
    assert parse(spec, payload) == payload


def test_a_present_null_satisfies_a_required_element() -> None:
    # Required means "the key is present", as in Zato; null is a value.
    assert parse(spec_with(input_required='cust_id'), {'cust_id': None}) == {'cust_id': None}


def test_lists_and_dicts_come_back_as_bunches_with_dot_access() -> None:
    spec = spec_with(input=(List('lines'), Dict('meta'), AsIs('raw')))
    payload = {
        'lines': [{'name': 'a'}, {'name': 'b'}],
        'meta': {'owner': {'name': 'x'}},
        'raw': {'k': 'v'},
    }
    result = parse(spec, payload)
    assert [line.name for line in result.lines] == ['a', 'b']
    assert result.meta.owner.name == 'x'
    assert result.raw.k == 'v'
    assert isinstance(result, Bunch)


def test_asis_passes_objects_unchanged() -> None:
    marker = object()
    assert parse(spec_with(input=AsIs('x')), {'x': marker})['x'] is marker


# ---------------------------------------------------------------------------
# Missing elements, defaults, unknown elements


def test_a_missing_required_element_raises_element_missing() -> None:
    error = input_error(spec_with(input=('cust_id', 'name')), {'name': 'x'})
    assert error.message == 'Element missing: cust_id'
    assert error.element == 'cust_id'
    assert str(error) == f"Element missing: cust_id (service '{SERVICE}', cid {CID})"


def test_the_first_missing_element_in_declaration_order_is_named() -> None:
    error = input_error(spec_with(input=('b', 'a')), {})
    assert error.message == 'Element missing: b'


def test_a_missing_optional_element_is_none_unless_a_default_is_declared() -> None:
    spec = spec_with(input=('-name', Int('-page', default=1), Bool('-is_active')))
    assert parse(spec, {}) == {'name': None, 'page': 1, 'is_active': None}


def test_a_default_is_not_used_when_the_element_is_present() -> None:
    spec = spec_with(input=(Int('-page', default=1),))
    assert parse(spec, {'page': '7'}) == {'page': 7}
    assert parse(spec, {'page': None}) == {'page': None}


def test_a_default_is_converted_once_at_deploy() -> None:
    spec = spec_with(input=(Int('-page', default='5'), Date('-since', default='2024-01-01')))
    assert parse(spec, {}) == {'page': 5, 'since': dt.date(2024, 1, 1)}


def test_a_mutable_default_is_fresh_on_every_call() -> None:
    spec = spec_with(input=(List('-tags', default=['a']), Dict('-meta', default={'k': [1]})))
    first = parse(spec, {})
    first.tags.append('changed')
    first.meta.k.append(2)
    second = parse(spec, {})
    assert second.tags == ['a']
    assert second.meta == {'k': [1]}
    assert isinstance(second.meta, Bunch)


def test_simpleio_level_default_values_apply_to_optional_elements() -> None:
    spec = spec_with(input=('-a', Int('-b', default=2)), default_value='n/a')
    assert parse(spec, {}) == {'a': 'n/a', 'b': 2}
    spec = spec_with(input=('-a',), default_value='general', default_input_value='input')
    assert parse(spec, {}) == {'a': 'input'}


@pytest.mark.parametrize('payload', ['', None, {}])
def test_no_payload_gives_the_defaults(payload: Any) -> None:
    spec = spec_with(input=('-name', Int('-page', default=1)))
    assert parse(spec, payload) == {'name': None, 'page': 1}


@pytest.mark.parametrize('payload', ['', None])
def test_no_payload_is_missing_every_required_element(payload: Any) -> None:
    assert input_error(spec_with(input='cust_id'), payload).message == 'Element missing: cust_id'


def test_unknown_input_elements_are_ignored() -> None:
    # Zato's rule: undeclared keys are not an error; they stay in request.payload only.
    spec = spec_with(input=('cust_id',))
    payload = {'cust_id': '1', 'unexpected': 'x'}
    result = parse(spec, payload)
    assert result == {'cust_id': 1}
    assert 'unexpected' not in result
    assert payload == {'cust_id': '1', 'unexpected': 'x'}  # the payload is not changed


def test_without_declared_input_the_input_is_an_empty_bunch() -> None:
    spec = spec_with(output='name')
    result = parse(spec, {'a': 1})
    assert result == {}
    assert isinstance(result, Bunch)


def test_a_list_payload_gives_a_list_of_inputs() -> None:
    spec = spec_with(input=('cust_id', '-name'))
    result = parse(spec, [{'cust_id': '1'}, {'cust_id': 2, 'name': 'b'}])
    assert result == [{'cust_id': 1, 'name': None}, {'cust_id': 2, 'name': 'b'}]
    assert all(isinstance(item, Bunch) for item in result)


def test_an_error_in_a_list_payload_names_the_index() -> None:
    spec = spec_with(input=('cust_id',))
    error = input_error(spec, [{'cust_id': 1}, {'cust_id': 2}, {}])
    assert error.message == 'Element missing: cust_id (at index 2)'
    error = input_error(spec, [{'cust_id': 1}, 'oops'])
    assert error.message == 'Input must be a dict or a list of dicts, got str (at index 1)'


@pytest.mark.parametrize(
    ('payload', 'expected'),
    [
        (5, 'Input must be a dict or a list of dicts, got int'),
        (b'{}', 'Input must be a dict or a list of dicts, got bytes'),
        ('{"a": 1}', 'needs data_format=json or csv'),
    ],
)
def test_a_payload_of_the_wrong_shape_is_a_validation_error(payload: Any, expected: str) -> None:
    error = input_error(spec_with(input='a'), payload)
    assert expected in error.message
    assert error.element is None


def test_a_dataclass_instance_is_accepted_as_payload_for_named_elements() -> None:
    @dataclass
    class Request:
        cust_id: str
        other: str

    assert parse(spec_with(input='cust_id'), Request('12', 'x')) == {'cust_id': 12}


def test_a_bunch_payload_works_like_a_dict() -> None:
    assert parse(spec_with(input='cust_id'), Bunch(cust_id='3')) == {'cust_id': 3}


# ---------------------------------------------------------------------------
# Dict elements with declared keys


def test_dict_keys_are_checked_converted_and_filtered() -> None:
    spec = spec_with(input=(Dict('address', 'street', '-zip', Int('number')),))
    result = parse(spec, {'address': {'street': 'Main', 'number': '7', 'extra': 1}})
    assert result == {'address': {'street': 'Main', 'zip': None, 'number': 7}}
    assert result.address.number == 7


def test_a_missing_dict_key_is_named_with_its_path() -> None:
    spec = spec_with(input=(Dict('address', 'street', Int('number')),))
    error = input_error(spec, {'address': {'number': 1}})
    assert error.message == 'Element missing: address.street'
    assert error.element == 'address.street'


def test_an_invalid_nested_value_is_named_with_its_path() -> None:
    spec = spec_with(input=(Dict('a', Dict('b', Int('c'))),))
    error = input_error(spec, {'a': {'b': {'c': 'x'}}})
    assert error.message == "Invalid value for element a.b.c (Int): 'x' is not an integer"
    assert parse(spec, {'a': {'b': {'c': '1'}}}) == {'a': {'b': {'c': 1}}}


def test_a_dict_key_declared_twice_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input = Dict('a', 'x', '-x')

    assert "'x' is declared twice in 'a'" in deploy_error(Service)


# ---------------------------------------------------------------------------
# Dataclass models (module level, so their string annotations resolve)


class Colour(enum.Enum):
    RED = 'red'
    GREEN = 'green'


@dataclass
class Address:
    street: str
    number: int | None = None


@dataclass
class Line:
    sku: str
    quantity: int
    price: decimal.Decimal


@dataclass
class OrderRequest:
    order_id: int
    address: Address
    note: str | None
    lines: list[Line] = field(default_factory=list)
    is_gift: bool = False
    colour: Colour = Colour.RED
    placed: dt.datetime | None = None
    tags: dict[str, int] = field(default_factory=dict)
    extra: Any = None


@dataclass
class Checked:
    amount: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError('amount must not be negative')


@dataclass(init=False)
class ZatoStyleResponse:
    name: str
    email: str
    segment: str = 'basic'


@dataclass
class TreeNode:
    name: str
    children: list[TreeNode] = field(default_factory=list)


class OrderService:
    class SimpleIO:
        input = OrderRequest
        output = OrderRequest


def test_an_input_model_builds_an_instance_with_converted_fields() -> None:
    spec = spec_of(OrderService)
    result = parse(
        spec,
        {
            'order_id': '10',
            'address': {'street': 'Main', 'number': '7'},
            'note': 'leave at the door',
            'lines': [{'sku': 'A1', 'quantity': '2', 'price': '9.99'}],
            'is_gift': 'yes',
            'colour': 'green',
            'placed': '2024-01-31T10:00:00',
            'tags': {'x': '1'},
            'extra': {'free': 'form'},
        },
    )
    assert result == OrderRequest(
        order_id=10,
        address=Address('Main', 7),
        note='leave at the door',
        lines=[Line('A1', 2, decimal.Decimal('9.99'))],
        is_gift=True,
        colour=Colour.GREEN,
        placed=dt.datetime(2024, 1, 31, 10),
        tags={'x': 1},
        extra={'free': 'form'},
    )


def test_model_fields_with_defaults_and_optional_types_may_be_absent() -> None:
    spec = spec_of(OrderService)
    result = parse(spec, {'order_id': 1, 'address': {'street': 'Main'}})
    assert result == OrderRequest(order_id=1, address=Address('Main'), note=None)
    again = parse(spec, {'order_id': 1, 'address': {'street': 'Main'}})
    assert again.lines is not result.lines  # the default_factory runs each time


def test_a_model_describes_required_and_optional_fields() -> None:
    info = spec_of(OrderService).describe()
    assert info['input_required'] == ('order_id', 'address')
    assert info['input_optional'] == (
        'note',
        'lines',
        'is_gift',
        'colour',
        'placed',
        'tags',
        'extra',
    )
    assert info['output_required'] == ('order_id', 'address')


def test_a_missing_model_field_raises_element_missing() -> None:
    spec = spec_of(OrderService)
    assert input_error(spec, {'address': {'street': 'x'}}).message == 'Element missing: order_id'
    error = input_error(spec, {'order_id': 1, 'address': {}})
    assert error.message == 'Element missing: address.street'


def test_errors_inside_lists_of_models_name_the_index() -> None:
    spec = spec_of(OrderService)
    payload = {
        'order_id': 1,
        'address': {'street': 'x'},
        'lines': [
            {'sku': 'a', 'quantity': 1, 'price': 1},
            {'sku': 'b', 'quantity': 'two', 'price': 1},
        ],
    }
    error = input_error(spec, payload)
    assert error.message == (
        "Invalid value for element lines[1].quantity (Int): 'two' is not an integer"
    )
    assert error.element == 'lines[1].quantity'
    payload['lines'] = [{'sku': 'a', 'quantity': 1, 'price': 1}, {'sku': 'b'}]
    assert input_error(spec, payload).message == 'Element missing: lines[1].quantity'


def test_an_invalid_enum_value_names_the_enum() -> None:
    spec = spec_of(OrderService)
    error = input_error(spec, {'order_id': 1, 'address': {'street': 'x'}, 'colour': 'blue'})
    assert error.message.startswith("Invalid value for element colour (Colour): 'blue' ")


def test_the_model_post_init_check_becomes_a_validation_error() -> None:
    spec = spec_with(input=Checked)
    error = input_error(spec, {'amount': '-5'})
    assert error.message == 'Invalid input for Checked: ValueError: amount must not be negative'
    assert parse(spec, {'amount': '5'}) == Checked(5)


def test_an_instance_of_the_input_model_is_accepted_as_it_is() -> None:
    request = Checked(3)
    assert parse(spec_with(input=Checked), request) is request


def test_a_list_payload_gives_a_list_of_model_instances() -> None:
    assert parse(spec_with(input=Checked), [{'amount': 1}, {'amount': '2'}]) == [
        Checked(1),
        Checked(2),
    ]


def test_a_zato_style_model_without_init_is_filled_by_attribute() -> None:
    result = parse(spec_with(input=ZatoStyleResponse), {'name': 'Jane', 'email': 'j@x'})
    assert isinstance(result, ZatoStyleResponse)
    assert (result.name, result.email, result.segment) == ('Jane', 'j@x', 'basic')


def test_a_recursive_model_compiles_and_parses() -> None:
    spec = spec_with(input=TreeNode, output=TreeNode)
    tree = parse(spec, {'name': 'root', 'children': [{'name': 'leaf'}]})
    assert tree == TreeNode('root', [TreeNode('leaf')])
    assert build(spec, tree) == {'name': 'root', 'children': [{'name': 'leaf', 'children': []}]}


def test_a_class_that_is_not_a_dataclass_is_a_deploy_error() -> None:
    class NotAModel:
        name: str

    class Service:
        class SimpleIO:
            input = NotAModel

    assert 'must be a dataclass' in deploy_error(Service)


def test_a_model_in_a_required_list_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input_required = Checked

    assert "goes in 'input'" in deploy_error(Service)


def test_a_model_mixed_with_names_is_a_deploy_error() -> None:
    class Service:
        class SimpleIO:
            input = (Checked, 'name')

    assert 'alone' in deploy_error(Service)


def test_a_model_field_of_an_unsupported_type_is_a_deploy_error() -> None:
    @dataclass
    class Odd:
        value: int | str

    message = deploy_error(type('Svc', (), {'SimpleIO': type('S', (), {'input': Odd})}))
    assert 'Odd.value: unsupported type' in message


def test_a_model_hint_that_does_not_resolve_is_a_deploy_error() -> None:
    @dataclass
    class Broken:
        value: NoSuchType  # type: ignore[name-defined]  # noqa: F821

    message = deploy_error(type('Svc', (), {'SimpleIO': type('S', (), {'input': Broken})}))
    assert 'cannot resolve the type hints of Broken' in message
    assert 'NoSuchType' in message


# ---------------------------------------------------------------------------
# Output


def test_an_attribute_filled_bunch_is_validated_and_returned_as_a_dict() -> None:
    spec = spec_with(output=('cust_name', '-cust_id'))
    payload = Bunch()
    payload.cust_name = 'Alexis Smith'
    payload.cust_id = '12'
    result = build(spec, payload)
    assert result == {'cust_name': 'Alexis Smith', 'cust_id': 12}
    assert type(result) is dict


def test_an_assigned_dict_is_filtered_to_the_declared_elements() -> None:
    spec = spec_with(output=('name',))
    assert build(spec, {'name': 'a', 'password': 'secret'}) == {'name': 'a'}


def test_a_list_of_dicts_is_repeated_output() -> None:
    spec = spec_with(output=('id', 'name'))
    raw = [{'id': 1, 'name': 'a', 'x': 0}, Bunch(id='2', name='b')]
    assert build(spec, raw) == [{'id': 1, 'name': 'a'}, {'id': 2, 'name': 'b'}]
    assert build(spec, ({'id': 1, 'name': 'a'},)) == [{'id': 1, 'name': 'a'}]
    assert build(spec, []) == []


def test_a_dataclass_instance_is_accepted_for_named_output() -> None:
    @dataclass
    class Row:
        name: str
        secret: str

    assert build(spec_with(output='name'), Row('a', 'b')) == {'name': 'a'}


def test_a_missing_required_output_element_is_named() -> None:
    spec = spec_with(output=('cust_name', 'cust_id'))
    error = output_error(spec, Bunch(cust_id=1))
    assert error.message == 'Output element missing: cust_name'
    assert error.element == 'cust_name'


def test_an_untouched_payload_is_missing_its_required_output() -> None:
    assert output_error(spec_with(output='a'), Bunch()).message == 'Output element missing: a'


def test_a_missing_element_in_repeated_output_names_the_index() -> None:
    spec = spec_with(output=('name',))
    error = output_error(spec, [{'name': 'a'}, {}])
    assert error.message == 'Output element missing: name (at index 1)'


def test_a_missing_optional_output_element_is_left_out_unless_it_has_a_default() -> None:
    spec = spec_with(output=('name', '-email', Int('-score', default=0)))
    assert build(spec, {'name': 'a'}) == {'name': 'a', 'score': 0}
    spec = spec_with(output=('name', '-email'), default_output_value='')
    assert build(spec, {'name': 'a'}) == {'name': 'a', 'email': ''}


def test_output_values_are_converted_to_their_types() -> None:
    spec = spec_with(output=('cust_id', 'is_active', Decimal('balance'), Date('since')))
    result = build(
        spec, {'cust_id': '12', 'is_active': 'no', 'balance': '1.50', 'since': '2024-01-31'}
    )
    assert result == {
        'cust_id': 12,
        'is_active': False,
        'balance': decimal.Decimal('1.50'),
        'since': dt.date(2024, 1, 31),
    }


def test_an_output_value_that_does_not_convert_is_named() -> None:
    error = output_error(spec_with(output='cust_id'), {'cust_id': 'abc'})
    assert error.message == (
        "Invalid value for output element cust_id (Int): 'abc' is not an integer"
    )
    assert error.element == 'cust_id'


def test_output_of_the_wrong_shape_is_a_validation_error() -> None:
    error = output_error(spec_with(output='a'), 42)
    assert error.message == 'Output must be a dict or a list of dicts, got int'


@pytest.mark.parametrize('raw', [None, ''])
def test_no_output_with_only_optional_elements_is_an_empty_dict(raw: Any) -> None:
    assert build(spec_with(output='-a'), raw) == {}


def test_without_declared_output_the_payload_passes_through_unchanged() -> None:
    spec = spec_with(input='a', response_elem='wrapped')
    raw = Bunch(anything=[1, 2])
    assert build(spec, raw) is raw
    assert build(spec, 'text') == 'text'


def test_an_output_model_instance_becomes_a_dict() -> None:
    spec = spec_of(OrderService)
    order = OrderRequest(
        order_id=1,
        address=Address('Main'),
        note=None,
        lines=[Line('A', 1, decimal.Decimal('2.5'))],
    )
    assert build(spec, order) == {
        'order_id': 1,
        'address': {'street': 'Main', 'number': None},
        'note': None,
        'lines': [{'sku': 'A', 'quantity': 1, 'price': decimal.Decimal('2.5')}],
        'is_gift': False,
        'colour': Colour.RED,
        'placed': None,
        'tags': {},
        'extra': None,
    }


def test_an_output_model_accepts_a_dict_and_fills_the_defaults() -> None:
    spec = spec_with(output=ZatoStyleResponse)
    assert build(spec, {'name': 'Jane', 'email': 'j@x', 'other': 1}) == {
        'name': 'Jane',
        'email': 'j@x',
        'segment': 'basic',
    }


def test_a_zato_style_response_model_filled_by_attribute() -> None:
    spec = spec_with(output=ZatoStyleResponse)
    response = ZatoStyleResponse()
    response.name = 'Jane Doe'
    response.email = 'hello@example.com'
    assert build(spec, response) == {
        'name': 'Jane Doe',
        'email': 'hello@example.com',
        'segment': 'basic',
    }
    unfinished = ZatoStyleResponse()
    unfinished.name = 'Jane Doe'
    assert output_error(spec, unfinished).message == 'Output element missing: email'


def test_a_list_of_output_model_instances_is_a_list_of_dicts() -> None:
    spec = spec_with(output=Checked)
    assert build(spec, [Checked(1), Checked(2)]) == [{'amount': 1}, {'amount': 2}]


# ---------------------------------------------------------------------------
# Repr


def test_repr_names_the_declaration() -> None:
    spec = spec_with(input=('a', '-b'), output='c', response_elem='r')
    assert repr(spec) == "<SimpleIOSpec input=('a',)+('b',) output=('c',)+() response_elem='r'>"
    assert repr(Dict('-d', 'x', Int('y'), default={})) == (
        "Dict('-d', default={}, keys=(AsIs('x'), Int('y')))"
    )
