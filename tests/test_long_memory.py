"""Long memory (issue 20): the long-sequence preset chosen by the benchmark's registry entry, the
analysis of a long run's sparse accuracy matrix (hnviz.analysis.long_memory) read from a real,
tiny sweep run with the sweep engine, and its figures (hnviz.ui.long_memory_figures)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from hnviz.analysis.long_memory import full_rows, long_memory
from hnviz.analysis.sweeps import SweepFileError, read_manifest
from hnviz.core.benchmarks import BENCHMARKS
from hnviz.core.evaluation import LONG_SEQUENCE
from hnviz.core.presets import default_config
from hnviz.core.sizes import param_counts
from hnviz.reproduce.experiments import EXPERIMENTS
from hnviz.reproduce.run import base_configs
from hnviz.run_args import add_run_args, config_from_args
from hnviz.sweeps import make_grid, run_sweep
from hnviz.ui.paper import long_memory_figures as lmfigs
from hnviz.ui.url import config as urlstate

T = LONG_SEQUENCE + 10  # a long sequence: sparse R, full rows every 6 tasks and the last
ITERS = 2


# ------------------------------------------------------------------------------ the preset
@pytest.mark.parametrize("bench", [b for b in BENCHMARKS if BENCHMARKS[b].long is not None])
def test_long_preset_comes_from_the_registry_entry(bench):
    b = BENCHMARKS[bench]
    n = b.long.min_tasks
    long, short = default_config(bench, "hnet", n_tasks=n), default_config(bench, "hnet")
    assert (long.target, long.hnet) == (b.long.target, b.long.hnet)
    keys = ("beta", "lr", "iters_per_task", "batch_size", "eval_every", "reg_tasks", "reg_choice")
    assert [getattr(long.train, k) for k in keys] == [getattr(b.long.train, k) for k in keys]
    assert (short.target, short.hnet, short.train.iters_per_task) == (
        b.target, b.hnet, b.train.iters_per_task)
    assert long.task.n_tasks == n
    below = default_config(bench, "hnet", n_tasks=n - 1)
    assert below.hnet == b.hnet and below.task.n_tasks == n - 1
    # the compressive regime: every trainable hypernet weight (task and chunk embeddings
    # included) / target weights, at 100 tasks
    pc = param_counts(default_config(bench, "hnet", n_tasks=100))
    assert pc.compression <= 1.0
    # the baselines train the same target with the same budget
    for method in ("finetune", "online-ewc", "si"):
        cfg = default_config(bench, method, n_tasks=n)
        assert cfg.target == long.target
        assert cfg.train.iters_per_task == long.train.iters_per_task
        assert cfg.train.batch_size == long.train.batch_size and cfg.train.lr == long.train.lr


def test_the_cli_and_links_start_from_the_long_preset():
    b = BENCHMARKS["permuted-digits"]
    p = argparse.ArgumentParser()
    add_run_args(p)
    cfg = config_from_args(p.parse_args(["--benchmark", "permuted-digits", "--method", "hnet",
                                         "--n-tasks", "100"]))
    assert cfg.hnet == b.long.hnet and cfg.target == b.long.target and cfg.task.n_tasks == 100
    cfg = config_from_args(p.parse_args(["--benchmark", "permuted-digits", "--method", "hnet",
                                         "--n-tasks", "100", "--beta", "0.5"]))
    assert cfg.train.beta == 0.5 and cfg.hnet == b.long.hnet
    # a link with tasks=N opens N's preset, and a long config's link stays short
    long = default_config("permuted-digits", "hnet", n_tasks=b.long.min_tasks)
    params = urlstate.encode(long)
    assert params == {"benchmark": "permuted-digits", "method": "hnet",
                      "tasks": str(b.long.min_tasks)}
    got, problems = urlstate.decode(params)
    assert problems == [] and got == long


def test_long_experiments_start_every_method_from_the_long_preset():
    exp = EXPERIMENTS["permuted-digits-100"]
    b = BENCHMARKS[exp.benchmark]
    assert exp.n_tasks >= b.long.min_tasks
    for cfg in base_configs(exp, full=False):
        assert cfg.task.n_tasks == exp.n_tasks and cfg.target == b.long.target


# ------------------------------------------------------------------------------ the analysis
def test_full_rows_of_a_sparse_matrix():
    N = None
    R = [[0.9, 0.1, N, N], [N, 0.8, 0.2, N], [0.7, 0.6, 0.9, 0.1], [0.5, 0.4, 0.3, 0.95]]
    assert full_rows(R) == {1: [0.9], 3: [0.7, 0.6, 0.9], 4: [0.5, 0.4, 0.3, 0.95]}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("long_memory")
    bases = [default_config("permuted-digits", m).replace(
        task={"n_tasks": T}, train={"iters_per_task": ITERS, "eval_every": ITERS})
        for m in ("hnet", "finetune")]
    run_sweep(make_grid(bases, {"train.iters_per_task": (ITERS,)}, (0, 1)), root,
              backend="inline", progress=False)
    return read_manifest(root)


def test_memories_from_a_real_long_sweep(sweep):
    mem = long_memory(sweep)
    assert list(mem) == ["hnet", "finetune"]
    step = math.ceil(T / 10)
    for name, m in mem.items():
        runs = [r for r in sweep["runs"] if r["method"] == name]
        assert m.seeds == (0, 1) and m.n_tasks == T
        assert m.after == (1, *range(step, T, step), T)
        assert m.acc.shape == (len(m.after), T)
        for k, t in enumerate(m.after):  # tasks not seen yet: NaN; seen: the seeds' mean
            assert np.isnan(m.acc[k, t:]).all()
            want = np.mean([r["summary"]["acc_matrix"][t - 1][:t] for r in runs], axis=0)
            assert np.allclose(m.acc[k, :t], want)
        assert np.allclose(m.final, m.acc[-1])
        assert m.mean_final == pytest.approx(np.mean([r["summary"]["mean_final"]
                                                      for r in runs]))
        assert np.allclose(m.during, np.mean([[r["summary"]["acc_matrix"][j][j]
                                               for j in range(T)] for r in runs], axis=0))
    assert mem["hnet"].compression == pytest.approx(
        sweep["runs"][0]["summary"]["compression"], rel=1e-6)
    assert mem["finetune"].compression is None


def test_no_finished_run_is_a_one_line_error(sweep):
    broken = {**sweep, "runs": [{**r, "status": "failed"} for r in sweep["runs"]]}
    with pytest.raises(SweepFileError, match="no finished run"):
        long_memory(broken)


# ------------------------------------------------------------------------------ the figures
def test_memory_fig_has_one_frame_per_full_row_and_shows_the_end(sweep):
    mem = long_memory(sweep)
    fig = lmfigs.memory_fig(mem, title="60 tasks")
    go.Figure(fig.to_dict())  # every property valid
    after = mem["hnet"].after
    assert [f.name for f in fig.frames] == [str(t) for t in after]
    slider = fig.layout.sliders[0]
    assert [s.label for s in slider.steps] == [str(t) for t in after]
    assert slider.active == len(after) - 1  # the end state is what a static view shows
    shown = {tr.meta: tr for tr in fig.data}
    assert set(shown) == {"memory:hnet", "memory:finetune", "during:hnet", "during:finetune"}
    assert np.allclose(np.asarray(shown["memory:hnet"].y, dtype=float), mem["hnet"].final)
    first = {tr.meta: tr for tr in fig.frames[0].data}
    y = np.asarray(first["memory:finetune"].y, dtype=float)  # None -> nan
    t0 = after[0]  # after task 1
    assert t0 == 1
    assert np.allclose(y[:t0], mem["finetune"].acc[0, :t0]) and np.isnan(y[t0:]).all()
    assert "after task 60 of 60" in fig.layout.title.text
    assert fig.frames[0].layout.shapes[0].x0 == t0 + 0.5  # tasks not learned yet: shaded


def test_mean_final_fig_labels_the_compression_ratio(sweep):
    mem = long_memory(sweep)
    fig = lmfigs.mean_final_fig(mem)
    go.Figure(fig.to_dict())
    bar = fig.data[0]
    assert list(bar.x) == pytest.approx([mem["hnet"].mean_final, mem["finetune"].mean_final])
    assert f"ratio {mem['hnet'].compression:.2f}" in bar.text[0]
    assert "ratio" not in bar.text[1]


# ------------------------------------------------------------------------------ the bundle
BUNDLED = Path(__file__).resolve().parents[1] / "assets" / "paper" / "permuted-digits-100"


@pytest.mark.skipif(not list(BUNDLED.glob("sweep*.json")), reason="permuted-digits-100 is not "
                    "bundled")
def test_the_bundled_runs_hold_what_the_lecture_says():
    """The lecture's compression step: "100 tasks; HNET (smaller than its target) keeps early
    tasks, fine-tuning fades" — on the bundled runs (the preset, every seed
    bundled), and every method trained the long preset's target."""
    from hnviz.ui.lecture.layout import STEPS

    step = next(s for s in STEPS if s.title == "Compression")
    assert "100 tasks; HNET (smaller than its target) keeps early tasks, fine-tuning fades" in (
        step.notice)
    from hnviz.ui.paper.long_memory import memories

    mem = memories(folder=BUNDLED.parent)  # every bundled manifest of it, as the view reads them
    d = {"runs": [r for p in BUNDLED.glob("sweep*.json") for r in read_manifest(p)["runs"]]}
    hnet, ft = mem["hnet"], mem["finetune"]
    assert hnet.n_tasks == 100 and hnet.compression < 1
    for r in d["runs"]:  # the long preset's target (the baselines' with one head per task)
        assert r["summary"]["target_params"] == param_counts(
            default_config("permuted-digits", r["method"], n_tasks=100)).target
    # the view shows what the table's row says: each method's runs from the manifest of its
    # row (a narrowed reproduce run that replaced HNET's cell left older HNET runs elsewhere)
    from hnviz.reproduce.run import bundled_rows

    rows = {r["method"]: r for r in bundled_rows(BUNDLED.parent, full=False)
            if r["experiment"] == "permuted-digits-100" and r["status"] == "ok"}
    for name, m in mem.items():
        assert len(m.seeds) == rows[name]["n"]
        assert 100 * m.mean_final == pytest.approx(rows[name]["mean"], abs=1e-6)
    early = slice(0, 10)
    assert hnet.final[early].mean() >= 0.85  # kept: near their accuracy right after training
    assert hnet.final[early].mean() >= hnet.during[early].mean() - 0.05
    assert ft.final[early].mean() < hnet.final[early].mean() - 0.3  # faded


