"""`hnviz reproduce`: the experiment list and one tiny experiment run end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hnviz", "reproduce", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def _reproduce(*args: str) -> subprocess.CompletedProcess:
    return _run(*args, "--quiet", "--json", cwd=None)


def test_list_names_every_experiment(tmp_path):
    from hnviz.reproduce.experiments import EXPERIMENTS

    r = _run("--list", cwd=None)
    assert r.returncode == 0, r.stderr
    for name in EXPERIMENTS:
        assert name in r.stdout


@pytest.mark.slow
def test_toy_one_seed_writes_the_table(tmp_path):
    out = tmp_path / "rep"
    r = _run("--experiment", "toy", "--seeds", "0", "--out", str(out), "--jobs", "1",
             "--quiet", "--json", cwd=None)
    assert r.returncode == 0, r.stderr
    table = json.loads(r.stdout.strip().splitlines()[-1])
    assert table["configuration"] == "lite"
    methods = {row["method"] for row in table["rows"]}
    assert {"hnet", "finetune"} <= methods
    assert all(row["experiment"] == "toy" for row in table["rows"])
    assert (out / "table.json").exists()
    by = {row["method"]: row for row in table["rows"]}
    assert by["hnet"]["n"] == 1
    # the paper's Fig. 2 ordering (final MSE, lower is better): the hypernetwork keeps the old
    # tasks, fine-tuning forgets them (0.015 vs 0.2 measured at 2000 steps; a 5x margin)
    assert by["hnet"]["mean"] * 5 < by["finetune"]["mean"]


def test_unknown_experiment_is_a_one_line_error():
    r = _run("--experiment", "nope", cwd=None)
    assert r.returncode != 0
    assert "nope" in r.stderr


@pytest.mark.slow
def test_split_mnist_runs_end_to_end_on_files_in_torchvision_format(tmp_path):
    """The MNIST family's table runs where the data root has the files (tiny ones in the real
    IDX format here); without them its rows say "not run" and why."""
    from tests.test_tasks import _write_dataset

    _write_dataset(tmp_path / "data", "MNIST", gz=False)
    args = ["--experiment", "split-mnist", "--seeds", "0", "--methods", "hnet,finetune",
            "--scenarios", "cl1,cl3", "--iters", "3", "--jobs", "1"]
    r = _reproduce(*args, "--data-root", str(tmp_path / "data"), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    table = json.loads(r.stdout.strip().splitlines()[-1])
    rows = {(row["scenario"], row["method"]): row for row in table["rows"]}
    assert set(rows) == {("cl1", "hnet"), ("cl1", "finetune"), ("cl3", "hnet"),
                         ("cl3", "finetune")}
    assert all(row["status"] == "ok" and row["n"] == 1 for row in rows.values())
    assert rows[("cl1", "hnet")]["paper"] == 99.79  # the paper's number beside the measured one
    assert "3 iters/task" in rows[("cl3", "hnet")]["config"]
    assert rows[("cl3", "hnet")]["command"].endswith("--iters 3")
    assert rows[("cl3", "hnet")]["task_inference_acc"] is not None
    missing = _reproduce(*args, "--data-root", str(tmp_path / "nothing"),
                         "--out", str(tmp_path / "o2"))
    assert missing.returncode == 0, missing.stderr
    rows = json.loads(missing.stdout.strip().splitlines()[-1])["rows"]
    assert {row["status"] for row in rows} == {"not run"} and rows[0]["reason"]


def test_narrowing_to_nothing_is_refused(tmp_path):
    r = _reproduce("--experiment", "toy", "--methods", "hnet-replay", "--out", str(tmp_path))
    assert r.returncode == 2 and "toy has none of hnet-replay" in r.stderr


def test_bundling_one_experiment_keeps_the_others_rows(tmp_path):
    """`reproduce --experiment X --bundle DIR` replaces X's rows in DIR/table.json and keeps the
    other experiments' rows (a full table of another configuration is replaced, not mixed)."""
    from hnviz.reproduce.experiments import EXPERIMENTS
    from hnviz.reproduce.run import not_run_rows, write_bundle
    from hnviz.reproduce.table import read_table

    toy = not_run_rows(EXPERIMENTS["toy"], False, (0,), "first")
    long = not_run_rows(EXPERIMENTS["permuted-digits-100"], False, (0,), "long")
    write_bundle(toy, tmp_path, False)
    write_bundle(long, tmp_path, False)
    rows = read_table(tmp_path / "table.json").rows
    assert [r["experiment"] for r in rows] == ["toy"] * len(toy) + ["permuted-digits-100"] * len(
        long)
    write_bundle(not_run_rows(EXPERIMENTS["toy"], False, (0,), "again"), tmp_path, False)
    rows = read_table(tmp_path / "table.json").rows
    assert {r["reason"] for r in rows if r["experiment"] == "toy"} == {"again"}
    assert sum(r["experiment"] == "permuted-digits-100" for r in rows) == len(long)
    write_bundle(toy, tmp_path, True)  # another configuration: a table of its own
    table = read_table(tmp_path / "table.json")
    assert table.full and {r["experiment"] for r in table.rows} == {"toy"}


def test_not_run_records_an_experiment_with_its_reason_and_command(tmp_path):
    """`--not-run REASON` trains nothing: the experiment's rows say "not run here", why, and the
    command that runs them; bundled, the other experiments' rows stay."""
    from hnviz.reproduce.experiments import EXPERIMENTS
    from hnviz.reproduce.run import not_run_rows, write_bundle
    from hnviz.reproduce.table import read_table

    bundle = tmp_path / "bundle"
    write_bundle(not_run_rows(EXPERIMENTS["toy"], False, (0,), "kept"), bundle, False)
    r = _reproduce("--experiment", "permuted-mnist-100", "--not-run", "too long for 2 cores",
                   "--out", str(tmp_path / "rep"), "--bundle", str(bundle))
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout.strip().splitlines()[-1])["rows"]
    exp = EXPERIMENTS["permuted-mnist-100"]
    assert [row["method"] for row in rows] == list(exp.methods)
    assert all(row["status"] == "not run" and row["reason"] == "too long for 2 cores"
               and row["command"].startswith("python -m hnviz reproduce --experiment "
                                             "permuted-mnist-100") for row in rows)
    assert "not run here" in r.stdout
    assert not (tmp_path / "rep" / "permuted-mnist-100").exists()  # nothing trained
    kept = read_table(bundle / "table.json").rows
    assert {row["experiment"] for row in kept} == {"toy", "permuted-mnist-100"}
