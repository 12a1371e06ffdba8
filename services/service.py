"""``Service``: the base class of Zato-style services."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from services.bunch import Bunch, bunchify

if TYPE_CHECKING:
    from actors import Correlator
    from services.execution import ExecutionContext

__all__ = ['Request', 'Response', 'ResponsePayload', 'Service']


class Request:
    """What a service was invoked with.

    ``payload`` is the request as parsed from its data format; ``input`` is
    that payload validated by SimpleIO, or for a service without SimpleIO
    the payload as a ``Bunch`` (a dict with attribute access).
    """

    __slots__ = ('_input', 'data_format', 'payload')

    _UNSET: ClassVar[object] = object()

    def __init__(self, payload: Any, data_format: str, input_: Any = _UNSET) -> None:
        self.payload = payload
        self.data_format = data_format
        self._input = input_

    @property
    def input(self) -> Any:
        """The validated input (SimpleIO), else the payload as a ``Bunch``."""
        if self._input is Request._UNSET:
            payload = self.payload
            self._input = bunchify(payload) if isinstance(payload, dict) else Bunch()
        return self._input


_setitem: Any = dict.__setitem__
_get: Any = dict.get
_new_dict: Any = dict.__new__

REPLACED = object()
"""Key under which ``payload[:] = items`` keeps the list that replaces the payload."""


class ResponsePayload(Bunch):
    """The response a handler fills in: attributes, keys, or ``[:] = items``.

    ``self.response.payload[:] = items`` is Zato's way to answer with a
    list; it replaces the payload with that list.
    """

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            if key != slice(None):
                raise TypeError('Only payload[:] = items can replace the whole response')
            _setitem(self, REPLACED, list(value))
            return
        super().__setitem__(key, value)

    def result(self) -> Any:
        """What the handler answered: this payload, or the list that replaced it."""
        return _get(self, REPLACED, self)


class Response:
    """What a service replies with: fill ``payload`` by attribute or assign to it."""

    __slots__ = ('payload',)

    def __init__(self) -> None:
        # dict.__new__ gives an empty payload without running Bunch.__init__.
        self.payload: Any = _new_dict(ResponsePayload)


class Service:
    """Base class of services: subclass it and implement ``handle()``.

    Class attributes:

    - ``name``: the name the service is deployed and invoked under; by
      default derived from module and class (``my_module.GetXMLDoc`` ->
      ``my-module.get-xml-doc``).
    - ``workers``: how many invocations of this service may run at once
      behind its one mailbox (default 1).
    - ``actor``: ``'thread'`` or ``'pool'``, how the service's actor is
      hosted; ``None`` (default) takes the runtime's default.
    - ``class SimpleIO``: declares and validates input and output.

    A fresh instance serves each invocation; during ``handle()`` it has
    ``cid``, ``name``, ``request``, ``response``, ``logger``,
    ``in_reply_to``, and can ``invoke`` and ``invoke_async`` other services.
    """

    name: str
    workers: ClassVar[int] = 1
    actor: ClassVar[str | None] = None

    cid: str
    request: Request
    response: Response
    in_reply_to: str | None
    _context: ExecutionContext
    _logger: logging.LoggerAdapter[logging.Logger] | None = None

    def before_handle(self) -> None:
        """Run before ``handle()``; override to prepare."""

    def validate_input(self) -> None:
        """Run after SimpleIO has validated the input, before ``handle()``; raise to refuse."""

    def handle(self) -> None:
        """Do the service's work: read ``self.request``, fill ``self.response``."""

    def validate_output(self) -> None:
        """Run after a successful ``handle()``; raise to refuse the response."""

    def after_handle(self) -> None:
        """Run after ``validate_output()``; override to finish up."""

    def finalize_handle(self) -> None:
        """Run last, after ``after_handle()``."""

    @property
    def logger(self) -> logging.LoggerAdapter[logging.Logger]:
        """``logging.getLogger(self.name)``; its records carry ``cid`` and ``service``."""
        if self._logger is None:
            self._logger = logging.LoggerAdapter(
                self._context.deployed.logger, {'cid': self.cid, 'service': self.name}
            )
        return self._logger

    @property
    def correlator(self) -> Correlator:
        """The runtime's correlator, to look up asynchronous replies by CID."""
        return self._context.runtime.correlator

    def invoke(
        self,
        name_or_class: str | type[Service],
        payload: Any = '',
        *,
        timeout: float | None = None,
        cid: str | None = None,
        data_format: str | None = None,
        serialize: bool = False,
        as_bunch: bool = True,
        **fields: Any,
    ) -> Any:
        """Invoke another service and block on its reply; it inherits this CID.

        Same arguments as ``Runtime.invoke``. A call back into a service
        already waiting further up this call chain (A -> B -> A, or A -> A)
        runs in this thread, as in Zato, instead of deadlocking.
        """
        return self._context.invoke(
            name_or_class,
            payload,
            timeout=timeout,
            cid=cid,
            data_format=data_format,
            serialize=serialize,
            fields=fields,
        )

    def invoke_async(
        self,
        name_or_class: str | type[Service],
        payload: Any = '',
        *,
        cid: str | None = None,
        callback: str | type[Service] | Iterable[str | type[Service]] | None = None,
        data_format: str | None = None,
        **fields: Any,
    ) -> str:
        """Invoke another service without waiting; returns its new CID.

        Same arguments as ``Runtime.invoke_async``; the reply lands in the
        correlator (``self.correlator``).
        """
        return self._context.invoke_async(
            name_or_class,
            payload,
            cid=cid,
            callback=callback,
            data_format=data_format,
            fields=fields,
        )
