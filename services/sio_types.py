"""SimpleIO element types (``Int('customer_id')`` and friends) and their converters.

Each element type knows how to turn a value received on input (or assigned on
output) into its Python type. The converters are plain functions, built once
per element at deploy time, so the per-call cost is one function call.

Converters raise ``ValueError``/``TypeError`` (or :class:`ConversionError`,
whose message completes the sentence "<value> ..."); the SimpleIO layer turns
them into a ``ValidationError`` naming the element, the type and the value.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import math
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from services.bunch import Bunch, bunchify

__all__ = [
    'UUID',
    'AsIs',
    'Bool',
    'Date',
    'DateTime',
    'Decimal',
    'Dict',
    'Elem',
    'Float',
    'Int',
    'List',
    'Text',
    'type_for_name',
]

_T = TypeVar('_T')

Converter = Callable[[Any], Any]


class _NoDefault:
    """Marks an element declared without ``default=``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return 'NO_DEFAULT'

    def __reduce__(self) -> str:
        return 'NO_DEFAULT'


NO_DEFAULT: Final = _NoDefault()

#: Marks a key absent from a mapping (distinct from a key holding None).
MISSING: Final = object()


class ConversionError(ValueError):
    """A value cannot be converted; the message completes "<value> ..."."""


# ---------------------------------------------------------------------------
# Name rules (Zato 3.2's default simple-io.conf): Bool is checked before Int,
# and within each, exact names, then prefixes, then suffixes.

BOOL_PREFIXES: Final = ('by_', 'has_', 'is_', 'may_', 'needs_', 'should_')
INT_EXACT: Final = frozenset({'id'})
INT_SUFFIXES: Final = ('_count', '_id', '_size', '_size_min', '_size_max', '_timeout')


# ---------------------------------------------------------------------------
# Converters. Each takes a value that is not None and returns the converted one.
# An empty string given to a non-text type means "no value" and becomes None.

_INT_RE: Final = re.compile(r'[+-]?[0-9]+')
_NUMBER_RE: Final = re.compile(r'[0-9eE.+\-]+')

TRUE_STRINGS: Final = frozenset({'true', 'yes', 'on', 'y', 't', '1'})
FALSE_STRINGS: Final = frozenset({'false', 'no', 'off', 'n', 'f', '0'})


def to_int(value: Any) -> int | None:
    """Convert to ``int``: ints, integral floats/Decimals, decimal digit strings."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise ConversionError('is a boolean, not an integer')
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _INT_RE.fullmatch(text):
            return int(text)
        raise ConversionError('is not an integer')
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ConversionError('is not an integer')
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        raise ConversionError('is not an integer')
    raise ConversionError(f'is a {type(value).__name__}, not an integer')


def to_float(value: Any) -> float | None:
    """Convert to a finite ``float``: numbers and ASCII number strings."""
    if type(value) is float:
        result = value
    elif isinstance(value, bool):
        raise ConversionError('is a boolean, not a number')
    elif isinstance(value, int | float | decimal.Decimal):
        try:
            result = float(value)
        except OverflowError:
            raise ConversionError('is too large for a float') from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _NUMBER_RE.fullmatch(text):
            raise ConversionError('is not a number')
        try:
            result = float(text)
        except ValueError:
            raise ConversionError('is not a number') from None
    else:
        raise ConversionError(f'is a {type(value).__name__}, not a number')
    if not math.isfinite(result):
        raise ConversionError('is not a finite number')
    return result


def to_decimal(value: Any) -> decimal.Decimal | None:
    """Convert to a finite ``decimal.Decimal``; floats go through their shortest repr."""
    if isinstance(value, decimal.Decimal):
        result = value
    elif isinstance(value, bool):
        raise ConversionError('is a boolean, not a number')
    elif isinstance(value, int):
        result = decimal.Decimal(value)
    elif isinstance(value, float):
        # repr() keeps 0.1 as Decimal('0.1'), not its binary expansion.
        result = decimal.Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _NUMBER_RE.fullmatch(text):
            raise ConversionError('is not a decimal number')
        try:
            result = decimal.Decimal(text)
        except decimal.InvalidOperation:
            raise ConversionError('is not a decimal number') from None
    else:
        raise ConversionError(f'is a {type(value).__name__}, not a number')
    if not result.is_finite():
        raise ConversionError('is not a finite number')
    return result


def to_bool(value: Any) -> bool | None:
    """Convert to ``bool``: booleans, the ints 0 and 1, and Zato's boolean strings."""
    if value is True or value is False:
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_STRINGS:
            return True
        if text in FALSE_STRINGS:
            return False
        if not text:
            return None
        raise ConversionError(
            'is not a boolean (expected one of true/false, yes/no, on/off, y/n, t/f, 1/0)'
        )
    if type(value) is int and value in (0, 1):
        return value == 1
    raise ConversionError(f'is a {type(value).__name__}, not a boolean')


