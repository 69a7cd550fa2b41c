"""Layout of the Checkpoints page: this session's runs, the runs folder, the bundled demos, and
upload."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hnviz.core.io import run_to_bytes
from hnviz.ui import state, storage
from hnviz.ui.labels import benchmark_label, method_label
from hnviz.ui.run_files import handle_upload, import_run
from hnviz.ui.sidebar import run_status


def render() -> None:
    st.title("Checkpoints")
    st.caption("Your runs live in this browser session. Save them to the runs folder or "
               "download them to keep them; load or upload a run file to continue working on it.")
    msg = state.get("ckpt.flash")
    if msg:
        kind, text = msg
        (st.success if kind == "ok" else st.error)(text)
        state.put("ckpt.flash", None)
    session_runs()
    st.divider()
    c1, c2 = st.columns([1.4, 1], gap="large")
    with c1:
        saved_runs()
    with c2:
        upload()


def session_runs() -> None:
    st.subheader("This session's runs")
    runs = state.runs()
    active = state.active_run()
    rows = [{"active": "●" if active and e.name == active.name else "", "run": n,
             "source": e.source,
             "benchmark": benchmark_label(e.trainer.cfg.task.benchmark),
             "method": method_label(e.trainer.cfg.train.method),
             "status": run_status(e)} for n, e in runs.items()]
    st.dataframe(rows, hide_index=True, width="stretch")
    if not runs:
        return
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    names = list(runs)
    name = c1.selectbox("Run", names, index=names.index(active.name) if active else 0,
                        key="ckpt.session_pick")
    entry = runs[name]
    c2.button("Make active", key="ckpt.activate", width="stretch",
              on_click=state.set_active, args=(name,), disabled=active is entry)
    c3.download_button("Download .pt", data=lambda: run_to_bytes(entry.trainer,
                                                                   {"name": entry.name}),
                       file_name=f"{storage.slugify(name)}.pt", key="ckpt.download",
                       mime="application/octet-stream", width="stretch", on_click="ignore")


def _load_saved(path: str) -> None:
    entry, err = import_run(path, Path(path).name, source="file")
    state.put("ckpt.flash", ("err", err) if err else ("ok", f"Loaded {entry.name}; it is now "
                                                             "the active run."))


def _delete(path: str) -> None:
    try:
        storage.delete(Path(path))
        state.put("ckpt.flash", ("ok", f"Deleted {Path(path).name}"))
    except Exception as e:
        state.put("ckpt.flash", ("err", f"Could not delete: {e}"))
    state.put("ckpt.confirm_delete", None)


def saved_runs() -> None:
    folder = storage.runs_dir()
    st.subheader("Saved runs")
    st.caption(f"Folder: `{folder}` (set `HNVIZ_RUNS_DIR` to change). Save a run on the Train "
               "page.")
    saved = storage.list_saved()
    if not saved:
        st.info("No saved runs yet.")
        return
    for s in saved:
        with st.container(border=True):
            c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="center")
            if s.error:
                c1.markdown(f"**{s.path.name}**  \n:red[{s.error}]")
            else:
                c1.markdown(f"**{s.name}**  \n{benchmark_label(s.benchmark)}"
                            f" · {method_label(s.method)} · "
                            f"{s.tasks_done} task(s) done · `{s.path.name}`")
            c2.button("Load", key=f"ckpt.load.{s.path.name}", on_click=_load_saved,
                      args=(str(s.path),), disabled=s.error is not None, width="stretch")
            if state.get("ckpt.confirm_delete") == str(s.path):
                c3.button("Confirm delete", key=f"ckpt.del2.{s.path.name}", type="primary",
                          on_click=_delete, args=(str(s.path),), width="stretch")
            else:
                c3.button("Delete", key=f"ckpt.del.{s.path.name}", width="stretch",
                          on_click=state.put, args=("ckpt.confirm_delete", str(s.path)))


def upload() -> None:
    st.subheader("Upload a run file")
    st.caption("A `.pt` file saved or downloaded from hnviz. Files are read safely (tensors "
               "only); anything else is refused with a message.")
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
    entry, err = handle_upload(up.name, up.getvalue())
    result = ("err", err) if err else ("ok", f"Loaded {entry.name}; it is now the active run.")
    state.put("ckpt.upload_result", result)
    (st.success if result[0] == "ok" else st.error)(result[1])
    if not err:
        st.rerun()  # redraw the sidebar and the run list with the new active run
