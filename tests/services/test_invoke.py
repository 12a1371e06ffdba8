"""Synchronous invoke: responses, arguments, errors, timeouts, CIDs."""

from __future__ import annotations

import threading

import pytest

from actors import MessageCopyError
from services import Bunch, InvokeTimeout, Runtime, Service, ServiceNotFound


class GetCustomer(Service):
    name = 'crm.get-customer'

    class SimpleIO:
        input_required = 'cust_id'
        output_required = ('cust_name', 'cust_id')
        response_elem = 'customer'

    def handle(self) -> None:
        self.response.payload.cust_name = 'Alexis Smith'
        self.response.payload.cust_id = self.request.input.cust_id


class Echo(Service):
    name = 'echo'

    def handle(self) -> None:
        self.response.payload = self.request.payload


class WhoAmI(Service):
    name = 'who-am-i'

    def handle(self) -> None:
        self.response.payload = {'cid': self.cid, 'name': self.name}


class Relay(Service):
    name = 'relay'

    def handle(self) -> None:
        own = self.invoke('who-am-i')
        chosen = self.invoke('who-am-i', cid='chosen-by-caller')
        self.response.payload = {'mine': self.cid, 'inherited': own.cid, 'chosen': chosen.cid}


class Fails(Service):
    name = 'fails'

    def handle(self) -> None:
        if self.request.payload == 'key':
            raise KeyError('no such customer')
        raise ValueError('cannot handle this')


@pytest.fixture
def rt(runtime: Runtime) -> Runtime:
    runtime.deploy(GetCustomer, Echo, WhoAmI, Relay, Fails)
    return runtime


def test_response_reads_as_dict_and_with_dots(rt: Runtime) -> None:
    response = rt.invoke('crm.get-customer', {'cust_id': 1})
    assert response['customer']['cust_name'] == 'Alexis Smith'
    assert response.customer.cust_name == 'Alexis Smith'
    assert isinstance(response, Bunch)
    assert response == {'customer': {'cust_name': 'Alexis Smith', 'cust_id': 1}}


def test_inline_fields_are_the_payload(rt: Runtime) -> None:
    assert rt.invoke('crm.get-customer', cust_id=7).customer.cust_id == 7
    assert rt.invoke('echo', a=1, b='x') == {'a': 1, 'b': 'x'}


@pytest.mark.parametrize('payload', [{'cust_id': 1}, 'text', None, [1]])
def test_payload_and_fields_together_are_a_type_error(rt: Runtime, payload: object) -> None:
    with pytest.raises(TypeError, match="'crm.get-customer': give a payload or keyword fields"):
        rt.invoke('crm.get-customer', payload, cust_id=2)


def test_invoke_by_class(rt: Runtime) -> None:
    assert rt.invoke(GetCustomer, cust_id=3).customer.cust_id == 3


def test_unknown_service_names_close_matches(rt: Runtime) -> None:
    with pytest.raises(
        ServiceNotFound, match="'crm.get-customers'.*did you mean 'crm.get-customer'"
    ):
        rt.invoke('crm.get-customers')
    with pytest.raises(KeyError):
        rt.invoke('nothing-like-it')


def test_undeployed_class_is_not_found(rt: Runtime) -> None:
    class Elsewhere(Service):
        pass

    with pytest.raises(ServiceNotFound, match='elsewhere'):
        rt.invoke(Elsewhere)


def test_non_service_target_is_a_type_error(rt: Runtime) -> None:
    with pytest.raises(TypeError, match='str or a Service subclass'):
        rt.invoke(42)  # type: ignore[arg-type]


def test_exception_reaches_caller_as_same_type_with_service_and_cid(rt: Runtime) -> None:
    with pytest.raises(ValueError, match='cannot handle this') as info:
        rt.invoke('fails', cid='cid-of-failure')
    notes = ' '.join(info.value.__notes__)
    assert "'fails'" in notes
    assert 'cid-of-failure' in notes
    with pytest.raises(KeyError):
        rt.invoke('fails', 'key')
    # The actor keeps serving after a failure.
    assert rt.invoke('echo', {'still': 'alive'}) == {'still': 'alive'}


