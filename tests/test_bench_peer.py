"""benchmarks/bench_peer.py: both sides train identical networks, and the script runs end to end.

Needs the development requirement hypnettorch (skipped without it). No timing is asserted."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

# The peer library in subprocesses (`make test-fast` skips it).
pytestmark = pytest.mark.slow
pytest.importorskip("hypnettorch")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_peer  # noqa: E402
import peer_hypnettorch  # noqa: E402

from hnviz.core.config import RunConfig  # noqa: E402
from hnviz.core.hnets import count_params  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402

ARGS = argparse.Namespace(iters=10, seed=0, eval_every=5)
EQUAL_ROWS = [r for r in bench_peer.ROWS if not r.preset]


@pytest.mark.parametrize("heads", ["multi", "single"])
@pytest.mark.parametrize("row", EQUAL_ROWS, ids=[r.name for r in EQUAL_ROWS])
def test_equal_rows_build_the_same_target_and_hypernet(row, heads):
    cfg = bench_peer.hnviz_config(row, ARGS, heads)
    layout, p = bench_peer.probe_heads(cfg)
    assert layout == heads
    tr = Trainer(RunConfig.from_dict(cfg))
    assert tr.target_params == p
    spec = bench_peer.peer_spec(row, ARGS, layout)
    mnet, hnet, _ = peer_hypnettorch.build_nets(spec, tr.seq.in_dim, tr.seq.out_dim, tr.n_tasks)
    assert mnet.num_params == p
    # same hypernet, parameter for parameter (θ_h, chunk embeddings, task embeddings)
    assert hnet.num_params == count_params(tr.method.hnet)


def test_preset_rows_use_each_sides_own_setting():
    row = next(r for r in bench_peer.ROWS if r.name == "permuted-preset")
    cfg = RunConfig.from_dict(bench_peer.hnviz_config(row, ARGS, "single"))
    from hnviz.core.presets import default_config

    preset = default_config("permuted-digits", "hnet")
    assert cfg.hnet == preset.hnet and cfg.train.beta == preset.train.beta
    assert cfg.train.reg_tasks == preset.train.reg_tasks
    spec = bench_peer.peer_spec(row, ARGS, "multi")
    assert spec["hnet"] == bench_peer.PEER_PRESET["hnet"] and spec["heads"] == "single"


def test_bench_runs_both_sides_and_prints_the_row(tmp_path):
    out = tmp_path / "peer.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_peer.py"), "--iters", "3",
                        "--repeats", "1", "--rows", "split-chunked", "--eval-every", "2",
                        "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "split-chunked" in r.stdout and "ratio" in r.stdout
    (row,) = json.loads(out.read_text())
    h, p = row["results"]["hnviz"][0], row["results"]["peer"][0]
    assert h["target_params"] == p["target_params"]
    assert len(h["acc_matrix"]) == len(p["acc_matrix"]) == 5
    assert all(w > 0 for side in ("hnviz", "peer") for w in row["walls"][side])
