"""Checks of the class-level settings of actor classes."""

from __future__ import annotations

__all__ = ['check_count']


def check_count(actor_class: type, setting: str) -> int:
    """``actor_class.<setting>`` if it is an int >= 1, else a ``ValueError`` naming it."""
    value = getattr(actor_class, setting)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f'{actor_class.__name__}.{setting} must be an int >= 1, not {value!r}')
    return value
