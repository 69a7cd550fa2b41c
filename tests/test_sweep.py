"""Sweeps: the grid (any config field, products, several methods), the engine (files, manifest,
resume, failures recorded), the CLI, and the local worker pool.

Tiny runs (10-20 iterations per task). Most use the inline backend (runs in this process: no
worker start-up); the local pool's own tests spawn 2 worker processes. Crashes (SIGKILL of a
worker, local and Dask) are in test_sweep_crash.py.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from hnviz.analysis.sweeps import MANIFEST, load_sweep, read_manifest
from hnviz.cli import build_parser, main
from hnviz.core.config import ConfigError
from hnviz.core.io import read_run_dict
from hnviz.core.limits import HARD
from hnviz.core.presets import default_config
from hnviz.sweeps import make_grid, run_sweep
from hnviz.sweeps.backends import open_backend, parse_resources
from hnviz.sweeps.cli import grid_from_args
from hnviz.sweeps.grid import MAX_RUNS, parse_values, resolve_field

BASE = default_config("regression1d", "hnet").replace(train={"iters_per_task": 20,
                                                             "eval_every": 10})


def _sweep(grid, out, **kw):
    return run_sweep(grid, out, backend=kw.pop("backend", "inline"), progress=False, **kw)


# ------------------------------------------------------------------------------ the grid
def test_fields_resolve_and_values_parse_by_type():
    assert resolve_field("beta") == "train.beta" and resolve_field("lr") == "train.lr"
    assert resolve_field("hnet.hidden") == "hnet.hidden"
    assert resolve_field("chunk_size") == "hnet.chunk_size"  # unique outside train
    with pytest.raises(ConfigError, match="ambiguous"):
        resolve_field("hidden")  # target.hidden or hnet.hidden
    with pytest.raises(ConfigError, match="--seeds"):
        resolve_field("train.seed")
    with pytest.raises(ConfigError, match="not a config field"):
        resolve_field("train.nope")
    assert parse_values("train.beta", "0, 1e-3,0.01") == (0.0, 0.001, 0.01)
    assert parse_values("hnet.hidden", "50,50;100,100") == ((50, 50), (100, 100))
    assert parse_values("hnet.hidden", "8") == ((8,),)
    assert parse_values("task.n_tasks", "2,3") == (2, 3)
    assert parse_values("train.lookahead", "true,false") == (True, False)
    assert parse_values("hnet.kind", "mlp,chunked") == ("mlp", "chunked")
    for field, bad in (("train.beta", "a"), ("task.n_tasks", "1.5"), ("train.lookahead", "x"),
                       ("train.beta", " , ")):
        with pytest.raises(ConfigError, match="values"):
            parse_values(field, bad)


def test_product_of_two_fields_sets_each_point():
    grid = make_grid([BASE], {"beta": [0, 0.01], "hnet.hidden": [(5, 5), (8,)]}, seeds=(0, 3))
    points = list(grid.points())
    assert grid.n_runs == len(points) == 8
    p = points[-1]
    assert p.params == (("train.beta", 0.01), ("hnet.hidden", (8,))) and p.seed == 3
    assert p.config.hnet.hidden == (8,) and p.config.train.beta == 0.01
    assert p.config.train.seed == p.config.task.seed == 3
    assert p.file == "beta=0.01_hidden=8_seed=3.pt"
    assert points[0].file == "beta=0_hidden=5x5_seed=0.pt"
    assert len({q.file for q in points}) == 8


def test_each_method_sweeps_its_own_strength_by_default():
    bases = [default_config("regression1d", m) for m in ("hnet", "ewc")]
    grid = make_grid(bases, None, seeds=(0,), values=[0, 1])
    files = [p.file for p in grid.points()]
    assert files == ["hnet_beta=0_seed=0.pt", "hnet_beta=1_seed=0.pt",
                     "ewc_ewc_lambda=0_seed=0.pt", "ewc_ewc_lambda=1_seed=0.pt"]
    si = make_grid([default_config("regression1d", "si")], None)  # the registry's grid
    from hnviz.core.method_specs import method_spec

    assert [p.params[0][1] for p in si.points()] == list(method_spec("si").strength.sweep_values)
    with pytest.raises(ConfigError, match="no regularizer strength"):
        make_grid([default_config("regression1d", "finetune")], None)
    assert len(list(make_grid([default_config("regression1d", "finetune")],
                              {"lr": [1e-3]}).points())) == 1


def test_every_point_is_validated_and_the_grid_is_bounded():
    with pytest.raises(ConfigError, match="task.n_tasks"):
        make_grid([BASE], {"task.n_tasks": [2, 99]})
    with pytest.raises(ConfigError, match="train.beta"):
        make_grid([BASE], {"beta": [0.1, -1]})
    with pytest.raises(ConfigError, match=f"at most {MAX_RUNS}"):
        make_grid([BASE], {"lr": [1e-3 * (i + 1) for i in range(200)],
                           "beta": [0.1 * i for i in range(200)]})


# ------------------------------------------------------------------------------ the engine
def test_sweep_writes_files_and_manifest_then_resume_runs_nothing_new(tmp_path: Path):
    out = tmp_path / "s"
    grid = make_grid([BASE], {"beta": [0, 0.01]})
    m = _sweep(grid, out)
    assert sorted(p.name for p in out.glob("*.pt")) == ["beta=0.01_seed=0.pt",
                                                        "beta=0_seed=0.pt"]
    assert m["status"] == "done" and m["n_skipped"] == 0 and m["version"] == 2
    assert m["counts"] == {"pending": 0, "running": 0, "ok": 2, "failed": 0}
    on_disk = read_manifest(out)
    run = on_disk["runs"][0]
    assert run["status"] == "ok" and run["attempts"] == 1 and run["device"] == "cpu"
    assert run["params"] == {"train.beta": 0} and run["worker"] == "inline"
    assert len(run["summary"]["acc_matrix"]) == 3
    assert len(run["functions"]) == 3  # regression: one curve per task
    # v1 fields a reader of one-axis sweeps relies on
    assert (on_disk["param"], on_disk["values"], on_disk["paper_value"]) == ("beta", [0, 0.01],
                                                                             BASE.train.beta)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")}

    again = _sweep(grid, out)
    assert again["n_skipped"] == 2
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")} == mtimes
    assert [r["summary"] for r in again["runs"]] == [r["summary"] for r in m["runs"]]


def test_resume_reruns_a_missing_or_foreign_checkpoint(tmp_path: Path):
    out = tmp_path / "s"
    grid = make_grid([BASE], {"beta": [0, 0.01]})
    _sweep(grid, out)
    (out / "beta=0_seed=0.pt").unlink()
    (out / "beta=0.01_seed=0.pt").write_bytes(b"not a checkpoint")
    m = _sweep(grid, out)
    assert m["n_skipped"] == 0 and [r["status"] for r in m["runs"]] == ["ok", "ok"]
    other = make_grid([BASE.replace(train={"lr": 2e-3})], {"beta": [0, 0.01]})
    assert _sweep(other, out)["n_skipped"] == 0  # same file names, another config


def test_resume_keeps_a_run_written_before_a_config_field_existed(tmp_path: Path):
    """A finished run whose file predates a config field (saved without it) is the same run
    when the field's default is what the sweep asks for: resumed, not trained again (the
    reproduction's seed-0 MNIST runs predate `reg_choice` and `chunk_emb_init_std`). With
    another value for that field, it is trained again."""
    import io as _io
    import json as _json

    import torch

    out = tmp_path / "s"
    grid = make_grid([BASE], {"beta": [0.01]})
    _sweep(grid, out)
    path = out / "beta=0.01_seed=0.pt"
    raw = read_run_dict(path)
    del raw["config"]["train"]["reg_choice"]  # as a file written before the field existed
    raw = {**raw, **{k: _json.dumps(raw[k]) for k in ("config", "history", "meta")}}
    buf = _io.BytesIO()
    torch.save(raw, buf)
    path.write_bytes(buf.getvalue())
    assert _sweep(grid, out)["n_skipped"] == 1
    other = make_grid([BASE.replace(train={"reg_choice": "random"})], {"beta": [0.01]})
    assert _sweep(other, out)["n_skipped"] == 0


def test_resume_names_the_data_folder_either_way(tmp_path: Path, monkeypatch):
    """The same data folder given as a relative or an absolute path is one run (a reproduction
    resumed with `--data-root ../shared/data` after `/work/shared/data` retrained its runs)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "s"
    rel = make_grid([BASE.replace(task={"data_root": "data"})], {"beta": [0.01]})
    _sweep(rel, out)
    absolute = make_grid([BASE.replace(task={"data_root": str(data)})], {"beta": [0.01]})
    assert _sweep(absolute, out)["n_skipped"] == 1
    elsewhere = make_grid([BASE.replace(task={"data_root": str(tmp_path)})], {"beta": [0.01]})
    assert _sweep(elsewhere, out)["n_skipped"] == 0


