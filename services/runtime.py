"""``Runtime``: deploys service classes as actors and invokes them."""

from __future__ import annotations

import atexit
import difflib
import enum
import logging
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Self

import pykka
from tabulate import tabulate

from actors import ActorSystem, Correlator, actor_class_for, new_cid
from actors.backends import check_backend
from actors.correlator import DEFAULT_MAX_RECORDS, DEFAULT_TTL
from actors.deadlines import deadline_after, remaining
from services.dataformats import DATA_FORMAT, check_data_format
from services.deployment import DeployedService, describe_class, find_services
from services.errors import (
    DeployError,
    InvocationCancelled,
    InvokeTimeout,
    RuntimeStopped,
    ServiceNotFound,
)
from services.execution import ExecutionContext, copy_payload, run_timed
from services.invocation import Invocation
from services.naming import service_name
from services.service import Service
from services.service_actor import ASYNC_FAILURE, ServiceBehaviour
from services.stats import StatsSnapshot

__all__ = ['ASYNC_FAILURE', 'EXIT_DRAIN_TIMEOUT', 'ZATO_ONLY_KEYWORDS', 'Runtime']

logger = logging.getLogger('services')

EXIT_DRAIN_TIMEOUT = 5.0
"""Seconds a runtime still running at interpreter exit gets to drain."""

STOP_GRACE = 1.0
"""Seconds actors get to stop after a drain used up the shutdown timeout."""

NESTED_WAIT_CHECK = 0.05
"""How often (seconds) a service waiting on another checks it can still be served."""

ZATO_ONLY_KEYWORDS = frozenset(
    {
        'channel',
        'transport',
        'raise_timeout',
        'skip_response_elem',
        'environ',
        'wsgi_environ',
        'zato_ctx',
        'expiration',
        'to_json_string',
    }
)
"""Zato's own invoke/invoke_async keywords: refused, never taken for input fields."""

ServiceRef = str | type[Service]
Callbacks = ServiceRef | Iterable[ServiceRef] | None

_live_runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()


class _State(enum.Enum):
    RUNNING = 'running'
    DRAINING = 'draining'
    STOPPING = 'stopping'
    STOPPED = 'stopped'


