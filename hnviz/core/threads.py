"""CPU threading policy.

hnviz trains tiny networks (batch 32, widths ≤ a few hundred). For such ops PyTorch's intra-op
thread pool costs more than it saves, and on a busy 2-core machine (the app, a sweep and a test
run at once) its spinning threads slow every process down many times over (measured here: a
joint-training test took 175 s with 2 threads against 19 s with 1 under load). So hnviz runs
torch with ONE intra-op thread by default (`HNVIZ_THREADS` overrides) and parallelises across
processes instead (sweeps, the live-training workers). Big batched evaluations (landscapes) may
borrow more threads with `threads(n)`.

torch's intra-op thread count is one process-wide setting, but the app computes in many threads
(one per Streamlit script run). The old `threads(n)` saved the count it found and restored it:
two overlapping borrows from two sessions (A saves 1 and sets 2; B saves 2; A restores 1; B
"restores" 2) left the whole server at 2 threads for good, and every later computation, in
every session, ran with the spinning pool this module exists to avoid. Now borrowing is
serialised by one lock and always ends at the configured policy, and `ensure()` (called where
the app computes) re-applies the policy if anything else changed it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import torch

_lock = threading.RLock()  # held for the whole of a borrow
_borrow = threading.local()  # per thread: stack of borrowed counts (nested borrows)


def default_threads() -> int:
    try:
        return max(1, int(os.environ.get("HNVIZ_THREADS", "1")))
    except ValueError:
        return 1


def configure() -> None:
    """Apply the default policy (called when `hnviz.core` is imported)."""
    if torch.get_num_threads() != default_threads():
        torch.set_num_threads(default_threads())


def borrowed() -> bool:
    """True inside a `threads(n)` block of this thread."""
    return bool(getattr(_borrow, "stack", None))


def ensure() -> None:
    """Make sure the next computation in this thread runs under the configured policy (waits
    while another thread borrows more threads for a big batched operation)."""
    if borrowed():
        return
    with _lock:
        configure()


@contextlib.contextmanager
def threads(n: int | None = None) -> Iterator[None]:
    """Use n intra-op threads (default: all cores) for one big batched op, then return to the
    configured policy. Borrows from different threads run one after another."""
    with _lock:
        stack = _borrow.__dict__.setdefault("stack", [])
        stack.append(n or os.cpu_count() or 1)
        torch.set_num_threads(stack[-1])
        try:
            yield
        finally:
            stack.pop()
            torch.set_num_threads(stack[-1] if stack else default_threads())
