"""Copy messages on send, so a sender mutating its object later changes nothing."""

from __future__ import annotations

import datetime
import decimal
import pickle
import uuid
from typing import Any, TypeVar

import cloudpickle

__all__ = ['IMMUTABLE_TYPES', 'MessageCopyError', 'copy_message']

T = TypeVar('T')

IMMUTABLE_TYPES: frozenset[type] = frozenset(
    {
        str,
        bytes,
        int,
        float,
        bool,
        complex,
        type(None),
        decimal.Decimal,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        uuid.UUID,
    }
)
"""Values of these exact types are shared, not copied: nobody can change them."""

_PROTOCOL = pickle.HIGHEST_PROTOCOL


class MessageCopyError(TypeError):
    """A message could be copied neither by pickle nor by cloudpickle."""


def copy_message(message: T, *, what: str = 'message') -> T:
    """Return a deep copy of ``message`` made by a pickle round trip.

    Immutable scalars are returned as they are. Objects pickle cannot handle
    (lambdas, local classes) go through cloudpickle, which costs about three
    times as much, so only they pay for it. ``what`` names the message in the
    error raised when neither can copy it.
    """
    if type(message) in IMMUTABLE_TYPES:
        return message
    # Plain data (dicts with str keys and lists, of scalars, a few levels
    # deep), the usual payload, is copied here at a fraction of pickle's cost.
    try:
        return _plain_copy(message, _PLAIN_DEPTH)  # type: ignore[no-any-return]
    except _NotPlain:
        pass
    try:
        copied: T = pickle.loads(pickle.dumps(message, _PROTOCOL))
    except Exception as pickle_error:  # noqa: BLE001 - pickle raises many types
        try:
            copied = cloudpickle.loads(cloudpickle.dumps(message, _PROTOCOL))
        except Exception as error:
            raise MessageCopyError(
                f'Cannot copy the {what}: {type(error).__name__}: {error} '
                f'(pickle said: {type(pickle_error).__name__}: {pickle_error})'
            ) from error
    return copied


_PLAIN_DEPTH = 3


class _NotPlain(Exception):
    """Raised by ``_plain_copy`` for anything it does not copy itself."""


def _plain_copy(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is dict and depth:
        copied = value.copy()  # one C-level copy, then replace the containers in it
        for key, item in value.items():
            if type(key) not in IMMUTABLE_TYPES:
                raise _NotPlain
            if type(item) not in IMMUTABLE_TYPES:
                copied[key] = _plain_copy(item, depth - 1)
        return copied
    if kind is list and depth:
        return [
            item if type(item) in IMMUTABLE_TYPES else _plain_copy(item, depth - 1)
            for item in value
        ]
    if kind in IMMUTABLE_TYPES:
        return value
    raise _NotPlain
