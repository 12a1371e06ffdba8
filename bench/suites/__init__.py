"""The benchmark suites, by name, in the order ``python -m bench`` runs them."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from bench.context import RunContext, SuiteResult

__all__ = ['SCALING', 'SUITES', 'load']

#: Suite names in run order.
SUITES = ('latency', 'throughput', 'fanout', 'actors', 'peers')
#: Suites whose figures ``--plot`` draws.
SCALING = ('fanout', 'actors')


def load(name: str) -> Callable[[RunContext], SuiteResult]:
    """The ``run`` function of suite ``name`` (imported on demand: suites import optional peers)."""
    if name not in SUITES:
        raise KeyError(f'unknown suite {name!r} (choose from: {", ".join(SUITES)})')
    module = import_module(f'bench.suites.{name}')
    run: Callable[[RunContext], SuiteResult] = module.run
    return run
