"""Batched evaluation of generated networks equals the one-at-a-time reference."""

from __future__ import annotations

import functools
import subprocess
import sys

import numpy as np
import pytest
import torch

from hnviz.analysis import generated
from hnviz.core.presets import default_config
from hnviz.core.targets import forward
from hnviz.core.trainer import Trainer


@functools.lru_cache(maxsize=4)
def tiny_run(benchmark: str = "regression1d", emb_dim: int = 2, iters: int = 10) -> Trainer:
    """A tiny trained HNET run, shared by the analysis tests (read-only: do not train it)."""
    cfg = default_config(benchmark, "hnet").replace(
        hnet={"emb_dim": emb_dim}, train={"iters_per_task": iters, "eval_every": 5})
    if benchmark != "regression1d":
        cfg = cfg.replace(task={"n_tasks": 3})
    tr = Trainer(cfg)
    tr.run(100)
    return tr


@pytest.fixture(scope="module")
def reg_run() -> Trainer:
    return tiny_run()


@pytest.fixture(scope="module")
def digits_run() -> Trainer:
    return tiny_run("split-digits", iters=5)


def test_learned_embeddings_reproduce_trainer_evaluation(reg_run, digits_run) -> None:
    for tr in (reg_run, digits_run):
        got = generated.evaluate_embeddings(tr, generated.task_embeddings(tr))  # [T, T]
        np.testing.assert_allclose(np.diag(got), tr.evaluate(range(tr.n_tasks)), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("which", ["reg_run", "digits_run"])
def test_batched_equals_loop_across_chunks(which, request) -> None:
    tr = request.getfixturevalue(which)
    embs = np.random.default_rng(0).normal(size=(13, 2)) * 2
    loop = generated.evaluate_embeddings_loop(tr, embs)
    # a tiny memory budget forces one network per chunk; the default takes all at once
    for max_floats in (1, generated.MAX_FLOATS):
        np.testing.assert_allclose(generated.evaluate_embeddings(tr, embs, max_floats), loop, rtol=1e-4,
                                   atol=1e-5)


def test_chunk_size_bounds_memory(digits_run) -> None:
    k = generated.chunk_size(digits_run, n_rows=200, max_floats=2**20)
    assert k >= 1
    assert k * digits_run.target_params <= 2**20 or k == 1


def test_regression_curves_match_direct_forward(reg_run) -> None:
    embs = generated.task_embeddings(reg_run)
    xs = generated.regression_inputs(reg_run, n_points=7, pad=0.1)  # [T, 7]
    ys = generated.regression_curves(reg_run, embs, xs)  # [T, T, 7]
    assert ys.shape == (3, 3, 7)
    for i in range(3):
        w = reg_run.weights_for(i)
        for t in range(3):
            x = torch.as_tensor(xs[t]).reshape(-1, 1)
            direct = reg_run.target.head(forward(reg_run.target, w, x), t)[:, 0]
            np.testing.assert_allclose(ys[i, t], direct.numpy(), rtol=1e-5, atol=1e-5)


def test_analysis_does_not_import_streamlit() -> None:
    code = ("import sys, hnviz.analysis.generated, hnviz.analysis.landscape, "
            "hnviz.analysis.projections, hnviz.analysis.interpolation, "
            "hnviz.analysis.trajectories; assert 'streamlit' not in sys.modules; "
            "assert 'umap' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