def test_diverged_run_is_recorded_failed_and_sweep_goes_on(tmp_path: Path):
    out = tmp_path / "s"
    grid = make_grid([BASE], {"lr": [1e-3, 1e6]})
    m = _sweep(grid, out)
    ok, bad = m["runs"]
    assert m["status"] == "done"
    assert ok["status"] == "ok" and ok["error"] is None
    assert bad["status"] == "failed" and "loss became" in bad["error"]
    # the failure is deterministic: its checkpoint counts as done on resume
    assert _sweep(grid, out)["n_skipped"] == 2


def test_crashing_run_is_recorded_failed(tmp_path: Path, monkeypatch):
    from hnviz.core import trainer as trainer_mod

    real = trainer_mod.Trainer.advance

    def advance(self, n):
        if self.cfg.train.beta == 0.5:
            raise RuntimeError("boom")
        return real(self, n)

    monkeypatch.setattr(trainer_mod.Trainer, "advance", advance)
    m = _sweep(make_grid([BASE], {"beta": [0.5, 0.01]}), tmp_path / "s")
    assert [r["status"] for r in m["runs"]] == ["failed", "ok"]
    assert m["runs"][0]["error"] == "RuntimeError: boom"
    assert not (tmp_path / "s" / "beta=0.5_seed=0.pt").exists()


