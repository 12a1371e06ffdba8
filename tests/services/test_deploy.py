"""Deploying classes, modules and files."""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import pytest

from services import DeployError, Runtime, Service

SERVICE_FILE = """
from services import Service

class Version(Service):
    name = 'version'

    def handle(self):
        self.response.payload = {{'version': {version}, 'module': __name__}}
"""


def write(path: Path, version: int) -> Path:
    path.write_text(SERVICE_FILE.format(version=version))
    return path


def test_deploy_returns_the_names(runtime: Runtime) -> None:
    class One(Service):
        name = 'one'

    class Two(Service):
        name = 'two'

    assert runtime.deploy(One, Two) == ['one', 'two']
    assert set(runtime.services) == {'one', 'two'}
    assert runtime.services['one'].cls is One


def test_deploy_a_file_path_loads_it_as_a_module_named_after_the_file(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write(tmp_path / 'invoking_test_mod.py', 1)
    assert runtime.deploy(str(path)) == ['version']
    assert runtime.invoke('version') == {'version': 1, 'module': 'invoking_test_mod'}


def test_a_file_is_loaded_afresh_never_from_a_stale_module(tmp_path: Path, backend: str) -> None:
    first_dir = tmp_path / 'a'
    second_dir = tmp_path / 'b'
    first_dir.mkdir()
    second_dir.mkdir()
    first = write(first_dir / 'fresh_mod.py', 1)
    with Runtime(actor=backend) as rt:
        rt.deploy(first)
        assert rt.invoke('version').version == 1
    # Another file of the same name, and a newer version of the first one.
    with Runtime(actor=backend) as rt:
        rt.deploy(write(second_dir / 'fresh_mod.py', 2))
        assert rt.invoke('version').version == 2
    with Runtime(actor=backend) as rt:
        rt.deploy(write(first, 3))
        assert rt.invoke('version').version == 3
    assert sys.modules['fresh_mod'].__file__ == str(first)


def test_redeploying_a_new_version_of_a_service_replaces_it(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write(tmp_path / 'hot_mod.py', 1)
    runtime.deploy(path)
    assert runtime.invoke('version').version == 1
    runtime.deploy(write(path, 2))
    assert runtime.invoke('version').version == 2


def test_deploy_a_module_deploys_its_own_services_only(runtime: Runtime) -> None:
    module = types.ModuleType('inventory_mod')
    exec(
        textwrap.dedent(
            """
            from services import Service
            from services.bunch import Bunch

            class GetStock(Service):
                def handle(self):
                    self.response.payload = {'stock': 3}
            """
        ),
        module.__dict__,
    )
    assert runtime.deploy(module) == ['inventory-mod.get-stock']
    assert runtime.invoke('inventory-mod.get-stock').stock == 3


def test_duplicate_name_names_both_classes(runtime: Runtime) -> None:
    class First(Service):
        name = 'same'

    class Second(Service):
        name = 'same'

    with pytest.raises(DeployError, match=r"'same' is used by both .*First and .*Second"):
        runtime.deploy(First, Second)
    runtime.deploy(First)
    with pytest.raises(DeployError, match=r'First and .*Second'):
        runtime.deploy(Second)
    assert runtime.services['same'].cls is First


def test_the_same_class_twice_in_one_call_is_deployed_once(runtime: Runtime) -> None:
    class Once(Service):
        name = 'once'

    assert runtime.deploy(Once, Once) == ['once']


@pytest.mark.parametrize(
    ('target', 'message'),
    [
        (int, 'not a subclass of services.Service'),
        (Service, 'not a subclass of services.Service'),
        (42, 'give a Service subclass, a module or a file path'),
        ('/no/such/file.py', 'No such file: /no/such/file.py'),
    ],
)
def test_bad_targets_are_clear_errors(runtime: Runtime, target: object, message: str) -> None:
    with pytest.raises(DeployError, match=message):
        runtime.deploy(target)


def test_nothing_to_deploy_is_an_error(runtime: Runtime, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match='at least one'):
        runtime.deploy()
    empty = tmp_path / 'empty_mod.py'
    empty.write_text('x = 1\n')
    with pytest.raises(DeployError, match='No services.Service subclass'):
        runtime.deploy(empty)
    broken = tmp_path / 'broken_mod.py'
    broken.write_text('raise ImportError("missing dependency")\n')
    with pytest.raises(DeployError, match='Could not load .*broken_mod.py: ImportError: missing'):
        runtime.deploy(broken)


@pytest.mark.parametrize(
    ('attributes', 'message'),
    [
        ({'workers': 0}, 'workers must be an int >= 1'),
        ({'workers': '2'}, 'workers must be an int >= 1'),
        ({'actor': 'process'}, "actor must be one of 'thread', 'pool' or None"),
    ],
)
def test_bad_class_settings_are_deploy_errors(
    runtime: Runtime, attributes: dict[str, object], message: str
) -> None:
    bad = type('Bad', (Service,), {'name': 'bad', **attributes})
    with pytest.raises(DeployError, match=message):
        runtime.deploy(bad)
