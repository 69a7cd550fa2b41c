"""One-click training of a run with 2-D task embeddings (the paper's 2-D embedding-space
experiment) on the 1-D regression toy or on Split Digits.

Blocking, in chunks of CHUNK steps under the trainer lock (hnviz.ui.live.advance) with a progress
bar. The run is registered in the session *before* training starts and every chunk is committed
in its Trainer, so a click or rerun in the middle keeps what was trained; `resume` finishes it.
"""

from __future__ import annotations

import streamlit as st

from hnviz.core.benchmarks import benchmark as benchmark_entry
from hnviz.core.config import RunConfig
from hnviz.core.method_specs import DEFAULT_METHOD
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.ui import live, state

CHUNK = 200
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


def start(benchmark: str) -> state.RunEntry:
    """Register a fresh 2-D run (active) and train it to the end."""
    cfg = config_2d(benchmark)
    entry = state.add_run(state.RunEntry(state.unique_name(cfg.name), Trainer(cfg),
                                         source="trained"))
    resume(entry)
    return entry


def resume(entry: state.RunEntry) -> None:
    """Train `entry` to the end in CHUNK-step chunks with a progress bar."""
    t = entry.trainer
    with st.status(f"Training {entry.name} …", expanded=True) as status:
        bar = st.progress(t.progress, text="starting")
        while not t.done:
            live.advance(entry, CHUNK, blocking=True)
            bar.progress(t.progress, text=f"task {min(t.task + 1, t.n_tasks)}/{t.n_tasks} · "
                                          f"step {t.global_step:,}/{t.total_steps:,}")
        if t.error:
            status.update(label=f"{entry.name}: {t.error}", state="error")
        else:
            status.update(label=f"Trained {entry.name} in {t.history['wall_s']:.0f} s",
                          state="complete", expanded=False)


def buttons(key: str) -> None:
    """The two one-click buttons (side by side)."""
    cols = st.columns(len(CHOICES))
    for col, (bench, (iters, _lr)) in zip(cols, CHOICES.items()):
        if col.button(f"Train 2-D embeddings: {choice_label(bench)}", key=f"{key}.{bench}",
                      help=f"HNET with emb_dim = 2, {iters} steps per task (~10-20 s).",
                      width="stretch"):
            start(bench)
            st.rerun()