class Runtime:
    """Deploys services as actors and invokes them, synchronously or not.

    ``actor`` is the default backend of service actors (``'thread'`` or
    ``'pool'``; a service overrides it with its ``actor`` attribute) and
    ``pool_size`` sizes the pool. ``correlator_ttl`` and
    ``correlator_max_records`` bound the replies the correlator keeps;
    ``correlator_actor`` picks its backend (default: ``actor``).

    A runtime is a context manager; leaving the block calls ``shutdown()``,
    which first finishes every accepted asynchronous invocation.
    """

    def __init__(
        self,
        *,
        actor: str = 'thread',
        pool_size: int | None = None,
        correlator_ttl: float = DEFAULT_TTL,
        correlator_max_records: int = DEFAULT_MAX_RECORDS,
        correlator_actor: str | None = None,
        name: str = 'postroom',
    ) -> None:
        self.default_actor = check_backend(actor)
        self.system = ActorSystem(name, pool_size=pool_size)
        try:
            self.correlator = Correlator(
                self.system,
                backend=check_backend(correlator_actor or actor),
                ttl=correlator_ttl,
                max_records=correlator_max_records,
            )
        except BaseException:
            self.system.shutdown()
            raise
        self._expect_new = self.correlator.table.expect_new
        self._services: dict[str, DeployedService] = {}
        self._by_class: dict[type[Service], DeployedService] = {}
        self._lock = threading.RLock()
        self._state = _State.RUNNING
        self.discard_reason: str | None = None
        """Why queued invocations are being cancelled (a shutdown), or ``None``."""
        self._stopped = threading.Event()
        _live_runtimes.add(self)

    def __repr__(self) -> str:
        return f'<Runtime {self.system.name!r} {self._state.value}, {len(self._services)} services>'

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

    # -- deployment ----------------------------------------------------------

    def deploy(self, *targets: type[Service] | Any) -> list[str]:
        """Deploy service classes, the services of modules, or of Python files.

        A file path is loaded afresh as a module named after the file. A
        second class under a name already deployed is a ``DeployError``
        naming both classes; deploying a new version of the same class
        (same module and class name, e.g. a reloaded file) replaces it.
        Returns the names deployed.
        """
        if not targets:
            raise TypeError('deploy() takes at least one service class, module or file path')
        self._check_accepting()
        found = find_services(targets)
        with self._lock:
            planned: dict[str, DeployedService] = {}
            for service_class, _module in found:
                deployed = describe_class(service_class, self.default_actor)
                earlier = planned.get(deployed.name)
                if earlier is not None:
                    if earlier.cls is service_class:
                        continue
                    raise _duplicate(deployed.name, earlier, deployed)
                current = self._services.get(deployed.name)
                if current is not None and current.qualname != deployed.qualname:
                    raise _duplicate(deployed.name, current, deployed)
                planned[deployed.name] = deployed
            for name, deployed in planned.items():
                actor_class = actor_class_for(
                    ServiceBehaviour, deployed.backend, workers=deployed.workers
                )
                deployed.ref = self.system.spawn(actor_class, self, deployed)
                previous = self._services.get(name)
                self._services[name] = deployed
                self._by_class[deployed.cls] = deployed
                if previous is not None:
                    self._by_class.pop(previous.cls, None)
                    assert previous.ref is not None
                    # It finishes what its mailbox already holds, then stops.
                    previous.ref.stop(block=False)
        return list(planned)

    @property
    def services(self) -> Mapping[str, DeployedService]:
        """The deployed services by name (read-only)."""
        return MappingProxyType(self._services)

    def _resolve(self, target: ServiceRef) -> DeployedService:
        if isinstance(target, str):
            deployed = self._services.get(target)
            if deployed is None:
                close = difflib.get_close_matches(target, list(self._services), n=3)
                raise ServiceNotFound(target, close)
            return deployed
        if isinstance(target, type) and issubclass(target, Service):
            deployed = self._by_class.get(target)
            if deployed is None:
                raise ServiceNotFound(f'{service_name(target)} ({target.__qualname__})')
            return deployed
        raise TypeError(f'A service is named by a str or a Service subclass, not {target!r}')

    # -- invoking --------------------------------------------------------------

    def invoke(
        self,
        name_or_class: ServiceRef,
        payload: Any = '',
        *,
        timeout: float | None = None,
        cid: str | None = None,
        data_format: str = DATA_FORMAT.DICT,
        serialize: bool = False,
        as_bunch: bool = True,
        **fields: Any,
    ) -> Any:
        """Invoke a service and block until it replies; return its response.

        The payload is either ``payload`` or, when none is given, the keyword
        ``fields``; both together raise ``TypeError``. The response is a
        ``Bunch`` (dict with attribute access) for a dict response, or the
        response serialised in ``data_format`` with ``serialize=True``.
        ``ServiceNotFound`` for an unknown name; the service's own exception,
        with a note naming service and CID, if ``handle()`` raised;
        ``InvokeTimeout`` after ``timeout`` seconds. ``as_bunch`` is
        accepted for Zato's sake: every dict response is a ``Bunch``, which
        is a dict, whatever its value.
        """
        deployed = self._fast_target(name_or_class, fields, data_format)
        if deployed is not None:
            cid = cid or new_cid()
            return self._await(
                deployed,
                Invocation(
                    deployed.name,
                    cid,
                    copy_payload(payload, service=deployed.name, cid=cid),
                    DATA_FORMAT.DICT,
                    (),
                    False,
                    (),
                    None,
                    serialize,
                ),
                timeout,
            )
        self._check_accepting()
        return self._invoke_sync(
            name_or_class,
            payload,
            fields,
            timeout=timeout,
            cid=cid,
            data_format=data_format,
            serialize=serialize,
            caller=None,
        )

    def invoke_async(
        self,
        name_or_class: ServiceRef,
        payload: Any = '',
        *,
        cid: str | None = None,
        callback: Callbacks = None,
        data_format: str = DATA_FORMAT.DICT,
        **fields: Any,
    ) -> str:
        """Invoke a service without waiting and return the invocation's CID at once.

        The service sees that CID as ``self.cid``. Its outcome, success or
        failure, lands in ``self.correlator`` under the CID. ``callback``
        names one service or several, each invoked asynchronously with the
        response (on success) and with ``self.in_reply_to`` set to the CID.
        """
        deployed = self._fast_target(name_or_class, fields, data_format)
        if deployed is not None and cid is None and callback is None:
            cid = new_cid()
            name = deployed.name
            invocation = Invocation(
                name, cid, copy_payload(payload, service=name, cid=cid), DATA_FORMAT.DICT, (), True
            )
            self._send_async(deployed, invocation, True)
            return cid
        self._check_accepting()
        return self._invoke_async(
            name_or_class,
            payload,
            fields,
            cid=cid,
            callback=callback,
            data_format=data_format,
            internal=False,
        )

    def _fast_target(
        self, target: ServiceRef, fields: dict[str, Any], data_format: str
    ) -> DeployedService | None:
        """The deployed service for the common call (a name, no fields, dicts), else None.

        Such a call skips the general path's checks and helper calls.
        """
        if (
            type(target) is str
            and not fields
            and data_format == DATA_FORMAT.DICT
            and self._state is _State.RUNNING
        ):
            return self._services.get(target)
        return None

    def _invoke_sync(
        self,
        target: ServiceRef,
        payload: Any,
        fields: dict[str, Any],
        *,
        timeout: float | None,
        cid: str | None,
        data_format: str | None,
        serialize: bool,
        caller: ExecutionContext | None,
    ) -> Any:
        deployed = self._resolve(target)
        cid = cid or new_cid()
        invocation = Invocation(
            deployed.name,
            cid,
            self._message_payload(deployed.name, cid, payload, fields),
            data_format=_data_format(data_format),
            chain=() if caller is None else (*caller.invocation.chain, caller.deployed.name),
            serialize=serialize,
        )
        if caller is None:
            return self._await(deployed, invocation, timeout)
        if deployed.name in invocation.chain or deployed.all_workers_blocked():
            # The target's only way to serve now is through this thread.
            invocation.claim()
            return self._run_inline(deployed, invocation)
        if not caller.on_actor:
            return self._await_nested(deployed, invocation, timeout)
        caller.deployed.begin_nested_wait()
        try:
            return self._await_nested(deployed, invocation, timeout)
        finally:
            caller.deployed.end_nested_wait()

    def _await(
        self, deployed: DeployedService, invocation: Invocation, timeout: float | None
    ) -> Any:
        assert deployed.ref is not None
        future = deployed.ref.ask(invocation, block=False)
        try:
            return future.get(timeout=timeout)
        except pykka.Timeout:
            invocation.claim()  # if it has not started, it never will
            raise InvokeTimeout(deployed.name, invocation.cid, timeout or 0.0) from None
        except pykka.ActorDeadError as error:
            raise self._not_running(deployed, invocation, error) from None

    def _await_nested(
        self, deployed: DeployedService, invocation: Invocation, timeout: float | None
    ) -> Any:
        # A service waiting on another checks now and then that the target
        # can still serve it: when every worker of the target is itself
        # blocked in a nested call (two call chains crossing in opposite
        # directions), it takes its invocation back and runs it here.
        assert deployed.ref is not None
        future = deployed.ref.ask(invocation, block=False)
        deadline = deadline_after(timeout)
        while True:
            left = remaining(deadline)
            wait = NESTED_WAIT_CHECK if left is None else min(NESTED_WAIT_CHECK, left)
            try:
                return future.get(timeout=wait)
            except pykka.Timeout:
                pass
            except pykka.ActorDeadError as error:
                raise self._not_running(deployed, invocation, error) from None
            if deployed.all_workers_blocked() and invocation.claim():
                return self._run_inline(deployed, invocation)
            if deadline is not None and time.monotonic() >= deadline:
                invocation.claim()
                raise InvokeTimeout(deployed.name, invocation.cid, timeout or 0.0)

    def _not_running(
        self, deployed: DeployedService, invocation: Invocation, error: pykka.ActorDeadError
    ) -> Exception:
        if getattr(error, '__notes__', None):
            return error  # raised by the service's own code, not by a dead actor
        return self._stopped_error(deployed, invocation)

    def _stopped_error(self, deployed: DeployedService, invocation: Invocation) -> RuntimeStopped:
        return RuntimeStopped(
            f'Service {deployed.name!r} is not running (cid {invocation.cid}); '
            f'the runtime is {self._state.value}'
        )

    def _run_inline(self, deployed: DeployedService, invocation: Invocation) -> Any:
        return run_timed(self, deployed, invocation, on_actor=False)

    def _invoke_async(
        self,
        target: ServiceRef,
        payload: Any,
        fields: dict[str, Any],
        *,
        cid: str | None,
        callback: Callbacks,
        data_format: str | None,
        internal: bool,
        in_reply_to: str | None = None,
    ) -> str:
        if internal:
            self._check_alive()
        deployed = self._resolve(target)
        callbacks = self._callbacks(callback)
        fresh = not cid
        cid = cid or new_cid()
        invocation = Invocation(
            deployed.name,
            cid,
            self._message_payload(deployed.name, cid, payload, fields),
            data_format=_data_format(data_format),
            reply_async=True,
            callbacks=callbacks,
            in_reply_to=in_reply_to,
        )
        self._send_async(deployed, invocation, fresh)
        return cid

    def _send_async(
        self, deployed: DeployedService, invocation: Invocation, fresh_cid: bool
    ) -> None:
        assert deployed.ref is not None
        if fresh_cid:
            self._expect_new(invocation.cid, deployed.name)
        else:
            self.correlator.expect(invocation.cid, deployed.name)
        ref = deployed.ref
        try:
            if ref.is_alive():
                ref.actor_inbox.put(invocation)  # type: ignore[arg-type] # its own envelope
                return
        except pykka.ActorDeadError:  # a pooled mailbox that stopped meanwhile
            pass
        self.correlator.table.discard(invocation.cid)
        raise self._stopped_error(deployed, invocation)

    def _callbacks(self, callback: Callbacks) -> tuple[str, ...]:
        if callback is None:
            return ()
        targets = [callback] if isinstance(callback, str | type) else list(callback)
        return tuple(self._resolve(target).name for target in targets)

    @staticmethod
    def _message_payload(service: str, cid: str, payload: Any, fields: dict[str, Any]) -> Any:
        if fields:
            zato_only = ZATO_ONLY_KEYWORDS.intersection(fields)
            if zato_only:
                raise TypeError(
                    f'Invoking {service!r}: {", ".join(sorted(zato_only))} is a Zato invoke() '
                    f'option postroom does not support; to send an input field of that name, '
                    f'put it in the payload dict'
                )
            if not (isinstance(payload, str) and payload == ''):
                raise TypeError(
                    f'Invoking {service!r}: give a payload or keyword fields, not both '
                    f'(payload {payload!r}, fields {sorted(fields)})'
                )
            payload = fields
        return copy_payload(payload, service=service, cid=cid)

    # -- statistics ------------------------------------------------------------

    def stats(self) -> list[StatsSnapshot]:
        """Invocations, failures and handler time of every deployed service."""
        return [deployed.stats.snapshot() for deployed in self._services.values()]

    def stats_table(self) -> str:
        """The per-service statistics as a text table."""
        rows = [
            (
                snap.service,
                snap.invocations,
                snap.failures,
                f'{snap.mean_seconds * 1000:.3f}',
                f'{snap.max_seconds * 1000:.3f}',
            )
            for snap in sorted(self.stats(), key=lambda snap: snap.service)
        ]
        return tabulate(
            rows,
            headers=('service', 'invocations', 'failures', 'mean ms', 'max ms'),
            tablefmt='simple',
            disable_numparse=True,
        )

    # -- lifecycle -------------------------------------------------------------

    def _stop_services(self, deadline: float | None) -> None:
        refs = {
            f'service {name!r}': deployed.ref
            for name, deployed in self._services.items()
            if deployed.ref is not None
        }
        _stop_all(refs, deadline)

    def invoke_callbacks(self, invocation: Invocation, response: Any) -> None:
        """Invoke ``invocation``'s callbacks asynchronously with its response."""
        for callback in invocation.callbacks:
            try:
                self._invoke_async(
                    callback,
                    response,
                    {},
                    cid=None,
                    callback=None,
                    data_format=None,
                    internal=True,
                    in_reply_to=invocation.cid,
                )
            except Exception:
                logger.exception(
                    'Could not invoke callback %r of service %r (cid %s)',
                    callback,
                    invocation.service,
                    invocation.cid,
                )

    @property
    def is_running(self) -> bool:
        """Whether the runtime takes new invocations."""
        return self._state is _State.RUNNING

    @property
    def state(self) -> str:
        """``'running'``, ``'draining'``, ``'stopping'`` or ``'stopped'``."""
        return self._state.value

    def _check_accepting(self) -> None:
        if self._state is not _State.RUNNING:
            raise RuntimeStopped(f'The runtime is {self._state.value}; it takes no new work')

    def _check_alive(self) -> None:
        # Work started by services may go on while the runtime drains.
        if self._state not in (_State.RUNNING, _State.DRAINING):
            raise RuntimeStopped(f'The runtime is {self._state.value}; it takes no new work')

    def shutdown(self, *, drain: bool = True, timeout: float | None = None) -> None:
        """Stop taking work, settle what was accepted, and stop every actor.

        With ``drain=True`` every accepted asynchronous invocation first runs
        and its reply is recorded. With ``drain=False`` those not yet started
        are recorded as failed (``InvocationCancelled``) and synchronous
        callers still waiting get ``RuntimeStopped``. Either way nothing is
        silently lost and no postroom thread is left running.

        ``timeout`` bounds the drain; what it leaves unstarted is cancelled.
        Stopping the actors then gets the time left, but at least
        ``STOP_GRACE`` seconds for handlers about to return; a handler still
        running after that makes ``shutdown`` raise ``TimeoutError`` naming its
        service (its daemon thread is left to finish; ``system.shutdown()``
        can be called again later). Idempotent.
        """
        with self._lock:
            if self._state is not _State.RUNNING:
                stopping_elsewhere = True
            else:
                stopping_elsewhere = False
                self._state = _State.DRAINING
        if stopping_elsewhere:
            self._stopped.wait(timeout)
            return
        deadline = deadline_after(timeout)
        reason = 'drain=False'
        try:
            if drain and not self.correlator.table.wait_idle(remaining(deadline)):
                reason = f'the drain did not finish within {timeout:g} s'
                drain = False
            if not drain:
                self.discard_reason = reason
            self._state = _State.STOPPING
            stop_deadline = None
            if deadline is not None:
                stop_deadline = max(deadline, time.monotonic() + STOP_GRACE)
            # Services first, so the replies they send as they stop reach a
            # correlator that is still running; then everything else.
            self._stop_services(stop_deadline)
            self.system.shutdown(timeout=remaining(stop_deadline))
        finally:
            cancelled = self.correlator.table.fail_pending(
                f'The runtime shut down ({reason}) before the invocation finished',
                error_type=InvocationCancelled.__name__,
            )
            if cancelled:
                logger.warning('Shutdown cancelled %d unfinished invocations', len(cancelled))
            self._state = _State.STOPPED
            self._stopped.set()
            _live_runtimes.discard(self)


def _data_format(data_format: str | None) -> str:
    if data_format is None or data_format == DATA_FORMAT.DICT:
        return DATA_FORMAT.DICT
    return check_data_format(data_format)


def _stop_all(refs: Mapping[str, pykka.ActorRef[Any]], deadline: float | None) -> None:
    stops = [(name, ref.stop(block=False)) for name, ref in refs.items() if ref.is_alive()]
    late = []
    for name, stop in stops:
        try:
            stop.get(timeout=remaining(deadline))
        except pykka.Timeout:
            late.append(name)
    if late:
        raise TimeoutError(f'Still running when the shutdown timed out: {", ".join(late)}')


def _duplicate(name: str, first: DeployedService, second: DeployedService) -> DeployError:
    return DeployError(
        f'Service name {name!r} is used by both {first.qualname} and {second.qualname}'
    )


@atexit.register
def _shutdown_live_runtimes() -> None:
    # Registered after the actors package's own hook, so it runs first:
    # runtimes drain before their actor systems are stopped.
    for runtime in list(_live_runtimes):
        try:
            runtime.shutdown(timeout=EXIT_DRAIN_TIMEOUT)
        except Exception:
            logger.exception('Could not shut down %r at exit', runtime)
