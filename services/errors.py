"""Exceptions raised by the services layer.

Every error names what went wrong and where: the service, the CID and, for
validation, the element.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    'DeployError',
    'InvocationCancelled',
    'InvokeTimeout',
    'RuntimeStopped',
    'ServiceError',
    'ServiceNotFound',
    'ValidationError',
]


class ServiceError(Exception):
    """Base class of the errors postroom itself raises about services."""


class ServiceNotFound(ServiceError, KeyError):
    """No service of that name is deployed; the message lists close matches."""

    def __init__(self, name: str, close_matches: Sequence[str] = ()) -> None:
        self.name = name
        self.close_matches = tuple(close_matches)
        message = f'No service named {name!r} is deployed'
        if self.close_matches:
            message += '; did you mean ' + ' or '.join(repr(m) for m in self.close_matches) + '?'
        super().__init__(message)

    def __str__(self) -> str:
        # KeyError would otherwise print the message in quotes.
        return str(self.args[0])


class InvokeTimeout(ServiceError, TimeoutError):
    """A synchronous invocation did not complete within its timeout."""

    def __init__(self, service: str, cid: str, timeout: float) -> None:
        self.service = service
        self.cid = cid
        self.timeout = timeout
        super().__init__(f'Service {service!r} did not reply within {timeout:g} s (cid {cid})')


class ValidationError(ServiceError, ValueError):
    """Input or output did not match the service's SimpleIO declaration.

    ``message`` is the bare reason (``Element missing: cust_id``); ``str()``
    adds the service, and the CID when it is known.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str | None = None,
        element: str | None = None,
        cid: str | None = None,
    ) -> None:
        self.message = message
        self.service = service
        self.element = element
        self.cid = cid
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.service:
            where.append(f'service {self.service!r}')
        if self.cid:
            where.append(f'cid {self.cid}')
        return f'{self.message} ({", ".join(where)})' if where else self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments need help to survive a pickle round trip.
        return (_rebuild_validation_error, (self.message, self.service, self.element, self.cid))


def _rebuild_validation_error(
    message: str, service: str | None, element: str | None, cid: str | None
) -> ValidationError:
    return ValidationError(message, service=service, element=element, cid=cid)


class DeployError(ServiceError, ValueError):
    """A service class cannot be deployed: bad declaration, duplicate name, bad file."""


class RuntimeStopped(ServiceError, RuntimeError):
    """The runtime is shutting down or has shut down and takes no new invocations."""


class InvocationCancelled(ServiceError):
    """An accepted invocation was never run: the runtime shut down first.

    Only ever seen in a correlator record (``reply.error.type``), never raised
    into a caller: a synchronous caller gets ``RuntimeStopped`` instead.
    """