@pytest.mark.slow
def test_local_pool_records_results_arriving_out_of_order(tmp_path: Path):
    """Two worker processes: the long first run finishes after the short second one."""
    out = tmp_path / "s"
    grid = make_grid([BASE], {"beta": [0, 0.01], "train.iters_per_task": [1000, 10]})
    m = _sweep(grid, out, backend="local", jobs=2)
    assert m["status"] == "done" and m["counts"]["ok"] == 4 and m["workers"] == 2
    assert {r["worker"] for r in m["runs"]} == {"local-1", "local-2"}
    written = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")}
    assert written["beta=0_iters_per_task=10_seed=0.pt"] < \
        written["beta=0_iters_per_task=1000_seed=0.pt"]  # arrived out of grid order
    for run in read_manifest(out)["runs"]:  # and every record is its own run's
        raw = read_run_dict(out / run["file"])
        assert raw["config"]["train"]["iters_per_task"] == run["params"]["train.iters_per_task"]
        assert raw["config"]["train"]["beta"] == run["params"]["train.beta"]
        assert raw["meta"]["summary"]["acc_matrix"] == run["summary"]["acc_matrix"]
        assert raw["meta"]["sweep_record"]["functions"] == run["functions"]


# ------------------------------------------------------------------------------ CLI
def test_cli_sweep_json(tmp_path: Path, capsys):
    assert "sweep" in build_parser().format_help()
    out = tmp_path / "cli"
    rc = main(["sweep", "--method", "ewc", "--lambdas", "0,10", "--seeds", "3", "--iters", "10",
               "--backend", "inline", "--quiet", "--json", "--out", str(out)])
    assert rc == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info == {**info, "runs": 2, "ok": 2, "failed": 0, "skipped": 0, "status": "done"}
    d = json.loads((out / MANIFEST).read_text())
    assert d["param"] == "ewc_lambda"
    assert d["paper_value"] == default_config("regression1d", "ewc").train.ewc_lambda
    assert d["seeds"] == [3] and d["iters_per_task"] == 10
    assert sorted(p.name for p in out.glob("*.pt")) == ["ewc_lambda=0_seed=3.pt",
                                                        "ewc_lambda=10_seed=3.pt"]


