"""Per-service statistics stay exact under concurrent updates."""

from __future__ import annotations

import threading

from services.stats import ServiceStats


def test_counts_are_exact_across_threads_and_folds() -> None:
    stats = ServiceStats('svc')
    start = threading.Barrier(4)
    per_thread = 5_000  # many folds of ServiceStats.FOLD_EVERY each

    def work(failing_every: int) -> None:
        start.wait(10)
        for i in range(per_thread):
            stats.record(0.001, ok=i % failing_every != 0)

    threads = [threading.Thread(target=work, args=(n,)) for n in (2, 5, 10, 1_000_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = stats.snapshot()
    assert snapshot.invocations == 4 * per_thread
    failures = sum(len(range(0, per_thread, n)) for n in (2, 5, 10, 1_000_000))
    assert snapshot.failures == failures
    assert abs(snapshot.total_seconds - 4 * per_thread * 0.001) < 1e-6
    assert snapshot.max_seconds == 0.001
    assert abs(snapshot.mean_seconds - 0.001) < 1e-12


def test_a_fresh_snapshot_is_all_zero() -> None:
    snapshot = ServiceStats('svc').snapshot()
    assert (snapshot.invocations, snapshot.failures, snapshot.mean_seconds) == (0, 0, 0.0)
