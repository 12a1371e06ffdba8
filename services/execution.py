"""Running one invocation of a service on the current thread."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from actors.copying import IMMUTABLE_TYPES, MessageCopyError, copy_message
from services.bunch import Bunch
from services.dataformats import DATA_FORMAT, parse_payload, serialize_response
from services.errors import ValidationError
from services.invocation import Invocation
from services.service import Request, Response, ResponsePayload, Service

if TYPE_CHECKING:
    from services.deployment import DeployedService
    from services.runtime import Runtime

__all__ = ['ExecutionContext', 'copy_payload', 'detach', 'run_service', 'run_timed']


class ExecutionContext:
    """Where a running service instance is: its runtime, deployment and invocation.

    ``on_actor`` is true when the service's own actor runs it, false when it
    runs inline in a caller's thread (a call back up the chain).
    """

    __slots__ = ('deployed', 'invocation', 'on_actor', 'runtime')

    def __init__(
        self,
        runtime: Runtime,
        deployed: DeployedService,
        invocation: Invocation,
        on_actor: bool,
    ) -> None:
        self.runtime = runtime
        self.deployed = deployed
        self.invocation = invocation
        self.on_actor = on_actor

    def invoke(
        self,
        name_or_class: str | type[Service],
        payload: Any,
        *,
        timeout: float | None,
        cid: str | None,
        data_format: str | None,
        serialize: bool,
        fields: dict[str, Any],
    ) -> Any:
        """``Service.invoke`` for the service running in this context."""
        return self.runtime._invoke_sync(
            name_or_class,
            payload,
            fields,
            timeout=timeout,
            cid=cid or self.invocation.cid,
            data_format=data_format,
            serialize=serialize,
            caller=self,
        )

    def invoke_async(
        self,
        name_or_class: str | type[Service],
        payload: Any,
        *,
        cid: str | None,
        callback: str | type[Service] | Iterable[str | type[Service]] | None,
        data_format: str | None,
        fields: dict[str, Any],
    ) -> str:
        """``Service.invoke_async`` for the service running in this context."""
        return self.runtime._invoke_async(
            name_or_class,
            payload,
            fields,
            cid=cid,
            callback=callback,
            data_format=data_format,
            internal=True,
        )


def run_service(
    runtime: Runtime, deployed: DeployedService, invocation: Invocation, *, on_actor: bool
) -> Any:
    """Run ``invocation`` of ``deployed`` here and return the response.

    A fresh service instance is made; the payload is parsed from its data
    format and validated by SimpleIO; the hooks run in Zato's order
    (``before_handle``, ``validate_input``, ``handle``, ``validate_output``,
    ``after_handle``, ``finalize_handle``); the output is validated, wrapped in the response
    element, and detached from the service (copied). An exception leaves
    with a note naming the service and CID.
    """
    name = deployed.name
    cid = invocation.cid
    service = deployed.cls()
    service.cid = cid
    service.name = name
    service.in_reply_to = invocation.in_reply_to
    service._context = ExecutionContext(runtime, deployed, invocation, on_actor)
    try:
        data_format = invocation.data_format
        payload = invocation.payload
        if data_format != DATA_FORMAT.DICT:
            payload = parse_payload(payload, data_format, service=name, cid=cid)
        sio = deployed.sio
        if sio is None:
            service.request = Request(payload, data_format)
        else:
            service.request = Request(
                payload, data_format, sio.parse_input(payload, service=name, cid=cid)
            )
        service.response = Response()
        for hook in deployed.hooks_before:
            getattr(service, hook)()
        service.handle()
        for hook in deployed.hooks_after:
            getattr(service, hook)()
        output = service.response.payload
        if type(output) is ResponsePayload:
            output = output.result()
        if sio is not None:
            output = sio.build_output(output, service=name, cid=cid)
            # Zato never wraps CSV: a table has no room for the element.
            if sio.response_elem and not (invocation.serialize and data_format == DATA_FORMAT.CSV):
                output = {sio.response_elem: output}
        output = detach(output, service=name, cid=cid)
        if invocation.serialize:
            output = serialize_response(output, data_format, service=name, cid=cid)
    except Exception as error:
        if not (isinstance(error, ValidationError) and error.service == name):
            error.add_note(f'postroom: raised in service {name!r} (cid {cid})')
        raise
    return output


def run_timed(
    runtime: Runtime, deployed: DeployedService, invocation: Invocation, *, on_actor: bool
) -> Any:
    """``run_service``, counted in the service's statistics."""
    started = time.perf_counter()
    ok = False
    try:
        response = run_service(runtime, deployed, invocation, on_actor=on_actor)
        ok = True
    finally:
        deployed.stats.record(time.perf_counter() - started, ok=ok)
    return response


def copy_payload(payload: Any, *, service: str, cid: str) -> Any:
    """``copy_message`` of a request; an uncopyable payload names the service and CID."""
    try:
        return copy_message(payload)
    except MessageCopyError as error:
        raise _named(error, 'Payload', service, cid) from error


def detach(value: Any, *, service: str, cid: str) -> Any:
    """A copy of ``value`` the service no longer shares, with dicts made ``Bunch``es.

    Containers are rebuilt, immutable scalars shared, and anything else
    copied through pickle, so the service cannot change a response after it
    has been sent.
    """
    try:
        return _detach(value)
    except MessageCopyError as error:
        raise _named(error, 'Response', service, cid) from error


def _named(error: MessageCopyError, what: str, service: str, cid: str) -> MessageCopyError:
    # Built only on failure: the f-string would cost every call on the hot path.
    return MessageCopyError(f'{what} for service {service!r} (cid {cid}): {error}')


def _detach(value: Any) -> Any:
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is dict or kind is Bunch or kind is ResponsePayload:
        bunch = _new_bunch(Bunch)
        _update(bunch, value)  # then replace what is not immutable with a copy
        for key, item in value.items():
            if type(item) not in _IMMUTABLE:
                _setitem(bunch, key, _detach(item))
        return bunch
    if kind is list:
        return [v if type(v) in _IMMUTABLE else _detach(v) for v in value]
    if kind is tuple:
        return tuple([_detach(v) for v in value])
    if isinstance(value, Mapping):
        return _detach(dict(value))
    return copy_message(value)


_IMMUTABLE = IMMUTABLE_TYPES
_new_bunch = dict.__new__
_update = dict.update
_setitem = dict.__setitem__
