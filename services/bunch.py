"""``Bunch``: a dict that also allows attribute access, recursively."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ['Bunch', 'bunchify']

_SCALARS = frozenset({str, int, float, bool, bytes, type(None)})
_setitem = dict.__setitem__


class Bunch(dict[str, Any]):
    """A dict whose keys can also be read and written as attributes.

    Nested dicts become ``Bunch`` objects on the way in, including dicts inside
    lists, so ``response.customer.cust_name`` and
    ``response['customer']['cust_name']`` read the same value.
    """

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        if args or kwargs:
            self.update(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f'{type(self).__name__} has no key {name!r}; keys: {sorted(map(str, self))}'
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        _setitem(self, name, value if type(value) in _SCALARS else bunchify(value))

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setitem__(self, key: str, value: Any) -> None:
        _setitem(self, key, value if type(value) in _SCALARS else bunchify(value))

    def __dir__(self) -> Iterable[str]:
        return [*super().__dir__(), *(k for k in self if isinstance(k, str))]

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update from a mapping or pairs, converting nested dicts."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        """As ``dict.setdefault``, converting a nested dict default."""
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self) -> Bunch:
        """A shallow copy that is still a ``Bunch``."""
        return Bunch(self)

    def __repr__(self) -> str:
        return f'Bunch({dict.__repr__(self)})'

    def __reduce__(self) -> tuple[Any, ...]:
        return (Bunch, (dict(self),))


def bunchify(value: Any) -> Any:
    """Return ``value`` with every dict in it, at any depth, made a ``Bunch``.

    Lists and tuples are rebuilt with their items converted; other values are
    returned as they are.
    """
    kind = type(value)
    if kind in _SCALARS or kind is Bunch:
        return value
    if kind is dict or isinstance(value, Mapping):
        bunch = Bunch()
        for key, item in value.items():
            _setitem(bunch, key, item if type(item) in _SCALARS else bunchify(item))
        return bunch
    if isinstance(value, list):
        return [bunchify(item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, '_fields'):
        return tuple(bunchify(item) for item in value)
    return value
