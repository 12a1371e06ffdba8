"""Service names: explicit, or derived from the module and class as Zato does."""

from __future__ import annotations

import re

from services.errors import DeployError

__all__ = ['qualified_name', 'service_name', 'uncamel']

# A dash goes between a lower-case letter or digit and an upper-case one
# (GetCustomer), and before the last capital of an acronym (XMLDoc -> xml-doc).
_WORD_BOUNDARY = re.compile(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])')


def uncamel(name: str) -> str:
    """``GetXMLDoc`` -> ``get-xml-doc``; underscores become dashes too."""
    return _WORD_BOUNDARY.sub('-', name).replace('_', '-').lower()


def service_name(service_class: type) -> str:
    """The name ``service_class`` is deployed under.

    Its ``name`` attribute when it has one, else ``<module>.<class>`` with
    underscores made dashes and the class name uncamelled:
    ``my_module.GetXMLDoc`` -> ``my-module.get-xml-doc``.
    """
    explicit = getattr(service_class, 'name', None)
    if explicit is not None:
        if not isinstance(explicit, str) or not explicit.strip():
            raise DeployError(
                f'{qualified_name(service_class)}.name must be a non-empty string, not {explicit!r}'
            )
        return explicit
    module = service_class.__module__
    if module == '__main__':
        module = 'main'
    return f'{module.replace("_", "-")}.{uncamel(service_class.__name__)}'


def qualified_name(cls: type) -> str:
    """``module.Class`` of ``cls``, as error messages name it."""
    return f'{cls.__module__}.{cls.__qualname__}'
