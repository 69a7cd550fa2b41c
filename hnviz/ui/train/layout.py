"""Layout of the Train page: settings on the left; controls, progress and live charts on the
right (one run, or two side by side); saving and downloading below."""

from __future__ import annotations

import streamlit as st

from hnviz.serve.userstore import NameTaken
from hnviz.serve.workspace import RunHandle
from hnviz.ui import state
from hnviz.ui.live import live_panel
from hnviz.ui.page import reported
from hnviz.ui.text import MESSAGE_CHARS, md
from hnviz.ui.train import actions
from hnviz.ui.train.form import device_setting, param_panel, settings_form
from hnviz.ui.train.view import draw

COMPARE_KEY = "train.compare"
VARIANT_KEY = "train.compare_with"


def render() -> None:
    st.title("Train")
    st.caption("Pick a benchmark and a method, press ▶ Play and watch. With β > 0 the hypernet "
               "keeps the functions of earlier tasks in place; set β = 0 (or pick fine-tuning) "
               "to watch them drift — or tick *Side by side* to train both at once. The address "
               "bar always holds a link to this setup.")
    left, right = st.columns([1.25, 2.75], gap="medium")
    with left:
        with st.container(border=True):
            st.markdown("#### Setup")
            cfg, blocked = settings_form()
            compare = compare_setting(cfg.train.method)
            device_setting()
            param_panel(cfg)
    with right:
        controls(blocked, compare)
        msg = state.take_flash()
        if msg:
            (st.success if msg[0] == "ok" else st.error)(msg[1])
        shown = actions.shown(bool(compare))
        if not shown:
            st.info("No run yet: press ▶ Play to start one with these settings.")
            return
        entry = shown[0]
        if not compare and not actions.same_setup(entry.view().cfg, cfg) and not entry.playing:
            st.info(f"Showing **{md(entry.name)}**. The settings on the left differ from it: "
                    "▶ Play or New run trains them as a new run (this one is kept).", icon="ℹ️")
        if compare and not state.pair():
            st.info("Side by side: ▶ Play trains the settings on the left and the comparison "
                    "at the same time.")
        live_panel(lambda: actions.shown(bool(compare)), draw)
    if not any(h.playing for h in shown):
        save_panel(shown[0] if not compare else state.active_run())


def compare_setting(method: str) -> str | None:
    """The side-by-side toggle and what to compare with (None when off)."""
    on = st.toggle("Side by side", key=COMPARE_KEY,
                   help="Train these settings and a second run at once, next to each other: "
                        "the paper's central picture (β = 0 against β > 0, or a baseline).")
    if not on:
        return None
    choices = actions.compare_choices(method)
    if state.widget_value(VARIANT_KEY) not in choices:
        state.set_widget(VARIANT_KEY, choices[0])
    return st.selectbox("Compare with", choices, key=VARIANT_KEY,
                        format_func=lambda c: actions.compare_label(c, method))


def controls(blocked: str | None, compare: str | None) -> None:
    shown = actions.shown(bool(compare))
    playing = any(h.playing for h in shown)
    if state.get("confirm_new"):
        entry = state.active_run()
        with st.container(border=True):
            st.warning(f"**{md(entry.name) if entry else 'The current run'}** has progress. Start a "
                       "new run with the settings on the left? The current run stays in your "
                       "run list (sidebar), nothing is lost.")
            c1, c2, _ = st.columns([1, 1, 3])
            c1.button("Yes, start new run", type="primary", on_click=actions.on_confirm_new,
                      args=(True,), key="train.confirm_yes")
            c2.button("Cancel", on_click=actions.on_confirm_new, args=(False,),
                      key="train.confirm_no")
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1.2])
    if playing:
        c1.button("Pause", icon=":material/pause:", on_click=actions.on_pause,
                  args=(bool(compare),), key="train.pause", width="stretch")
    else:
        c1.button("Play", icon=":material/play_arrow:", type="primary", on_click=actions.on_play,
                  args=(compare,), key="train.play", disabled=blocked is not None,
                  width="stretch",
                  help="Train live. A finished run or a demo is not changed: Play starts a new "
                       "run with the settings on the left.")
    c2.button("Step", icon=":material/skip_next:", on_click=actions.on_step, args=(compare,),
              key="train.step", width="stretch", disabled=blocked is not None or playing,
              help="Train one evaluation interval.")
    c3.button("New run", icon=":material/restart_alt:", on_click=actions.on_new_run,
              key="train.new", width="stretch", disabled=blocked is not None or bool(compare),
              help="Start over with the settings on the left.")


def save_panel(entry: RunHandle | None) -> None:
    """Save into the user's own saved runs, or download (paused, finished or diverged runs)."""
    if entry is None:
        return
    with st.expander("💾 Save or download this run", expanded=False):
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        name = c1.text_input("Name", value=entry.name, key="train.save_name", max_chars=100)
        overwrite = state.get("save_overwrite") == name
        if c2.button("Overwrite" if overwrite else "Save", key="train.save", width="stretch",
                     type="primary" if overwrite else "secondary"):
            _save(entry, name or entry.name, overwrite)
        c3.download_button("Download .pt", data=lambda: entry.data(state.pool()),
                           file_name=f"{actions_slug(name or entry.name)}.pt",
                           mime="application/octet-stream", key="train.download",
                           width="stretch", on_click="ignore")
        st.caption("Saved runs are yours alone (this browser); find them on the Checkpoints "
                   "page.")


def actions_slug(name: str) -> str:
    from hnviz.core.io import slugify

    return slugify(name)


def _save(entry: RunHandle, name: str, overwrite: bool) -> None:
    try:
        file_name = state.workspace().save(entry, name, overwrite=overwrite)
    except NameTaken as exc:
        state.put("save_overwrite", name)
        st.warning(f"{md(exc, MESSAGE_CHARS)}. Press **Overwrite** to replace it.")
        return
    except Exception as exc:  # noqa: BLE001 - quota, a lost run: say it, keep the run
        st.error(f"Could not save: {md(reported(exc), MESSAGE_CHARS)}")
        return
    state.put("save_overwrite", None)
    st.success(f"Saved as **{md(file_name[:-3])}** (Checkpoints page → Saved runs).")
