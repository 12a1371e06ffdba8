"""pykka's actor registry, used at scale, and URNs that are cheap to make.

pykka's ``ActorRegistry`` keeps every running actor in one list: register
appends, but unregister scans from the front and removes, so stopping n
actors costs O(n^2). These helpers keep pykka's list and lock (nothing is
patched) and search them faster: from the tail first, where the newest
actors are, or in one pass for many refs at once.
"""

from __future__ import annotations

import itertools
import logging
import os
import uuid
from collections.abc import Sequence
from typing import Any, Final

from pykka import ActorRef, ActorRegistry

__all__ = ['new_urn', 'remove_from_registry', 'unregister']

pykka_logger = logging.getLogger('pykka')

_REGISTRY_TAIL: Final = 64
"""How far from the end of pykka's registry list a stopping actor looks for itself first."""


class _UrnSource:
    """UUID4 URNs from 74 random bits per process and a 48-bit counter."""

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        digits = uuid.uuid4().hex  # version and variant bits already set
        self.prefix = f'urn:uuid:{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-'
        self.counter = itertools.count(int(digits[20:], 16))

    def next(self) -> str:
        return f'{self.prefix}{next(self.counter) & 0xFFFF_FFFF_FFFF:012x}'


_urns = _UrnSource()
if hasattr(os, 'register_at_fork'):
    # A forked child must not hand out its parent's URNs.
    os.register_at_fork(after_in_child=_urns.reseed)


def new_urn() -> str:
    """A new actor URN: a valid, unique UUID4 URN without a system call per actor."""
    return _urns.next()


def unregister(ref: ActorRef[Any]) -> None:
    """``ActorRegistry.unregister``, looking at the list's tail first.

    Actors usually stop newest first, and the newest are at the end.
    """
    refs = ActorRegistry._actor_refs  # the same list and lock, searched faster
    with ActorRegistry._actor_refs_lock:
        index = _find(refs, ref)
        if index is not None:
            del refs[index]
    if index is None:
        pykka_logger.debug('Unregistered %s (not found in registry)', ref)
    else:
        pykka_logger.debug('Unregistered %s', ref)


def _find(refs: list[ActorRef[Any]], ref: ActorRef[Any]) -> int | None:
    try:
        return refs.index(ref, max(len(refs) - _REGISTRY_TAIL, 0))
    except ValueError:
        pass
    try:
        return refs.index(ref)
    except ValueError:
        return None


def remove_from_registry(refs: Sequence[ActorRef[Any]]) -> int:
    """Remove ``refs`` from pykka's registry in one pass; returns how many were there."""
    gone = {id(ref) for ref in refs}
    if not gone:
        return 0
    registry = ActorRegistry._actor_refs
    with ActorRegistry._actor_refs_lock:
        before = len(registry)
        registry[:] = [ref for ref in registry if id(ref) not in gone]
        return before - len(registry)
