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
    kind = type(message)
    if kind in IMMUTABLE_TYPES:
        return message
    # Flat dicts and lists of scalars, the usual payload, need no pickling.
    if kind is dict:
        for key, value in message.items():  # type: ignore[attr-defined]
            if type(key) is not str or type(value) not in IMMUTABLE_TYPES:
                break
        else:
            return message.copy()  # type: ignore[attr-defined,no-any-return]
    elif kind is list:
        for value in message:  # type: ignore[attr-defined]
            if type(value) not in IMMUTABLE_TYPES:
                break
        else:
            return message.copy()  # type: ignore[attr-defined,no-any-return]
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


def is_immutable(value: Any) -> bool:
    """Whether ``value`` is of a type ``copy_message`` shares rather than copies."""
    return type(value) in IMMUTABLE_TYPES