def test_cli_grid_over_two_fields_and_two_methods(tmp_path: Path, capsys):
    out = tmp_path / "grid"
    rc = main(["sweep", "--methods", "hnet,si", "--param", "lr", "--values", "1e-3,2e-3",
               "--param", "hnet.hidden", "--values", "4;6,6", "--iters", "10",
               "--backend", "inline", "--quiet", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    d = read_manifest(out)
    assert d["methods"] == ["hnet", "si"] and d["benchmarks"] == ["regression1d"]
    assert d["axes"]["si"] == [{"field": "train.lr", "values": [0.001, 0.002]},
                               {"field": "hnet.hidden", "values": [[4], [6, 6]]}]
    assert d["counts"]["ok"] == 8 and len(list(out.glob("*.pt"))) == 8
    assert "si_lr=0.002_hidden=6x6_seed=0.pt" in {r["file"] for r in d["runs"]}
    # the explorer's reader: one slice per method and hidden size, along lr
    s = load_sweep(out)
    assert s.field == "train.lr" and list(s.values) == [0.001, 0.002] and s.ok.all()
    assert s.method == "hnet" and s.fixed == (("hnet.hidden", [4]),)


def test_cli_rejects_bad_input_in_one_line(tmp_path: Path, capsys):
    cases = [
        (["--betas", "-1"], "beta"),
        (["--param", "hidden", "--values", "5"], "ambiguous"),
        (["--param", "lr"], "one --values after each --param"),
        (["--methods", "hnet,nope", "--values", "0"], "train.method"),
        (["--backend", "local", "--address", "tcp://x:1", "--values", "0"], "--address"),
        (["--resources", "GPU", "--backend", "dask", "--values", "0"], "NAME=AMOUNT"),
        (["--retries", "-1", "--values", "0"], "--retries"),
    ]
    for args, message in cases:
        assert main(["sweep", *args, "--quiet", "--out", str(tmp_path / "x")]) == 2, args
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, (args, err)


@pytest.mark.parametrize("make_out, match", [
    (lambda tmp: (tmp / "f").write_text("x") and str(tmp / "f"), r"is a file, not a folder"),
    (lambda tmp: (tmp / "f").write_text("x") and str(tmp / "f" / "sweep"),
     r"/f is a file, not a folder"),
    (lambda tmp: "/proc/hnviz-sweep/out", r"not writable"),
])
def test_cli_refuses_an_output_folder_it_cannot_write_before_training(make_out, match,
                                                                     tmp_path, capsys):
    out = make_out(tmp_path)
    rc = main(["sweep", "--values", "0", "--iters", "10", "--quiet", "--out", out])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: --out: ") and len(err.splitlines()) == 1, err
    assert re.search(match, err), err
    assert not list(tmp_path.rglob("*.pt")) and not list(tmp_path.rglob("sweep.json"))


def test_every_grid_point_is_checked_against_the_size_limits(tmp_path, capsys):
    args = ["sweep", "--param", "hnet.hidden", "--values", "8;5000", "--quiet",
            "--out", str(tmp_path / "s")]
    assert main(args) == 2  # LIBRARY: at most 4096 wide, before anything is built or written
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: grid point hidden=5000_seed=0: hnet.hidden") and \
        "exceeds the limit 4096" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "s").exists()
    grid = grid_from_args(build_parser().parse_args([*args, "--allow-large"]))
    assert grid.limits is HARD and grid.n_runs == 2
    # a cheap run over a LIBRARY limit: refused, and trained (the worker's Trainer checks
    # against HARD too) with --allow-large
    cheap = ["sweep", "--param", "train.eval_every", "--values", "2000000", "--iters", "10",
             "--backend", "inline", "--quiet", "--out", str(tmp_path / "c")]
    assert main(cheap) == 2 and "exceeds the limit 1000000" in capsys.readouterr().err
    assert main([*cheap, "--allow-large"]) == 0
    assert read_manifest(tmp_path / "c")["runs"][0]["status"] == "ok"


def test_cli_says_data_is_missing_once_before_starting_workers(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HNVIZ_DATA", str(tmp_path / "no-data"))
    rc = main(["sweep", "--benchmark", "split-mnist", "--values", "0", "--quiet",
               "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "split-mnist: MNIST not found" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "s").exists()


def test_resources_parse():
    assert parse_resources(["GPU=1", "MEM=4e9"]) == {"GPU": 1.0, "MEM": 4e9}
    for bad in ("GPU", "GPU=0", "=1", "GPU=x"):
        with pytest.raises(ConfigError):
            parse_resources([bad])


def test_unreachable_scheduler_is_one_line_and_leaves_a_resumable_manifest(tmp_path, capsys,
                                                                          monkeypatch):
    pytest.importorskip("distributed")
    import socket

    from hnviz.sweeps import dask_backend

    monkeypatch.setattr(dask_backend, "CONNECT_S", 2)
    with socket.socket() as s:  # a local port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "s"
    rc = main(["sweep", "--values", "0", "--iters", "10", "--backend", "dask", "--address",
               f"tcp://127.0.0.1:{port}", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: cannot reach the dask scheduler at tcp://127.0.0.1:{port}")
    d = read_manifest(out)
    assert d["status"] == "error" and d["error"] in err and d["runs"][0]["status"] == "pending"


@pytest.mark.parametrize("backend,module", [("dask", "distributed"), ("ray", "ray")])
def test_missing_cluster_package_says_how_to_install(backend, module, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(ConfigError, match="pip install"):
        open_backend(backend, 1)
