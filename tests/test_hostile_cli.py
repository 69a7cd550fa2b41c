"""Huge, invalid and hostile command lines: exit status 2 with one line on stderr, no traceback,
and nothing built (no data, no network, no training) before the problem is found. Output paths
are checked before training; `info` on malformed files prints one line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hnviz.cli import main
from hnviz.core.io import run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--iters", "2", "--eval-every", "1", "--quiet"]


@pytest.fixture
def no_builders(monkeypatch):
    """Make any data or network construction fail the test."""
    import hnviz.core.hnets as hnets
    import hnviz.core.trainer as trainer_mod

    def never(*a, **k):
        raise AssertionError("a model or data set was built")

    monkeypatch.setattr(trainer_mod, "build_tasks", never)
    monkeypatch.setattr(trainer_mod, "build_target", never)
    monkeypatch.setattr(hnets.HyperNetwork, "__init__", never)


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        rc = main(args)
    except SystemExit as e:  # argparse
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc: int, err: str, match: str) -> None:
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    import re

    assert re.search(match, lines[0]), lines[0]


@pytest.mark.parametrize("args, match", [
    (["--benchmark", "permuted-digits", "--n-tasks", "1000000"], r"task\.n_tasks must be <= "),
    (["--benchmark", "permuted-digits", "--n-tasks", "3000"],
     r"task\.n_tasks=3000 exceeds the limit 1000 \(library limit; the CLI's --allow-large"),
    (["--target-hidden", "2000000"], r"target\.hidden\[0\]=2000000 exceeds the limit 4096"),
    (["--hnet-hidden", "100000,100000"], r"hnet\.hidden\[0\]=100000 exceeds the limit 4096"),
    (["--iters", str(10**9)], r"train\.iters_per_task=1000000000 exceeds the limit 1000000"),
    (["--iters", str(10**12)], r"train\.iters_per_task=\d+ exceeds the limit \d+ \(an absolute"),
    (["--batch-size", str(10**7)], r"train\.batch_size=10000000 exceeds"),
    (["--chunk-size", str(10**8), "--hnet", "chunked"], r"hnet\.chunk_size=100000000 exceeds"),
    (["--emb-dim", "100000"], r"hnet\.emb_dim=100000 exceeds"),
    (["--eval-every", str(10**9)], r"train\.eval_every=1000000000 exceeds"),
    (["--benchmark", "permuted-digits", "--n-tasks", "1000", "--iters", "1",
      "--target-hidden", "1000,1000"],
     r"this run needs ~[\d.]+ GB, more than the 4096 MB budget"),
    (["--iters", "-5"], r"train\.iters_per_task must be >= 1"),
    (["--n-tasks", "0"], r"task\.n_tasks must be >= 1"),
    (["--n-tasks", "-3"], r"task\.n_tasks must be >= 1"),
    (["--batch-size", "0"], r"train\.batch_size must be >= 1"),
    (["--target-hidden", "10,-4"], r"target\.hidden must be positive widths"),
    (["--emb-dim", "0"], r"hnet\.emb_dim must be >= 1"),
    (["--lr", "-1"], r"train\.lr must be a finite number >= 0"),
    (["--lr", "nan"], r"train\.lr must be a finite number"),
    (["--beta", "inf"], r"train\.beta must be a finite number"),
    (["--reg-tasks", "-2"], r"train\.reg_tasks must be >= 0"),
    (["--seed", str(2**70)], r"train\.seed must be an integer"),
    (["--iters", "abc"], r"argument --iters: invalid int value: 'abc'"),
    (["--target-hidden", "10,x"], r"argument --target-hidden: invalid"),
    (["--benchmark", "cifar"], r"argument --benchmark: invalid choice"),
])
def test_bad_train_arguments(args, match, capsys, no_builders):
    rc, _, err = run_cli(["train", *args, "--quiet"], capsys)
    assert_one_line_error(rc, err, match)


def test_unknown_subcommand(capsys):
    rc, _, err = run_cli(["trian"], capsys)
    assert_one_line_error(rc, err, r"invalid choice: 'trian'")


def test_allow_large_lifts_the_library_limits_only(capsys, no_builders):
    rc, _, err = run_cli(["train", "--target-hidden", "5000", "--allow-large", "--quiet",
                          "--out", "/proc/hnviz-x/run.pt"], capsys)
    assert_one_line_error(rc, err, r"--out: cannot write")  # past the limits, stopped at --out
    rc, _, err = run_cli(["train", "--iters", str(10**10), "--allow-large"], capsys)
    assert_one_line_error(rc, err, r"an absolute cap")


# ----------------------------------------------------------------- --out, before any training
@pytest.mark.parametrize("make_out, match", [
    (lambda tmp: str(tmp), r".* is a directory; give a file name"),
    (lambda tmp: str(tmp) + os.sep, r".*/ is a directory"),
    (lambda tmp: "/proc/hnviz-missing/deeper/run.pt", r"cannot write .*: folder /proc is not "
                                                       r"writable"),
    (lambda tmp: (tmp / "f").write_text("x") and str(tmp / "f" / "run.pt"),
     r"cannot write .*: .*/f is a file, not a folder"),
    (lambda tmp: "", r"the output path is empty"),
])
def test_bad_out_paths_fail_before_training(make_out, match, tmp_path, capsys, no_builders):
    rc, _, err = run_cli(["train", *TINY, "--out", make_out(tmp_path)], capsys)
    assert_one_line_error(rc, err, r"^error: --out: " + match)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_out_into_read_only_folder(tmp_path, capsys, no_builders):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rc, _, err = run_cli(["train", *TINY, "--out", str(ro / "run.pt")], capsys)
    finally:
        ro.chmod(0o755)
    assert_one_line_error(rc, err, r"is not writable")


def test_out_into_missing_folder_is_created(tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "run.pt"
    rc, _, err = run_cli(["train", *TINY, "--n-tasks", "2", "--out", str(out)], capsys)
    assert rc == 0, err
    assert out.exists()
    assert [p.name for p in out.parent.iterdir()] == ["run.pt"]  # no probe or temp files left


# ----------------------------------------------------------------- info on malformed files
@pytest.fixture(scope="module")
def good_bytes() -> bytes:
    t = Trainer(default_config("regression1d", "finetune").replace(
        train={"iters_per_task": 4, "eval_every": 2}))
    t.run()
    return run_to_bytes(t)


def _with_history(good: bytes, history) -> bytes:
    d = torch.load(io.BytesIO(good), weights_only=True)
    d["history"] = json.dumps(history)
    buf = io.BytesIO()
    torch.save(d, buf)
    return buf.getvalue()


@pytest.mark.parametrize("make, match", [
    (lambda g: _with_history(g, {"R": "not a list"}), r"history\['R'\] is not a list"),
    (lambda g: _with_history(g, {"R": [[1, 2, 3], "x", None]}), r"R\[1\] must be a list"),
    (lambda g: _with_history(g, {"R": [[None, None, None]] * 3, "R0": 5}), r"R0 must be a list"),
    (lambda g: _with_history(g, []), r"history is malformed"),
    (lambda g: g[: len(g) // 3], r"truncated or corrupt"),
    (lambda g: os.urandom(300), r"not a PyTorch file"),
])
def test_info_on_malformed_files(make, match, good_bytes, tmp_path, capsys, no_builders):
    p = tmp_path / "bad.pt"
    p.write_bytes(make(good_bytes))
    rc, out, err = run_cli(["info", str(p)], capsys)
    assert_one_line_error(rc, err, match)
    assert out == ""


def test_info_on_a_good_file(good_bytes, tmp_path, capsys, no_builders):
    p = tmp_path / "good.pt"
    p.write_bytes(good_bytes)
    rc, out, _ = run_cli(["info", str(p), "--json"], capsys)
    assert rc == 0 and json.loads(out)["tasks_done"] == 3


@pytest.mark.slow
def test_subprocess_prints_no_traceback(tmp_path):
    """The real entry point, as a user runs it: one line, exit 2."""
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x00" * 64)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["info", str(bad)], ["train", "--target-hidden", "2000000"],
                 ["train", "--out", str(tmp_path), "--quiet"]):
        r = subprocess.run([sys.executable, "-m", "hnviz", *args], capture_output=True,
                           text=True, env=env, cwd=ROOT, timeout=120)
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
