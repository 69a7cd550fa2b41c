"""`hnviz reproduce`: the experiment list and one tiny experiment run end to end."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hnviz", "reproduce", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_list_names_every_experiment(tmp_path):
    from hnviz.reproduce.experiments import EXPERIMENTS

    r = _run("--list", cwd=None)
    assert r.returncode == 0, r.stderr
    for name in EXPERIMENTS:
        assert name in r.stdout


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
