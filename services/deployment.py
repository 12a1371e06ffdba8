"""Finding service classes in classes, modules and files, and checking them."""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pykka

from actors.backends import BACKENDS
from actors.settings import check_count
from services.errors import DeployError
from services.naming import qualified_name, service_name
from services.service import Service
from services.simpleio import SimpleIOSpec
from services.stats import ServiceStats

__all__ = ['DeployTarget', 'DeployedService', 'describe_class', 'find_services', 'load_file']

DeployTarget = type[Service] | ModuleType | str | Path
"""What ``Runtime.deploy`` takes: a service class, a module, or a file path."""


@dataclass(eq=False)
class DeployedService:
    """A service class as deployed in one runtime, with its actor."""

    name: str
    cls: type[Service]
    sio: SimpleIOSpec | None
    workers: int
    backend: str
    logger: logging.Logger
    stats: ServiceStats
    ref: pykka.ActorRef[Any] | None = None
    hooks_before: tuple[str, ...] = ()
    """The hooks before ``handle()`` this class overrides, in the order they run."""
    hooks_after: tuple[str, ...] = ()
    """The hooks after ``handle()`` this class overrides, in the order they run."""
    blocked_workers: int = 0
    """How many of the actor's workers now wait in a nested synchronous invoke."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def qualname(self) -> str:
        """``module.Class`` of the service class."""
        return qualified_name(self.cls)

    def begin_nested_wait(self) -> None:
        """One of the actor's workers starts waiting on a nested synchronous invoke."""
        with self._lock:
            self.blocked_workers += 1

    def end_nested_wait(self) -> None:
        """That worker's wait is over."""
        with self._lock:
            self.blocked_workers -= 1

    def all_workers_blocked(self) -> bool:
        """Whether no worker can take a new message until a nested invoke returns."""
        return self.blocked_workers >= self.workers


def load_file(path: str | Path) -> ModuleType:
    """Load the Python file at ``path`` afresh as a module named after the file.

    ``orders.py`` becomes module ``orders``; any module of that name already
    in ``sys.modules`` (another file of the same name, or an older version of
    this one) is replaced, so nothing stale is ever used.
    """
    file = Path(path)
    if not file.is_file():
        raise DeployError(f'No such file: {file}')
    if file.suffix != '.py':
        raise DeployError(f'Not a Python file: {file}')
    module_name = file.stem
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise DeployError(f'Cannot load {file} as a module')
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    # Registered before running, as import does, so the module can pickle
    # its own classes and dataclasses can find it.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        if previous is None:
            sys.modules.pop(module_name, None)
        else:
            sys.modules[module_name] = previous
        if isinstance(error, Exception):
            raise DeployError(f'Could not load {file}: {type(error).__name__}: {error}') from error
        raise
    return module


def _services_in_module(module: ModuleType) -> list[type[Service]]:
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Service) and obj is not Service and obj.__module__ == module.__name__
    ]


def find_services(targets: Iterable[Any]) -> list[tuple[type[Service], ModuleType | None]]:
    """The service classes named by ``targets``, each with the module loaded for it.

    A target is a ``Service`` subclass, a module (its own ``Service``
    subclasses), or the path of a Python file (loaded with ``load_file``).
    """
    found: list[tuple[type[Service], ModuleType | None]] = []
    for target in targets:
        if isinstance(target, type):
            if not issubclass(target, Service) or target is Service:
                raise DeployError(f'{target!r} is not a subclass of services.Service')
            found.append((target, None))
        elif isinstance(target, ModuleType):
            found.extend((cls, target) for cls in _services_in_module(target))
        elif isinstance(target, str | Path):
            module = load_file(target)
            classes = _services_in_module(module)
            if not classes:
                raise DeployError(f'No services.Service subclass defined in {target}')
            found.extend((cls, module) for cls in classes)
        else:
            raise DeployError(
                f'Cannot deploy {target!r}: give a Service subclass, a module or a file path'
            )
    return found


HOOKS_BEFORE = ('before_handle', 'validate_input')
HOOKS_AFTER = ('validate_output', 'after_handle', 'finalize_handle')


def _overridden(service_class: type[Service], hooks: tuple[str, ...]) -> tuple[str, ...]:
    # Calling a hook nobody overrode costs a method call per invocation.
    return tuple(
        hook for hook in hooks if getattr(service_class, hook) is not getattr(Service, hook)
    )


def describe_class(service_class: type[Service], default_backend: str) -> DeployedService:
    """Check ``service_class`` and make its deployment record (no actor yet)."""
    name = service_name(service_class)
    qualname = qualified_name(service_class)
    try:
        workers = check_count(service_class, 'workers', label=qualname)
    except ValueError as error:
        raise DeployError(str(error)) from None
    backend = service_class.actor or default_backend
    if backend not in BACKENDS:
        raise DeployError(
            f'{qualname}.actor must be one of {", ".join(map(repr, BACKENDS))} or None, '
            f'not {backend!r}'
        )
    if not callable(getattr(service_class, 'handle', None)):
        raise DeployError(f'{qualname}.handle must be a method')
    if 'accept' in dir(service_class):
        raise DeployError(
            f"{qualname} defines Zato's accept(): postroom has no channels to refuse a "
            'request on; raise an exception from validate_input() instead'
        )
    return DeployedService(
        hooks_before=_overridden(service_class, HOOKS_BEFORE),
        hooks_after=_overridden(service_class, HOOKS_AFTER),
        name=name,
        cls=service_class,
        sio=SimpleIOSpec.for_service(service_class, name),
        workers=workers,
        backend=backend,
        logger=logging.getLogger(name),
        stats=ServiceStats(name),
    )
