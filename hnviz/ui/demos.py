"""Bundled demo runs (assets/runs/*.pt): the bytes are read once per server process and shared
read-only (st.cache_resource); every session gets its own Trainer built from those bytes, so
training on a demo never touches another user's copy.

The regression demos load first (fast, no scikit-learn); the digit demos can be loaded after the
page content is on screen (`ensure_demos(light=False)`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from hnviz.core.io import RunFileError, display_name, load_run, read_run_dict
from hnviz.ui import state

DEMO_DIR = Path(__file__).resolve().parents[2] / "assets" / "runs"
FIRST_DEMO = "01-regression-hnet.pt"


@st.cache_resource(show_spinner=False)
def demo_files() -> tuple[tuple[str, bytes], ...]:
    """(file name, bytes) of every bundled demo, sorted; immutable, shared by all sessions."""
    if not DEMO_DIR.is_dir():
        return ()
    return tuple((p.name, p.read_bytes()) for p in sorted(DEMO_DIR.glob("*.pt")))


@st.cache_data(show_spinner=False)
def demo_name(file: str, data: bytes) -> str:
    """Display name stored in the demo's meta (falls back to the file stem)."""
    try:
        raw = read_run_dict(data)
    except RunFileError:
        return Path(file).stem
    return display_name(raw.get("meta") or {}, raw["config"].get("name", ""), Path(file).stem)


def _is_light(file: str) -> bool:
    return "regression" in file


def ensure_demos(light: bool = False) -> None:
    """Copy the bundled demos into this session's runs once (only the regression ones if
    `light`), and make the first demo active when the session has no active run."""
    loaded = state.demos_loaded()
    for file, data in demo_files():
        if file in loaded or (light and not _is_light(file)):
            continue
        loaded.add(file)
        try:
            trainer, _meta = load_run(data)
        except Exception:  # a broken asset must not take the app down; it is simply skipped
            continue
        name = demo_name(file, data)
        if name not in state.runs():
            state.add_run(state.RunEntry(name, trainer, source="demo"),
                          activate=state.active_run() is None and file == FIRST_DEMO)
    if state.active_run() is None and state.runs():
        state.set_active(next(iter(state.runs())))
