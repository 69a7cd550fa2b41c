"""Where the explorer's sweeps come from: the bundled ones (assets/sweeps/, read-only) and this
user's (their workspace's sweeps folder), one entry per slice a multi-axis sweep has. Loading is cached
per (path, slice, manifest mtime), so a sweep that is still being written reloads as it grows and
a finished one is read once."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from hnviz.analysis.sweeps import MANIFEST, Sweep, SweepRef, find_sweeps, load_sweep
from hnviz.core.method_specs import METHODS, with_strength
from hnviz.paths import asset
from hnviz.ui import state
from hnviz.ui.labels import benchmark_label, method_short, method_with_strength, param_label

BUNDLED_DIR = asset("sweeps")
DEFAULT_SWEEP = "toy-hnet-beta"


def user_sweeps_dir() -> Path:
    """This user's sweeps (started from the app): only they see them."""
    return state.workspace().store.sweeps


def all_sweeps() -> list[SweepRef]:
    """Bundled sweeps first, then the user's (newest manifests are re-read every call)."""
    return find_sweeps(BUNDLED_DIR, "bundled") + find_sweeps(user_sweeps_dir(), "user")


def _mtime(path: str) -> float:
    try:
        return os.stat(Path(path) / MANIFEST).st_mtime
    except OSError:
        return 0.0


@st.cache_data(show_spinner=False, max_entries=64)
def _load(path: str, slice_id: str, mtime: float) -> Sweep:
    return load_sweep(path, slice_id)


def get_sweep(ref: SweepRef) -> Sweep:
    return _load(ref.path, ref.slice, _mtime(ref.path))


def describe(ref: SweepRef) -> str:
    """The selector's label: 'Split Digits · HNET (β) · bundled', plus what a multi-axis sweep
    holds fixed ('[hnet.hidden=50x50]') and how far a running one got."""
    src = "bundled" if ref.source == "bundled" else f"yours: {ref.name}"
    varied = method_with_strength(ref.method) if ref.param == _own(ref.method) else (
        f"{method_short(ref.method)} ({param_label(ref.param)})")
    fixed = f" [{ref.fixed}]" if ref.fixed else ""
    extra = "" if ref.status == "done" else f" ({ref.status}, {ref.n_done}/{ref.n_total})"
    return f"{benchmark_label(ref.benchmark)} · {varied} · {src}{fixed}{extra}"


def _own(method: str) -> str | None:
    """The method's own strength field ('beta'), None for unknown methods or none."""
    m = METHODS.get(method)
    return m.strength.field if m and m.strength else None


def companions(ref: SweepRef, refs: list[SweepRef]) -> list[SweepRef]:
    """The sweeps to compare with `ref`: one per method on the same benchmark (the selected
    sweep for its own method; for the others prefer the same source, then bundled)."""
    order = {m: i for i, m in enumerate(with_strength())}  # registry order
    best: dict[str, SweepRef] = {ref.method: ref}
    for r in refs:
        if r.benchmark != ref.benchmark or r.method in best or r.method not in order:
            continue
        same = [q for q in refs if q.benchmark == r.benchmark and q.method == r.method]
        pick = next((q for q in same if q.source == ref.source), same[0])
        best[r.method] = pick
    return sorted(best.values(), key=lambda r: order.get(r.method, 9))