_CONTAINERS: Final = (Mapping, list, tuple, set, frozenset)


def to_text(value: Any) -> str:
    """Convert to ``str``: strings as they are, UTF-8 bytes decoded, scalars via ``str()``."""
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode('utf-8')
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, _CONTAINERS):
        raise ConversionError(f'is a {type(value).__name__}, not text')
    return str(value)


def _from_text(text: str, parse: Callable[[str], _T], what: str) -> _T | None:
    """``parse`` the stripped ``text``; blank is ``None``; a ``ValueError`` is not ``what``."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        raise ConversionError(f'is not {what}') from None


def to_date(value: Any) -> dt.date | None:
    """Convert to ``datetime.date``: date objects and ISO 8601 date strings."""
    if isinstance(value, dt.datetime):
        raise ConversionError('is a datetime, not a date')
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return _from_text(value, dt.date.fromisoformat, 'an ISO 8601 date (YYYY-MM-DD)')
    raise ConversionError(f'is a {type(value).__name__}, not a date')


def to_datetime(value: Any) -> dt.datetime | None:
    """Convert to ``datetime.datetime``: datetime objects and ISO 8601 strings."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return _from_text(value, dt.datetime.fromisoformat, 'an ISO 8601 date and time')
    raise ConversionError(f'is a {type(value).__name__}, not a datetime')


