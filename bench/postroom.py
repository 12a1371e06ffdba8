"""The one place the benchmarks reach for postroom's public API.

Until the runtime exists (or when a name is missing from it), ``need`` raises
``ImportError`` naming what is missing, and the harness shows the postroom
rows as ``unavailable: <reason>`` instead of failing the run.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ['need']


def need(module: str, *names: str) -> tuple[Any, ...]:
    """``names`` from ``module`` (``'services'`` or ``'actors'``), or ImportError."""
    mod = importlib.import_module(module)
    found = []
    for name in names:
        try:
            found.append(getattr(mod, name))
        except AttributeError:
            raise ImportError(f'postroom not ready: {module} has no {name}') from None
        except ImportError as exc:  # a lazily imported part that is not built yet
            raise ImportError(f'postroom not ready: {module}.{name}: {exc}') from exc
    return tuple(found)
