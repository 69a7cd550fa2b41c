"""Sweep runner: grid files, manifest, resume, failures recorded, CLI, backends.

Tiny sweeps (20 iterations per task, 2 values, 1 seed). Most run with n_jobs=1 (joblib runs them in
this process: no worker start-up); one runs in 2 worker processes to cover the parallel path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hnviz.analysis.sweeps import MANIFEST, read_manifest
from hnviz.cli import build_parser, main
from hnviz.core.config import ConfigError
from hnviz.core.presets import default_config
from hnviz.sweep import backend_context, run_sweep, sweep_param

BASE = default_config("regression1d", "hnet").replace(train={"iters_per_task": 20,
                                                             "eval_every": 10})


def test_sweep_param_follows_method():
    assert sweep_param("hnet") == "beta"
    assert sweep_param("ewc") == sweep_param("online-ewc") == "ewc_lambda"
    assert sweep_param("si") == "si_c"
    assert sweep_param("hnet", "lr") == "lr"
    with pytest.raises(ConfigError):
        sweep_param("finetune")
    with pytest.raises(ConfigError):
        sweep_param("hnet", "batch_size")


def test_parallel_sweep_then_resume_runs_nothing_new(tmp_path: Path):
    out = tmp_path / "s"
    m = run_sweep(BASE, "beta", [0, 0.01], [0], out, n_jobs=2, progress=False)
    files = sorted(p.name for p in out.glob("*.pt"))
    assert files == ["beta=0.01_seed=0.pt", "beta=0_seed=0.pt"]
    assert m["status"] == "done" and m["n_skipped"] == 0
    assert [r["status"] for r in m["runs"]] == ["ok", "ok"]
    on_disk = read_manifest(out)
    assert on_disk["status"] == "done"
    assert len(on_disk["runs"][0]["summary"]["acc_matrix"]) == 3
    assert len(on_disk["runs"][0]["functions"]) == 3  # regression: one curve per task
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")}

    again = run_sweep(BASE, "beta", [0, 0.01], [0], out, n_jobs=2, progress=False)
    assert again["n_skipped"] == 2
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")} == mtimes
    assert [r["summary"] for r in again["runs"]] == [r["summary"] for r in m["runs"]]


def test_resume_reruns_a_missing_or_foreign_checkpoint(tmp_path: Path):
    out = tmp_path / "s"
    run_sweep(BASE, "beta", [0, 0.01], [0], out, n_jobs=1, progress=False)
    (out / "beta=0_seed=0.pt").unlink()
    (out / "beta=0.01_seed=0.pt").write_bytes(b"not a checkpoint")
    m = run_sweep(BASE, "beta", [0, 0.01], [0], out, n_jobs=1, progress=False)
    assert m["n_skipped"] == 0 and [r["status"] for r in m["runs"]] == ["ok", "ok"]
    other = BASE.replace(train={"lr": 2e-3})  # same file names, another config: not reused
    assert run_sweep(other, "beta", [0, 0.01], [0], out, n_jobs=1,
                     progress=False)["n_skipped"] == 0


def test_diverged_run_is_recorded_failed_and_sweep_goes_on(tmp_path: Path):
    out = tmp_path / "s"
    m = run_sweep(BASE, "lr", [1e-3, 1e6], [0], out, n_jobs=1, progress=False)
    ok, bad = m["runs"]
    assert m["status"] == "done"
    assert ok["status"] == "ok" and ok["error"] is None
    assert bad["status"] == "failed" and "loss became" in bad["error"]
    # the failed run is deterministic: its checkpoint counts as done on resume
    assert run_sweep(BASE, "lr", [1e-3, 1e6], [0], out, n_jobs=1,
                     progress=False)["n_skipped"] == 2


def test_crashing_run_is_recorded_failed(tmp_path: Path, monkeypatch):
    from hnviz.core import trainer as trainer_mod

    real = trainer_mod.Trainer.advance

    def advance(self, n):
        if self.cfg.train.beta == 0.5:
            raise RuntimeError("boom")
        return real(self, n)

    monkeypatch.setattr(trainer_mod.Trainer, "advance", advance)
    m = run_sweep(BASE, "beta", [0.5, 0.01], [0], tmp_path / "s", n_jobs=1, progress=False)
    assert [r["status"] for r in m["runs"]] == ["failed", "ok"]
    assert m["runs"][0]["error"] == "RuntimeError: boom"
    assert not (tmp_path / "s" / "beta=0.5_seed=0.pt").exists()


def test_cli_sweep_json(tmp_path: Path, capsys):
    assert "sweep" in build_parser().format_help()
    out = tmp_path / "cli"
    rc = main(["sweep", "--method", "ewc", "--lambdas", "0,10", "--seeds", "3", "--iters", "10",
               "--jobs", "1", "--quiet", "--json", "--out", str(out)])
    assert rc == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info == {**info, "runs": 2, "ok": 2, "failed": 0, "skipped": 0}
    d = json.loads((out / MANIFEST).read_text())
    assert d["param"] == "ewc_lambda"
    assert d["paper_value"] == default_config("regression1d", "ewc").train.ewc_lambda
    assert d["seeds"] == [3] and d["iters_per_task"] == 10
    assert sorted(p.name for p in out.glob("*.pt")) == ["ewc_lambda=0_seed=3.pt",
                                                        "ewc_lambda=10_seed=3.pt"]


def test_cli_rejects_bad_values(tmp_path: Path, capsys):
    assert main(["sweep", "--betas", "-1", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "beta" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["ray", "dask"])
def test_missing_distributed_backend_says_how_to_install(backend):
    pytest.importorskip("joblib")
    try:
        __import__("ray" if backend == "ray" else "dask.distributed")
        pytest.skip(f"{backend} is installed")
    except ImportError:
        pass
    with pytest.raises(ConfigError, match="pip install"):
        with backend_context(backend, 2):
            pass
