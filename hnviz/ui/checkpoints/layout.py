"""Layout of the Checkpoints page: your runs (trained, loaded, restored), your saved runs, and
upload. Saved runs belong to this browser's user alone; they are addressed by name, never by a
server path."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from hnviz.core.io import RunFileError, display_name, read_run_dict
from hnviz.core.limits import app_limits
from hnviz.serve.userstore import StoredFile, StoreError
from hnviz.ui import state
from hnviz.ui.labels import benchmark_label, method_label
from hnviz.ui.page import reported
from hnviz.ui.sidebar import SOURCE_LABELS
from hnviz.ui.text import MESSAGE_CHARS, md

MAX_UPLOAD_MB = 50  # also .streamlit/config.toml's server.maxUploadSize


def render() -> None:
    st.title("Checkpoints")
    st.caption("Your runs stay on this server for this browser, also across reloads. Save "
               "them under a name to keep them, or download them; load or upload a run file to "
               "continue working on it.")
    msg = state.get("ckpt.flash")
    if msg:
        kind, text = msg
        (st.success if kind == "ok" else st.error)(text)
        state.put("ckpt.flash", None)
    your_runs()
    st.divider()
    c1, c2 = st.columns([1.4, 1], gap="large")
    with c1:
        saved_runs()
    with c2:
        upload()


def your_runs() -> None:
    st.subheader("Your runs")
    handles = state.runs()
    active = state.active_run()
    rows = [{"active": "●" if active is not None and h.run_id == active.run_id else "",
             "run": h.name, "source": SOURCE_LABELS.get(h.source, h.source),
             "benchmark": benchmark_label(h.view().cfg.task.benchmark),
             "method": method_label(h.view().cfg.train.method),
             "status": ("training · " if h.playing else "") + h.view().status()
             + (" · not saved on the server: download it" if h.autosave_error else "")}
            for h in handles]
    st.dataframe(rows, hide_index=True, width="stretch")
    if not handles:
        return
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
    ids = [h.run_id for h in handles]
    names = {h.run_id: h.name for h in handles}
    pick = c1.selectbox("Run", ids, index=ids.index(active.run_id) if active else 0,
                        format_func=names.get, key="ckpt.session_pick")
    h = state.workspace().get(pick)
    c2.button("Make active", key="ckpt.activate", width="stretch",
              on_click=state.set_active, args=(pick,), disabled=active is h)
    c3.download_button("Download .pt", data=lambda: h.data(state.pool()),
                       file_name=f"{_slug(h.name)}.pt", key="ckpt.download",
                       mime="application/octet-stream", width="stretch", on_click="ignore")
    c4.button("Remove", key="ckpt.remove", width="stretch", disabled=not h.own or h.playing,
              on_click=_remove, args=(pick,),
              help="Take the run out of your list (saved copies stay). Demos cannot be removed; "
                   "pause a training run first.")


def _slug(name: str) -> str:
    from hnviz.core.io import slugify

    return slugify(name)


def _remove(run_id: str) -> None:
    ws = state.workspace()
    h = ws.get(run_id)
    if h is None:
        return
    try:
        ws.remove(h)
        state.put("ckpt.flash", ("ok", f"Removed {md(h.name)} from your runs."))
    except Exception as e:  # noqa: BLE001
        state.put("ckpt.flash", ("err", f"Could not remove {md(h.name)}: "
                                        f"{md(reported(e), MESSAGE_CHARS)}"))


def _load_saved(file_name: str) -> None:
    ws = state.workspace()
    try:
        h = ws.add_file(ws.store.read(file_name), file_name[:-3], source="file",
                        limits=app_limits())
    except (RunFileError, StoreError) as e:
        state.put("ckpt.flash", ("err", f"Could not load {md(file_name[:-3])}: "
                                        f"{md(e, MESSAGE_CHARS)}"))
        return
    state.set_active(h)
    state.put("ckpt.flash", ("ok", f"Loaded {md(h.name)}; it is now the active run."))


def _delete(file_name: str) -> None:
    try:
        state.workspace().store.delete(file_name)
        state.put("ckpt.flash", ("ok", f"Deleted the saved run {md(file_name[:-3])}."))
    except StoreError as e:
        state.put("ckpt.flash", ("err", f"Could not delete: {md(e, MESSAGE_CHARS)}"))
    state.put("ckpt.confirm_delete", None)


def _describe(f: StoredFile) -> tuple[str, str]:
    """(display name, one line of Markdown) of a saved run (reads its metadata, builds
    nothing)."""
    try:
        raw = read_run_dict(state.workspace().store.read(f.name))
    except (RunFileError, StoreError) as e:
        return f.name[:-3], f":red[{md(e, MESSAGE_CHARS)}]"
    cfg, hist = raw["config"], raw["history"]
    task, train = cfg.get("task", {}), cfg.get("train", {})
    when = dt.datetime.fromtimestamp(f.mtime).strftime("%Y-%m-%d %H:%M")
    done = len(hist.get("R", [])) if isinstance(hist, dict) else 0
    line = md(f"{benchmark_label(str(task.get('benchmark', '?')))} · "
              f"{method_label(str(train.get('method', '?')))} · {done} task(s) done · saved "
              f"{when}", MESSAGE_CHARS)
    return display_name(raw.get("meta") or {}, cfg.get("name", ""), f.name[:-3]), line


def saved_runs() -> None:
    st.subheader("Saved runs")
    st.caption("Runs you saved from the Train page; only this browser sees them.")
    saved = state.workspace().store.list_saved()
    if not saved:
        st.info("No saved runs yet.")
        return
    for f in saved:
        name, line = _describe(f)
        with st.container(border=True):
            c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="center")
            c1.markdown(f"**{md(name)}**  \n{line}")
            c2.button("Load", key=f"ckpt.load.{f.name}", on_click=_load_saved, args=(f.name,),
                      width="stretch")
            if state.get("ckpt.confirm_delete") == f.name:
                c3.button("Confirm delete", key=f"ckpt.del2.{f.name}", type="primary",
                          on_click=_delete, args=(f.name,), width="stretch")
            else:
                c3.button("Delete", key=f"ckpt.del.{f.name}", width="stretch",
                          on_click=state.put, args=("ckpt.confirm_delete", f.name))


def upload() -> None:
    st.subheader("Upload a run file")
    st.caption(f"A `.pt` file saved or downloaded from hnviz (at most {MAX_UPLOAD_MB} MB). "
               "Files are read safely (tensors only); anything else is refused with a message.")
    up = st.file_uploader("Run file", type=["pt"], key="ckpt.upload",
                          label_visibility="collapsed")
    if up is None:
        return
    if state.get("ckpt.upload_seen") == up.file_id:  # already handled on an earlier rerun
        last = state.get("ckpt.upload_result")
        if last:
            (st.success if last[0] == "ok" else st.error)(last[1])
        return
    state.put("ckpt.upload_seen", up.file_id)
    result = handle_upload(up.name, up.getvalue())
    state.put("ckpt.upload_result", result)
    (st.success if result[0] == "ok" else st.error)(result[1])
    if result[0] == "ok":
        st.rerun()  # redraw the sidebar and the run list with the new active run


def handle_upload(file_name: str, data: bytes) -> tuple[str, str]:
    """("ok" | "err", message) for an uploaded file; the active run changes only on success."""
    if not data:
        return "err", f"Could not load {md(file_name)}: the file is empty"
    if len(data) > MAX_UPLOAD_MB * 2**20:
        return "err", f"Could not load {md(file_name)}: it is larger than {MAX_UPLOAD_MB} MB"
    try:
        h = state.workspace().add_file(data, file_name.rsplit(".", 1)[0], source="upload",
                                       limits=app_limits())
    except RunFileError as e:
        return "err", f"Could not load {md(file_name)}: {md(e, MESSAGE_CHARS)}"
    except Exception as e:  # noqa: BLE001 - e.g. a config this server does not allow
        return "err", f"Could not load {md(file_name)}: {md(reported(e), MESSAGE_CHARS)}"
    state.set_active(h)
    return "ok", f"Loaded {md(h.name)}; it is now the active run."
