"""The README's examples run and do what they say.

Every ```python block of the README that starts with an import is a
complete example: it is run as it stands, from the repository root, in a
fresh namespace. Blocks that are fragments (a signature, part of a class)
start with something else and are not run.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / 'README.md').read_text()

BLOCKS = re.findall(r'^```python\n(.*?)^```', README, flags=re.DOTALL | re.MULTILINE)
RUNNABLE = [block for block in BLOCKS if block.lstrip().startswith(('from ', 'import '))]


def test_the_readme_has_runnable_examples() -> None:
    assert len(RUNNABLE) >= 5


@pytest.mark.parametrize('source', RUNNABLE, ids=lambda block: block.split('\n', 1)[0][:60])
def test_readme_example_runs(
    source: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    # A real module, as a user's script would be: dataclasses look it up.
    module = types.ModuleType('readme_example')
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, 'README.md', 'exec'), module.__dict__)
    capsys.readouterr()
