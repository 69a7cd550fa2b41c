"""Issue: live training in the browser ran ~50× slower than the CLI. torch's intra-op thread
count is process-wide, and code computing in Streamlit's script threads (and in the training
pool's thread) must run under the configured policy (one thread by default), whatever other
sessions did before. AppTest runs each script in a thread of its own, like the server."""

from __future__ import annotations

import threading

import torch

from hnviz.analysis import generated
from hnviz.core import inference, target_kinds, threads, trainer
from hnviz.ui.services import services
from tests.apptest_helpers import active, open_app, wait_until


def test_script_and_pool_threads_compute_under_the_policy(monkeypatch) -> None:
    seen: list[tuple[str, int]] = []
    def spy_on(original):
        def spy(*args, **kwargs):
            if not threads.borrowed():  # a deliberate borrow (big batched evaluation) may differ
                seen.append((threading.current_thread().name, torch.get_num_threads()))
            return original(*args, **kwargs)
        return spy

    for module in (generated, inference, trainer):  # every target call of the app's code paths
        for name in ("forward", "forward_many"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, spy_on(getattr(target_kinds, name)))
    assert services().pool.ready(60)  # as on a server that has been up for a while

    # Two sessions' big evaluations overlapping in time, in the order that once left the
    # server at 2 threads for good (each borrow restored the count it had found): A borrows,
    # B borrows (and finds 2), A ends, B ends. Borrows now run one after another (B waits for
    # A's lock, so A's wait for B times out) and always end at the policy.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def session_a() -> None:
        with threads.threads(2):
            a_in.set()
            b_in.wait(1.0)
        a_out.set()

    def session_b() -> None:
        a_in.wait(5.0)
        with threads.threads(2):
            b_in.set()
            a_out.wait(5.0)

    ts = [threading.Thread(target=session_a), threading.Thread(target=session_b)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()

    import streamlit as st

    st.cache_data.clear()  # a landscape cached by an earlier test would not compute here
    at = open_app("pages/5_Embedding_space.py")  # landscape + clicked point: script thread
    at.select_slider(key="emb.res").set_value(24).run()
    open_app("pages/6_Interpolation.py")  # the walk between two tasks: light, unborrowed
    at = open_app("pages/1_Train.py", iters="60")
    at.button(key="train.step").click().run()  # trains in the pool's thread
    entry = active(at)
    wait_until(at, lambda: entry.view().global_step > 0)
    names = {name for name, _ in seen}
    assert any("ScriptRunner" in n for n in names), names
    assert any("hnviz-live-worker" in n for n in names), names
    wrong = {(n, k) for n, k in seen if k != threads.default_threads()}
    assert not wrong, f"computed with another thread count than configured: {wrong}"
