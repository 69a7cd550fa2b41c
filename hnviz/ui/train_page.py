"""Layout of the Train page: settings on the left; controls, progress and live charts on the
right; saving and downloading below."""

from __future__ import annotations

import streamlit as st

from hnviz.core.io import run_to_bytes
from hnviz.ui import actions, state, storage
from hnviz.ui.live import live_panel
from hnviz.ui.page import one_line
from hnviz.ui.train_form import param_panel, settings_form
from hnviz.ui.train_view import draw


def render() -> None:
    st.title("Train")
    st.caption("Pick a benchmark and a method, press ▶ Play and watch. With β > 0 the hypernet "
               "keeps the functions of earlier tasks in place; set β = 0 (or pick fine-tuning) "
               "to watch them drift. The address bar always holds a link to this setup.")
    left, right = st.columns([1.2, 2.6], gap="medium")
    with left:
        with st.container(border=True):
            st.markdown("#### Setup")
            cfg, blocked = settings_form()
            param_panel(cfg)
    with right:
        controls(blocked)
        msg = actions.take_flash()
        if msg:
            st.error(msg)
        entry = state.active_run()
        if entry is None:
            st.info("No run yet: press ▶ Play to start one with these settings.")
            return
        if not actions.same_setup(entry.trainer.cfg, cfg) and not state.is_playing(entry):
            st.info(f"Showing **{entry.name}**. The settings on the left differ from it: "
                    "▶ Play or ↺ New run trains them as a new run (this one is kept).",
                    icon="ℹ️")
        live_panel(draw)
    if entry is not None and not state.is_playing(entry):
        save_panel(entry)


def controls(blocked: str | None) -> None:
    entry = state.active_run()
    playing = state.is_playing(entry)
    if state.get("confirm_new"):
        with st.container(border=True):
            st.warning(f"**{entry.name if entry else 'The current run'}** has progress. Start a "
                       "new run with the settings on the left? The current run stays in this "
                       "session's run list (sidebar), nothing is lost.")
            c1, c2, _ = st.columns([1, 1, 3])
            c1.button("Yes, start new run", type="primary", on_click=actions.on_confirm_new,
                      args=(True,), key="train.confirm_yes")
            c2.button("Cancel", on_click=actions.on_confirm_new, args=(False,),
                      key="train.confirm_no")
    c1, c2, c3, c4, _ = st.columns([1, 1, 1, 1.3, 1.2])
    if playing:
        c1.button("Pause", icon=":material/pause:", on_click=actions.on_pause, key="train.pause", width="stretch")
    else:
        c1.button("Play", icon=":material/play_arrow:", type="primary", on_click=actions.on_play, key="train.play",
                  disabled=blocked is not None, width="stretch",
                  help="Train live. A finished run or a demo is not changed: Play starts a new "
                       "run with the settings on the left.")
    c2.button("Step", icon=":material/skip_next:", on_click=actions.on_step, key="train.step", width="stretch",
              disabled=blocked is not None or playing, help="Train one evaluation interval.")
    c3.button("New run", icon=":material/restart_alt:", on_click=actions.on_new_run, key="train.new", width="stretch",
              disabled=blocked is not None, help="Start over with the settings on the left.")


def save_panel(entry: state.RunEntry) -> None:
    """Save to the runs folder and download (for paused, finished or diverged runs)."""
    with st.expander("💾 Save or download this run", expanded=False):
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        name = c1.text_input("Name", value=entry.name, key="train.save_name")
        if c2.button("Save to runs folder", key="train.save", width="stretch"):
            try:
                path = storage.save(entry.trainer, name or entry.name)
                entry.saved_path = str(path)
                st.success(f"Saved to {path}")
            except Exception as exc:
                st.error(f"Could not save: {one_line(exc)}")
        c3.download_button("Download .pt", data=lambda: run_to_bytes(entry.trainer,
                                                                       {"name": entry.name}),
                           file_name=f"{storage.slugify(name or entry.name)}.pt",
                           mime="application/octet-stream", key="train.download",
                           width="stretch", on_click="ignore")
