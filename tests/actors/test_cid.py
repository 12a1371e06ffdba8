from __future__ import annotations

import re
import threading
from unittest import mock

from actors import cid as cid_module
from actors import new_cid


def test_cid_is_24_lowercase_hex_characters() -> None:
    for _ in range(1000):
        assert re.fullmatch(r'[0-9a-f]{24}', new_cid())


def test_cid_is_zero_padded_when_the_random_number_is_small() -> None:
    # Zato 3 drops leading zeros, so its CIDs are sometimes shorter.
    with mock.patch.object(cid_module, '_getrandbits', return_value=0xABC):
        assert new_cid() == '000000000000000000000abc'
    with mock.patch.object(cid_module, '_getrandbits', return_value=0):
        assert new_cid() == '0' * 24


def test_cids_are_unique_across_threads() -> None:
    per_thread = 20_000
    results: list[list[str]] = []
    start = threading.Barrier(4)

    def make() -> None:
        start.wait()
        results.append([new_cid() for _ in range(per_thread)])

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [cid for batch in results for cid in batch]
    assert len(every) == 4 * per_thread
    assert len(set(every)) == len(every)
