"""Cached analysis for the Embedding space and Interpolation pages.

`st.cache_data` keyed by the run's `version` (run id + mirror version, so a run that trains on
gets fresh results) and the view parameters; the Trainer itself goes in as an `_`-prefixed,
unhashed argument. The Trainer is the run's read-only replica (`RunHandle.trainer`): a model
being trained lives in a worker process, so nothing here can catch it half-way through a step.

Heavy evaluations (landscapes: thousands of generated networks) run one at a time in this
server process (`_HEAVY`), under the CPU policy (hnviz.core.threads), so a class clicking on
planes at once queues instead of oversubscribing the cores.
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from hnviz.analysis import generated, trajectories
from hnviz.analysis.landscape import Landscape, compute_landscape
from hnviz.analysis.projections import Projection, project
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
def landscape(_trainer, version: str, resolution: int, margin: float) -> Landscape:
    """The performance landscape of the run (see analysis.landscape)."""
    return _heavy(compute_landscape, _trainer, resolution, margin)


@st.cache_data(max_entries=16, show_spinner=False)
def projection(_trainer, version: str, method: str, k: int, seed: int, params: tuple,
               with_traj: bool) -> tuple[Projection, np.ndarray, np.ndarray]:
    """(projection of final embeddings [+ trajectory points], task of each point [M],
    is-final mask [M]); params = (n_neighbors, min_dist, perplexity)."""
    final = generated.task_embeddings(_trainer)  # [T, D]
    tasks, pts = trajectories.stacked(trajectories.embedding_trajectories(_trainer.history)) \
        if with_traj else (np.zeros(0, dtype=np.int64), np.zeros((0, final.shape[1])))
    x = np.concatenate([final, pts]) if len(pts) else final
    n_neighbors, min_dist, perplexity = params
    proj = _heavy(project, x, method, k, seed, n_neighbors=n_neighbors, min_dist=min_dist,
                  perplexity=perplexity)
    all_tasks = np.concatenate([np.arange(len(final)), tasks])
    is_final = np.arange(len(x)) < len(final)
    return proj, all_tasks, is_final


@st.cache_data(max_entries=64, show_spinner=False)
def metrics_at(_trainer, version: str, embs: tuple[tuple[float, ...], ...]) -> np.ndarray:
    """Metric of the network generated at each embedding on every task: [K, T]."""
    return _light(generated.evaluate_embeddings, _trainer, np.asarray(embs, dtype=np.float64))


@st.cache_data(max_entries=64, show_spinner=False)
def curves_at(_trainer, version: str, embs: tuple[tuple[float, ...], ...],
              n_points: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """Regression: (xs [T, X], ys [K, T, X]) of the networks generated at the embeddings."""
    xs = generated.regression_inputs(_trainer, n_points, pad=0.05)
    return xs, _light(generated.regression_curves, _trainer,
                      np.asarray(embs, dtype=np.float64), xs)


def as_key(embs) -> tuple[tuple[float, ...], ...]:
    """Hashable cache key for embeddings [K, D]."""
    return tuple(tuple(float(v) for v in row) for row in np.atleast_2d(np.asarray(embs)))
