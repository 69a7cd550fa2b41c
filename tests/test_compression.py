"""Accuracy against compression ratio (hnviz.analysis.compression) from real, tiny sweeps run
with the sweep engine, its figures (hnviz.ui.explorer.compression_figures), and the bundled
sweep the lecture draws."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from hnviz.analysis.compression import load_compression, point_config
from hnviz.analysis.sweeps import SweepFileError, read_manifest
from hnviz.core.presets import default_config
from hnviz.core.sizes import param_counts
from hnviz.sweeps import make_grid, run_sweep
from hnviz.ui.explorer import compression_figures as cfigs
from hnviz.ui.explorer.compression import BASELINE_SWEEP, COMPRESSION_SWEEP, preset_sizes

ITERS = 8


def _base(method: str):
    return default_config("split-digits", method).replace(
        train={"iters_per_task": ITERS, "eval_every": ITERS, "lookahead": False})


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    root = tmp_path_factory.mktemp("compression")
    run_sweep(make_grid([_base("hnet")], {"hnet.chunk_size": (200, 2000),
                                          "hnet.hidden": ((8, 8), (16, 16))}, (0, 1)),
              root / "hnet", backend="inline", progress=False)
    run_sweep(make_grid([_base("finetune"), _base("ewc")], {"train.iters_per_task": (ITERS,)},
                        (0, 1)), root / "baselines", backend="inline", progress=False)
    return root


def test_curves_per_hidden_width_with_arithmetic_ratios(sweeps) -> None:
    c = load_compression(sweeps / "hnet", sweeps / "baselines")
    assert c.benchmark == "split-digits" and c.iters_per_task == ITERS and c.seeds == (0, 1)
    assert [cv.label for cv in c.curves] == ["hidden 8x8", "hidden 16x16"]
    d = read_manifest(sweeps / "hnet")
    for cv in c.curves:
        assert list(cv.ratio) == sorted(cv.ratio) and len(cv.ratio) == 2
        assert list(cv.n_seeds) == [2, 2]
        for ratio, mean, hnet, target, label in zip(cv.ratio, cv.mean, cv.hnet_params,
                                                   cv.target_params, cv.point_labels):
            runs = [r for r in d["runs"] if f"chunk_size {r['params']['hnet.chunk_size']} ·"
                    in label + " ·" and "x".join(map(str, r["params"]["hnet.hidden"])) in label]
            assert len(runs) == 2 and label.startswith("chunk_size"), label
            # the arithmetic count equals what the trainer counted on the built model
            assert hnet == runs[0]["summary"]["hnet_params"]
            assert target == runs[0]["summary"]["target_params"]
            assert ratio == pytest.approx(runs[0]["summary"]["compression"], abs=1e-4)
            assert mean == pytest.approx(np.mean([r["summary"]["mean_final"] for r in runs]))
    assert set(c.refs) == {"finetune", "ewc"} and all(r.n == 2 for r in c.refs.values())


def test_failed_runs_are_left_out(sweeps, tmp_path) -> None:
    shutil.copytree(sweeps / "hnet", tmp_path / "hnet")
    p = tmp_path / "hnet" / "sweep.json"
    d = json.loads(p.read_text())
    d["runs"][0].update(status="failed", summary=None, error="worker died")
    p.write_text(json.dumps(d))
    c = load_compression(tmp_path / "hnet", None)
    assert sorted(n for cv in c.curves for n in cv.n_seeds) == [1, 2, 2, 2]
    assert c.refs == {}


def test_mismatched_or_empty_sweeps_are_refused(sweeps, tmp_path) -> None:
    shutil.copytree(sweeps / "baselines", tmp_path / "b")
    p = tmp_path / "b" / "sweep.json"
    d = json.loads(p.read_text())
    d["iters_per_task"] = ITERS * 2
    p.write_text(json.dumps(d))
    with pytest.raises(SweepFileError, match="another benchmark or budget"):
        load_compression(sweeps / "hnet", tmp_path / "b")
    with pytest.raises(SweepFileError, match="no finished hnet runs"):
        load_compression(sweeps / "baselines", None)
    with pytest.raises(SweepFileError, match="no sweep manifest"):
        load_compression(tmp_path / "missing", None)


def test_point_config_sets_the_swept_fields(sweeps) -> None:
    d = read_manifest(sweeps / "hnet")
    r = next(r for r in d["runs"] if r["params"]["hnet.hidden"] == [16, 16])
    cfg = point_config(d, r)
    assert cfg.hnet.hidden == (16, 16) and cfg.hnet.chunk_size == r["params"]["hnet.chunk_size"]


def test_compression_fig_lines_references_and_regime(sweeps) -> None:
    c = load_compression(sweeps / "hnet", sweeps / "baselines")
    fig = cfigs.compression_fig(c.curves, c.refs)
    assert [tr.name for tr in fig.data] == ["hidden 8x8", "hidden 16x16"]
    np.testing.assert_allclose(fig.data[0].x, c.curves[0].ratio)
    np.testing.assert_allclose(fig.data[0].error_y.array, c.curves[0].std)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert sorted(round(s.y0, 6) for s in lines if s.y0 == s.y1) == sorted(
        round(r.mean, 6) for r in c.refs.values())
    assert any(s.type == "rect" and s.x1 == 1.0 for s in fig.layout.shapes)  # ratio < 1
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "fine-tuning" in texts and "EWC" in texts and "compressive regime" in texts
    assert fig.layout.xaxis.type == "log"


def test_param_bars_show_each_presets_ratio() -> None:
    rows = preset_sizes()
    digits = next(r for r in rows if r[0] == "Split<br>Digits")
    pc = param_counts(default_config("split-digits"))
    assert digits[1:] == (pc.target, pc.hnet)
    fig = cfigs.param_bars_fig(rows)
    assert list(fig.data[0].y) == [r[1] for r in rows] and list(fig.data[1].y) == [
        r[2] for r in rows]
    assert f"ratio {pc.hnet / pc.target:.2g}" in [a.text for a in fig.layout.annotations]
    assert len({(r[1], r[2]) for r in rows}) == len(rows)  # no preset twice


def test_bundled_compression_sweep_spans_the_compressive_regime() -> None:
    c = load_compression(COMPRESSION_SWEEP, BASELINE_SWEEP)
    ratios = np.concatenate([cv.ratio for cv in c.curves])
    assert ratios.min() < 0.5 and ratios.max() > 2  # below and above 1
    assert len(c.seeds) >= 3 and all(n == len(c.seeds) for cv in c.curves for n in cv.n_seeds)
    assert set(c.refs) == {"finetune", "ewc"}
    d = read_manifest(COMPRESSION_SWEEP)
    assert {r["status"] for r in d["runs"]} == {"ok"}


def test_compression_fig_labels_sit_where_they_belong() -> None:
    """On the log x axis the "compressive regime" label sits inside the shaded ratios < 1 (an
    annotation takes log10(x); the rectangle's own label had landed right of the line at 1);
    two baselines whose lines are close get their labels on opposite sides; one curve is named
    at its end (a single trace has no legend)."""
    from hnviz.analysis.compression import CompressionCurve, Reference

    curve = CompressionCurve("HNET (100 tasks)", np.array([0.3, 0.9, 1.8]),
                             np.array([0.6, 0.9, 0.92]), np.zeros(3), np.ones(3, dtype=int),
                             np.array([1, 2, 3]), np.array([4, 4, 4]), ("a", "b", "c"))
    refs = {"online-ewc": Reference("online-ewc", 0.858, 0.01, 3),
            "si": Reference("si", 0.852, 0.01, 3),
            "finetune": Reference("finetune", 0.54, 0.0, 2)}
    fig = cfigs.compression_fig([curve], refs)
    regime = next(a for a in fig.layout.annotations if a.text == "compressive regime")
    assert regime.x < np.log10(1.0) and regime.xanchor == "left"
    assert regime.x >= fig.layout.xaxis.range[0]  # on the plot (the range is log10 too)
    ewc, si, ft = (next(a for a in fig.layout.annotations if a.text.startswith(m))
                   for m in ("online EWC", "SI", "fine-tuning"))
    assert {ewc.yanchor, si.yanchor} == {"bottom", "top"}  # one above its line, one below
    assert ft.yanchor == "top"  # alone: below its line
    named = [a for a in fig.layout.annotations if a.text == "HNET (100 tasks)"]
    assert len(named) == 1 and named[0].x == pytest.approx(np.log10(1.8))
