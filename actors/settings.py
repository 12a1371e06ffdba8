"""Checks of class-level settings (an actor's or a service's ``workers``)."""

from __future__ import annotations

__all__ = ['check_count']


def check_count(owner: type, setting: str, *, label: str | None = None) -> int:
    """``owner.<setting>`` if it is an int >= 1, else a ``ValueError`` naming it.

    ``label`` names the class in the message (default: its ``__name__``).
    """
    value = getattr(owner, setting)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f'{label or owner.__name__}.{setting} must be an int >= 1, not {value!r}')
    return value
