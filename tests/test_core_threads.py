"""The CPU thread policy holds in every thread: borrowing more threads for a big batched
operation, from several threads at once, always ends at the configured count."""

from __future__ import annotations

import threading

import torch

from hnviz.core import threads


def _in_new_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_overlapping_borrows_from_two_threads_end_at_the_policy() -> None:
    # The old save-and-restore borrow left the process at 2 threads when two script threads
    # overlapped (A saves 1 and sets 2; B saves 2; A restores 1; B restores 2).
    default = threads.default_threads()
    inside: list[int] = []
    after: list[int] = []
    start = threading.Barrier(4)

    def borrow() -> None:
        start.wait()
        for _ in range(20):
            with threads.threads(2):
                inside.append(torch.get_num_threads())
        after.append(torch.get_num_threads())

    ts = [threading.Thread(target=borrow) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert set(inside) == {2}, "every borrow sees exactly what it asked for"
    assert set(after) == {default}
    # a thread started afterwards (the next script run) computes under the policy too; (the
    # main thread's own OpenMP setting may have been changed by other libraries, e.g.
    # scikit-learn's threadpool limits, which is what `ensure()` repairs at compute entry)
    assert _in_new_thread(torch.get_num_threads) == default


def test_nested_borrow_returns_to_the_outer_count() -> None:
    with threads.threads(2):
        with threads.threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2 and threads.borrowed()
    assert torch.get_num_threads() == threads.default_threads() and not threads.borrowed()


def test_ensure_repairs_a_changed_count() -> None:
    torch.set_num_threads(2)
    try:
        threads.ensure()
        assert torch.get_num_threads() == threads.default_threads()
    finally:
        threads.configure()
