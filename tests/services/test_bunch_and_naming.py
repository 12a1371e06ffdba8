from __future__ import annotations

import copy
import pickle

import pytest

from services import Bunch, Service, bunchify
from services.errors import DeployError
from services.naming import service_name, uncamel


def test_bunch_reads_keys_as_attributes_recursively() -> None:
    bunch = bunchify({'customer': {'name': 'Alexis', 'tags': [{'t': 1}]}})
    assert bunch.customer.name == 'Alexis'
    assert bunch['customer']['name'] == 'Alexis'
    assert bunch.customer.tags[0].t == 1
    assert isinstance(bunch, dict)


def test_bunch_attribute_assignment_sets_keys_and_converts_dicts() -> None:
    bunch = Bunch()
    bunch.address = {'city': 'Prague'}
    assert bunch == {'address': {'city': 'Prague'}}
    assert bunch.address.city == 'Prague'
    del bunch.address
    assert bunch == {}


def test_missing_attribute_is_attribute_error_naming_the_keys() -> None:
    bunch = Bunch(a=1)
    with pytest.raises(AttributeError, match=r"no key 'b'; keys: \['a'\]"):
        _ = bunch.b
    assert getattr(bunch, 'b', 'default') == 'default'


def test_bunch_survives_pickle_and_deepcopy() -> None:
    bunch = bunchify({'a': {'b': [1, {'c': 2}]}})
    for clone in (pickle.loads(pickle.dumps(bunch)), copy.deepcopy(bunch)):
        assert clone == bunch
        assert clone.a.b[1].c == 2
        assert type(clone.a) is Bunch


@pytest.mark.parametrize(
    ('camel', 'dashed'),
    [
        ('GetXMLDoc', 'get-xml-doc'),
        ('GetCustomer', 'get-customer'),
        ('HTTPServer', 'http-server'),
        ('Get2Things', 'get2-things'),
        ('get_list', 'get-list'),
        ('Ping', 'ping'),
    ],
)
def test_uncamel(camel: str, dashed: str) -> None:
    assert uncamel(camel) == dashed


def test_name_derived_from_module_and_class() -> None:
    cls = type('GetXMLDoc', (Service,), {'__module__': 'my_module'})
    assert service_name(cls) == 'my-module.get-xml-doc'


def test_explicit_name_wins_and_must_be_a_non_empty_string() -> None:
    named = type('X', (Service,), {'name': 'crm.get-customer'})
    assert service_name(named) == 'crm.get-customer'
    for bad in ('', '  ', 5):
        with pytest.raises(DeployError, match='must be a non-empty string'):
            service_name(type('X', (Service,), {'name': bad}))
