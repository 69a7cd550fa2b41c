"""Cached analysis for the Embedding space, Interpolation and Task inference pages: one cached
call per view.

Each function wraps one `hnviz.analysis.embedding_views` (or `task_inference`) call in `st.cache_data`, keyed by the
run's `version` (run id + mirror version, so a run that trains on gets fresh results) and the
view's parameters (an `EmbeddingPoint` is its own key); the Trainer itself goes in as an
`_`-prefixed, unhashed argument. The Trainer is the run's read-only replica
(`RunHandle.trainer`): a model being trained lives in a worker process, so nothing here can
catch it half-way through a step.

Heavy evaluations (landscapes: thousands of generated networks; projections) run one at a time
in this server process (`_HEAVY`), under the CPU policy (hnviz.core.threads), so a class
clicking on planes at once queues instead of oversubscribing the cores.
"""

from __future__ import annotations

import threading

import streamlit as st

from hnviz.analysis import embedding_views as views
from hnviz.analysis import task_inference as inference
from hnviz.analysis.points import EmbeddingPoint
from hnviz.core import threads
from hnviz.serve.workspace import RunHandle
from hnviz.ui import state

_HEAVY = threading.BoundedSemaphore(1)


def trainer_of(h: RunHandle):
    """The run's model for reading (built from its latest state; shared per version)."""
    return h.trainer(state.pool())


def _heavy(fn, *args, **kw):
    with _HEAVY:
        threads.ensure()
        return fn(*args, **kw)


def _light(fn, *args, **kw):
    threads.ensure()
    return fn(*args, **kw)


@st.cache_data(max_entries=16, show_spinner=False)
def plane(_trainer, version: str, resolution: int, margin: float) -> views.PlaneView:
    """The landscape view (analysis.embedding_views.plane_view)."""
    return _heavy(views.plane_view, _trainer, resolution, margin)


@st.cache_data(max_entries=16, show_spinner=False)
def projection(_trainer, version: str, method: str, k: int, seed: int, params: tuple,
               with_traj: bool) -> views.ProjectionView:
    """The projection view; params = (n_neighbors, min_dist, perplexity)."""
    return _heavy(views.projection_view, _trainer, method, k, seed, params, with_traj)


@st.cache_data(max_entries=64, show_spinner=False)
def network(_trainer, version: str, point: EmbeddingPoint) -> views.NetworkView:
    """The network generated at a point."""
    return _light(views.network_view, _trainer, point)


@st.cache_data(max_entries=32, show_spinner=False)
def path(_trainer, version: str, a: EmbeddingPoint, b: EmbeddingPoint, kind: str,
         extrapolate: bool) -> views.PathView:
    """An interpolation path and what the network does along it."""
    return _light(views.path_view, _trainer, a, b, kind, extrapolate)


@st.cache_data(max_entries=64, show_spinner=False)
def task_input(_trainer, version: str, task: int, index: int) -> inference.InputView:
    """One test input through the run without its task (scores per task embedding)."""
    return _light(inference.input_view, _trainer, task, index)


@st.cache_data(max_entries=16, show_spinner=False)
def task_confusion(_trainer, version: str):
    """[true task, inferred task] fractions (every seen task's test set through every seen
    task's network: heavy)."""
    return _heavy(inference.confusion, _trainer)


@st.cache_data(max_entries=16, show_spinner=False)
def replay_samples(_trainer, version: str, n: int):
    """HNET+R: n samples of each seen task's replay decoder."""
    return _light(inference.replay_samples, _trainer, n)
