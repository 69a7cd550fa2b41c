"""One-click training of a run with 2-D task embeddings (the paper's 2-D embedding-space
experiment) on the 1-D regression toy or on Split Digits.

The run trains in the live pool (hnviz.live) like any other, registered as the user's run and
made active at once; the page shows its progress (polling) and redraws when it is done. Leaving
the page does not stop it.
"""

from __future__ import annotations

import streamlit as st

from hnviz.core.benchmarks import benchmark as benchmark_entry
from hnviz.core.config import RunConfig
from hnviz.core.limits import app_limits
from hnviz.core.method_specs import DEFAULT_METHOD
from hnviz.core.presets import default_config
from hnviz.serve.workspace import RunHandle
from hnviz.ui import live, state
from hnviz.ui.page import reported
from hnviz.ui.text import MESSAGE_CHARS, md

CHOICES = {
    # benchmark: (iters per task, learning rate)
    "regression1d": (1000, 3e-3),
    "split-digits": (300, 1e-3),
}


def choice_label(benchmark: str) -> str:
    """'1-D regression (3 tasks)'."""
    b = benchmark_entry(benchmark)
    return f"{b.label} ({b.default_n_tasks} tasks)"


def config_2d(benchmark: str) -> RunConfig:
    """The preset for `benchmark` with 2-D task embeddings, shortened to train in seconds."""
    iters, lr = CHOICES[benchmark]
    cfg = default_config(benchmark, DEFAULT_METHOD).replace(
        hnet={"emb_dim": 2}, train={"iters_per_task": iters, "lr": lr, "eval_every": 50})
    return cfg.replace(name=f"2-D embeddings · {benchmark_entry(benchmark).label}")


def start(benchmark: str) -> RunHandle | None:
    """A fresh 2-D run, playing, made active (None and a flash message when refused)."""
    cfg = config_2d(benchmark)
    try:
        h = state.workspace().new_run(cfg, cfg.name, play=True, limits=app_limits())
    except Exception as exc:  # noqa: BLE001 - quotas, limits: say it
        state.flash(f"Could not start the run: {md(reported(exc), MESSAGE_CHARS)}")
        return None
    state.set_active(h)
    return h


def resume(entry: RunHandle) -> None:
    """Train an unfinished run of the user's to its end (in the pool)."""
    try:
        state.workspace().play(entry)
    except Exception as exc:  # noqa: BLE001
        state.flash(f"Could not train {md(entry.name)}: {md(reported(exc), MESSAGE_CHARS)}")


def progress_panel(entry: RunHandle) -> None:
    """While `entry` trains: its progress, polled; the page reruns when it is done."""
    if not entry.playing:
        return

    @st.fragment(run_every=live.POLL_S * 2)
    def panel() -> None:
        state.workspace().settle(entry)
        v = entry.view()
        st.progress(v.progress, text=f"Training {md(entry.name)}: task "
                                     f"{min(v.task + 1, v.n_tasks)}/{v.n_tasks} · step "
                                     f"{v.global_step:,}/{v.total_steps:,}")
        if not entry.playing:
            st.rerun(scope="app")

    panel()


def buttons(key: str) -> None:
    """The two one-click buttons (side by side)."""
    cols = st.columns(len(CHOICES))
    for col, (bench, (iters, _lr)) in zip(cols, CHOICES.items()):
        if col.button(f"Train 2-D embeddings: {choice_label(bench)}", key=f"{key}.{bench}",
                      help=f"HNET with emb_dim = 2, {iters} steps per task (~10-20 s).",
                      width="stretch"):
            start(bench)
            st.rerun()
    msg = state.take_flash()
    if msg:
        st.error(msg[1])
