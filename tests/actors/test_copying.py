from __future__ import annotations

import datetime
import threading
import uuid
from decimal import Decimal

import pytest

from actors import MessageCopyError, copy_message


def test_nested_containers_are_copied() -> None:
    original = {'items': [{'sku': 1}], 'tags': {'a'}}
    copied = copy_message(original)
    assert copied == original
    original['items'][0]['sku'] = 2
    original['tags'].add('b')
    assert copied == {'items': [{'sku': 1}], 'tags': {'a'}}


@pytest.mark.parametrize(
    'value',
    [
        'text',
        b'raw',
        1,
        1.5,
        True,
        None,
        Decimal('1.10'),
        datetime.date(2026, 1, 1),
        uuid.UUID(int=5),
    ],
)
def test_immutable_values_are_shared_not_copied(value: object) -> None:
    assert copy_message(value) is value


def test_what_pickle_cannot_copy_goes_through_cloudpickle() -> None:
    def local(x: int) -> int:
        return x + 1

    copied = copy_message({'fn': lambda x: x * 2, 'local': local})
    assert copied['fn'](2) == 4
    assert copied['local'](1) == 2


def test_uncopyable_message_is_a_clear_type_error() -> None:
    with pytest.raises(MessageCopyError, match='Cannot copy the payload for svc.*lock') as info:
        copy_message({'lock': threading.Lock()}, what='payload for svc')
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    'message',
    [
        {'a': [1, {'b': [2, 3]}], 'c': 'x'},  # plain data, copied without pickle
        {'a': {'b': {'c': {'d': {'e': [1]}}}}},  # deeper than the plain copier goes
        {1: 'int key', 'tuple': (1, [2])},  # not plain: pickled
        [[1, 2], [3, [4]]],
    ],
)
def test_every_container_in_the_copy_is_new(message: object) -> None:
    copied = copy_message(message)
    assert copied == message

    def containers(value: object) -> list[int]:
        found = []
        if isinstance(value, dict):
            found.append(id(value))
            for item in value.values():
                found += containers(item)
        elif isinstance(value, list | tuple):
            if isinstance(value, list):
                found.append(id(value))
            for item in value:
                found += containers(item)
        return found

    assert not set(containers(copied)) & set(containers(message))
