"""The lecture's live step: the 1-D toy trained twice at once, HNET at β > 0 and at β = 0, side by
side, when the lecturer presses ▶.

The Train page's side-by-side machinery, with the lecture's own setup: the second run is
`train_actions.variant(cfg, COMPARE_OFF)` (the same run with β = 0), both are named by
`train_actions.run_label`, trained in the live pool's workers, and polled by
`live.live_panel`. The pair is kept under its own session key (not the Train page's), so the
lecture never changes what the Train page shows; its runs are the user's own runs like any other
(sidebar, Checkpoints). Leaving the step does not stop them: they train on in the pool, and
coming back shows them where they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from hnviz.core.config import RunConfig
from hnviz.core.presets import default_config
from hnviz.serve.runview import RunView
from hnviz.serve.workspace import RunHandle
from hnviz.ui import charts, state
from hnviz.ui.lecture.figures import projector
from hnviz.ui.lecture.steps import chart, task_ends
from hnviz.ui.live import live_panel, wait_first_steps
from hnviz.ui.page import reported
from hnviz.ui.train.actions import COMPARE_OFF, run_label, variant
from hnviz.ui.train.view import progress, regression_points

# Iterations per task: 1000 of the preset's 2000 (the bundled β sweep uses the same). What the
# step says holds at exactly this setting on seeds 0-4 (tests/test_lecture_claims.py: task 1's
# MSE after task 3 at most 0.0067 at β = 0.1, 0.31-6.1 at β = 0); both runs finish in ~3 s of
# CPU each, ~10-20 s in a browser on a loaded 2-core machine.
LIVE_ITERS = 1000
PAIR = "lecture.pair"
PLOT_HEIGHT = 430
# Room for the tick labels and the legend from the start: Plotly's automatic margins would
# otherwise re-lay the plot out after every live redraw (a visible jump).
LIVE_MARGIN = dict(l=60, r=10, t=10, b=100)


def live_config() -> RunConfig:
    """The toy's HNET preset (the Train page's default) with LIVE_ITERS iterations per task."""
    return default_config("regression1d", "hnet").replace(train={"iters_per_task": LIVE_ITERS})


def pair() -> list[RunHandle]:
    """The lecture's two runs (β > 0 first), or [] before the first ▶ (or if one was deleted)."""
    ids = state.get(PAIR)
    if not ids:
        return []
    ws = state.workspace()
    hs = [ws.get(i) for i in ids]
    return hs if all(h is not None for h in hs) else []


def _start() -> None:
    """Two new runs, both playing: the preset and the same with β = 0."""
    ws = state.workspace()
    cfg = live_config()
    made = []
    try:
        for c in (cfg, variant(cfg, COMPARE_OFF)):
            made.append(ws.new_run(c, run_label(c), play=True))
    except Exception as exc:  # noqa: BLE001 - quotas, a pool that is busy: say it
        for h in made:
            try:
                ws.pause(h)
            except Exception:  # noqa: BLE001 - best effort
                pass
        state.flash(f"Could not start the runs: {reported(exc)}")
        return
    state.put(PAIR, tuple(h.run_id for h in made))
    wait_first_steps(made)  # the redraw after ▶ then shows them training, not at step 0


def on_play() -> None:
    """▶: resume a paused pair, else train a new one (first press, or the last one finished)."""
    hs = pair()
    if hs and not all(h.view().done for h in hs):
        ws = state.workspace()
        for h in hs:
            if not h.view().done:
                try:
                    ws.play(h)
                except Exception as exc:  # noqa: BLE001
                    state.flash(f"Could not play {h.name}: {reported(exc)}")
        return
    _start()


def on_pause() -> None:
    ws = state.workspace()
    for h in pair():
        if h.playing:
            try:
                ws.pause(h)
            except Exception as exc:  # noqa: BLE001
                state.flash(f"Could not pause {h.name}: {reported(exc)}")


def on_restart() -> None:
    """Start over: a new pair. The current pair's runs are dropped if unfinished (lecture
    scratch runs; this keeps the user under the live-run quota however often the lecturer starts
    over), kept in the run list if finished."""
    ws = state.workspace()
    for h in pair():
        if not h.view().done:
            try:
                ws.remove(h)
            except Exception:  # noqa: BLE001 - a run lost meanwhile: nothing to keep
                pass
    state.put(PAIR, None)
    _start()


def controls() -> None:
    hs = pair()
    playing = any(h.playing for h in hs)
    c1, c2, c3 = st.columns([1, 1, 4], vertical_alignment="center")
    if playing:
        c1.button("Pause", icon=":material/pause:", on_click=on_pause, key="lecture.live.pause",
                  width="stretch")
    else:
        done = bool(hs) and all(h.view().done for h in hs)
        c1.button("Train both" if not hs or done else "Resume", icon=":material/play_arrow:",
                  type="primary", on_click=on_play, key="lecture.live.play", width="stretch")
    c2.button("Start over", icon=":material/restart_alt:", on_click=on_restart,
              key="lecture.live.restart", width="stretch", disabled=not hs,
              help="Train a new pair from scratch (an unfinished pair is discarded).")
    cfg = live_config()
    c3.caption(f"1-D toy · 3 tasks × {cfg.train.iters_per_task:,} steps · same data, "
               f"initialisation and seed; only β differs")
    msg = state.take_flash()
    if msg:
        (st.success if msg[0] == "ok" else st.error)(msg[1])


def _title(beta: float) -> str:
    return (f"**β = {beta:g}** · the regularizer keeps old tasks" if beta > 0 else
            "**β = 0** · no regularizer")


def draw_pair(views: Sequence[tuple[RunHandle, RunView]]) -> None:
    """Both runs' functions side by side, with their progress (the live panel's body)."""
    cols = st.columns(len(views), gap="medium")
    for i, (col, (h, v)) in enumerate(zip(cols, views)):
        with col:
            st.markdown(_title(v.cfg.train.beta))
            progress(v, compact=True)
            if v.error:
                st.error(f"Training diverged: {v.error}")
            ex = h.extras()
            if ex.get("preds"):
                fig = charts.regression_fig(regression_points(h), ex["grid"], ex["preds"],
                                            n_trained=v.tasks_done,
                                            current=None if v.finished else v.task,
                                            names=v.task_names, title="", height=PLOT_HEIGHT)
                fig.update_layout(margin=LIVE_MARGIN)
                chart(projector(fig), f"lecture.live.fn{i}")


def preview() -> None:
    """Before the first ▶: the same two columns with the three tasks' data and no network yet
    (the data of the recorded toy run: same tasks, same seed)."""
    te = task_ends("forgetting-hnet")
    cfg = live_config()
    cols = st.columns(2, gap="medium")
    for i, (col, beta) in enumerate(zip(cols, (cfg.train.beta, 0.0))):
        with col:
            st.markdown(_title(beta))
            st.progress(0.0, text=f"Overall: step 0 / {te.n_tasks * LIVE_ITERS:,} · press "
                                  "▶ Train both")
            fig = charts.regression_fig(list(te.data), te.grid, [], 0, names=te.task_names,
                                        title="", height=PLOT_HEIGHT)
            fig.update_layout(margin=LIVE_MARGIN)
            chart(projector(fig), f"lecture.live.fn{i}")


def render() -> None:
    controls()
    if not pair():
        preview()
        return
    live_panel(pair, draw_pair, key="lecture.live")