def test_response_is_detached_from_the_service(rt: Runtime) -> None:
    shared = {'items': [1, 2]}

    class Leaky(Service):
        name = 'leaky'

        def handle(self) -> None:
            self.response.payload = shared

    rt.deploy(Leaky)
    response = rt.invoke('leaky')
    shared['items'].append(3)
    assert response == {'items': [1, 2]}


def test_unpicklable_payload_is_a_clear_type_error(rt: Runtime) -> None:
    with pytest.raises(MessageCopyError, match="Payload for service 'echo' \\(cid abc\\)") as info:
        rt.invoke('echo', {'lock': threading.Lock()}, cid='abc')
    assert isinstance(info.value, TypeError)


def test_lambdas_in_the_payload_go_through_cloudpickle(rt: Runtime) -> None:
    class Apply(Service):
        name = 'apply'

        def handle(self) -> None:
            self.response.payload = {'result': self.request.payload['fn'](20)}

    rt.deploy(Apply)
    assert rt.invoke('apply', {'fn': lambda x: x + 22}).result == 42


def test_callee_inherits_the_callers_cid_unless_given(rt: Runtime) -> None:
    response = rt.invoke('relay', cid='outer-cid')
    assert response == {'mine': 'outer-cid', 'inherited': 'outer-cid', 'chosen': 'chosen-by-caller'}


def test_top_level_invoke_gets_a_new_cid_each_time(rt: Runtime) -> None:
    first, second = rt.invoke('who-am-i').cid, rt.invoke('who-am-i').cid
    assert first != second
    assert len(first) == 24


def test_timeout_raises_invoke_timeout_naming_service_cid_and_timeout(rt: Runtime) -> None:
    release = threading.Event()

    class Stuck(Service):
        name = 'stuck'

        def handle(self) -> None:
            release.wait(10)

    rt.deploy(Stuck)
    try:
        with pytest.raises(
            InvokeTimeout, match="'stuck' did not reply within 0.05 s \\(cid slow-1\\)"
        ) as info:
            rt.invoke('stuck', timeout=0.05, cid='slow-1')
    finally:
        release.set()
    error = info.value
    assert isinstance(error, TimeoutError)
    assert isinstance(error, Exception)
    assert (error.service, error.cid, error.timeout) == ('stuck', 'slow-1', 0.05)


def test_stats_count_invocations_and_failures(rt: Runtime) -> None:
    rt.invoke('echo', {})
    rt.invoke('echo', {})
    with pytest.raises(ValueError, match='cannot handle'):
        rt.invoke('fails')
    stats = {snap.service: snap for snap in rt.stats()}
    assert (stats['echo'].invocations, stats['echo'].failures) == (2, 0)
    assert (stats['fails'].invocations, stats['fails'].failures) == (1, 1)
    assert stats['echo'].mean_seconds > 0
    table = rt.stats_table()
    assert 'echo' in table
    assert 'mean ms' in table


def test_as_bunch_is_accepted_and_the_response_is_still_a_bunch(rt: Runtime) -> None:
    for as_bunch in (True, False):
        response = rt.invoke('crm.get-customer', {'cust_id': 1}, as_bunch=as_bunch)
        assert response.customer.cust_id == 1
        assert isinstance(response, dict)


@pytest.mark.parametrize('keyword', ['channel', 'transport', 'raise_timeout', 'skip_response_elem'])
def test_zato_only_keywords_are_refused_not_taken_for_fields(rt: Runtime, keyword: str) -> None:
    with pytest.raises(TypeError, match=f'{keyword} is a Zato invoke\\(\\) option'):
        rt.invoke('echo', **{keyword: 'x'})
    with pytest.raises(TypeError, match=keyword):
        rt.invoke_async('echo', **{keyword: 'x'})
    assert rt.invoke('echo', {keyword: 'x'}) == {keyword: 'x'}


def test_an_uncopyable_response_names_the_service_and_cid(rt: Runtime) -> None:
    class Leaks(Service):
        name = 'leaks'

        def handle(self) -> None:
            self.response.payload = {'lock': threading.Lock()}

    rt.deploy(Leaks)
    with pytest.raises(MessageCopyError, match=r"Response for service 'leaks' \(cid r-1\)"):
        rt.invoke('leaks', cid='r-1')
