"""The flagship example does what its docstring says."""

from __future__ import annotations

from pathlib import Path

import pytest

from services import Runtime
from services.deployment import load_file

EXAMPLE = Path(__file__).resolve().parent.parent / 'examples' / 'order_pipeline.py'


def test_order_pipeline_places_and_rejects_orders(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_file(EXAMPLE)
    with Runtime(actor=backend) as rt:
        rt.deploy(module)
        outcomes = module.main(rt)
    # Read after the drain: the confirmations are callbacks, still in flight
    # when main() has its payments' replies.
    stats = {snap.service: snap for snap in rt.stats()}
    assert outcomes == {
        1: 'placed, total 25.00; charged 25.00',
        2: 'placed, total 30.00; charged 30.00',
        3: 'placed, total 29.00; charged 29.00',
        4: 'rejected: Out of stock: lamp',
        5: 'rejected: Order 5 has no items',
        6: 'placed, total 12.50; charged 12.50',
    }
    # Every charge was confirmed by the callback, and nothing was lost.
    assert stats['payments.charge'].invocations == 4
    assert stats['notifications.confirm'].invocations == 4
    assert rt.correlator.stats().pending == 0
    assert 'order  outcome' in capsys.readouterr().out
