"""Per-user app state: the only module that touches `st.session_state`.

What lives here (per browser session, never in st.cache_resource):
  runs     {name: RunEntry}  every run this user has in the session (bundled demo copies,
                             trained, loaded, uploaded); nothing is dropped unless the user asks
  active   name of the run every page shows
  config   the RunConfig the Train page will build next (a key no widget owns)

A RunEntry wraps a live `Trainer`; `version` changes whenever the trainer advances, so cached
analysis (`st.cache_data`) can be keyed by (run_id, version).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import streamlit as st

from hnviz.core.config import RunConfig
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer

_RUNS, _ACTIVE, _CONFIG, _LOCK = "hnviz.runs", "hnviz.active", "hnviz.config", "hnviz.lock"


@dataclass
class RunEntry:
    name: str
    trainer: Trainer
    source: str  # "demo" | "trained" | "file" | "upload"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    saved_path: str | None = None

    @property
    def version(self) -> str:
        """Changes whenever the run changes (cache key for derived data)."""
        t = self.trainer
        return f"{self.run_id}:{t.global_step}:{len(t.history['R'])}:{t.error is not None}"


def runs() -> dict[str, RunEntry]:
    return st.session_state.setdefault(_RUNS, {})


def add_run(entry: RunEntry, activate: bool = True) -> RunEntry:
    """Add (or replace under the same name) a run; optionally make it the active one."""
    runs()[entry.name] = entry
    if activate:
        st.session_state[_ACTIVE] = entry.name
    return entry


def unique_name(base: str) -> str:
    names, i, name = runs(), 2, base
    while name in names:
        name, i = f"{base} ({i})", i + 1
    return name


def active_run() -> RunEntry | None:
    name = st.session_state.get(_ACTIVE)
    return runs().get(name) if name else None


def set_active(name: str) -> None:
    if name in runs():
        st.session_state[_ACTIVE] = name


def remove_run(name: str) -> None:
    runs().pop(name, None)
    if st.session_state.get(_ACTIVE) == name:
        st.session_state[_ACTIVE] = next(iter(runs()), None)


def get_config() -> RunConfig:
    """The configuration the Train page edits (defaults to the 1-D regression preset)."""
    return st.session_state.setdefault(_CONFIG, default_config())


def set_config(cfg: RunConfig) -> None:
    st.session_state[_CONFIG] = cfg


def trainer_lock() -> threading.Lock:
    """One lock per session: two overlapping reruns must never step the same model at once."""
    return st.session_state.setdefault(_LOCK, threading.Lock())


def get(key: str, default=None):
    """Small per-session values owned by the UI layer (namespaced under 'hnviz.ui.')."""
    return st.session_state.get("hnviz.ui." + key, default)


def put(key: str, value) -> None:
    st.session_state["hnviz.ui." + key] = value


# ---------------------------------------------------------------------------------------- play
# "playing" names the run_id being trained live (None: paused), so switching the active run never
# trains a run the user is not looking at.
_PLAYING, _TICK, _DEMOS = "hnviz.playing", "hnviz.tick_s_per_step", "hnviz.demos"


def is_playing(entry: RunEntry | None) -> bool:
    return entry is not None and st.session_state.get(_PLAYING) == entry.run_id


def set_playing(entry: RunEntry | None) -> None:
    """Start live training of `entry` (None pauses)."""
    st.session_state[_PLAYING] = entry.run_id if entry is not None else None


def sec_per_step(default: float | None = None) -> float | None:
    """Measured seconds per training step of the previous tick (sizes the next one)."""
    return st.session_state.get(_TICK, default)


def set_sec_per_step(value: float) -> None:
    st.session_state[_TICK] = value


def demos_loaded() -> set[str]:
    """File names of the bundled demo runs already copied into this session."""
    return st.session_state.setdefault(_DEMOS, set())


# ------------------------------------------------------------------------------------- widgets
def widget_value(key: str, default=None):
    """Current value of a widget key (None / default if the widget is not on screen)."""
    return st.session_state.get(key, default)


def set_widget(key: str, value) -> None:
    """Pre-fill a widget (call before the widget is created, or from a callback)."""
    st.session_state[key] = value