def to_uuid(value: Any) -> uuid.UUID | None:
    """Convert to ``uuid.UUID``: UUID objects and the string forms ``uuid.UUID`` accepts."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        return _from_text(value, uuid.UUID, 'a UUID')
    raise ConversionError(f'is a {type(value).__name__}, not a UUID')


def to_list(value: Any) -> list[Any]:
    """Convert to a list: lists and tuples item by item, any other value as a one-item list."""
    if isinstance(value, list | tuple):
        return [bunchify(item) for item in value]
    return [bunchify(value)]


def to_dict(value: Any) -> Bunch:
    """Convert a mapping to a ``Bunch`` (a copy, nested dicts converted too)."""
    if isinstance(value, Mapping):
        result: Bunch = bunchify(value)
        return result
    raise ConversionError(f'is a {type(value).__name__}, not a dict')


def as_is(value: Any) -> Any:
    """Return the value unconverted (dicts in it become ``Bunch`` objects)."""
    return bunchify(value)


# ---------------------------------------------------------------------------
# Element types


class Elem:
    """One SimpleIO element: a name, whether it is required, and an optional default.

    A leading ``-`` in the name marks the element optional, as in Zato:
    ``Int('-page_size', default=50)``.
    """

    __slots__ = ('default', 'name', 'required')

    #: The name used in error messages and descriptions.
    type_name: str = 'Elem'

    def __init__(self, name: str, *, default: Any = NO_DEFAULT) -> None:
        if not isinstance(name, str):
            raise TypeError(f'{type(self).__name__}: an element name must be a str, got {name!r}')
        required = not name.startswith('-')
        bare = name if required else name[1:]
        if not bare or bare.startswith('-'):
            raise ValueError(f'{type(self).__name__}: invalid element name {name!r}')
        self.name: str = bare
        self.required: bool = required
        self.default: Any = default

    def converter(self) -> Converter:
        """Return the function converting one value (never None) for this element."""
        raise NotImplementedError

    def __repr__(self) -> str:
        name = self.name if self.required else f'-{self.name}'
        default = '' if self.default is NO_DEFAULT else f', default={self.default!r}'
        return f'{type(self).__name__}({name!r}{default})'


class AsIs(Elem):
    """Passes the value through unconverted (overrides the name rules)."""

    __slots__ = ()
    type_name = 'AsIs'

    def converter(self) -> Converter:
        """Return the identity converter."""
        return as_is


class Bool(Elem):
    """``bool``; accepts booleans, 0/1 and true/false, yes/no, on/off, y/n, t/f strings."""

    __slots__ = ()
    type_name = 'Bool'

    def converter(self) -> Converter:
        """Return the boolean converter."""
        return to_bool


class Date(Elem):
    """``datetime.date``; accepts dates and ISO 8601 date strings."""

    __slots__ = ()
    type_name = 'Date'

    def converter(self) -> Converter:
        """Return the date converter."""
        return to_date


class DateTime(Elem):
    """``datetime.datetime``; accepts datetimes and ISO 8601 strings."""

    __slots__ = ()
    type_name = 'DateTime'

    def converter(self) -> Converter:
        """Return the datetime converter."""
        return to_datetime


class Decimal(Elem):
    """``decimal.Decimal``; accepts numbers and decimal strings, finite values only."""

    __slots__ = ()
    type_name = 'Decimal'

    def converter(self) -> Converter:
        """Return the Decimal converter."""
        return to_decimal


class Float(Elem):
    """``float``; accepts numbers and number strings, finite values only."""

    __slots__ = ()
    type_name = 'Float'

    def converter(self) -> Converter:
        """Return the float converter."""
        return to_float


class Int(Elem):
    """``int``; accepts ints, integral floats and decimal digit strings, not booleans."""

    __slots__ = ()
    type_name = 'Int'

    def converter(self) -> Converter:
        """Return the int converter."""
        return to_int


class List(Elem):
    """``list``; a tuple becomes a list, any other single value a one-item list."""

    __slots__ = ()
    type_name = 'List'

    def converter(self) -> Converter:
        """Return the list converter."""
        return to_list


class Text(Elem):
    """``str``; bytes are decoded as UTF-8, scalars converted with ``str()``."""

    __slots__ = ()
    type_name = 'Text'

    def converter(self) -> Converter:
        """Return the text converter."""
        return to_text


class UUID(Elem):
    """``uuid.UUID``; accepts UUIDs and their string forms."""

    __slots__ = ()
    type_name = 'UUID'

    def converter(self) -> Converter:
        """Return the UUID converter."""
        return to_uuid


class Dict(Elem):
    """A dict, returned as a ``Bunch``; optionally with declared keys.

    ``Dict('address', 'street', '-zip', Int('number'))`` requires ``street`` and
    ``number``, converts ``number`` to an int, and keeps only the declared keys.
    Keys given as plain strings are checked for presence only (as in Zato);
    give an element such as ``Int('number')`` to convert a key.
    """

    __slots__ = ('keys',)
    type_name = 'Dict'

    def __init__(self, name: str, *keys: str | Elem, default: Any = NO_DEFAULT) -> None:
        super().__init__(name, default=default)
        converted: list[Elem] = []
        for key in keys:
            if isinstance(key, Elem):
                converted.append(key)
            elif isinstance(key, str):
                converted.append(AsIs(key))
            else:
                raise TypeError(f'Dict {name!r}: a key must be a str or an element, got {key!r}')
        self.keys: tuple[Elem, ...] = tuple(converted)

    def converter(self) -> Converter:
        """Return the plain dict converter (keys are compiled by the SimpleIO layer)."""
        return to_dict

    def __repr__(self) -> str:
        base = super().__repr__()
        if not self.keys:
            return base
        keys = ', '.join(repr(key) for key in self.keys)
        return f'{base[:-1]}, keys=({keys}))'


def type_for_name(name: str) -> type[Elem]:
    """Return the element type Zato infers for an undeclared name.

    Bool for names starting ``is_``, ``has_``, ``needs_``, ``should_``,
    ``may_`` or ``by_``; Int for ``id`` and names ending ``_id``, ``_count``,
    ``_size``, ``_size_min``, ``_size_max`` or ``_timeout``; Text otherwise.
    The Bool rules win: ``is_id`` is a Bool.
    """
    if name.startswith(BOOL_PREFIXES):
        return Bool
    if name in INT_EXACT or name.endswith(INT_SUFFIXES):
        return Int
    return Text


_IMMUTABLE: Final = (
    type(None),
    bool,
    int,
    float,
    str,
    bytes,
    decimal.Decimal,
    dt.date,
    dt.time,
    dt.timedelta,
    uuid.UUID,
    frozenset,
)


def default_factory(default: Any) -> Callable[[], Any] | None:
    """Return a function producing a fresh copy of a mutable default, or None if immutable."""
    if isinstance(default, _IMMUTABLE):
        return None
    if isinstance(default, tuple) and all(isinstance(item, _IMMUTABLE) for item in default):
        return None
    return lambda: copy.deepcopy(default)
