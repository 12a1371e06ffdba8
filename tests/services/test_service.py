"""What a service sees and does inside handle()."""

from __future__ import annotations

import logging

import pytest

from services import Bunch, Runtime, Service


def test_hooks_run_in_order_on_a_fresh_instance_each_time(runtime: Runtime) -> None:
    instances: list[int] = []

    class Hooks(Service):
        name = 'hooks'

        def before_handle(self) -> None:
            self.steps = ['before']

        def handle(self) -> None:
            self.steps.append('handle')
            instances.append(id(self))
            self.counter = getattr(self, 'counter', 0) + 1

        def after_handle(self) -> None:
            self.steps.append('after')
            self.response.payload = {'steps': self.steps, 'counter': self.counter}

    runtime.deploy(Hooks)
    first = runtime.invoke('hooks')
    second = runtime.invoke('hooks')
    assert first == second == {'steps': ['before', 'handle', 'after'], 'counter': 1}
    assert len(instances) == 2


def test_after_handle_is_skipped_when_handle_raises(runtime: Runtime) -> None:
    calls: list[str] = []

    class Raises(Service):
        name = 'raises'

        def handle(self) -> None:
            raise RuntimeError('in handle')

        def after_handle(self) -> None:
            calls.append('after')

    runtime.deploy(Raises)
    with pytest.raises(RuntimeError, match='in handle'):
        runtime.invoke('raises')
    assert calls == []


def test_request_payload_and_input(runtime: Runtime) -> None:
    class Reads(Service):
        name = 'reads'

        def handle(self) -> None:
            payload = self.request.payload
            self.response.payload = {
                'payload_type': type(payload).__name__,
                'via_input': self.request.input.customer.id,
                'input_type': type(self.request.input).__name__,
            }

    runtime.deploy(Reads)
    response = runtime.invoke('reads', {'customer': {'id': 5}})
    assert response == {'payload_type': 'dict', 'via_input': 5, 'input_type': 'Bunch'}


def test_response_payload_by_attribute_dict_or_list(runtime: Runtime) -> None:
    class ByAttribute(Service):
        name = 'by-attribute'

        def handle(self) -> None:
            self.response.payload.a = 1
            self.response.payload.nested = {'b': 2}

    class ByDict(Service):
        name = 'by-dict'

        def handle(self) -> None:
            self.response.payload = {'a': 1}

    class ByList(Service):
        name = 'by-list'

        def handle(self) -> None:
            self.response.payload = [{'name': 'one'}, {'name': 'two'}]

    class Nothing(Service):
        name = 'nothing'

    runtime.deploy(ByAttribute, ByDict, ByList, Nothing)
    assert runtime.invoke('by-attribute').nested.b == 2
    assert runtime.invoke('by-dict') == {'a': 1}
    items = runtime.invoke('by-list')
    assert [item.name for item in items] == ['one', 'two']
    assert runtime.invoke('nothing') == Bunch()


def test_name_is_the_deployed_name(runtime: Runtime) -> None:
    class GetXMLDoc(Service):
        def handle(self) -> None:
            self.response.payload = {'name': self.name}

    (deployed,) = runtime.deploy(GetXMLDoc)
    assert deployed == GetXMLDoc.__module__.replace('_', '-') + '.get-xml-doc'
    assert runtime.invoke(deployed).name == deployed


def test_logger_is_named_after_the_service_and_records_carry_cid(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    class Logs(Service):
        name = 'crm.logs'

        def handle(self) -> None:
            self.logger.info('handling cid=%s', self.cid)

    runtime.deploy(Logs)
    with caplog.at_level(logging.INFO, logger='crm.logs'):
        runtime.invoke('crm.logs', cid='log-cid-1')
    (record,) = [r for r in caplog.records if r.name == 'crm.logs']
    assert record.getMessage() == 'handling cid=log-cid-1'
    assert record.cid == 'log-cid-1'  # type: ignore[attr-defined]
    assert record.service == 'crm.logs'  # type: ignore[attr-defined]
    formatted = logging.Formatter('%(service)s %(cid)s %(message)s').format(record)
    assert formatted == 'crm.logs log-cid-1 handling cid=log-cid-1'


def test_in_reply_to_is_none_for_a_plain_invocation(runtime: Runtime) -> None:
    class Shows(Service):
        name = 'shows'

        def handle(self) -> None:
            self.response.payload = {'in_reply_to': self.in_reply_to}

    runtime.deploy(Shows)
    assert runtime.invoke('shows') == {'in_reply_to': None}


def test_zato_hooks_run_in_zatos_order(runtime: Runtime) -> None:
    class Hooked(Service):
        name = 'hooked'

        def before_handle(self) -> None:
            self.order = ['before_handle']

        def validate_input(self) -> None:
            self.order.append('validate_input')

        def handle(self) -> None:
            self.order.append('handle')

        def validate_output(self) -> None:
            self.order.append('validate_output')

        def after_handle(self) -> None:
            self.order.append('after_handle')

        def finalize_handle(self) -> None:
            self.order.append('finalize_handle')
            self.response.payload = {'order': self.order}

    runtime.deploy(Hooked)
    assert runtime.invoke('hooked').order == [
        'before_handle',
        'validate_input',
        'handle',
        'validate_output',
        'after_handle',
        'finalize_handle',
    ]


def test_validate_input_can_refuse_a_request(runtime: Runtime) -> None:
    handled: list[bool] = []

    class Picky(Service):
        name = 'picky'

        def validate_input(self) -> None:
            if self.request.payload.get('amount', 0) < 0:
                raise ValueError('amount must not be negative')

        def handle(self) -> None:
            handled.append(True)

    runtime.deploy(Picky)
    with pytest.raises(ValueError, match='must not be negative'):
        runtime.invoke('picky', amount=-1)
    assert handled == []


def test_payload_slice_assignment_returns_a_list(runtime: Runtime) -> None:
    class Lister(Service):
        name = 'lister'

        def handle(self) -> None:
            self.response.payload[:] = ({'n': n} for n in range(3))

    runtime.deploy(Lister)
    assert [item.n for item in runtime.invoke('lister')] == [0, 1, 2]


def test_only_a_whole_slice_replaces_the_payload(runtime: Runtime) -> None:
    class Sliced(Service):
        name = 'sliced'

        def handle(self) -> None:
            self.response.payload[1:] = [1]

    runtime.deploy(Sliced)
    with pytest.raises(TypeError, match=r'Only payload\[:\] = items'):
        runtime.invoke('sliced')


def test_accept_is_refused_at_deploy_time(runtime: Runtime) -> None:
    from services import DeployError

    class Accepting(Service):
        name = 'accepting'

        def accept(self) -> bool:
            return True

    with pytest.raises(DeployError, match=r"defines Zato's accept\(\)"):
        runtime.deploy(Accepting)