def test_merged_manifests_take_each_method_from_its_rows_manifest():
    """`merge_manifests`: a method named by `owner` comes only from that manifest; the others
    from every manifest; an owner that names no given manifest is ignored."""
    from hnviz.analysis.long_memory import merge_manifests

    old = {"methods": ["hnet", "finetune"],
           "runs": [{"method": "hnet", "seed": 1, "v": "old"}, {"method": "finetune", "seed": 1}]}
    new = {"methods": ["hnet"], "runs": [{"method": "hnet", "seed": 0, "v": "new"}]}
    docs = [("sweep_a.json", old), ("sweep_b.json", new)]
    merged = merge_manifests(docs, {"hnet": "sweep_b.json", "finetune": "sweep_a.json"})
    assert merged["methods"] == ["hnet", "finetune"]
    assert [(r["method"], r.get("v")) for r in merged["runs"]] == [("finetune", None),
                                                                    ("hnet", "new")]
    both = merge_manifests(docs, {"hnet": "gone.json"})
    assert sorted(r.get("v") or "" for r in both["runs"]) == ["", "new", "old"]


def test_summary_counts_the_seeds_each_method_has(sweep):
    """The summary line names the number of seeds once when every method has as many, and per
    method when they differ (the bundled fine-tuning has two seeds, the others three)."""
    import dataclasses

    from hnviz.ui.paper.long_memory import summary_text

    mem = long_memory(sweep)
    assert summary_text(mem).startswith(f"Mean final accuracy over all {T} tasks (2 seeds): ")
    mem["finetune"] = dataclasses.replace(mem["finetune"], seeds=(1,))
    text = summary_text(mem)
    assert text.startswith(f"Mean final accuracy over all {T} tasks: ")
    assert "**HNET** " in text and "(2 seeds, ratio" in text
    assert "**fine-tuning** " in text and "(1 seed, forgetting" in text
