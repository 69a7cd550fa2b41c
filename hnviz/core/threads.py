"""CPU threading policy.

hnviz trains tiny networks (batch 32, widths ≤ a few hundred). For such ops PyTorch's intra-op
thread pool costs more than it saves, and on a busy 2-core machine (the app, a sweep and a test
run at once) its spinning threads slow every process down many times over (measured here: a
joint-training test took 175 s with 2 threads against 19 s with 1 under load). So hnviz runs
torch with ONE intra-op thread by default (`HNVIZ_THREADS` overrides) and parallelises across
processes instead (sweeps). Big batched evaluations (landscapes) may borrow more threads with
`threads(n)`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch


def default_threads() -> int:
    try:
        return max(1, int(os.environ.get("HNVIZ_THREADS", "1")))
    except ValueError:
        return 1


def configure() -> None:
    """Apply the default policy (called when `hnviz.core` is imported)."""
    if torch.get_num_threads() != default_threads():
        torch.set_num_threads(default_threads())


@contextlib.contextmanager
def threads(n: int | None = None) -> Iterator[None]:
    """Temporarily use n intra-op threads (default: all cores) for one big batched op."""
    old = torch.get_num_threads()
    torch.set_num_threads(n or os.cpu_count() or 1)
    try:
        yield
    finally:
        torch.set_num_threads(old)
